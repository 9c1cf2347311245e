// Holds `count` CLOSE_WAIT sockets on loopback and never closes them: clients half-close, the
// server (this process) keeps its ends, as a leaking server does. Prints {"pid","port","closeWait"}
// once they are in place; exits when its stdin ends. Plain JavaScript so that the bundled e2e
// suite can start it with Node alone.
'use strict';
const net = require('node:net');

const count = Number(process.argv[2] ?? 3);
const held = [];
const server = net.createServer({ allowHalfOpen: true }, (socket) => {
  held.push(socket);
  socket.resume();
});
server.listen(0, '127.0.0.1', async () => {
  const { port } = server.address();
  for (let i = 0; i < count; i++) {
    const client = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    await new Promise((resolve) => client.once('connect', resolve));
    client.end();
    held.push(client);
  }
  // Let the FINs land before saying so.
  setTimeout(() => process.stdout.write(`${JSON.stringify({ pid: process.pid, port, closeWait: count })}\n`), 200);
});
process.stdin.on('end', () => process.exit(0)).resume();
