// SSH_ASKPASS helper (bundled as dist/askpass.js): ssh runs it with the prompt as its argument
// and reads the answer from stdout. It asks the extension over a private socket, proving with
// a one-time token that ssh was started by that extension; nothing is written to disk.
import net from 'node:net';

const socketPath = process.env.TCPLENS_ASKPASS_SOCKET;
const token = process.env.TCPLENS_ASKPASS_TOKEN;
const prompt = process.argv[2] ?? 'Password:';

if (!socketPath || !token) {
  process.stderr.write('tcp-lens askpass: not started by TCP Lens\n');
  process.exit(1);
}

const socket = net.connect(socketPath);
let reply = '';
const deadline = setTimeout(() => process.exit(1), 10 * 60_000);
socket.on('connect', () => socket.write(`${JSON.stringify({ token, prompt })}\n`));
socket.on('data', (d) => (reply += d.toString('utf8')));
socket.on('error', () => process.exit(1));
socket.on('end', () => {
  clearTimeout(deadline);
  try {
    const { answer } = JSON.parse(reply) as { answer?: string };
    if (typeof answer !== 'string') process.exit(1);
    process.stdout.write(`${answer}\n`);
    process.exit(0);
  } catch {
    process.exit(1);
  }
});
