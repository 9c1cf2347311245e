import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import type { Connection, TextDocuments } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { LeakAnalyzer } from '../../src/analysis/analyzer';
import { LeakService, TYPING_DEBOUNCE_MS } from '../../src/server/leakService';
import type { SettingsCache } from '../../src/server/settings';
import { DEFAULT_LEAK_SETTINGS } from '../../src/shared/lspProtocol';

const URI = 'file:///w/server.py';

/**
 * When the language server's analyses start. The analyzer is a recorder: what is under test is the
 * scheduling, and the real analysis runs in the language server's integration test.
 */
function service() {
  const document = TextDocument.create(URI, 'python', 1, 'import socket\n');
  const analysed: string[] = [];
  const analyzer = {
    analyze: async (text: string) => {
      analysed.push(text);
      return { findings: [], notes: [] };
    },
  } as unknown as LeakAnalyzer;
  const connection = { sendDiagnostics: async () => undefined, console: { info() {}, error() {} } } as unknown as Connection;
  const documents = { get: (uri: string) => (uri === URI ? document : undefined), all: () => [document] };
  const settings = { get: async () => DEFAULT_LEAK_SETTINGS, clear() {} } as unknown as SettingsCache;
  const leaks = new LeakService(connection, documents as unknown as TextDocuments<TextDocument>, settings, analyzer);
  const type = (text: string) => TextDocument.update(document, [{ text }], document.version + 1);
  return { leaks, document, analysed, type };
}

/** Moves the fake clock, then lets the started analysis run to its end. */
async function after(ms: number): Promise<void> {
  mock.timers.tick(ms);
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe('when the language server analyses an open document (src/server/leakService.ts)', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  it('analyses a just-opened document at once, though the open also fires a content change', async () => {
    const { leaks, document, analysed } = service();
    // What server.ts does on didOpen: vscode-languageserver's TextDocuments fires onDidOpen, then onDidChangeContent.
    leaks.schedule(document, 0);
    leaks.schedule(document);
    await after(0);
    assert.deepEqual(analysed, ['import socket\n'], 'the open was not held back by the typing pause');
    await after(TYPING_DEBOUNCE_MS * 2);
    assert.equal(analysed.length, 1, 'and it was analysed once');
  });

  it('still waits for a pause in typing, and analyses the last text once', async () => {
    const { leaks, document, analysed, type } = service();
    leaks.schedule(document, 0);
    await after(0);
    for (const text of ['import socket\ns', 'import socket\ns = ', 'import socket\ns = socket.socket()\n']) {
      type(text);
      leaks.schedule(document);
      await after(TYPING_DEBOUNCE_MS / 3);
    }
    assert.equal(analysed.length, 1, 'nothing while typing');
    await after(TYPING_DEBOUNCE_MS);
    assert.deepEqual(analysed.slice(1), ['import socket\ns = socket.socket()\n']);
  });

  it('analyses a save at once even while a typing pause is pending', async () => {
    const { leaks, document, analysed, type } = service();
    type('import socket\nsocket.socket()\n');
    leaks.schedule(document);
    await after(10);
    leaks.schedule(document, 0);
    await after(0);
    assert.deepEqual(analysed, ['import socket\nsocket.socket()\n']);
    await after(TYPING_DEBOUNCE_MS);
    assert.equal(analysed.length, 1);
  });
});
