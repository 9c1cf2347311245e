import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/child';

/** A small workspace of clear leaks and correct code, shared by the language server and CLI tests. */
export const LSP_FIXTURES = path.join(REPO_ROOT, 'test/fixtures/lsp/workspace');

/** `file:line:column` (1-based) of the first call that acquires the socket in a fixture: where findings point. */
export function acquiredAt(rel: string, call: string): string {
  const lines = readFileSync(path.join(LSP_FIXTURES, rel), 'latin1').split('\n');
  const line = lines.findIndex((l) => l.includes(call));
  return `${rel}:${line + 1}:${lines[line].indexOf(call) + 1}`;
}
