// A hostile local process: it holds files whose names pose as `ls -l /proc/PID/fd` lines, so that
// a reader of that output would take it for the owner of another process's socket (argv[2],
// an inode) and pid 1 for the owner of its own. It also listens, so that it has a socket of its
// own for a refresh to look for. Prints {pid, port} and lives until its stdin closes.
import { mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const inode = process.argv[2];
const dir = mkdtempSync(path.join(tmpdir(), 'tcplens-spoof-'));
mkdirSync(path.join(dir, 'z\n', 'proc', '1'), { recursive: true });
for (const name of [`x\nsocket:[${inode}]`, `y -> socket:[${inode}]`, 'z\n/proc/1/fd:']) {
  const file = path.join(dir, name);
  writeFileSync(file, '');
  openSync(file, 'r');
}
const server = net.createServer().listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ pid: process.pid, port: (server.address() as net.AddressInfo).port }));
});
process.stdin.resume();
process.stdin.on('end', () => {
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
});
