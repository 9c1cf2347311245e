// Connects to a loopback port and closes each connection right away, `count` times with a pause
// between: it drives a leaky server's CLOSE_WAIT count up. Bounded in count and time.
import net from 'node:net';

const [port, count = '20', pauseMs = '100'] = process.argv.slice(2);
const deadline = setTimeout(() => process.exit(3), 60_000);

(async () => {
  for (let i = 0; i < Math.min(Number(count), 1000); i++) {
    await new Promise<void>((resolve, reject) => {
      // Our FIN is all the server needs to see; a leaky server never answers with its own.
      const s = net.connect({ host: '127.0.0.1', port: Number(port) }, () => s.end());
      s.on('finish', () => {
        s.destroy();
        resolve();
      });
      s.on('error', reject);
    });
    await new Promise((r) => setTimeout(r, Number(pauseMs)));
  }
  clearTimeout(deadline);
})().catch((err) => {
  process.stderr.write(String(err));
  process.exit(2);
});
