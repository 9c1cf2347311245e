// Bundles each entry point on its own: the extension host, the CLI and the language server
// must load without node_modules (the .vsix ships only dist/).
import * as esbuild from 'esbuild';
import { cpSync, existsSync, mkdirSync, readdirSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/** @type {import('esbuild').BuildOptions[]} */
const entries = [
  { entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' }, plugins: [lazyCliCommands()] },
  { entryPoints: ['src/cli/leaks.ts'], outfile: 'dist/cli-leaks.js' },
  { entryPoints: ['src/server/server.ts'], outfile: 'dist/server.js' },
  { entryPoints: ['src/hosts/askpassMain.ts'], outfile: 'dist/askpass.js' },
].filter((e) => existsSync(e.entryPoints[0]));

// The CLI's `import('./leaks')` stays a load of dist/cli-leaks.js at run time instead of joining
// dist/cli.js: `counts` then starts without compiling the analyzer (src/cli/lazyCommand.ts).
function lazyCliCommands() {
  return {
    name: 'lazy-cli-commands',
    setup(build) {
      build.onResolve({ filter: /^\.\/leaks$/ }, (args) =>
        args.kind === 'dynamic-import' ? { path: './cli-leaks.js', external: true } : undefined,
      );
    },
  };
}

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
};

// The language server parses with tree-sitter: its runtime and grammars ship beside the bundle.
function copyTreeSitterWasm() {
  const from = 'node_modules/@vscode/tree-sitter-wasm/wasm';
  mkdirSync('dist/wasm', { recursive: true });
  const wanted = /^tree-sitter(-(javascript|typescript|tsx|python|go|java|cpp|c-sharp))?\.wasm$/;
  for (const f of readdirSync(from)) if (wanted.test(f)) cpSync(`${from}/${f}`, `dist/wasm/${f}`);
  // Grammars that @vscode/tree-sitter-wasm does not ship (src/analysis/parser.ts GRAMMAR_PACKAGES).
  cpSync('node_modules/tree-sitter-c/tree-sitter-c.wasm', 'dist/wasm/tree-sitter-c.wasm');
}
copyTreeSitterWasm();

const contexts = await Promise.all(entries.map((e) => esbuild.context({ ...common, ...e })));
if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}
