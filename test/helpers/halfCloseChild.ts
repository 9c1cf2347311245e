// Makes one CLOSE_WAIT socket (the server side of a pair whose client sent FIN) with its FIN_WAIT2
// peer, and one TIME_WAIT socket, then prints when it made the FINs (epoch ms) as one JSON line.
// Holds them until stdin closes or a hard deadline, so it can never linger.
import { once } from 'node:events';
import net from 'node:net';

const deadline = setTimeout(() => process.exit(3), 120_000);

async function pair(port: number, server: net.Server): Promise<[net.Socket, net.Socket]> {
  const accepted = once(server, 'connection') as Promise<[net.Socket]>;
  const client = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  await once(client, 'connect');
  const [serverSide] = await accepted;
  return [client, serverSide];
}

(async () => {
  const server = net.createServer({ allowHalfOpen: true });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;

  const [halfClient, halfServer] = await pair(port, server);
  halfServer.resume();
  const sawEnd = once(halfServer, 'end');
  const closeWaitFinAt = Date.now();
  halfClient.end();
  await sawEnd;

  const [twClient, twServer] = await pair(port, server);
  const timeWait = twClient.localPort;
  twServer.on('end', () => twServer.end());
  twServer.resume();
  twClient.resume();
  const closed = once(twClient, 'close');
  const timeWaitFinAt = Date.now();
  twClient.end();
  await closed;

  process.stdout.write(
    `${JSON.stringify({ pid: process.pid, port, closeWaitFinAt, closeWait: halfServer.remotePort, timeWaitFinAt, timeWait })}\n`,
  );
  process.stdin.resume();
  process.stdin.on('end', () => {
    halfClient.destroy();
    halfServer.destroy();
    server.close();
    clearTimeout(deadline);
    process.exit(0);
  });
})().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(2);
});
