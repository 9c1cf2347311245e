import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import type { Connection, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { LeakAnalyzer, languageOfLanguageId, languageOfPath } from '../analysis/analyzer';
import type { LeakFinding, LeakFix, LeakLanguage } from '../analysis/types';
import type { KnownFinding, LeakSettings, ScanFilesResult } from '../shared/lspProtocol';
import { matchesAnyGlob } from './glob';
import { toDiagnostic, toKnownFinding, uriToPath } from './lspFindings';
import { isLanguageEnabled, type SettingsCache } from './settings';
import { readSourceFile } from '../analysis/sourceFile';

/** Typing pauses shorter than this do not start an analysis. */
export const TYPING_DEBOUNCE_MS = 300;

interface FileResult {
  findings: LeakFinding[];
  severity: LeakSettings['severity'];
}

export type Cancelled = () => boolean;

/** Analyses open documents (debounced) and scanned files, and keeps their findings for lenses and fixes. */
export class LeakService {
  private readonly results = new Map<string, FileResult>();
  /** Files a workspace scan analysed from disk; closing their editor re-reads them instead of clearing. */
  private readonly scanned = new Set<string>();
  /** Pending analyses per document; `atOnce` for an open or a save, which typing must not postpone. */
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; atOnce: boolean }>();
  /** Called when a file's findings changed: the editor must ask for its lenses again. */
  onDidAnalyse: (() => void) | undefined;

  constructor(
    private readonly connection: Connection,
    private readonly documents: TextDocuments<TextDocument>,
    private readonly settings: SettingsCache,
    private readonly analyzer = new LeakAnalyzer(),
  ) {}

  findings(uri: string): FileResult | undefined {
    return this.results.get(uri);
  }

  /**
   * The edits of one quick fix, computed now that the user picked it: the file is analysed again
   * (its current text, open or on disk) with the edits of that one finding only. Undefined when the
   * finding is no longer there.
   */
  async fixFor(uri: string, at: { line: number; column: number }, rule: string): Promise<LeakFix | undefined> {
    try {
      const document = this.documents.get(uri);
      const file = uriToPath(uri);
      const language = (document && languageOfLanguageId(document.languageId)) ?? languageOfPath(file);
      if (!language) return undefined;
      let text: string;
      if (document) text = document.getText();
      else {
        const read = await readSourceFile(file);
        if ('skipped' in read) return undefined;
        text = read.text;
      }
      collectBeforeLargeAnalysis(text);
      const { findings } = await this.analyzer.analyze(text, language, at);
      return findings.find((f) => f.rule === rule && f.range.start.line === at.line && f.range.start.column === at.column)?.fix;
    } catch (err) {
      this.connection.console.error(
        `TCP Lens could not compute a fix in ${uriToPath(uri)}: ${err instanceof Error ? err.stack : String(err)}`,
      );
      return undefined;
    }
  }

  allFindings(): KnownFinding[] {
    return [...this.results].flatMap(([uri, r]) => r.findings.map((f) => toKnownFinding(uri, f)));
  }

  /** Analyses after the user stops typing; an open or a save analyses at once. */
  schedule(document: TextDocument, delayMs = TYPING_DEBOUNCE_MS): void {
    const pending = this.timers.get(document.uri);
    // An open fires a content change right after it: that must not push the open's analysis back
    // by a typing pause. The analysis reads the text when it starts, so nothing typed is missed.
    if (pending?.atOnce) return;
    clearTimeout(pending?.timer);
    const timer = setTimeout(() => {
      this.timers.delete(document.uri);
      void this.analyzeOpen(document.uri);
    }, delayMs);
    this.timers.set(document.uri, { timer, atOnce: delayMs === 0 });
  }

  async closed(uri: string): Promise<void> {
    clearTimeout(this.timers.get(uri)?.timer);
    this.timers.delete(uri);
    if (this.scanned.has(uri)) await this.analyzeFromDisk(uri);
    else this.forget(uri);
  }

  /** After a settings change: every open document and scanned file again. */
  async reanalyzeAll(): Promise<void> {
    this.settings.clear();
    for (const d of this.documents.all()) await this.analyzeOpen(d.uri);
    for (const uri of this.scanned) if (!this.documents.get(uri)) await this.analyzeFromDisk(uri);
  }

  async scan(uris: readonly string[], cancelled: Cancelled): Promise<ScanFilesResult> {
    const result: ScanFilesResult = { scanned: 0, findings: 0, skipped: [] };
    for (const uri of uris) {
      if (cancelled()) break;
      this.scanned.add(uri);
      const skipped = this.documents.get(uri) ? await this.analyzeOpen(uri) : await this.analyzeFromDisk(uri);
      if (skipped) result.skipped.push({ uri, reason: skipped });
      else result.scanned++;
      result.findings += this.results.get(uri)?.findings.length ?? 0;
    }
    return result;
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t.timer);
    this.timers.clear();
  }

  /** Resolves to why the document was not analysed, if it was not. */
  private async analyzeOpen(uri: string): Promise<string | undefined> {
    const document = this.documents.get(uri);
    if (!document) return 'closed';
    const version = document.version;
    const language = languageOfLanguageId(document.languageId) ?? languageOfPath(uriToPath(uri));
    return this.analyze(
      uri,
      language,
      () => document.getText(),
      () => this.documents.get(uri)?.version === version,
    );
  }

  private async analyzeFromDisk(uri: string): Promise<string | undefined> {
    const file = uriToPath(uri);
    return this.analyze(
      uri,
      languageOfPath(file),
      async () => {
        const read = await readSourceFile(file);
        if ('skipped' in read) throw new SkipFile(read.skipped);
        return read.text;
      },
      () => !this.documents.get(uri),
    );
  }

  /**
   * The one path every analysis takes: settings, then the text, then the analyzer; results are
   * kept only while `stillCurrent` (the user may have typed or opened the file meanwhile).
   * Never throws: a file the analyzer cannot handle is logged and left without diagnostics.
   */
  private async analyze(
    uri: string,
    language: LeakLanguage | undefined,
    text: () => string | Promise<string>,
    stillCurrent: () => boolean,
  ): Promise<string | undefined> {
    try {
      if (!language) return this.skip(uri, 'not a language TCP Lens analyses');
      const settings = await this.settings.get(uri);
      if (!isLanguageEnabled(settings, language)) return this.skip(uri, `disabled for ${language} in tcpLens.leaks.enable`);
      if (matchesAnyGlob(uriToPath(uri), settings.ignore)) return this.skip(uri, 'matches tcpLens.leaks.ignore');
      const source = await text();
      collectBeforeLargeAnalysis(source);
      const { findings, notes } = await this.analyzer.analyze(source, language);
      if (!stillCurrent()) return undefined;
      for (const note of notes) this.connection.console.info(`${uriToPath(uri)}: ${note}`);
      this.results.set(uri, { findings, severity: settings.severity });
      void this.connection.sendDiagnostics({ uri, diagnostics: findings.map((f) => toDiagnostic(f, settings.severity)) });
      this.onDidAnalyse?.();
      return notes.find((n) => n.startsWith('skipped'));
    } catch (err) {
      if (err instanceof SkipFile) return this.skip(uri, err.message);
      this.connection.console.error(`TCP Lens could not analyse ${uriToPath(uri)}: ${err instanceof Error ? err.stack : String(err)}`);
      return this.skip(uri, 'analysis failed (see the TCP Lens output)');
    }
  }

  private skip(uri: string, reason: string): string {
    this.forget(uri);
    return reason;
  }

  private forget(uri: string): void {
    if (!this.results.delete(uri)) return;
    void this.connection.sendDiagnostics({ uri, diagnostics: [] });
  }
}

class SkipFile extends Error {}

/** Files above this size are analysed after a full garbage collection. */
const LARGE_SOURCE = 512 * 1024;
let fullGc: (() => void) | undefined | null;

/**
 * Collects the garbage of earlier analyses before a large one: V8 grows the heap lazily, and the
 * garbage of one large analysis plus the next (say, a quick fix resolved right after the file was
 * analysed) would otherwise both count against the server's memory. A full collection costs tens of
 * milliseconds, beside the second or so such a file takes.
 */
function collectBeforeLargeAnalysis(source: string): void {
  if (source.length < LARGE_SOURCE) return;
  if (fullGc === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      fullGc = vm.runInNewContext('gc') as () => void;
    } catch {
      fullGc = null;
    }
  }
  fullGc?.();
}
