import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

const ROOT = path.resolve(__dirname, '../..');
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  contributes: {
    commands: { command: string; enablement?: string }[];
    keybindings?: { command: string }[];
    menus: Record<string, { command?: string; when?: string }[]>;
    views: Record<string, { id: string }[]>;
    walkthroughs?: { steps: { description: string; completionEvents?: string[] }[] }[];
  };
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? sources(file) : file.endsWith('.ts') ? [file] : [];
  });
}

/** The command table (src/commands.ts), a row per command: `'id': { run: …, enablement: '…' },`. */
const tableRows = [
  ...readFileSync(path.join(ROOT, 'src/commands.ts'), 'utf8').matchAll(/^ {4}'([\w.]+)': \{ run: .*?(?:, enablement: '([^']*)')? \},$/gm),
];
/** Command ids the extension registers: the table's, and any registerCommand call with a literal id. */
const registered = new Set([
  ...tableRows.map((m) => m[1]),
  ...sources(path.join(ROOT, 'src')).flatMap((f) =>
    [...readFileSync(f, 'utf8').matchAll(/registerCommand\(\s*'([^']+)'/g)].map((m) => m[1]),
  ),
]);
const declared = new Set(manifest.contributes.commands.map((c) => c.command));
const viewIds = new Set(Object.values(manifest.contributes.views).flatMap((vs) => vs.map((v) => v.id)));
/** Commands VS Code makes for every view (`<id>.focus`), which menus and links may name. */
const viewCommands = new Set([...viewIds].map((id) => `${id}.focus`));

describe('package.json and the code agree', () => {
  it('every declared command is registered, and every registered one declared', () => {
    assert.deepEqual(
      [...declared].filter((c) => !registered.has(c)),
      [],
      'declared but never registered',
    );
    assert.deepEqual(
      [...registered].filter((c) => !declared.has(c)),
      [],
      'registered but not declared',
    );
  });

  it("every command is registered once, by the table, with package.json's enablement", () => {
    assert.ok(tableRows.length >= 20, `the table's rows were not found (${tableRows.length})`);
    assert.equal(new Set(tableRows.map((m) => m[1])).size, tableRows.length, 'an id twice in the table');
    const enablement = (id: string) => manifest.contributes.commands.find((c) => c.command === id)?.enablement;
    for (const [, id, when] of tableRows) assert.equal(when, enablement(id), id);
    for (const f of sources(path.join(ROOT, 'src')))
      assert.doesNotMatch(
        readFileSync(f, 'utf8'),
        /registerCommand\(\s*'/,
        `${path.relative(ROOT, f)} registers a command outside the table`,
      );
  });

  it('keybindings name declared commands', () => {
    for (const k of manifest.contributes.keybindings ?? []) assert.ok(declared.has(k.command), k.command);
  });

  it('menus name declared commands and existing views', () => {
    for (const [menu, items] of Object.entries(manifest.contributes.menus)) {
      for (const item of items) {
        if (item.command) assert.ok(declared.has(item.command), `${menu}: ${item.command}`);
        for (const [, view] of (item.when ?? '').matchAll(/view == ([\w.]+)/g)) assert.ok(viewIds.has(view), `${menu}: view ${view}`);
      }
    }
  });

  it('walkthrough links and completion events name real commands and views', () => {
    for (const w of manifest.contributes.walkthroughs ?? []) {
      for (const step of w.steps) {
        for (const [, command] of step.description.matchAll(/\(command:([\w.]+)/g))
          assert.ok(declared.has(command) || viewCommands.has(command), command);
        for (const event of step.completionEvents ?? []) {
          const [kind, id] = event.split(':');
          if (kind === 'onCommand') assert.ok(declared.has(id), event);
          if (kind === 'onView') assert.ok(viewIds.has(id), event);
        }
      }
    }
  });
});
