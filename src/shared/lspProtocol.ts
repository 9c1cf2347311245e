import { NotificationType, RequestType, RequestType0 } from 'vscode-languageserver-protocol';
import type { LeakReport } from '../analysis/types';
import type { LeakingProcess } from '../core/liveLink';

/** The settings under `tcpLens.leaks`, as the server reads them through workspace/configuration. */
export interface LeakSettings {
  /** Per language id (`python`, `javascript`, …): false turns the analysis off for it. */
  enable: Record<string, boolean>;
  severity: 'error' | 'warning' | 'information' | 'hint';
  /** Globs over workspace-relative or absolute paths; matching files are not analysed. */
  ignore: string[];
}

export const DEFAULT_LEAK_SETTINGS: LeakSettings = {
  enable: {},
  severity: 'warning',
  ignore: ['**/node_modules/**', '**/.git/**'],
};

/** What a code lens's `tcpLens.explainLeak` command receives. */
export interface ExplainLeakArgs {
  uri: string;
  line: number;
  character: number;
  /** The place to fix, when it is not the acquiring line. */
  fixLine?: number;
  fixCharacter?: number;
  message: string;
  rule: string;
}

export interface ScanFilesParams {
  /** file:// URIs; the server reads them from disk unless they are open in the editor. */
  uris: string[];
}

export interface ScanFilesResult {
  scanned: number;
  findings: number;
  /** Files not analysed, with the reason (too large, binary, unreadable, ignored). */
  skipped: { uri: string; reason: string }[];
}

/**
 * Analyses the given files and publishes their diagnostics (the Problems panel). The client sends
 * the workspace in batches so it can report progress and stop between them.
 */
export const ScanFilesRequest = new RequestType<ScanFilesParams, ScanFilesResult, void>('tcpLens/scanFiles');

/** One finding as the live link ranks it (the `tcp-lens leaks --json` shape, 1-based, with the URI). */
export interface KnownFinding extends LeakReport {
  uri: string;
}

/** Every finding the server knows: open documents and scanned files. */
export const KnownFindingsRequest = new RequestType0<KnownFinding[], void>('tcpLens/knownFindings');

export interface LiveLeaksParams {
  /** Workspace folders as file system paths. */
  folders: string[];
  /** Local processes that hold CLOSE_WAIT sockets right now (empty: none, or another host is shown). */
  processes: LeakingProcess[];
}

/** Live CLOSE_WAIT context for the code lenses; the server refreshes the lenses when it changes. */
export const LiveLeaksNotification = new NotificationType<LiveLeaksParams>('tcpLens/liveLeaks');
