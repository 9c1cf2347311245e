import type { FeatureResult } from '../cases/types';
import type { Machine } from '../machine';
import { LENS_CASES } from '../measure/lensCases';
import { TOOL_LABELS, type ToolCaseId } from '../measure/tools';
import type { SizeResult } from '../sizeRun';
import { formatMs, mib, ms, ratio, table, thousands } from './format';
import { scalingOf, socketsIn } from './scaling';
import { judges, TARGETS } from './targets';

/** bench/micro/parser.ts: CPU time of the parser alone per 100,000 lines. */
export type ParserFigures = Record<'counts' | 'snapshot', { msPer100k: number; usPerLine: number }>;

export interface Report {
  machine: Machine;
  sizes: SizeResult[];
  features: FeatureResult[];
  parser: ParserFigures | undefined;
  runs: number;
  quick: boolean;
  startedAt: Date;
  elapsedMs: number;
}

/** "2026-12-02, 22:39–22:52 UTC": figures are quoted with the day they were measured. */
function runTime(r: Report): string {
  const hhmm = (d: Date) => d.toISOString().slice(11, 16);
  return `${r.startedAt.toISOString().slice(0, 10)}, ${hhmm(r.startedAt)}–${hhmm(new Date(r.startedAt.getTime() + r.elapsedMs))} UTC`;
}

function mixLine(s: SizeResult): string {
  const states = Object.entries(s.counts)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${thousands(n)} ${state}`)
    .join(', ');
  return `**${thousands(socketsIn(s))} sockets** (${states}; ${s.mix.children} farm processes, ${thousands(2 * s.mix.establishedPairs6)} of the ESTABLISHED over IPv6). Farm ready in ${(s.setupMs / 1000).toFixed(1)} s; load average ${s.loadBefore} before, ${s.loadAfter} after.`;
}

function sizeTable(s: SizeResult): string {
  const ss = s.tools.ssTan?.median;
  const ssp = s.tools.ssTanp?.median;
  const cat = s.tools.cat?.median;
  const rows: string[][] = [];
  for (const [id, t] of Object.entries(s.tools)) {
    if (!t) continue;
    const failed = t.failures > 0 ? ` (${t.failures} failed run(s))` : '';
    rows.push([
      `${TOOL_LABELS[id as ToolCaseId] ?? id}${failed}`,
      'whole process',
      formatMs(t),
      ratio(t.median, ss),
      ratio(t.median, ssp),
      ratio(t.median, cat),
      ms(t.cpuMs),
    ]);
  }
  for (const c of LENS_CASES) {
    const t = s.lens[c.id];
    if (t) rows.push([c.label, 'in-process', formatMs(t), ratio(t.median, ss), ratio(t.median, ssp), ratio(t.median, cat), ms(t.cpuMs)]);
  }
  return table(['command', 'timed as', 'median (min–max)', '× `ss -tan`', '× `ss -tanp`', '× `cat`', 'CPU (median)'], rows);
}

function targetsTable(sizes: readonly SizeResult[]): string {
  const judged = sizes.filter((s) => TARGETS.some((t) => judges(t, s, sizes)));
  const rows = TARGETS.map((target) => {
    const cells = judged.map((s) => {
      const r = judges(target, s, sizes) ? target.check(s) : undefined;
      if (!r || !Number.isFinite(r.value)) return 'n/a';
      // One more digit where rounding would print the limit itself beside a FAIL.
      const digits = r.value > r.limit && r.value.toFixed(2) === r.limit.toFixed(2) ? 3 : 2;
      const shown = r.unit === '×' ? `${r.value.toFixed(digits)}×` : `${r.value.toFixed(1)} ms`;
      return `${shown} ${r.value <= r.limit ? 'PASS' : 'FAIL'}`;
    });
    return [target.label, ...cells];
  });
  const scalingRows = LENS_CASES.map((c) => {
    const sc = scalingOf(sizes, (s) => s.lens[c.id]?.median ?? Number.NaN);
    if (!sc) return undefined;
    const curve = sc.curvature === undefined ? '' : `, upper/lower slope ${sc.curvature.toFixed(2)}`;
    return [`linear scaling: ${c.label}`, `${sc.perSocketUs.toFixed(2)} µs/socket${curve} ${sc.linear ? 'PASS' : 'FAIL'}`];
  }).filter((r): r is string[] => r !== undefined);
  const header = ['target', ...judged.map((s) => `at ${thousands(socketsIn(s))}`)];
  let out = table(header, rows);
  if (scalingRows.length > 0) out += `\n\n${table(['scaling (all sizes)', 'marginal cost'], scalingRows)}`;
  return out;
}

function loopTable(sizes: readonly SizeResult[]): string {
  const rows: string[][] = [];
  for (const s of sizes) {
    const n = socketsIn(s);
    for (const c of LENS_CASES) {
      const l = s.lens[c.id];
      if (!l) continue;
      const perSocket = Number.isFinite(l.retainedHeapBytes) ? `${Math.round(l.retainedHeapBytes / n)} B` : 'n/a';
      rows.push([
        thousands(n),
        c.label,
        `${l.longestBlockMs.toFixed(1)} ms`,
        `${l.longestGapMs.toFixed(1)} ms (worst ${l.worstGapMs.toFixed(1)})`,
        mib(l.peakHeapBytes),
        mib(l.retainedHeapBytes),
        perSocket,
      ]);
    }
  }
  const note =
    'Longest block: CPU time the main thread spent in the longest-running stretch between two event-loop turns (from /proc/thread-self/schedstat), the median of the probes. Wall gap: the same stretch by the clock, which also counts time the thread waited for a CPU on a busy machine.';
  return `${note}\n\n${table(['sockets', 'operation', 'longest event-loop block', 'wall gap (worst)', 'peak heap above baseline', 'heap held by the result', 'held per socket'], rows)}`;
}

export function featureLines(features: readonly FeatureResult[]): string {
  const rows = features.map((f) => {
    if (f.status === 'measured') {
      return [f.case.label, f.figure.value, f.case.target, f.figure.pass ? 'PASS' : 'FAIL', f.figure.note ?? ''];
    }
    const text = f.status === 'failed' ? `failed: ${f.reason}` : `not measured yet: ${f.reason}`;
    return [f.case.label, '—', f.case.target, '—', text];
  });
  return table(['measurement', 'median (min–max)', 'target', 'result', 'note'], rows);
}

function whereTimeGoes(r: Report): string {
  const lines = [];
  if (r.parser) {
    lines.push(
      `The parser alone (bench/micro/parser.ts, bundled like the extension, main-thread CPU time): counting ${r.parser.counts.usPerLine.toFixed(2)} µs/line, full parse into connections ${r.parser.snapshot.usPerLine.toFixed(2)} µs/line, i.e. ${r.parser.counts.msPer100k.toFixed(0)} ms and ${r.parser.snapshot.msPer100k.toFixed(0)} ms per 100,000 sockets.`,
    );
  }
  lines.push(
    "The rest of a counts-only sample or a snapshot is the kernel formatting /proc/net/tcp as text, which `cat` pays too. TCP Lens reads it synchronously in 256 KB slices with an event-loop turn between them: the same reads on libuv's thread pool cost about 75 % more CPU (50,000 sockets: 131 ms against 74 ms, `cat` 80 ms).",
  );
  const largest = r.sizes[r.sizes.length - 1];
  const ss = largest?.tools.ssTan?.median;
  const counts = largest?.lens.counts?.median;
  const snapshot = largest?.lens.snapshot?.median;
  if (largest && ss !== undefined && counts !== undefined && snapshot !== undefined && snapshot > 0.8 * ss) {
    const budget = 0.8 * ss - counts;
    lines.push(
      `Full snapshot from /proc text against \`ss -tan\` at ${thousands(socketsIn(largest))} sockets: reading the text costs about what a counts-only sample does (${ms(counts)}), so staying under 0.8× \`ss -tan\` (${ms(0.8 * ss)}) leaves ${ms(Math.max(0, budget))} for building the connections, which take ${ms(snapshot - counts)}. \`ss\` reads the table over netlink sock_diag in binary, with no text to format or parse.`,
    );
  }
  const diag = largest?.lens.snapshotDiag;
  if (largest && ss !== undefined && diag) {
    lines.push(
      `The sock_diag reader (native/sockdiag, an N-API addon built into dist/sockdiag.node) reads the table the way \`ss\` does: the kernel fills fixed binary records (inet_diag_req_v2, both families in one walk; the request is sent from libuv's thread pool, as the kernel walks its empty hash buckets up to the first sockets while it takes it), batches are read into one buffer per dump, new CLOSE_WAIT, FIN_WAIT2 and CLOSING sockets get their tcp_info (the age since the peer's last segment) by one exact lookup each (a second dump filtered to those states when more than 512 are new), and the connections are built in JS with the /proc parser's address formatting. At ${thousands(socketsIn(largest))} sockets the full snapshot takes ${ms(diag.median)} (${(diag.median / ss).toFixed(2)}× \`ss -tan\`) against ${snapshot === undefined ? 'n/a' : ms(snapshot)} from /proc text. The collector uses it whenever it loads, for the host's own /proc; without a compiler at build time it reads /proc as before. Snapshots with processes use the default reader.`,
    );
  }
  lines.push(
    'Process attribution is the walk of every /proc/PID/fd (readlink per descriptor, the same walk `ss -p` and `netstat -p` do) at the first refresh; later ones read only the descriptor numbers where new sockets go, and ask the kernel (an exact sock_diag lookup) about a new socket still missing before reading more: most are short connections already closed.',
    'Profile one case: `node --import tsx bench/profile.ts --size 100000 --case snapshot` (cases: counts, countsDiag, snapshot, snapshotDiag, processesCold, processesWarm).',
  );
  return lines.join('\n\n');
}

function machineLines(m: Machine): string {
  return [
    `- CPU: ${m.cpu}, ${m.cores} cores; ${m.memoryGiB} GiB RAM`,
    `- Kernel: ${m.kernel}; Node ${m.node}`,
    `- ${m.ss}; ${m.netstat}`,
    `- Load average at start (1/5/15 min): ${m.loadAtStart.map((l) => l.toFixed(2)).join(' / ')}`,
  ].join('\n');
}

export function renderReport(r: Report): string {
  const parts = [
    '# Benchmarks',
    '',
    `Generated by \`npm run bench${r.quick ? ' -- --quick' : ''}\` on ${runTime(r)} (${(r.elapsedMs / 1000).toFixed(0)} s): median of ${r.runs} runs per figure (one more warm-up run not counted), spread in parentheses.`,
    "External tools are timed as whole processes (spawn to exit, output read through a pipe), as a user pays for them at the shell; TCP Lens in-process, as one refresh costs the extension host. All of it runs inside a network namespace that holds only the farm's sockets.",
    "CPU is user + system time: of the command (from the waiting process's cutime/cstime, 10 ms resolution) or, for TCP Lens, of the process that runs that one case and holds only its own table, as the extension host does (main thread, thread pool, GC). It varies far less with other load than wall time does.",
    '',
    '## Machine',
    '',
    machineLines(r.machine),
    '',
  ];
  for (const s of r.sizes) parts.push(`## ${thousands(s.size)} sockets`, '', mixLine(s), '', sizeTable(s), '');
  parts.push('## Targets', '', targetsTable(r.sizes), '');
  parts.push('## Event loop and memory per snapshot', '', loopTable(r.sizes), '');
  parts.push('## Where the time goes', '', whereTimeGoes(r), '');
  parts.push('## Other features', '', QUIET_START, '', featureLines(r.features), '');
  parts.push(REPRODUCE);
  return `${parts.join('\n')}\n`;
}

const QUIET_START =
  'Each row starts once the machine has been at most 10 % busy for a second (waiting 60 s at most), so that no row is timed while work left from the farms before it still runs.';

const REPRODUCE = `## How to reproduce

As root on Linux with iproute2, \`ss\` and \`netstat\` (net-tools):

\`\`\`console
$ npm run build            # so the CLI row is measured too
$ npm run bench            # 10k, 50k, 100k sockets, 5 runs; writes docs/benchmarks.md
$ npm run bench -- --quick # 10k sockets, 3 runs, prints only
$ npm run bench -- --sizes 20000,200000 --runs 7 --out /tmp/bench.md
$ npm run bench -- --cases vscode-exthost   # only the extension host in code-server (about 7 minutes)
\`\`\`

For each size the bench creates a network namespace, sets in it \`tcp_max_tw_buckets\` to the wanted
TIME_WAIT count (churn at twice the expiry rate keeps it full), \`tcp_fin_timeout=1\` (the closed
peers of CLOSE_WAIT sockets leave the table) and a wide \`ip_local_port_range\`, and starts farm
processes (\`bench/farm/farmChild.ts\`, ≤ 15,000 descriptors each, sources spread over 127.x.y.z).
Farm processes exit when the bench's pipe closes or after 20 minutes; the namespace is deleted
after each size. Quiet machines give steadier figures: compare ratios from the same run.

The extension-host rows run code-server with the packaged extension and headless Chromium inside
a 50,000-socket farm's namespace (5 long-lived connections a second replace the oldest), read the
extension host's utime + stime from \`/proc/PID/stat\` over 60 s per state, and a bench-only probe
extension in the same host logs what VS Code tells it (window focused and active, view visible)
and how many refreshes TCP Lens made (\`bench/vscode/\`).`;
