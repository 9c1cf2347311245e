// The /proc/net/tcp parser alone on synthetic text (100,000 lines in the kernel's format), in
// main-thread CPU time so other load on the machine does not blur it. run.ts runs it bundled
// like the extension; under tsx (`node --import tsx bench/micro/parser.ts`) it is about 2× slower.
import { countConnections, parseConnections, AddressCache, ParseWarnings } from '../../src/core/linux/procNetTcp';
import type { Connection } from '../../src/core/model';
import { emptyCounts } from '../../src/core/model';
import { ThreadClock } from '../measure/threadClock';
import { summarize } from '../measure/stats';

const LINES = 100_000;
const hex = (n: number, width: number): string => n.toString(16).toUpperCase().padStart(width, '0');

function syntheticTable(lines: number): Buffer {
  const out = ['  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode'];
  for (let i = 0; i < lines; i++) {
    const local = `${hex(0x7f000000 + (i >> 8), 8)}:${hex(10000 + (i % 50000), 4)}`;
    const remote = `${hex(0x7f100001, 8)}:${hex(8080, 4)}`;
    const state = i % 10 === 0 ? '06' : i % 7 === 0 ? '08' : '01';
    const inode = state === '06' ? 0 : 100000 + i;
    out.push(
      `${String(i).padStart(4)}: ${local} ${remote} ${state} 00000000:00000000 00:00000000 00000000     0        0 ${inode} 1 0000000000000000 20 4 30 10 -1`,
    );
  }
  return Buffer.from(`${out.join('\n')}\n`, 'latin1');
}

const CHUNK = 256 * 1024;

/** Feeds the text in reader-sized chunks, as streamProcFile does. */
function feed(text: Buffer, consume: (buf: Buffer, end: number, final: boolean) => number): void {
  const work = Buffer.allocUnsafe(CHUNK * 2);
  let filled = 0;
  for (let off = 0; ; off += CHUNK) {
    const n = Math.max(0, Math.min(CHUNK, text.length - off));
    if (n > 0) text.copy(work, filled, off, off + n);
    filled += n;
    const used = consume(work, filled, n === 0);
    if (n === 0) return;
    work.copy(work, 0, used, filled);
    filled -= used;
  }
}

const text = syntheticTable(LINES);
const clock = new ThreadClock();
const cache = new AddressCache();
const results: Record<string, number[]> = { counts: [], snapshot: [] };
for (let run = 0; run < 12; run++) {
  let t = clock.nowMs();
  const counts = emptyCounts();
  feed(text, (buf, end, final) => countConnections(buf, end, counts, new ParseWarnings(), final, 'IPv4'));
  if (run > 1) results.counts.push(clock.nowMs() - t);
  t = clock.nowMs();
  const out: Connection[] = [];
  feed(text, (buf, end, final) =>
    parseConnections(buf, end, { family: 'IPv4', littleEndian: true }, out, cache, new ParseWarnings(), final),
  );
  if (run > 1) results.snapshot.push(clock.nowMs() - t);
  if (out.length !== LINES) throw new Error(`parsed ${out.length} of ${LINES}`);
}
const figures = Object.fromEntries(
  Object.entries(results).map(([name, times]) => {
    const median = summarize(times).median;
    return [name, { msPer100k: median, usPerLine: (median * 1000) / LINES }];
  }),
);
if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(figures)}\n`);
else
  for (const [name, f] of Object.entries(figures))
    process.stdout.write(`${name}: ${f.msPer100k.toFixed(1)} ms CPU per ${LINES} lines = ${f.usPerLine.toFixed(2)} µs/line\n`);
