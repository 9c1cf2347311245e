import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { Language, Parser } from '@vscode/tree-sitter-wasm';
import { LEAK_LANGUAGES, LEAK_LANGUAGE_NAMES, type LeakLanguage } from './languageTable';
import { rememberRuntime } from './wasmCursor';

/** The grammar file each language parses with (the language table's). */
export const GRAMMAR_FILES = Object.fromEntries(LEAK_LANGUAGE_NAMES.map((l) => [l, LEAK_LANGUAGES[l].grammar])) as Record<
  LeakLanguage,
  string
>;

/** The second grammar of a language whose files its first grammar may not parse (see the table). */
export const FALLBACK_GRAMMARS: Partial<Record<LeakLanguage, string>> = Object.fromEntries(
  LEAK_LANGUAGE_NAMES.flatMap((l) => {
    const row = LEAK_LANGUAGES[l];
    return 'fallbackGrammar' in row ? [[l, row.fallbackGrammar]] : [];
  }),
);

/** Grammars that do not come with @vscode/tree-sitter-wasm: the npm package that ships each. */
const GRAMMAR_PACKAGES: Readonly<Record<string, string>> = { 'tree-sitter-c.wasm': 'tree-sitter-c/tree-sitter-c.wasm' };

/**
 * Where the runtime and grammars live: `dist/wasm` beside the bundle (what ships in the .vsix;
 * the build copies every grammar there), else the packages in node_modules (tests run from source).
 */
export function defaultWasmDir(): string {
  const bundled = path.join(__dirname, 'wasm');
  if (fs.existsSync(path.join(bundled, 'tree-sitter.wasm'))) return bundled;
  // Resolved at run time on purpose: the bundle must not try to inline the package.
  return path.dirname(createRequire(__filename).resolve('@vscode/tree-sitter-wasm/wasm/tree-sitter.wasm'));
}

let runtimeReady: Promise<void> | undefined;

/**
 * Starts the tree-sitter runtime once per process. web-tree-sitter keeps one runtime, but two
 * inits racing before it is set build two, and trees of one then meet the other's parser; the
 * walk's direct cursor also needs to know which module object is the runtime.
 */
function initRuntime(wasmDir: string): Promise<void> {
  if (!runtimeReady) {
    const options = { locateFile: (file: string) => path.join(wasmDir, file) };
    runtimeReady = Parser.init(options).then(
      () => rememberRuntime(options),
      (err: unknown) => {
        runtimeReady = undefined; // a later loader (another wasm folder) may try again
        throw err;
      },
    );
  }
  return runtimeReady;
}

/** Loads the tree-sitter runtime once and each grammar on first use. */
export class GrammarLoader {
  private init: Promise<void> | undefined;
  private readonly languages = new Map<string, Promise<Language>>();

  constructor(private readonly wasmDir = defaultWasmDir()) {}

  /** A parser of the language's grammar, or of another grammar file (a fallback). */
  async parserFor(language: LeakLanguage, file = GRAMMAR_FILES[language]): Promise<Parser> {
    this.init ??= initRuntime(this.wasmDir);
    await this.init;
    let grammar = this.languages.get(file);
    if (!grammar) {
      grammar = Language.load(fs.readFileSync(this.grammarPath(file)));
      this.languages.set(file, grammar);
    }
    const parser = new Parser();
    parser.setLanguage(await grammar);
    return parser;
  }

  private grammarPath(file: string): string {
    const beside = path.join(this.wasmDir, file);
    const fromPackage = GRAMMAR_PACKAGES[file];
    if (!fromPackage || fs.existsSync(beside)) return beside;
    return createRequire(__filename).resolve(fromPackage);
  }
}
