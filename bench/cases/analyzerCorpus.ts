/**
 * Server code in the shapes the analyzer looks at (sockets acquired, handed on, closed or not),
 * repeated to the wanted size. Generated, so the figures do not depend on a checked-in corpus.
 */
const BLOCK = (i: number): string[] => [
  `function handler${i}(port) {`,
  `  const server = net.createServer((socket) => {`,
  `    socket.on('data', (chunk) => socket.write(chunk));`,
  `    socket.on('end', () => console.log('peer ${i} left'));`,
  `  });`,
  `  server.listen(port + ${i % 100});`,
  `  return server;`,
  `}`,
  `async function fetchStatus${i}(host) {`,
  `  const client = net.connect({ host, port: ${1024 + (i % 5000)} });`,
  `  try {`,
  `    await once(client, 'connect');`,
  `    client.write('status\\n');`,
  `    const [reply] = await once(client, 'data');`,
  `    return String(reply).trim();`,
  `  } finally {`,
  `    client.end();`,
  `  }`,
  `}`,
  ``,
];

const HEADER = [`'use strict';`, `const net = require('node:net');`, `const { once } = require('node:events');`, ``];

/** JavaScript source of about `lines` lines. */
export function serverSource(lines: number): string {
  const out = [...HEADER];
  for (let i = 0; out.length < lines; i++) out.push(...BLOCK(i));
  return out.slice(0, lines).join('\n');
}
