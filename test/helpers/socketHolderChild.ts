// Holds a listener and one loopback connection to it, and on request replaces them, so tests
// can make a row stale for real. Prints one JSON line per state; commands come on stdin:
//   "relisten"  closes the listener and opens another (the old socket inode is gone)
//   "reconnect" resets the connection (RST, no TIME_WAIT) and connects again from the same
//               local port: the same 4-tuple, a new socket inode
// Exits when stdin closes, or after 60 s at most.
import net from 'node:net';
import { createInterface } from 'node:readline';

const deadline = setTimeout(() => process.exit(3), 60_000);
let server!: net.Server;
let client!: net.Socket;
const accepted = new Set<net.Socket>();

function listen(): Promise<number> {
  server = net.createServer((s) => {
    accepted.add(s);
    s.on('error', () => {});
    s.on('close', () => accepted.delete(s));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

function connect(port: number, localPort?: number): Promise<number> {
  return new Promise((resolve, reject) => {
    client = net.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.1', localPort }, () => resolve(client.localPort!));
    client.on('error', reject);
  });
}

function report(extra: Record<string, unknown> = {}): void {
  process.stdout.write(
    `${JSON.stringify({ pid: process.pid, port: (server.address() as net.AddressInfo).port, clientPort: client.localPort, ...extra })}\n`,
  );
}

(async () => {
  const port = await listen();
  await connect(port);
  report();
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (line === 'relisten') {
      const old = server;
      await listen();
      // Stops listening at once (the callback would wait for the accepted connection too).
      old.close();
      while (old.listening) await new Promise((r) => setTimeout(r, 10));
      report({ done: line });
    } else if (line === 'reconnect') {
      const localPort = client.localPort!;
      const closed = new Promise((r) => client.once('close', r));
      client.resetAndDestroy();
      await closed;
      // The server's end sees the RST; wait until it is gone so the tuple is free on both sides.
      while (accepted.size > 0) await new Promise((r) => setTimeout(r, 10));
      await connect((server.address() as net.AddressInfo).port, localPort);
      report({ done: line });
    }
  }
  clearTimeout(deadline);
  process.exit(0);
})().catch((err) => {
  process.stderr.write(String(err));
  process.exit(2);
});
