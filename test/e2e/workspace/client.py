# A client that forgets to close its socket on the error path.
import socket


def fetch_banner(host: str, port: int) -> bytes:
    sock = socket.create_connection((host, port), timeout=2)
    banner = sock.recv(64)
    if not banner:
        raise ConnectionError("no banner")
    sock.close()
    return banner
