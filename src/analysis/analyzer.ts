import * as path from 'node:path';
import { languageOfExtension } from './languageTable';
import { LANGUAGE_RULES } from './languages/index';
import type { Tree } from '@vscode/tree-sitter-wasm';
import { FALLBACK_GRAMMARS, GrammarLoader } from './parser';
import type { AnalysisResult, FixRequest, LanguageRules, LeakFinding, LeakLanguage, RuleFinding } from './types';

/** Files larger than this are skipped with a note: generated or vendored code, not a server's own. */
export const MAX_ANALYZED_BYTES = 2 * 1024 * 1024;

export { languageOfLanguageId } from './languageTable';

export function languageOfPath(file: string): LeakLanguage | undefined {
  return languageOfExtension(path.extname(file));
}

/** The comment that silences a finding on its own line or on the line below. */
export const SUPPRESSION_MARKER = 'tcp-lens-ignore';

export class LeakAnalyzer {
  private readonly rules = new Map<LeakLanguage, LanguageRules>();
  private unfreed: Tree | undefined;

  constructor(
    private readonly grammars = new GrammarLoader(),
    rules: readonly LanguageRules[] = LANGUAGE_RULES,
  ) {
    for (const r of rules) for (const l of r.languages) this.rules.set(l, r);
  }

  /**
   * Analyses one file's text. Never throws for bad input: problems become notes. Findings carry
   * the title of their quick fix; its edits are computed only for the findings `fixes` asks for
   * (the language server asks for one, when the user picks the fix).
   */
  async analyze(source: string, language: LeakLanguage, fixes: FixRequest = 'none'): Promise<AnalysisResult> {
    const notes: string[] = [];
    if (Buffer.byteLength(source) > MAX_ANALYZED_BYTES) {
      return { findings: [], notes: [`skipped: larger than ${MAX_ANALYZED_BYTES / 1024 / 1024} MB`] };
    }
    if (source.includes('\u0000')) return { findings: [], notes: ['skipped: binary content'] };
    const rules = this.rules.get(language);
    if (!rules) return { findings: [], notes };
    this.freeTree();
    const tree = await this.parse(source, language);
    if (!tree) return { findings: [], notes: ['skipped: the parser gave up'] };
    try {
      if (tree.rootNode.hasError) notes.push('syntax errors: only the parts that parse were analysed');
      const findings = withoutSuppressed(rules.analyze(tree.rootNode, language, source), source);
      return { findings: findings.map((f) => settled(f, fixes)), notes };
    } finally {
      this.freeTreeSoon(tree);
    }
  }

  /**
   * Frees the tree once the caller has the findings: freeing a 10,000-line file's tree takes some
   * 5 ms the user need not wait for. At most one tree waits (the next analysis frees it first), so
   * large files do not pile up in WebAssembly memory, which never shrinks.
   */
  private freeTreeSoon(tree: Tree): void {
    this.unfreed = tree;
    // A timer rather than setImmediate: the language server's message writer sends the findings
    // from a setImmediate callback queued after this one, and must not wait for the free.
    setTimeout(() => this.freeTree(), 0);
  }

  private freeTree(): void {
    this.unfreed?.delete();
    this.unfreed = undefined;
  }

  /** The language's tree; where its grammar finds errors, the fallback grammar's if that one finds none. */
  private async parse(source: string, language: LeakLanguage): Promise<Tree | undefined> {
    const tree = await this.parseWith(source, language);
    const fallback = FALLBACK_GRAMMARS[language];
    if (!tree?.rootNode.hasError || !fallback) return tree;
    const other = await this.parseWith(source, language, fallback);
    if (!other || other.rootNode.hasError) {
      other?.delete();
      return tree;
    }
    tree.delete();
    return other;
  }

  private async parseWith(source: string, language: LeakLanguage, grammar?: string): Promise<Tree | undefined> {
    const parser = await this.grammars.parserFor(language, grammar);
    try {
      return parser.parse(source) ?? undefined;
    } finally {
      parser.delete();
    }
  }
}

/**
 * The finding as callers keep it: the pending fix becomes its title, plus its edits when asked
 * for. Nothing of the syntax tree stays reachable from a kept finding.
 */
function settled(f: RuleFinding, fixes: FixRequest): LeakFinding {
  const { pendingFix, ...finding }: RuleFinding & Pick<LeakFinding, 'fix' | 'fixTitle'> = f;
  if (!pendingFix) return finding;
  const wanted = fixes === 'all' || (fixes !== 'none' && fixes.line === f.range.start.line && fixes.column === f.range.start.column);
  // Set on the copy rather than spread into another: V8 makes properties added after a spread slow, per object.
  finding.fixTitle = pendingFix.title;
  if (wanted) finding.fix = { title: pendingFix.title, edits: pendingFix.edits() };
  return finding;
}

function withoutSuppressed(findings: RuleFinding[], source: string): RuleFinding[] {
  if (!source.includes(SUPPRESSION_MARKER)) return findings;
  const lines = source.split('\n');
  const suppressed = (line: number) =>
    lines[line]?.includes(SUPPRESSION_MARKER) || (line > 0 && lines[line - 1]?.includes(SUPPRESSION_MARKER));
  return findings.filter((f) => !suppressed(f.range.start.line));
}
