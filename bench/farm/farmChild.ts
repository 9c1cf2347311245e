// One process of the socket farm. It opens its share of the mix (see mix.ts), prints one JSON
// line when done, keeps TIME_WAIT topped up by churn, and exits when its stdin closes (the
// parent is gone or asked it to stop) or when its hard lifetime ends, so it can never linger.
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChildPlan } from './mix';

const plan = JSON.parse(process.argv[2] ?? '{}') as ChildPlan;
const lifetime = setTimeout(() => process.exit(3), plan.lifetimeMs);
const CONNECTIONS_PER_SOURCE = 200;
const CHURN_SOURCE_BASE = 2000;
const CHURN_SOURCES = 5000;
const REPLACE_SOURCE_BASE = 8000;
const REPLACE_SOURCES = 500;
/** Connects in flight at once: well under the listen backlog, so no SYN is dropped. */
const PARALLEL = 256;

/** Loopback source addresses spread over 127.x.y.z: each holds few ports, none runs out. */
function sourceAddress(index: number): string {
  return `127.${16 + plan.index}.${1 + Math.floor(index / 254)}.${1 + (index % 254)}`;
}

const held: net.Socket[] = [];
/** Held IPv4 clients, oldest first: the ones replacement closes. */
const heldClients: net.Socket[] = [];
/** The holding server's side of each connection, by the client's address and port. */
const serverSides = new Map<string, net.Socket>();
const peerKey = (address: string | undefined, port: number | undefined) => `${address}|${port}`;

async function listen(server: net.Server, host: string): Promise<number> {
  server.listen({ host, port: 0, backlog: 4096 });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  return (server.address() as net.AddressInfo).port;
}

function connect(host: string, port: number, localAddress?: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, localAddress });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Runs `count` tasks with at most PARALLEL in flight. */
async function inParallel(count: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, count) }, worker));
}

/** A server that holds every accepted socket and never closes one (CLOSE_WAIT stays). */
function holdingServer(): net.Server {
  return net.createServer({ allowHalfOpen: true }, (s) => {
    s.on('error', () => undefined);
    held.push(s);
    serverSides.set(peerKey(s.remoteAddress, s.remotePort), s);
  });
}

async function openHeld(
  host: string,
  port: number,
  count: number,
  firstIndex: number,
  closeClient: boolean,
  sourced: boolean,
): Promise<void> {
  await inParallel(count, async (i) => {
    const k = firstIndex + i;
    const client = await connect(host, port, sourced ? sourceAddress(Math.floor(k / CONNECTIONS_PER_SOURCE)) : undefined);
    client.on('error', () => undefined);
    // Closing our end sends FIN: the server side, which never closes, sits in CLOSE_WAIT; our
    // orphaned end leaves after the namespace's short tcp_fin_timeout.
    if (closeClient) client.destroy();
    else if (sourced) heldClients.push(client);
    else held.push(client);
  });
}

let churned = 0;
/** The churn server closes first, so its side of each connection goes to TIME_WAIT. */
async function churnOnce(port: number): Promise<void> {
  const source = sourceAddress(CHURN_SOURCE_BASE + (churned++ % CHURN_SOURCES));
  const client = await connect(`127.${16 + plan.index}.0.1`, port, source);
  await new Promise<void>((resolve) => {
    client.once('close', () => resolve());
    client.once('error', () => resolve());
  });
}

let replaced = 0;
/**
 * Opens a new held pair, then closes the oldest (client first: its side goes to TIME_WAIT, the
 * server side closes at once, so CLOSE_WAIT stays exact and ESTABLISHED never dips).
 */
async function replaceOne(host: string, port: number): Promise<void> {
  const client = await connect(host, port, sourceAddress(REPLACE_SOURCE_BASE + (replaced++ % REPLACE_SOURCES)));
  client.on('error', () => undefined);
  heldClients.push(client);
  const oldest = heldClients.shift();
  if (!oldest) return;
  const key = peerKey(oldest.localAddress, oldest.localPort);
  oldest.destroy();
  serverSides.get(key)?.destroy();
  serverSides.delete(key);
}

/**
 * Starts `task` `perSecond` times a second in up to 10 ticks a second. Each tick makes up for
 * what earlier ones missed (a busy machine delays timers) but keeps at most PARALLEL in flight.
 */
function steadily(perSecond: number, task: () => Promise<void>): NodeJS.Timeout | undefined {
  if (perSecond <= 0) return undefined;
  const ticksPerSecond = Math.max(1, Math.min(10, perSecond));
  const start = performance.now();
  let started = 0;
  let inFlight = 0;
  return setInterval(() => {
    const due = Math.floor(((performance.now() - start) / 1000) * perSecond) - started;
    const now = Math.max(0, Math.min(due, PARALLEL - inFlight));
    for (let i = 0; i < now; i++) {
      started++;
      inFlight++;
      void task()
        .catch(() => undefined)
        .finally(() => inFlight--);
    }
  }, 1000 / ticksPerSecond);
}

async function main(): Promise<void> {
  const host = `127.${16 + plan.index}.0.1`;
  const holding = holdingServer();
  const port = await listen(holding, host);
  const churnServer = net.createServer((s) => {
    s.on('error', () => undefined);
    s.destroy();
  });
  const churnPort = await listen(churnServer, host);
  let port6 = 0;
  if (plan.establishedPairs6 > 0) port6 = await listen(holdingServer(), '::1');

  await openHeld(host, port, plan.establishedPairs, 0, false, true);
  await openHeld('::1', port6, plan.establishedPairs6, 0, false, false);
  await openHeld(host, port, plan.closeWait, plan.establishedPairs, true, true);

  process.stdout.write(`${JSON.stringify({ pid: process.pid, index: plan.index, port, churnPort, port6 })}\n`);

  const churnTimer = steadily(plan.churnPerSecond, () => churnOnce(churnPort));
  const replaceTimer = steadily(plan.replacePerSecond, () => replaceOne(host, port));

  process.stdin.resume();
  process.stdin.on('end', () => {
    clearInterval(churnTimer);
    clearInterval(replaceTimer);
    for (const s of [...held, ...heldClients]) s.destroy();
    clearTimeout(lifetime);
    process.exit(0);
  });
  await sleep(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(2);
});
