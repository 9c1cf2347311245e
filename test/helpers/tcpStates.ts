import { once } from 'node:events';
import net from 'node:net';
import type { TcpStateName } from '../../src/core/model';

/** A socket the kernel should now list, as seen from its own side. */
export interface ExpectedSocket {
  state: TcpStateName;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  /** false for TIME_WAIT: no file descriptor, no process. */
  owned: boolean;
}

export interface SocketStates {
  expected: ExpectedSocket[];
  close(): void;
}

function endpoint(s: net.Socket) {
  return { localAddress: s.localAddress!, localPort: s.localPort!, remoteAddress: s.remoteAddress!, remotePort: s.remotePort! };
}

async function connectPair(server: net.Server, address: string, port: number): Promise<[net.Socket, net.Socket]> {
  const accepted = once(server, 'connection') as Promise<[net.Socket]>;
  const client = net.connect({ host: address, port, allowHalfOpen: true });
  await once(client, 'connect');
  const [serverSide] = await accepted;
  return [client, serverSide];
}

async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Opens real sockets in LISTEN, ESTABLISHED, CLOSE_WAIT, FIN_WAIT2 and TIME_WAIT on one
 * loopback address (`127.0.0.1` or `::1`), and lists what the kernel must show for them.
 * `listenAddress` lets the listener be dual-stack (`::`) so IPv4 peers appear IPv4-mapped.
 */
export async function openSocketStates(address: string, listenAddress = address): Promise<SocketStates> {
  const held: net.Socket[] = [];
  // allowHalfOpen keeps the server side open after the client's FIN: that is CLOSE_WAIT.
  const server = net.createServer({ allowHalfOpen: true }, (s) => held.push(s));
  server.listen(0, listenAddress);
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  const expected: ExpectedSocket[] = [];
  const listenHost = (server.address() as net.AddressInfo).address;
  const anyAddress = listenHost.includes(':') ? '::' : '0.0.0.0';
  expected.push({ state: 'LISTEN', localAddress: listenHost, localPort: port, remoteAddress: anyAddress, remotePort: 0, owned: true });

  // ESTABLISHED on both sides.
  const [estClient, estServer] = await connectPair(server, address, port);
  held.push(estClient);
  expected.push({ state: 'ESTABLISHED', ...endpoint(estClient), owned: true });
  expected.push({ state: 'ESTABLISHED', ...endpoint(estServer), owned: true });

  // The client half-closes; the server never closes: CLOSE_WAIT on the server, FIN_WAIT2 on the client.
  const [halfClient, halfServer] = await connectPair(server, address, port);
  held.push(halfClient);
  const halfServerEnd = endpoint(halfServer);
  const halfClientEnd = endpoint(halfClient);
  const sawEnd = once(halfServer, 'end');
  halfClient.end();
  await sawEnd;
  expected.push({ state: 'CLOSE_WAIT', ...halfServerEnd, owned: true });
  expected.push({ state: 'FIN_WAIT2', ...halfClientEnd, owned: true });

  // The client closes first and the server answers: TIME_WAIT on the client's side.
  const [twClient, twServer] = await connectPair(server, address, port);
  const twEnd = endpoint(twClient);
  twServer.on('end', () => twServer.end());
  twClient.end();
  await until(() => twClient.destroyed || twClient.readyState === 'closed', 'TIME_WAIT client to close');
  twClient.destroy();
  twServer.destroy();
  expected.push({ state: 'TIME_WAIT', ...twEnd, owned: false });

  return {
    expected,
    close() {
      for (const s of held) s.destroy();
      server.close();
    },
  };
}
