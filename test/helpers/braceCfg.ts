import { LeakAnalyzer } from '../../src/analysis/analyzer';
import type { TreeObligation } from '../../src/analysis/cfg/brace';
import type { Cfg, CfgNode } from '../../src/analysis/cfg/graph';
import { copyTree, LineIndex, type LightNode } from '../../src/analysis/languages/cFamilyTree';
import { GrammarLoader } from '../../src/analysis/parser';
import type { LeakLanguage } from '../../src/analysis/types';

/** Graph tests of the brace-language front ends (Go, Java): a function's graph drawn as a reader would. */

const analyzer = new LeakAnalyzer();
const grammars = new GrammarLoader();

export interface GraphRequest {
  language: LeakLanguage;
  /** Calls (by their text) that acquire a socket. */
  acquiring: RegExp;
  /** The name an acquiring call is bound to. */
  targetOf(call: LightNode): LightNode | undefined;
  functionTypes: ReadonlySet<string>;
  build(body: LightNode, obligations: readonly TreeObligation[], source: string): Cfg | undefined;
}

/** The graph of the first function of `lines`. */
export async function graphOf(request: GraphRequest, lines: string[]): Promise<Cfg> {
  const text = lines.join('\n');
  const parser = await grammars.parserFor(request.language);
  const tree = parser.parse(text)!;
  try {
    const root = copyTree(tree.rootNode, { source: text, lines: new LineIndex(text), opaque: new Set(['comment', 'line_comment']) });
    const all: LightNode[] = [];
    const walk = (n: LightNode) => {
      all.push(n);
      n.children.forEach(walk);
    };
    walk(root);
    const obligations: TreeObligation[] = [];
    for (const call of all) {
      if (!request.acquiring.test(text.slice(call.start, call.end))) continue;
      const target = request.targetOf(call);
      if (target) obligations.push({ obligation: obligations.length, site: call, target: text.slice(target.start, target.end) });
    }
    const fn = all.find((n) => request.functionTypes.has(n.type))!;
    return request.build(
      fn.children.find((c) => c.field === 'body')!,
      obligations,
      text,
    )!;
  } finally {
    tree.delete();
    parser.delete();
  }
}

export function label(n: CfgNode): string {
  if (n.kind !== 'step') return n.kind;
  const effects = n.effects
    .map((e) =>
      e.kind === 'acquire'
        ? `acquire#${e.obligation} ${e.target}`
        : e.kind === 'alias'
          ? `alias ${e.target}=${e.source}`
          : `${e.kind} ${e.name}`,
    )
    .join(',');
  // Lines as the editor shows them.
  return `${n.exitSite ? `<${n.exitSite.word}@${n.exitSite.site.line + 1}>` : ''}${effects ? `[${effects}]` : ''}${n.throws ? `!${n.throws.call}` : ''}`;
}

/** The edges (`->` normal, `~>` exceptional) between steps that do something, joins and plain steps followed through. */
export function flow(cfg: Cfg): string[] {
  const out = new Set<string>();
  const passThrough = (n: CfgNode) => n.kind === 'join' || (n.kind === 'step' && label(n) === '');
  const targets = (id: number, seen = new Set<number>()): string[] => {
    const n = cfg.nodes[id]!;
    if (!passThrough(n)) return [label(n)];
    if (seen.has(id)) return [];
    seen.add(id);
    return [...n.next, ...n.onThrow].flatMap((t) => targets(t, seen));
  };
  for (const n of cfg.nodes) {
    if (passThrough(n) && n.kind !== 'entry') continue;
    for (const t of n.next) for (const to of targets(t)) out.add(`${label(n)} -> ${to}`);
    for (const t of n.onThrow) for (const to of targets(t)) out.add(`${label(n)} ~> ${to}`);
  }
  return [...out].sort();
}

/** `line: rule: message` of each finding, 1-based. */
export async function reported(language: LeakLanguage, lines: string[]): Promise<string[]> {
  const { findings } = await analyzer.analyze(lines.join('\n'), language);
  return findings.map((f) => `${f.range.start.line + 1}: ${f.rule}: ${f.message}`);
}
