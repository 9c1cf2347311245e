import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

const ROOT = path.resolve(__dirname, '../..');
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  contributes: {
    commands: { command: string }[];
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

/** Command ids the extension registers: every registerCommand call names its id as a literal. */
const registered = new Set(sources(path.join(ROOT, 'src')).flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/registerCommand\(\s*'([^']+)'/g)].map((m) => m[1])));
const declared = new Set(manifest.contributes.commands.map((c) => c.command));
const viewIds = new Set(Object.values(manifest.contributes.views).flatMap((vs) => vs.map((v) => v.id)));
/** Commands VS Code makes for every view (`<id>.focus`), which menus and links may name. */
const viewCommands = new Set([...viewIds].map((id) => `${id}.focus`));

describe('package.json and the code agree', () => {
  it('every declared command is registered, and every registered one declared', () => {
    assert.deepEqual([...declared].filter((c) => !registered.has(c)), [], 'declared but never registered');
    assert.deepEqual([...registered].filter((c) => !declared.has(c)), [], 'registered but not declared');
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
        for (const [, command] of step.description.matchAll(/\(command:([\w.]+)/g)) assert.ok(declared.has(command) || viewCommands.has(command), command);
        for (const event of step.completionEvents ?? []) {
          const [kind, id] = event.split(':');
          if (kind === 'onCommand') assert.ok(declared.has(id), event);
          if (kind === 'onView') assert.ok(viewIds.has(id), event);
        }
      }
    }
  });
});
