// A browser's idle pool in miniature: opens `perTick` connections every 100 ms to a server of its
// own that closes each one at once, holds each of its (now CLOSE_WAIT) sockets `holdMs`, then
// closes it. Many CLOSE_WAIT sockets at any moment, none of them stuck. Runs `seconds`, bounded.
import { once } from 'node:events';
import net from 'node:net';

const [perTick = '5', holdMs = '2000', seconds = '10'] = process.argv.slice(2);
const deadline = setTimeout(() => process.exit(3), 120_000);

(async () => {
  const server = net.createServer((s) => {
    s.on('error', () => {});
    s.end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  process.stdout.write(`${JSON.stringify({ pid: process.pid, port })}\n`);
  let opened = 0;
  const stopAt = Date.now() + Math.min(Number(seconds), 60) * 1000;
  const tick = setInterval(() => {
    if (Date.now() >= stopAt) {
      clearInterval(tick);
      return;
    }
    for (let i = 0; i < Math.min(Number(perTick), 50); i++) {
      const s = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
      opened++;
      s.on('error', () => {});
      s.on('end', () => setTimeout(() => s.destroy(), Number(holdMs)));
    }
  }, 100);
  process.stdin.resume();
  process.stdin.on('end', () => {
    clearInterval(tick);
    process.stderr.write(`opened ${opened}\n`);
    clearTimeout(deadline);
    process.exit(0);
  });
})().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(2);
});
