/*
 * The only program TCP Lens runs on a remote host: a POSIX sh loop fed over ssh's stdin, so
 * nothing is installed there and no text from the user ever reaches the remote shell.
 * Shells such as dash read a script from a pipe in blocks, so the script is one function that
 * runs only after it was read whole, and says READY before anything more is sent. Then comes a
 * random token that makes the frame markers unforgeable by socket or process data, and one
 * request per line, answered with marker lines:  @@TCPLENS <token> BEGIN|SEC <name>|END <status>.
 *   c            counts per state (awk on the remote side when there is one)
 *   t            the tables
 *   f            the tables and the live pids (Linux), netstat with pids (macOS)
 *   s PID...     the socket inodes of these processes' fds (Linux)
 *   F            the socket inodes of every process's fds (Linux)
 *   i PID...     name and command line of these processes (Linux)
 *   q            quit
 * The client keeps the inode-to-pid map, so the fd walk (the expensive part) covers only the
 * processes that can hold a socket it has not seen (see remoteProcesses.ts). PID arguments are
 * numbers the client read from this host; the script still drops anything that is not digits.
 * Every command inside the loop reads /dev/null, never the request stream.
 */
export const REMOTE_SCRIPT = String.raw`tcplens_main() {
printf '\n@@TCPLENS-READY\n'
IFS= read -r t || exit 1
m() { printf '\n@@TCPLENS %s %s\n' "$t" "$*"; }
os=$(uname -s 2>/dev/null </dev/null)
e=-
if [ "$os" = Linux ]; then
  if [ "$(printf '\001\000' | od -An -tx2 2>/dev/null | tr -d ' ')" = 0001 ]; then e=le; else e=be; fi
fi
a=0; command -v awk >/dev/null 2>&1 && a=1
f=/proc/net/tcp; [ -r /proc/net/tcp6 ] && f="$f /proc/net/tcp6"
m HELLO "$os" "$e" "$a" "$$" "$(uname -n 2>/dev/null </dev/null)"
# w DIR...: "P pid" then the socket inodes of each /proc/PID/fd, "D pid" if it cannot be read.
# Only link targets the kernel wrote (socket:[N]) are printed, never a file name: a name with a
# newline or " -> socket:[N]" in it cannot pose as a socket. GNU find does it in one process;
# elsewhere (busybox) readlink runs once per socket fd.
if [ "$os" = Linux ] && find /proc/self/fd -maxdepth 0 -readable -printf '' >/dev/null 2>&1 </dev/null; then
w() { find "$@" -maxdepth 1 \( -type d \( -readable -printf 'P %p\n' -o -printf 'D %p\n' \) -o -lname 'socket:\[*\]' -printf '%l\n' \) 2>/dev/null </dev/null | sed -n -e 's|^\([PD]\) /proc/\([0-9]*\)/fd$|\1 \2|p' -e 's|^socket:\[\([0-9]*\)\]$|\1|p'; }
else
w() {
  for g; do
    [ -d "$g" ] || continue
    o=$IFS; IFS=/; set -f; set -- $g; set +f; IFS=$o
    if [ -r "$g" ] && [ -x "$g" ]; then echo "P $3"; else echo "D $3"; continue; fi
    for l in "$g"/*; do
      [ -S "$l" ] || continue
      n=$(readlink "$l" 2>/dev/null </dev/null) || continue
      case $n in 'socket:['*']') IFS='[]'; set -f; set -- $n; set +f; IFS=$o; case $2 in ''|*[!0-9]*) ;; *) echo "$2" ;; esac ;; esac
    done
  done
}
fi
while IFS= read -r q; do
  [ "$q" = q ] && exit 0
  set -f; set -- $q; set +f; k=$1; shift
  m BEGIN "$k"
  d=; g=
  for p; do case $p in ''|*[!0-9]*) ;; *) d="$d $p"; g="$g /proc/$p/fd" ;; esac; done
  case $os:$k in
  Linux:c)
    if [ $a = 1 ]; then
      m SEC COUNTS; awk 'FNR>1{n[$4]++}END{for(k in n)print k,n[k]}' $f </dev/null
    else
      m SEC T4; cat /proc/net/tcp </dev/null; m SEC T6; cat /proc/net/tcp6 2>/dev/null </dev/null
    fi ;;
  Linux:[ft])
    m SEC T4; cat /proc/net/tcp </dev/null; m SEC T6; cat /proc/net/tcp6 2>/dev/null </dev/null
    if [ "$k" = f ]; then m SEC PIDS; echo /proc/[0-9]*; fi ;;
  Linux:s)
    m SEC FD; if [ -n "$g" ]; then w $g; fi ;;
  Linux:F)
    m SEC FD; w /proc/[0-9]*/fd ;;
  Linux:i)
    m SEC INFO
    for p in $d; do
      IFS= read -r c 2>/dev/null <"/proc/$p/comm" || continue
      printf 'C %s %s\nA %s ' "$p" "$c" "$p"
      tr '\000\n' '  ' <"/proc/$p/cmdline" 2>/dev/null | cut -b 1-1000; echo
    done ;;
  Darwin:[ct]) m SEC NETSTAT; netstat -an -p tcp </dev/null ;;
  Darwin:f) m SEC NETSTAT_V; netstat -anv -p tcp </dev/null ;;
  FreeBSD:[cft]) m SEC NETSTAT; netstat -an -p tcp </dev/null ;;
  *) m SEC ERROR; echo "request not supported on $os" ;;
  esac
  m END "$?"
done
exit 0
}
tcplens_main
`;

/** Printed once the shell has read the whole script and waits for the token. */
export const READY_LINE = '\n@@TCPLENS-READY\n';

/** Operating systems the script answers for (`uname -s`). */
export const SUPPORTED_REMOTE_OS = ['Linux', 'Darwin', 'FreeBSD'] as const;
export type RemoteOs = (typeof SUPPORTED_REMOTE_OS)[number];

/** What the remote script says first, once per session. */
export interface RemoteHello {
  os: string;
  /** Byte order for /proc/net/tcp addresses (Linux only). */
  littleEndian: boolean;
  /** awk counts states remotely, so a counts refresh sends a few bytes instead of the table. */
  hasAwk: boolean;
  /** The remote shell's pid: its /proc/PID/stat tells what the loop has cost the host. */
  shellPid: number;
  nodeName: string;
}

export function parseHello(args: string): RemoteHello {
  const [os = '', endian = '-', awk = '0', pid = '0', ...name] = args.split(' ');
  return { os, littleEndian: endian !== 'be', hasAwk: awk === '1', shellPid: Number(pid) || 0, nodeName: name.join(' ') };
}

export function isSupportedOs(os: string): os is RemoteOs {
  return (SUPPORTED_REMOTE_OS as readonly string[]).includes(os);
}
