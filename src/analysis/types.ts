import type { Node as SyntaxNode } from '@vscode/tree-sitter-wasm';

import type { LeakLanguage } from './languageTable';

export type { LeakLanguage };

/**
 * `unclosed-socket`: some path without an exception leaves the function with the socket neither closed nor handed on.
 * `unclosed-on-exception`: closed or handed on on every normal path, but an exception from a call in between skips that.
 * `close-wait-risk`: a server keeps the accepted socket after the peer's end/EOF (the classic CLOSE_WAIT bug).
 */
export type LeakRule = 'unclosed-socket' | 'unclosed-on-exception' | 'close-wait-risk';

/** A 0-based position, as LSP and tree-sitter count. */
export interface SourcePosition {
  line: number;
  column: number;
}

export interface SourceRange {
  start: SourcePosition;
  end: SourcePosition;
}

export interface TextEdit {
  range: SourceRange;
  newText: string;
}

/** A mechanical, safe rewrite offered as a quick fix (Python `with`, Go `defer`, Java try-with-resources, C# `using`). */
export interface LeakFix {
  title: string;
  edits: TextEdit[];
}

/**
 * A fix as the rules find it: whether it applies is decided during the analysis (cheaply: no
 * scan of the block per finding), its edits only when asked for. A file with thousands of
 * findings in one long block would otherwise build findings × lines edits nobody requested.
 */
export interface PendingFix {
  title: string;
  /** Linear in the text the fix changes. */
  edits(): TextEdit[];
}

/** Which findings get their fix's edits: none (the default: titles only), all, or the one acquired at a position. */
export type FixRequest = 'none' | 'all' | SourcePosition;

export interface LeakFinding {
  rule: LeakRule;
  language: LeakLanguage;
  /** Where the socket is acquired: the lens and the diagnostic go here. */
  range: SourceRange;
  /** Shown to the user, e.g. "Socket opened here is never closed — CLOSE_WAIT risk". */
  message: string;
  /** The variable holding the socket, when there is one. */
  binding?: string;
  /** The place to fix (for example the end of the handler that should close), when it differs from `range`. */
  fixAt?: SourceRange;
  /** The title of the quick fix when one applies; its edits are in `fix` only when they were requested. */
  fixTitle?: string;
  fix?: LeakFix;
}

/** What a language's rules return: the fix still pending (the analyzer keeps only its title unless asked). */
export interface RuleFinding extends Omit<LeakFinding, 'fix' | 'fixTitle'> {
  pendingFix?: PendingFix;
}

export interface AnalysisResult {
  findings: LeakFinding[];
  /** Why a file was skipped or analysed only in part (too large, binary, syntax errors). */
  notes: string[];
}

/** One language's rules over its tree-sitter syntax tree. */
export interface LanguageRules {
  readonly languages: readonly LeakLanguage[];
  /** Findings in a parsed file; suppression comments are applied by the caller. */
  analyze(root: SyntaxNode, language: LeakLanguage, source: string): RuleFinding[];
}

/** A finding as reports print it (`tcp-lens leaks --json`): 1-based line and column. */
export interface LeakReport {
  file: string;
  line: number;
  column: number;
  language: string;
  rule: string;
  message: string;
}
