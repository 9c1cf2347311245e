import path from 'node:path';
import { formatDuration } from './ageText';
import { displayText } from './displayText';
import type { Connection } from './model';
import { summarizeProcesses, type ProcessSummary } from './processSummary';

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
  /** How many of them are stuck (see {@link isStuckCloseWait}); absent when no socket's age is known. */
  stuck?: number;
  /** Age of its oldest CLOSE_WAIT socket, in seconds, when known. */
  oldestSeconds?: number;
  /** Local ports of its CLOSE_WAIT sockets. */
  ports: number[];
  /** Set when a VS Code debug session (the extension host's descendants) started it. */
  launchedByEditor?: boolean;
}

/** The processes holding CLOSE_WAIT sockets, with their stuck count when ages are known. */
export function leakingProcesses(connections: readonly Connection[], stuckAfterSeconds = 60): Map<number, LeakingProcess> {
  return leakingProcessesOf(summarizeProcesses(connections, stuckAfterSeconds));
}

/** {@link leakingProcesses} from the per-process summary a sample already has. */
export function leakingProcessesOf(summaries: ReadonlyMap<number, ProcessSummary>): Map<number, LeakingProcess> {
  const byPid = new Map<number, LeakingProcess>();
  for (const p of summaries.values()) {
    if (p.closeWait === 0) continue;
    const dated = p.oldestCloseWaitSeconds !== undefined;
    byPid.set(p.pid, {
      pid: p.pid,
      process: p.process,
      commandLine: p.commandLine,
      closeWait: p.closeWait,
      stuck: dated ? p.stuck : undefined,
      oldestSeconds: p.oldestCloseWaitSeconds,
      ports: [...p.closeWaitPorts].sort((a, b) => a - b),
    });
  }
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

/** Longest code lens title: wider lenses are cut off by the editor. */
export const MAX_LENS_TITLE = 120;

/**
 * The program and its script, as a user names a process: `node /ws/app/server.js --port 8081`
 * is "node server.js", `/usr/bin/python3 -u worker.py` is "python3 worker.py".
 */
export function shortCommand(p: Pick<LeakingProcess, 'process' | 'commandLine'>): string {
  const args = p.commandLine.split(/\s+/).filter(Boolean);
  if (args.length === 0) return displayText(p.process);
  const program = path.posix.basename(args[0]);
  const script = args.slice(1).find((a) => !a.startsWith('-'));
  return displayText(script ? `${program} ${path.posix.basename(script)}` : program);
}

/** `text` in at most `max` characters, cut at a word boundary where there is one, with an ellipsis. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = text.slice(0, Math.max(0, max - 1));
  const space = head.lastIndexOf(' ');
  return `${space > max / 2 ? head.slice(0, space) : head}…`;
}

/**
 * The code lens title with live context, at most {@link MAX_LENS_TITLE} characters: "… — 5
 * sockets stuck in CLOSE_WAIT for up to 14 min in node server.js (pid 4242) on :8081". Without
 * ages (a collector that has none) it gives the CLOSE_WAIT count. `undefined` when the process
 * has CLOSE_WAIT sockets of known age but none stuck: sockets that close in time are no leak.
 */
export function liveLensTitle(base: string, p: LeakingProcess): string | undefined {
  if (p.stuck === 0) return undefined;
  const n = p.stuck ?? p.closeWait;
  const what =
    p.stuck === undefined
      ? `${n} socket${n === 1 ? '' : 's'} in CLOSE_WAIT`
      : `${n} socket${n === 1 ? '' : 's'} stuck in CLOSE_WAIT for up to ${formatDuration(p.oldestSeconds ?? 0)}`;
  const ports = p.ports.length ? ` on :${p.ports.slice(0, 3).join(', :')}${p.ports.length > 3 ? ' …' : ''}` : '';
  const tail = ` (pid ${p.pid})${ports}`;
  const command = cut(shortCommand(p), 40);
  const live = `${what} in ${command}${tail}`;
  return `${cut(base, Math.max(12, MAX_LENS_TITLE - live.length - 3))} — ${live}`.slice(0, MAX_LENS_TITLE);
}
