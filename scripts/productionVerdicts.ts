// Compares a production scan (scripts/productionScan.sh OUT_DIR) with the judged findings of
// docs/analysis-verdicts.json (issue 14): per project and overall, the findings, how many were
// judged TP or FP, the unjudged ones (no verdict yet: listed, and the exit code is 1) and the gone
// ones (judged, no longer reported: listed with their verdict). The corpora are fixed commits, so a
// finding matches a verdict only on the same project, path, line and rule.
//
// usage: node --import tsx scripts/productionVerdicts.ts SCAN_DIR [--verdicts FILE] [--markdown]
import * as fs from 'node:fs';
import * as path from 'node:path';

export type VerdictKind = 'TP' | 'TP (rule)' | 'FP';

/** One judged finding of docs/analysis-verdicts.json. */
export interface Verdict {
  /** OWNER+NAME of the corpus, or python3.11 / openjdk-17 / npm-packages. */
  project: string;
  path: string;
  line: number;
  rule: string;
  verdict: VerdictKind;
  /** The analyzer's message when it was judged. */
  message?: string;
  reason: string;
  /** Set when the finding went: which fix removed it. */
  gone?: string;
}

/** One finding of `tcp-lens leaks --json`. */
export interface Finding {
  file: string;
  line: number;
  rule: string;
  message?: string;
}

export interface ProjectResult {
  project: string;
  findings: number;
  truePositives: number;
  falsePositives: number;
  unjudged: Finding[];
  gone: Verdict[];
}

export const VERDICTS_FILE = path.join(__dirname, '..', 'docs', 'analysis-verdicts.json');

/** `./a.go` (what `find .` gives) and `a.go` are the same file. */
export const normalizePath = (p: string): string => p.replace(/^(\.\/)+/, '');

const key = (p: string, line: number, rule: string): string => `${normalizePath(p)}:${line}:${rule}`;

/** Matches one project's findings with its verdicts on path, line and rule. */
export function compareProject(project: string, findings: readonly Finding[], verdicts: readonly Verdict[]): ProjectResult {
  const judged = new Map<string, Verdict>();
  for (const v of verdicts) if (v.project === project) judged.set(key(v.path, v.line, v.rule), v);
  const result: ProjectResult = { project, findings: findings.length, truePositives: 0, falsePositives: 0, unjudged: [], gone: [] };
  const seen = new Set<string>();
  for (const f of findings) {
    const k = key(f.file, f.line, f.rule);
    const v = judged.get(k);
    if (v === undefined) {
      result.unjudged.push(f);
      continue;
    }
    seen.add(k);
    if (v.verdict === 'FP') result.falsePositives++;
    else result.truePositives++;
  }
  result.gone = [...judged].filter(([k]) => !seen.has(k)).map(([, v]) => v);
  return result;
}

/** The false-alarm share among the judged findings, or undefined when none was judged. */
export function fpShare(r: Pick<ProjectResult, 'truePositives' | 'falsePositives'>): number | undefined {
  const judged = r.truePositives + r.falsePositives;
  return judged === 0 ? undefined : r.falsePositives / judged;
}

export function total(results: readonly ProjectResult[]): ProjectResult {
  return {
    project: 'overall',
    findings: results.reduce((n, r) => n + r.findings, 0),
    truePositives: results.reduce((n, r) => n + r.truePositives, 0),
    falsePositives: results.reduce((n, r) => n + r.falsePositives, 0),
    unjudged: results.flatMap((r) => r.unjudged),
    gone: results.flatMap((r) => r.gone),
  };
}

const percent = (r: ProjectResult): string => {
  const s = fpShare(r);
  return s === undefined ? '–' : `${Math.round(s * 100)} %`;
};

/** The table, as text (aligned columns) or as a Markdown table. */
export function formatResults(results: readonly ProjectResult[], markdown = false): string {
  const header = ['project', 'findings', 'TP', 'FP', 'unjudged', 'gone TP', 'gone FP', 'FP share'];
  const row = (r: ProjectResult) => [
    r.project,
    String(r.findings),
    String(r.truePositives),
    String(r.falsePositives),
    String(r.unjudged.length),
    String(r.gone.filter((v) => v.verdict !== 'FP').length),
    String(r.gone.filter((v) => v.verdict === 'FP').length),
    percent(r),
  ];
  const rows = [...results.map(row), row(total(results))];
  if (markdown) {
    const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
    return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
  }
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  return all.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

/** Reads SCAN_DIR/PROJECT.prod.json for every project the scan wrote. */
export function readScan(scanDir: string): Map<string, Finding[]> {
  const scan = new Map<string, Finding[]>();
  for (const name of fs.readdirSync(scanDir).sort()) {
    const m = /^(.+)\.prod\.json$/.exec(name);
    if (m) scan.set(m[1]!, JSON.parse(fs.readFileSync(path.join(scanDir, name), 'utf8')) as Finding[]);
  }
  return scan;
}

function main(argv: string[]): number {
  const args = [...argv];
  const markdown = args.includes('--markdown');
  const at = args.indexOf('--verdicts');
  const verdictsFile = at >= 0 ? args[at + 1]! : VERDICTS_FILE;
  const dirs = args.filter((a, i) => !a.startsWith('--') && (at < 0 || i !== at + 1));
  if (dirs.length !== 1 || !fs.existsSync(dirs[0]!)) {
    process.stderr.write('usage: productionVerdicts.ts SCAN_DIR [--verdicts FILE] [--markdown]\n');
    return 2;
  }
  const verdicts = JSON.parse(fs.readFileSync(verdictsFile, 'utf8')) as Verdict[];
  const scan = readScan(dirs[0]!);
  const results = [...scan].map(([project, findings]) => compareProject(project, findings, verdicts));
  const out: string[] = [formatResults(results, markdown)];
  const notRun = [...new Set(verdicts.map((v) => v.project))].filter((p) => !scan.has(p));
  if (notRun.length > 0) out.push('', `not in the scan (verdicts not compared): ${notRun.join(', ')}`);
  for (const r of results) {
    for (const f of r.unjudged) out.push(`unjudged ${r.project} ${normalizePath(f.file)}:${f.line} ${f.rule} ${f.message ?? ''}`.trimEnd());
    for (const v of r.gone) out.push(`gone ${v.verdict} ${r.project} ${v.path}:${v.line} ${v.rule}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return results.some((r) => r.unjudged.length > 0) ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
