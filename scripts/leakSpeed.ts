import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LeakAnalyzer } from '../src/analysis/analyzer';
import { GrammarLoader } from '../src/analysis/parser';
import type { LeakLanguage } from '../src/analysis/types';

/**
 * How long the leak analyzer takes on one 10,000-line file per language (the bar: under
 * 150 ms). The file is made of the labelled corpus cases, repeated with their function and class
 * names renamed, so it has the corpus's mix of leaking and correct code. Parse-only time is
 * printed beside it: on a loaded machine the ratio says more than the absolute figure.
 *
 *   node --import tsx scripts/leakSpeed.ts [--runs 5] [--lines 10000] [javascript python …]
 */

/** Beside this script in the repository; from the working directory when it runs bundled elsewhere. */
const CORPUS_DIR =
  [path.join(__dirname, '..', 'test', 'fixtures', 'leaks'), path.resolve('test', 'fixtures', 'leaks')].find((d) => fs.existsSync(d)) ?? '';

/** Which corpus folder and file endings feed each measured language. */
const SOURCES: Partial<Record<LeakLanguage, { folder: string; endings: readonly string[] }>> = {
  javascript: { folder: 'javascript', endings: ['.js'] },
  typescript: { folder: 'typescript', endings: ['.ts'] },
  python: { folder: 'python', endings: ['.py'] },
};

/**
 * Names a case declares (functions, classes, variables), renamed per repetition: repeated cases
 * share the file's top level, and a `server` of one case must not meet the `server` of the next.
 */
const DECLARED_NAMES: Partial<Record<LeakLanguage, readonly RegExp[]>> = {
  javascript: [/\b(?:function\*?|class)\s+([A-Za-z_$][\w$]*)/g, /\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=(?!\s*require\()/g],
  typescript: [
    /\b(?:function\*?|class|interface|type)\s+([A-Za-z_$][\w$]*)/g,
    /\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*[=:](?!\s*require\()/g,
  ],
  python: [
    /\b(?:def|class)\s+([A-Za-z_]\w*)/g,
    /^[ \t]*([A-Za-z_]\w*)\s*(?:,\s*[A-Za-z_]\w*\s*)*=(?!=)/gm,
    /^[ \t]*[A-Za-z_]\w*\s*,\s*([A-Za-z_]\w*)\s*=(?!=)/gm,
  ],
};

export interface GeneratedFile {
  source: string;
  lines: number;
  /** `expect:` labels in the generated text: what a perfect analyzer reports. */
  expected: number;
}

/** Renames the names a case declares; attributes, properties and strings keep their text. */
function renamed(text: string, language: LeakLanguage, suffix: string): string {
  const names = new Set<string>();
  for (const pattern of DECLARED_NAMES[language] ?? []) for (const m of text.matchAll(pattern)) names.add(m[1]!);
  if (names.size === 0) return text;
  const alternatives = [...names].map((n) => n.replace(/\$/g, '\\$')).join('|');
  return text.replace(new RegExp(`(?<![\\w$.'"])(${alternatives})(?![\\w$'"])`, 'g'), `$1${suffix}`);
}

/** Corpus cases of `language`, repeated (renamed) until the text has at least `lines` lines. */
export function generatedSource(language: LeakLanguage, lines = 10_000): GeneratedFile {
  const spec = SOURCES[language];
  if (!spec) throw new Error(`no corpus feeds ${language}`);
  const dir = path.join(CORPUS_DIR, spec.folder);
  const cases = fs
    .readdirSync(dir)
    .filter((f) => spec.endings.some((e) => f.endsWith(e)) && !f.startsWith('blind-'))
    .sort()
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
  if (cases.length === 0) throw new Error(`no corpus files in ${dir}`);
  const parts: string[] = [];
  let count = 0;
  // Bounded: every case has at least one line.
  for (let i = 0; count < lines; i++) {
    const text = renamed(cases[i % cases.length]!, language, `_${i}`);
    parts.push(text.endsWith('\n') ? text : `${text}\n`);
    count += text.split('\n').length;
  }
  const source = parts.join('');
  return {
    source,
    lines: count,
    expected: (source.match(/expect:\s*(?:unclosed-socket|unclosed-on-exception|close-wait-risk)/g) ?? []).length,
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface SpeedResult {
  language: LeakLanguage;
  lines: number;
  expected: number;
  findings: number;
  /** Median of `runs` whole analyses (parse + rules), after one warm-up. */
  analyzeMs: number;
  /** Median of `runs` parses alone, the floor the rules add to. */
  parseMs: number;
  /**
   * The same medians in CPU time of the main thread (Linux schedstat; process CPU time elsewhere):
   * other processes on the machine inflate it far less than wall time.
   */
  analyzeCpuMs: number;
  parseCpuMs: number;
}

const MAIN_THREAD_SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`;

/** Milliseconds of CPU the main thread has used (helper threads of GC and compiler left out where Linux tells them apart). */
function mainThreadCpuMs(): number {
  try {
    return Number(fs.readFileSync(MAIN_THREAD_SCHEDSTAT, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    const used = process.cpuUsage();
    return (used.user + used.system) / 1000;
  }
}

/** Runs `work` once to warm up, then `runs` times; medians of wall and CPU milliseconds. */
async function timed(runs: number, work: () => Promise<unknown> | unknown): Promise<{ wall: number; cpu: number }> {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const cpu = mainThreadCpuMs();
    const began = performance.now();
    await work();
    const wall = performance.now() - began;
    const used = mainThreadCpuMs() - cpu;
    if (i > 0) {
      walls.push(wall);
      cpus.push(used);
    }
  }
  return { wall: median(walls), cpu: median(cpus) };
}

/** Times the analyzer and the bare parser on one generated file: `runs` each, after a warm-up. */
export async function measureLeakSpeed(language: LeakLanguage, runs = 5, lines = 10_000): Promise<SpeedResult> {
  const file = generatedSource(language, lines);
  const grammars = new GrammarLoader();
  const analyzer = new LeakAnalyzer(grammars);
  let findings = 0;
  const analysis = await timed(runs, async () => {
    findings = (await analyzer.analyze(file.source, language)).findings.length;
  });
  const parser = await grammars.parserFor(language);
  try {
    const parse = await timed(runs, () => parser.parse(file.source)?.delete());
    return {
      language,
      lines: file.lines,
      expected: file.expected,
      findings,
      analyzeMs: analysis.wall,
      parseMs: parse.wall,
      analyzeCpuMs: analysis.cpu,
      parseCpuMs: parse.cpu,
    };
  } finally {
    parser.delete();
  }
}

async function main(argv: readonly string[]): Promise<void> {
  let runs = 5;
  let lines = 10_000;
  const languages: LeakLanguage[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--runs') runs = Number(argv[++i]);
    else if (arg === '--lines') lines = Number(argv[++i]);
    else if (arg in SOURCES) languages.push(arg as LeakLanguage);
    else throw new Error(`unknown argument: ${arg}`);
  }
  if (!(runs >= 1 && runs <= 100) || !(lines >= 1 && lines <= 1_000_000)) throw new Error('--runs 1..100, --lines 1..1000000');
  for (const language of languages.length > 0 ? languages : (['javascript', 'python'] as const)) {
    const r = await measureLeakSpeed(language, runs, lines);
    console.log(
      `${r.language.padEnd(10)} ${r.lines} lines  analyse ${r.analyzeMs.toFixed(1)} ms (cpu ${r.analyzeCpuMs.toFixed(1)})  ` +
        `parse ${r.parseMs.toFixed(1)} ms (cpu ${r.parseCpuMs.toFixed(1)})  findings ${r.findings} (labels ${r.expected})  load ${os.loadavg()[0]!.toFixed(2)}`,
    );
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  });
}
