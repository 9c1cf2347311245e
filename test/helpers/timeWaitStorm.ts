// Makes `count` loopback connections whose server side closes first, so each leaves a TIME_WAIT
// socket in this network namespace (a server that closes its clients: the TIME_WAIT storm).
// Prints {"pid":…,"timeWait":count} once every connection is closed, then exits.
import { once } from 'node:events';
import net from 'node:net';

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 100);
  const server = net.createServer((s) => s.end());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  for (let i = 0; i < count; i++) {
    const c = net.connect(port, '127.0.0.1');
    c.resume();
    // The server's FIN arrives first; our close answers it, so TIME_WAIT stays on the server's side.
    await once(c, 'end');
    c.end();
    await once(c, 'close');
  }
  server.close();
  process.stdout.write(JSON.stringify({ pid: process.pid, timeWait: count }) + '\n');
}

void main();
