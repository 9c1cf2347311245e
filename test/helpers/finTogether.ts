// Opens `count` connections to a loopback port, then sends all their FINs in the same tick and
// exits: a leaky server then holds `count` CLOSE_WAIT sockets of one age. Bounded in time.
import { once } from 'node:events';
import net from 'node:net';

const [port, count = '20'] = process.argv.slice(2);
const deadline = setTimeout(() => process.exit(3), 30_000);

(async () => {
  const sockets: net.Socket[] = [];
  for (let i = 0; i < Math.min(Number(count), 500); i++) {
    const s = net.connect({ host: '127.0.0.1', port: Number(port), allowHalfOpen: true });
    await once(s, 'connect');
    sockets.push(s);
  }
  for (const s of sockets) s.end();
  await Promise.all(sockets.map((s) => once(s, 'finish')));
  for (const s of sockets) s.destroy();
  clearTimeout(deadline);
})().catch((err: unknown) => {
  process.stderr.write(String(err));
  process.exit(2);
});
