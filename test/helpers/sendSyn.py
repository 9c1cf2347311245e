"""Sends one bare TCP SYN from a source address nobody owns, with a raw socket.

The server answers with a SYN-ACK that goes nowhere, so its side stays in SYN_RECV (a half-open
connection) for as long as the kernel retries: the one TCP state no ordinary socket API makes.
Usage (inside a test network namespace, as root): sendSyn.py SRC DST SPORT DPORT
"""
import socket
import struct
import sys


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def main() -> None:
    src, dst, sport, dport = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    syn_flag, window = 0x02, 64240
    tcp = struct.pack("!HHLLBBHHH", sport, dport, 12345, 0, 5 << 4, syn_flag, window, 0, 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 64, socket.IPPROTO_TCP, 0, socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW) as raw:
        raw.sendto(ip + tcp, (dst, 0))


if __name__ == "__main__":
    main()
