import { fileURLToPath } from 'node:url';
import { CodeActionKind, DiagnosticSeverity } from 'vscode-languageserver/node';
import type { CodeAction, CodeLens, Diagnostic, Range } from 'vscode-languageserver/node';
import type { LeakFinding, LeakFix, SourceRange } from '../analysis/types';
import { liveLensTitle, rankLeakSites, type LeakingProcess } from '../core/liveLink';
import type { ExplainLeakArgs, KnownFinding, LeakSettings } from '../shared/lspProtocol';

export const DIAGNOSTIC_SOURCE = 'TCP Lens';
export const EXPLAIN_COMMAND = 'tcpLens.explainLeak';

const SEVERITY: Record<LeakSettings['severity'], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function toRange(r: SourceRange): Range {
  return { start: { line: r.start.line, character: r.start.column }, end: { line: r.end.line, character: r.end.column } };
}

export function toDiagnostic(f: LeakFinding, severity: LeakSettings['severity']): Diagnostic {
  return { range: toRange(f.range), severity: SEVERITY[severity], source: DIAGNOSTIC_SOURCE, code: f.rule, message: f.message };
}

/** The path of a file: URI, or the URI itself for untitled documents. */
export function uriToPath(uri: string): string {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : uri;
  } catch {
    return uri;
  }
}

export function toKnownFinding(uri: string, f: LeakFinding): KnownFinding {
  return {
    uri,
    file: uriToPath(uri),
    line: f.range.start.line + 1,
    column: f.range.start.column + 1,
    language: f.language,
    rule: f.rule,
    message: f.message,
  };
}

/** Replaced by the live figures when a process shows the risk is real. */
const STATIC_SUFFIX = / — CLOSE_WAIT risk$/;

export interface LiveContext {
  folders: string[];
  processes: LeakingProcess[];
}

/**
 * One lens per finding on its acquiring line. When a live process from this workspace, written in
 * this language, holds CLOSE_WAIT sockets, the title names it and its count.
 */
export function toCodeLenses(uri: string, findings: readonly LeakFinding[], live: LiveContext): CodeLens[] {
  return findings.map((f) => {
    const best = live.processes.length ? rankLeakSites([toKnownFinding(uri, f)], live.processes, live.folders)[0] : undefined;
    const args: ExplainLeakArgs = {
      uri,
      line: f.range.start.line,
      character: f.range.start.column,
      fixLine: f.fixAt?.start.line,
      fixCharacter: f.fixAt?.start.column,
      message: f.message,
      rule: f.rule,
    };
    const start = { line: f.range.start.line, character: f.range.start.column };
    return {
      range: { start, end: start },
      command: {
        title: (best && liveLensTitle(f.message.replace(STATIC_SUFFIX, ''), best.process)) ?? f.message,
        command: EXPLAIN_COMMAND,
        arguments: [args],
      },
    };
  });
}

const overlaps = (a: Range, b: Range) =>
  !(
    a.end.line < b.start.line ||
    (a.end.line === b.start.line && a.end.character < b.start.character) ||
    b.end.line < a.start.line ||
    (b.end.line === a.start.line && b.end.character < a.start.character)
  );

/** What a quick fix carries until it is resolved: enough to find its finding again. */
export interface LeakFixData {
  uri: string;
  line: number;
  character: number;
  rule: string;
}

export function isLeakFixData(data: unknown): data is LeakFixData {
  const d = data as Partial<LeakFixData> | undefined;
  return typeof d?.uri === 'string' && typeof d.line === 'number' && typeof d.character === 'number' && typeof d.rule === 'string';
}

/**
 * Quick fixes of the findings whose range touches the requested range, without their edits: the
 * edit is computed when the client resolves the action (`codeAction/resolve`), for that one fix.
 */
export function toCodeActions(
  uri: string,
  findings: readonly LeakFinding[],
  requested: Range,
  severity: LeakSettings['severity'],
): CodeAction[] {
  const actions: CodeAction[] = [];
  for (const f of findings) {
    if (!f.fixTitle || !overlaps(toRange(f.range), requested)) continue;
    const data: LeakFixData = { uri, line: f.range.start.line, character: f.range.start.column, rule: f.rule };
    actions.push({
      title: f.fixTitle,
      kind: CodeActionKind.QuickFix,
      diagnostics: [toDiagnostic(f, severity)],
      isPreferred: true,
      data,
    });
  }
  return actions;
}

/** The action with its edit, or unchanged (no edit) when its finding is gone since. */
export function withFixEdit(action: CodeAction, uri: string, fix: LeakFix | undefined): CodeAction {
  if (!fix) return action;
  return { ...action, edit: { changes: { [uri]: fix.edits.map((e) => ({ range: toRange(e.range), newText: e.newText })) } } };
}
