/**
 * VS Code-style globs (`**`, `*`, `?`, `{a,b}`, `[abc]`, `[!abc]`) over `/`-separated paths, matched
 * without regular expressions: `tcpLens.leaks.ignore` may come from a workspace's
 * `.vscode/settings.json`, and a backtracking matcher lets a pattern such as twelve `**` against a
 * deep path take minutes per file. Here a path is matched segment by segment with a set of reachable
 * positions (each `**` makes every later position reachable, in one step), and each segment with a
 * wildcard table: the cost is at most pattern length × path length, whatever the pattern.
 *
 * A glob without a slash matches the file name anywhere, as in `files.exclude`; a relative glob
 * matches at any depth of an absolute path (`src/*.py` matches `/home/me/proj/src/a.py`).
 */

/** `{a,b}` alternatives are expanded first; a glob that expands to more than this ignores nothing. */
export const MAX_BRACE_EXPANSIONS = 256;
/** Longer globs are malformed settings, not patterns anyone writes: they ignore nothing. */
export const MAX_GLOB_LENGTH = 4096;

const GLOBSTAR = Symbol('**');

type CharTest = (c: string) => boolean;
/** One segment's pattern: literal characters, `?` (any one character), `*` (any run), or a class. */
type SegmentToken = string | CharTest | typeof ANY_RUN | typeof ANY_ONE;
const ANY_RUN = Symbol('*');
const ANY_ONE = Symbol('?');

type Segment = typeof GLOBSTAR | SegmentToken[];

/** A glob compiled to its brace alternatives, each a list of segments. */
export interface CompiledGlob {
  alternatives: Segment[][];
}

/** Compiles a glob; `undefined` for a malformed one (too long, too many alternatives). */
export function compileGlob(glob: string): CompiledGlob | undefined {
  if (glob.length > MAX_GLOB_LENGTH) return undefined;
  const expanded = expandBraces(glob);
  if (!expanded) return undefined;
  return {
    alternatives: expanded.map((alt) => {
      const pattern = alt.includes('/') ? alt : `**/${alt}`;
      // A relative glob matches at any depth; `**/**` is the same as one `**`.
      const segments: Segment[] = [GLOBSTAR];
      for (const part of pattern.split('/')) {
        const segment: Segment = part === '**' ? GLOBSTAR : compileSegment(part);
        if (segment === GLOBSTAR && segments.at(-1) === GLOBSTAR) continue;
        segments.push(segment);
      }
      return segments;
    }),
  };
}

/**
 * `a{b,c{d,e}}f` → `abf`, `acdf`, `acef`. A `{` without its `}` stays literal. `undefined` when the
 * expansion would exceed MAX_BRACE_EXPANSIONS (it is counted before it is built).
 */
function expandBraces(glob: string): string[] | undefined {
  const open = glob.indexOf('{');
  if (open < 0) return [glob];
  // The matching `}` and the top-level commas between.
  let depth = 0;
  const commas: number[] = [];
  let close = -1;
  for (let i = open; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === '{') depth++;
    else if (ch === '}') {
      depth--;
      if (depth === 0) {
        close = i;
        break;
      }
    } else if (ch === ',' && depth === 1) commas.push(i);
  }
  if (close < 0) {
    // No closing brace: the `{` is a literal character, the rest may still hold alternatives.
    const rest = expandBraces(glob.slice(open + 1));
    return rest?.map((r) => glob.slice(0, open + 1) + r);
  }
  const head = glob.slice(0, open);
  const bounds = [open, ...commas, close];
  const options: string[] = [];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const inner = expandBraces(glob.slice(bounds[k] + 1, bounds[k + 1]));
    if (!inner) return undefined;
    options.push(...inner);
    if (options.length > MAX_BRACE_EXPANSIONS) return undefined;
  }
  const tails = expandBraces(glob.slice(close + 1));
  if (!tails || options.length * tails.length > MAX_BRACE_EXPANSIONS) return undefined;
  const out: string[] = [];
  for (const o of options) for (const t of tails) out.push(head + o + t);
  return out;
}

function compileSegment(part: string): SegmentToken[] {
  const tokens: SegmentToken[] = [];
  for (let i = 0; i < part.length; i++) {
    const ch = part[i]!;
    if (ch === '*') {
      if (tokens.at(-1) !== ANY_RUN) tokens.push(ANY_RUN); // `**` inside a name is one `*`
    } else if (ch === '?') tokens.push(ANY_ONE);
    else if (ch === '[') {
      const close = part.indexOf(']', i + 2); // `[]a]`: a `]` right after `[` is a member
      if (close < 0) tokens.push('[');
      else {
        tokens.push(characterClass(part.slice(i + 1, close)));
        i = close;
      }
    } else tokens.push(ch);
  }
  return tokens;
}

/** `abc`, `a-z`, `!a-z` / `^a-z` (negated). */
function characterClass(body: string): CharTest {
  const negated = body.startsWith('!') || body.startsWith('^');
  const members = negated ? body.slice(1) : body;
  const ranges: [string, string][] = [];
  for (let i = 0; i < members.length; i++) {
    if (members[i + 1] === '-' && i + 2 < members.length) {
      ranges.push([members[i]!, members[i + 2]!]);
      i += 2;
    } else ranges.push([members[i]!, members[i]!]);
  }
  return (c) => ranges.some(([lo, hi]) => c >= lo && c <= hi) !== negated;
}

/**
 * Whether `pattern` matches all of `items`, where a `star` element matches any run of items and
 * any other element exactly one item it accepts: the classic reachability table, one row per
 * element, O(elements × items) with no backtracking. Used at both levels of a glob: characters
 * within a path segment (`*`) and segments within a path (`**`).
 */
function matchSequence<P, I>(pattern: readonly P[], items: readonly I[], star: P, accepts: (element: P, item: I) => boolean): boolean {
  // reach[j]: the pattern so far can match items[0..j).
  let reach = new Uint8Array(items.length + 1);
  reach[0] = 1;
  for (const element of pattern) {
    const next = new Uint8Array(items.length + 1);
    let any = false;
    if (element === star) {
      let on = 0;
      for (let j = 0; j <= items.length; j++) {
        on |= reach[j]!;
        next[j] = on;
        any ||= on === 1;
      }
    } else {
      for (let j = 0; j < items.length; j++) {
        if (reach[j] && accepts(element, items[j]!)) {
          next[j + 1] = 1;
          any = true;
        }
      }
    }
    if (!any) return false;
    reach = next;
  }
  return reach[items.length] === 1;
}

function acceptsChar(t: SegmentToken, c: string): boolean {
  return t === ANY_ONE || (typeof t === 'string' ? t === c : typeof t === 'function' && t(c));
}

const matchSegment = (tokens: SegmentToken[], name: string) => matchSequence(tokens, name.split(''), ANY_RUN, acceptsChar);
const matchSegments = (pattern: Segment[], path: string[]) =>
  matchSequence(pattern, path, GLOBSTAR, (segment, name) => matchSegment(segment as SegmentToken[], name));

/** Whether a `/`-separated path matches a compiled glob. */
export function matchesGlob(compiled: CompiledGlob, normalizedPath: string): boolean {
  const segments = normalizedPath.split('/');
  return compiled.alternatives.some((alt) => matchSegments(alt, segments));
}

/** Compiled globs by text: the same setting is matched against every file of a scan. */
const compiledCache = new Map<string, CompiledGlob | undefined>();
const CACHE_LIMIT = 512;

function compiledOf(glob: string): CompiledGlob | undefined {
  if (compiledCache.has(glob)) return compiledCache.get(glob);
  const compiled = compileGlob(glob);
  if (compiledCache.size >= CACHE_LIMIT) compiledCache.clear();
  compiledCache.set(glob, compiled);
  return compiled;
}

/** Whether a path (absolute or relative, any separator) matches one of the globs. */
export function matchesAnyGlob(filePath: string, globs: readonly string[]): boolean {
  const normalized = filePath.replace(/\\/g, '/');
  return globs.some((g) => {
    const compiled = compiledOf(g);
    // A malformed glob from the settings ignores nothing rather than everything.
    return compiled ? matchesGlob(compiled, normalized) : false;
  });
}
