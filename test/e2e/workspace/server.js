// A server with the classic CLOSE_WAIT bug: allowHalfOpen keeps the socket open after the
// client's FIN, and nothing ever calls end() or destroy().
const net = require('node:net');

const port = Number(process.argv[2] ?? 8080);
const clients = [];

const server = net.createServer({ allowHalfOpen: true }, (socket) => {
  socket.on('data', (chunk) => clients.push(chunk.length));
  socket.on('end', () => console.log('client hung up')); // …and the socket stays open
});

server.on('error', (err) => {
  console.error(`server.js: ${err.message}`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => console.log(`listening on 127.0.0.1:${server.address().port}`));
