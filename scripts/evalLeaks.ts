import * as fs from 'node:fs';
import * as path from 'node:path';
import { LeakAnalyzer, languageOfPath } from '../src/analysis/analyzer';

/** The bars the labelled corpus must meet, per language and overall. */
export const MIN_PRECISION = 0.95;
export const MIN_RECALL = 0.9;

export const CORPUS_DIR = path.join(__dirname, '..', 'test', 'fixtures', 'leaks');

/** The rule families the bars apply to, as well as to each language. */
export const RULES = ['unclosed-socket', 'unclosed-on-exception', 'close-wait-risk'] as const;

const EXPECT_MARK = new RegExp(`expect:\\s*(${RULES.join('|')})`, 'g');

export interface Tally {
  files: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
}

/** One disagreement between the analyzer and a fixture's labels. */
export interface Mismatch {
  file: string;
  /** 1-based, as editors show it. */
  line: number;
  rule: string;
  kind: 'false positive' | 'false negative';
}

export interface CorpusResult {
  /** Keyed by the corpus folder name (javascript, typescript, python, go, …). */
  byLanguage: Map<string, Tally>;
  /** Keyed by rule, over every language. */
  byRule: Map<string, Tally>;
  overall: Tally;
  mismatches: Mismatch[];
}

export function precision(t: Tally): number {
  const reported = t.truePositives + t.falsePositives;
  return reported === 0 ? 1 : t.truePositives / reported;
}

export function recall(t: Tally): number {
  const expected = t.truePositives + t.falseNegatives;
  return expected === 0 ? 1 : t.truePositives / expected;
}

export function meetsBars(t: Tally): boolean {
  return precision(t) >= MIN_PRECISION && recall(t) >= MIN_RECALL;
}

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/** `line:rule` keys of the findings a fixture's comments promise (0-based lines). */
function expectedKeys(source: string): Set<string> {
  const keys = new Set<string>();
  source.split('\n').forEach((text, line) => {
    for (const m of text.matchAll(EXPECT_MARK)) keys.add(`${line}:${m[1]}`);
  });
  return keys;
}

/** Runs the analyzer over every file of every language folder in the corpus and scores it against the labels. */
export async function evaluateCorpus(corpusDir = CORPUS_DIR, analyzer = new LeakAnalyzer()): Promise<CorpusResult> {
  const byLanguage = new Map<string, Tally>();
  const emptyTally = (): Tally => ({ files: 0, truePositives: 0, falsePositives: 0, falseNegatives: 0 });
  const byRule = new Map<string, Tally>(RULES.map((rule) => [rule, emptyTally()]));
  const ruleTally = (key: string): Tally => {
    const rule = key.slice(key.indexOf(':') + 1);
    let tally = byRule.get(rule);
    if (!tally) byRule.set(rule, (tally = emptyTally()));
    return tally;
  };
  const overall = emptyTally();
  const mismatches: Mismatch[] = [];
  const folders = fs
    .readdirSync(corpusDir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  for (const folder of folders) {
    const tally = emptyTally();
    byLanguage.set(folder, tally);
    for (const file of filesUnder(path.join(corpusDir, folder))) {
      const language = languageOfPath(file);
      if (!language) continue;
      const source = fs.readFileSync(file, 'utf8');
      const expected = expectedKeys(source);
      const { findings } = await analyzer.analyze(source, language);
      const found = new Set(findings.map((f) => `${f.range.start.line}:${f.rule}`));
      const relative = path.relative(corpusDir, file);
      tally.files++;
      for (const key of found) {
        const outcome = expected.has(key) ? 'truePositives' : 'falsePositives';
        tally[outcome]++;
        ruleTally(key)[outcome]++;
      }
      for (const key of expected) {
        if (found.has(key)) continue;
        tally.falseNegatives++;
        ruleTally(key).falseNegatives++;
      }
      for (const [keys, other, kind] of [
        [found, expected, 'false positive'],
        [expected, found, 'false negative'],
      ] as const) {
        for (const key of keys) {
          if (other.has(key)) continue;
          const [line, rule] = key.split(':') as [string, string];
          mismatches.push({ file: relative, line: Number(line) + 1, rule, kind });
        }
      }
    }
    overall.files += tally.files;
    overall.truePositives += tally.truePositives;
    overall.falsePositives += tally.falsePositives;
    overall.falseNegatives += tally.falseNegatives;
  }
  return { byLanguage, byRule, overall, mismatches };
}

/** The table the script prints: one row per language, one per rule, then overall. */
export function formatTable(result: CorpusResult): string {
  const header = ['language', 'files', 'TP', 'FP', 'FN', 'precision', 'recall'];
  const row = (name: string, t: Tally) => [
    name,
    t.files > 0 ? String(t.files) : '-', // rule rows count findings, not files
    String(t.truePositives),
    String(t.falsePositives),
    String(t.falseNegatives),
    precision(t).toFixed(3),
    recall(t).toFixed(3),
  ];
  const rows = [
    header,
    ...[...result.byLanguage].map(([name, t]) => row(name, t)),
    ...[...result.byRule].map(([rule, t]) => row(`rule ${rule}`, t)),
    row('overall', result.overall),
  ];
  const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')).join('\n');
}

async function main(): Promise<void> {
  const result = await evaluateCorpus();
  process.stdout.write(`${formatTable(result)}\n`);
  for (const m of result.mismatches) process.stdout.write(`${m.kind}: ${m.file}:${m.line} ${m.rule}\n`);
  const failing = [...result.byLanguage, ...result.byRule].filter(([, t]) => !meetsBars(t)).map(([name]) => name);
  if (!meetsBars(result.overall)) failing.push('overall');
  if (failing.length > 0) {
    process.stderr.write(`below precision ${MIN_PRECISION} / recall ${MIN_RECALL}: ${failing.join(', ')}\n`);
    process.exitCode = 1;
  }
}

if (require.main === module) void main();
