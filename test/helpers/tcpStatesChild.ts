// Holds sockets in known states for another process to observe; prints what it opened as one
// JSON line and exits when stdin closes or after a hard deadline, so it can never linger.
import { openSocketStates, type SocketStates } from './tcpStates';

const addresses = process.argv.slice(2);
const deadline = setTimeout(() => process.exit(3), 120_000);

(async () => {
  const opened: SocketStates[] = [];
  for (const spec of addresses.length ? addresses : ['127.0.0.1']) {
    const [address, listen] = spec.split('@');
    opened.push(await openSocketStates(address, listen ?? address));
  }
  process.stdout.write(`${JSON.stringify({ pid: process.pid, expected: opened.flatMap((o) => o.expected) })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => {
    for (const o of opened) o.close();
    clearTimeout(deadline);
    process.exit(0);
  });
})().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(2);
});
