// Holds loopback connections to its own listener and replaces some on request, as a busy server
// does, so tests can check that a refresh attributes the new sockets it has not seen before.
// Prints one JSON line at start and one per command: its pid, the listener port and the client
// ports of the connections it holds. Commands on stdin: "replace N" opens N new connections and
// closes the N oldest (client side first: it goes to TIME_WAIT), and closes and reopens a file
// descriptor that is not a socket, so a descriptor number changes kind. Exits when stdin closes,
// or after 120 s at most.
import { closeSync, openSync } from 'node:fs';
import net from 'node:net';
import { createInterface } from 'node:readline';

const deadline = setTimeout(() => process.exit(3), 120_000);
const INITIAL = Number(process.argv[2] ?? 20);
const pairs: { client: net.Socket; server?: net.Socket }[] = [];
const serverSides = new Map<number, net.Socket>();
let file = openSync('/dev/null', 'r');

const server = net.createServer((s) => {
  s.on('error', () => {});
  serverSides.set(s.remotePort!, s);
});

async function open(port: number): Promise<void> {
  const client = await new Promise<net.Socket>((resolve, reject) => {
    const c = net.connect({ host: '127.0.0.1', port }, () => resolve(c));
    c.on('error', reject);
  });
  // The accepted side may come a moment after the client's connect.
  while (!serverSides.has(client.localPort!)) await new Promise((r) => setTimeout(r, 2));
  pairs.push({ client, server: serverSides.get(client.localPort!) });
}

function report(done?: string): void {
  const port = (server.address() as net.AddressInfo).port;
  process.stdout.write(`${JSON.stringify({ pid: process.pid, port, clientPorts: pairs.map((p) => p.client.localPort), done })}\n`);
}

(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  for (let i = 0; i < INITIAL; i++) await open(port);
  report();
  for await (const line of createInterface({ input: process.stdin })) {
    const n = Number(/^replace (\d+)$/.exec(line)?.[1] ?? Number.NaN);
    if (!Number.isInteger(n)) continue;
    closeSync(file);
    for (let i = 0; i < n; i++) {
      const old = pairs.shift()!;
      const gone = new Promise((r) => old.client.once('close', r));
      old.client.destroy();
      old.server?.destroy();
      serverSides.delete(old.client.localPort!);
      await gone;
    }
    // New sockets take the lowest free numbers: the file's and the closed connections'.
    for (let i = 0; i < n; i++) await open(port);
    file = openSync('/dev/null', 'r');
    report(line);
  }
  clearTimeout(deadline);
  process.exit(0);
})().catch((err) => {
  process.stderr.write(String(err));
  process.exit(2);
});
