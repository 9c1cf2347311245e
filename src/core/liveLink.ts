import path from 'node:path';
import type { Connection } from './model';

/** The part of an analyzer finding the live link needs (same shape as `tcp-lens leaks --json`). */
export interface FindingRef {
  file: string;
  line: number;
  language: string;
  rule: string;
}

/** A process that holds CLOSE_WAIT sockets right now. */
export interface LeakingProcess {
  pid: number;
  process: string;
  commandLine: string;
  cwd?: string;
  closeWait: number;
  /** Local ports of its CLOSE_WAIT sockets. */
  ports: number[];
  /** Set when a VS Code debug session (the extension host's descendants) started it. */
  launchedByEditor?: boolean;
}

/** Groups CLOSE_WAIT sockets by owning process. */
export function leakingProcesses(connections: readonly Connection[]): Map<number, LeakingProcess> {
  const byPid = new Map<number, LeakingProcess>();
  for (const c of connections) {
    if (c.state !== 'CLOSE_WAIT' || c.pid === undefined) continue;
    let p = byPid.get(c.pid);
    if (!p) {
      p = { pid: c.pid, process: c.process ?? '?', commandLine: c.commandLine ?? '', closeWait: 0, ports: [] };
      byPid.set(c.pid, p);
    }
    p.closeWait++;
    if (!p.ports.includes(c.localPort)) p.ports.push(c.localPort);
  }
  for (const p of byPid.values()) p.ports.sort((a, b) => a - b);
  return byPid;
}

const isInside = (file: string, folder: string) => {
  const rel = path.relative(folder, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

/** Languages a process is likely written in, from its name and command line. */
export function languagesOf(p: Pick<LeakingProcess, 'process' | 'commandLine'>): Set<string> {
  const text = `${p.process} ${p.commandLine}`.toLowerCase();
  const langs = new Set<string>();
  if (/\b(node|nodejs|deno|bun|ts-node|tsx)\b|\.m?[jt]s\b/.test(text)) langs.add('javascript').add('typescript');
  if (/\bpython[\d.]*\b|\.py\b|gunicorn|uvicorn/.test(text)) langs.add('python');
  if (/\bjava\b|\.jar\b/.test(text)) langs.add('java');
  if (/\bdotnet\b|\.dll\b/.test(text)) langs.add('csharp');
  // A native binary: Go, C or C++.
  if (langs.size === 0) langs.add('go').add('c').add('cpp');
  return langs;
}

/** Whether the process runs from one of the folders (its cwd, or a path in its command line). */
export function runsFrom(p: LeakingProcess, folders: readonly string[]): string | undefined {
  const candidates = [p.cwd, ...p.commandLine.split(' ').filter((a) => a.startsWith('/'))].filter((x): x is string => !!x);
  for (const folder of folders) if (candidates.some((c) => isInside(c, folder))) return folder;
  return undefined;
}

export interface RankedFinding<F extends FindingRef> {
  finding: F;
  process: LeakingProcess;
  score: number;
}

/**
 * Matches workspace findings to live leaking processes and ranks them: a finding counts for a
 * process that runs from the finding's workspace folder (or was started by the editor) and is
 * written in the finding's language; the server-side CLOSE_WAIT rule and files that mention the
 * leaking port rank higher. `fileMentionsPort` lets the caller check file text lazily.
 */
export function rankLeakSites<F extends FindingRef>(
  findings: readonly F[],
  processes: Iterable<LeakingProcess>,
  folders: readonly string[],
  fileMentionsPort: (file: string, port: number) => boolean = () => false,
): RankedFinding<F>[] {
  const ranked: RankedFinding<F>[] = [];
  for (const p of processes) {
    const folder = runsFrom(p, folders);
    if (!folder && !p.launchedByEditor) continue;
    const langs = languagesOf(p);
    for (const finding of findings) {
      if (folder && !isInside(finding.file, folder)) continue;
      if (!langs.has(finding.language)) continue;
      let score = 1;
      if (finding.rule === 'close-wait-risk') score += 2;
      if (p.cwd && isInside(finding.file, p.cwd)) score += 1;
      if (p.commandLine.includes(path.basename(finding.file))) score += 3;
      if (p.ports.some((port) => fileMentionsPort(finding.file, port))) score += 2;
      ranked.push({ finding, process: p, score });
    }
  }
  return ranked.sort((a, b) => b.score - a.score || a.finding.file.localeCompare(b.finding.file) || a.finding.line - b.finding.line);
}

/** The code lens title with live context, e.g. "… — 37 live CLOSE_WAIT sockets in `node server.js` (pid 4242) on :8080". */
export function liveLensTitle(base: string, p: LeakingProcess): string {
  const cmd = p.commandLine.length > 60 ? `${p.commandLine.slice(0, 57)}…` : p.commandLine || p.process;
  const ports = p.ports.length ? ` on :${p.ports.slice(0, 3).join(', :')}` : '';
  return `${base} — ${p.closeWait} live CLOSE_WAIT socket${p.closeWait === 1 ? '' : 's'} in \`${cmd}\` (pid ${p.pid})${ports}`;
}
