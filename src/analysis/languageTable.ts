/**
 * The languages the leak analysis has rules for, one row each. Everything that lists languages
 * derives from this table: the analyzer's types, file extensions and language ids, the grammar
 * each parses with, the language server's settings, the client's document selector, the
 * workspace scan's glob; package.json's activation events and `tcpLens.leaks.enable` are checked
 * against it (test/unit/languageTable.test.ts). A language without rules has no row: opening one
 * of its files starts nothing.
 */
export const LEAK_LANGUAGES = {
  javascript: {
    languageIds: ['javascript', 'javascriptreact'],
    extensions: ['.js', '.mjs', '.cjs', '.jsx'],
    grammar: 'tree-sitter-javascript.wasm',
    settingKeys: ['javascript'],
  },
  typescript: {
    languageIds: ['typescript'],
    extensions: ['.ts', '.mts', '.cts'],
    grammar: 'tree-sitter-typescript.wasm',
    settingKeys: ['typescript'],
  },
  // VS Code calls TSX "typescriptreact"; users may write either, and `typescript` covers both.
  tsx: {
    languageIds: ['typescriptreact'],
    extensions: ['.tsx'],
    grammar: 'tree-sitter-tsx.wasm',
    settingKeys: ['typescriptreact', 'tsx', 'typescript'],
  },
  python: { languageIds: ['python'], extensions: ['.py'], grammar: 'tree-sitter-python.wasm', settingKeys: ['python'] },
  go: { languageIds: ['go'], extensions: ['.go'], grammar: 'tree-sitter-go.wasm', settingKeys: ['go'] },
  java: { languageIds: ['java'], extensions: ['.java'], grammar: 'tree-sitter-java.wasm', settingKeys: ['java'] },
  // C code names variables `new`, `class` or `this`, which the C++ grammar cannot parse; a `.h`
  // header may be C++, so a file the C grammar finds errors in is parsed again as C++.
  c: {
    languageIds: ['c'],
    extensions: ['.c', '.h'],
    grammar: 'tree-sitter-c.wasm',
    fallbackGrammar: 'tree-sitter-cpp.wasm',
    settingKeys: ['c'],
  },
  cpp: { languageIds: ['cpp'], extensions: ['.cc', '.cpp', '.cxx', '.hpp', '.hh'], grammar: 'tree-sitter-cpp.wasm', settingKeys: ['cpp'] },
  csharp: { languageIds: ['csharp'], extensions: ['.cs'], grammar: 'tree-sitter-c-sharp.wasm', settingKeys: ['csharp'] },
} as const satisfies Record<string, LanguageRow>;

interface LanguageRow {
  /** VS Code / LSP language ids analysed as this language. */
  languageIds: readonly string[];
  /** File extensions (lower case, with the dot) for files without a language id (scan, CLI). */
  extensions: readonly string[];
  /** The tree-sitter grammar (from @vscode/tree-sitter-wasm, or the npm package of {@link GRAMMAR_PACKAGES}). */
  grammar: string;
  /** A second grammar for a file the first finds syntax errors in; its tree is kept if it has none. */
  fallbackGrammar?: string;
  /** Keys of `tcpLens.leaks.enable` that turn it on or off, the first one set decides. */
  settingKeys: readonly string[];
}

/** Languages the leak analyzer understands. */
export type LeakLanguage = keyof typeof LEAK_LANGUAGES;

export const LEAK_LANGUAGE_NAMES = Object.keys(LEAK_LANGUAGES) as LeakLanguage[];

const rows = Object.entries(LEAK_LANGUAGES) as [LeakLanguage, LanguageRow][];

/** Every VS Code language id the analyzer takes: the document selector and activation events. */
export const LEAK_LANGUAGE_IDS: readonly string[] = rows.flatMap(([, row]) => row.languageIds);

/** The keys `tcpLens.leaks.enable` knows (the first of each language's). */
export const LEAK_SETTING_KEYS: readonly string[] = rows.map(([, row]) => row.settingKeys[0]);

const BY_EXTENSION = new Map(rows.flatMap(([language, row]) => row.extensions.map((ext) => [ext, language] as const)));
const BY_LANGUAGE_ID = new Map(rows.flatMap(([language, row]) => row.languageIds.map((id) => [id, language] as const)));

/** The language of a file extension (`.py`, any case). */
export function languageOfExtension(extension: string): LeakLanguage | undefined {
  return BY_EXTENSION.get(extension.toLowerCase());
}

/** Maps a VS Code / LSP language id to the analyzer's language. */
export function languageOfLanguageId(languageId: string): LeakLanguage | undefined {
  return BY_LANGUAGE_ID.get(languageId);
}

/** `**\/*.{js,mjs,…}`: every file the analyzer reads, for a workspace search. */
export const LEAK_SOURCE_GLOB = `**/*.{${rows.flatMap(([, row]) => row.extensions.map((ext) => ext.slice(1))).join(',')}}`;
