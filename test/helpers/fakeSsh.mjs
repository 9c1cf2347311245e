// A stand-in for the ssh client that misbehaves on cue: a stalled or hostile sshd cannot be made
// to, this can. It runs the real remote script under a local `sh` (as sshd would run it) and
// passes the protocol through until the request where its mode says otherwise. The mode is the
// destination host (`ssh [options] -- MODE sh`), so the CLI and the collector run unchanged:
//   ok            a well-behaved host
//   stall         answers the hello, then never answers a request
//   flood         answers a request with BEGIN, SEC and an endless table, never END
//   marker-flood  a marker line that never ends (no newline), endlessly
//   desync        an END marker without a BEGIN before the real answer
//   control       reads the mode of each request (ok, stall) from $TCPLENS_FAKE_CONTROL
//   nogfind       ok, with a `find` that is not GNU find first on PATH (busybox-like hosts)
// A stalled host ignores the end of input as well. It writes its pid to $TCPLENS_FAKE_STATE/<event> when it starts stalling or flooding, and
// like ssh ends its remote side when it is told to stop (SIGTERM, SIGHUP, SIGINT, end of input).
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const args = process.argv.slice(2);
const host = args[args.indexOf('--') + 1] ?? '';
const stateDir = process.env.TCPLENS_FAKE_STATE;

function note(event) {
  if (stateDir) writeFileSync(path.join(stateDir, event), String(process.pid));
}

function modeOfRequest() {
  if (host !== 'control') return host;
  try {
    return readFileSync(process.env.TCPLENS_FAKE_CONTROL, 'utf8').trim();
  } catch {
    return 'ok';
  }
}

const env = { ...process.env };
let shimDir;
if (host === 'nogfind') {
  // busybox find knows neither -printf nor -readable.
  shimDir = mkdtempSync(path.join(tmpdir(), 'tcplens-nogfind-'));
  const shim = path.join(shimDir, 'find');
  writeFileSync(shim, '#!/bin/sh\necho "find: unrecognized: -printf" >&2\nexit 1\n');
  chmodSync(shim, 0o755);
  env.PATH = `${shimDir}:${env.PATH}`;
}

const sh = spawn('sh', [], { stdio: ['pipe', 'pipe', 'inherit'], env });
let stopped = false;
function stop(code) {
  if (stopped) return;
  stopped = true;
  if (sh.exitCode === null && sh.signalCode === null) sh.kill('SIGKILL');
  if (shimDir) rmSync(shimDir, { recursive: true, force: true });
  process.exit(code);
}
for (const signal of ['SIGTERM', 'SIGHUP', 'SIGINT']) process.on(signal, () => stop(255));
process.stdout.on('error', () => stop(255));
sh.on('exit', (code) => stop(code ?? 255));
sh.stdin.on('error', () => undefined);

let ready = false;
let forward = true;
let token;
let pending = '';

sh.stdout.on('data', (chunk) => {
  if (!ready && chunk.includes('@@TCPLENS-READY')) ready = true;
  if (forward) process.stdout.write(chunk);
});

const marker = (line) => `\n@@TCPLENS ${token} ${line}\n`;

/** Writes `next()` chunks as fast as the reader takes them, for ever. */
function endless(prefix, next) {
  process.stdout.write(prefix);
  const pump = () => {
    while (process.stdout.write(next()));
    process.stdout.once('drain', pump);
  };
  pump();
}

function onRequest(line) {
  const mode = modeOfRequest();
  if (mode === 'stall') {
    forward = false;
    note('stalled');
    return;
  }
  if (mode === 'flood') {
    forward = false;
    note('flooding');
    const rows = Buffer.from(
      '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0\n'.repeat(
        512,
      ),
    );
    endless(marker(`BEGIN ${line.split(' ')[0]}`) + marker('SEC T4'), () => rows);
    return;
  }
  if (mode === 'marker-flood') {
    forward = false;
    note('flooding');
    const filler = Buffer.alloc(64 * 1024, 'A');
    endless(`\n@@TCPLENS ${token} SEC `, () => filler);
    return;
  }
  if (mode === 'desync') process.stdout.write(marker('END 0'));
  forward = true;
  sh.stdin.write(`${line}\n`);
}

process.stdin.on('data', (chunk) => {
  if (!ready || token === undefined) {
    // The script, then (after READY) the token: passed through as they are.
    sh.stdin.write(chunk);
    if (!ready) return;
    pending += chunk.toString('utf8');
    const nl = pending.indexOf('\n');
    if (nl < 0) return;
    token = pending.slice(0, nl);
    pending = pending.slice(nl + 1);
    // Requests sent in the same chunk as the token were already passed through.
    if (pending !== '') pending = '';
    return;
  }
  pending += chunk.toString('utf8');
  for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
    const line = pending.slice(0, nl);
    pending = pending.slice(nl + 1);
    onRequest(line);
  }
});
// A stalled host does not notice the end of input either: only a signal stops the client.
process.stdin.on('end', () => {
  if (forward) sh.stdin.end();
});
