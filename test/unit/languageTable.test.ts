// package.json and the build name the analyzer's languages as its one table does: a language
// without rules activates nothing, and every language with rules is reachable.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { languageOfPath } from '../../src/analysis/analyzer';
import { LANGUAGE_RULES } from '../../src/analysis/languages/index';
import {
  LEAK_LANGUAGE_IDS,
  LEAK_LANGUAGE_NAMES,
  LEAK_LANGUAGES,
  LEAK_SETTING_KEYS,
  LEAK_SOURCE_GLOB,
} from '../../src/analysis/languageTable';
import { isLanguageEnabled, normalizeLeakSettings } from '../../src/server/settings';

const ROOT = path.resolve(__dirname, '../..');
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  activationEvents: string[];
  contributes: {
    configuration: {
      properties: Record<string, { default: Record<string, boolean>; properties: Record<string, unknown>; items: { enum: string[] } }>;
    };
  };
};
const enable = manifest.contributes.configuration.properties['tcpLens.leaks.enable'];

describe('the leak language table', () => {
  it('has rules for every language in it', () => {
    const withRules = new Set(LANGUAGE_RULES.flatMap((r) => r.languages));
    assert.deepEqual(
      LEAK_LANGUAGE_NAMES.filter((l) => !withRules.has(l)),
      [],
    );
  });

  it('package.json activates on exactly its language ids (Rust, without rules, on none)', () => {
    const onLanguage = manifest.activationEvents.filter((e) => e.startsWith('onLanguage:')).map((e) => e.slice('onLanguage:'.length));
    assert.deepEqual(onLanguage, [...LEAK_LANGUAGE_IDS]);
    assert.ok(!onLanguage.includes('rust'));
  });

  it('tcpLens.leaks.enable offers exactly its setting keys', () => {
    assert.deepEqual(Object.keys(enable.default), [...LEAK_SETTING_KEYS]);
    assert.deepEqual(Object.keys(enable.properties), [...LEAK_SETTING_KEYS]);
    assert.deepEqual(enable.items.enum, [...LEAK_SETTING_KEYS]);
  });

  it('the build ships exactly its grammars', () => {
    const build = readFileSync(path.join(ROOT, 'esbuild.mjs'), 'utf8');
    const wanted = new RegExp(/const wanted = \/(.+)\/;/.exec(build)![1]);
    const fromVscode = readdirSync(path.join(ROOT, 'node_modules/@vscode/tree-sitter-wasm/wasm')).filter(
      (f) => wanted.test(f) && f !== 'tree-sitter.wasm',
    );
    const fromPackages = [...build.matchAll(/cpSync\('node_modules\/[^']+\/(tree-sitter-[\w-]+\.wasm)'/g)].map((m) => m[1]);
    const named = LEAK_LANGUAGE_NAMES.flatMap((l) => {
      const row = LEAK_LANGUAGES[l];
      return 'fallbackGrammar' in row ? [row.grammar, row.fallbackGrammar] : [row.grammar];
    });
    assert.deepEqual([...fromVscode, ...fromPackages].sort(), [...new Set(named)].sort());
  });

  it('the scan glob and file extensions agree, and .rs is not analysed', () => {
    for (const ext of LEAK_SOURCE_GLOB.slice('**/*.{'.length, -1).split(',')) assert.ok(languageOfPath(`x.${ext.toUpperCase()}`), ext);
    assert.equal(languageOfPath('main.rs'), undefined);
  });

  it('each way of writing tcpLens.leaks.enable reaches the language it names', () => {
    const on = (raw: unknown) => LEAK_LANGUAGE_NAMES.filter((l) => isLanguageEnabled(normalizeLeakSettings({ enable: raw }), l));
    assert.deepEqual(
      on({ python: false }),
      LEAK_LANGUAGE_NAMES.filter((l) => l !== 'python'),
    );
    assert.deepEqual(
      on({ typescript: false }),
      LEAK_LANGUAGE_NAMES.filter((l) => l !== 'typescript' && l !== 'tsx'),
      'typescript covers TSX unless typescriptreact is set',
    );
    assert.deepEqual(
      on({ typescript: false, typescriptreact: true }),
      LEAK_LANGUAGE_NAMES.filter((l) => l !== 'typescript'),
    );
    assert.deepEqual(on(['typescriptreact', 'go']), ['tsx', 'go'], 'an array names VS Code language ids');
    assert.deepEqual(on(false), []);
    assert.deepEqual(on(true), LEAK_LANGUAGE_NAMES);
  });
});
