import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
  CancellationTokenSource,
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import type { CodeAction, CodeLens, Diagnostic, PublishDiagnosticsParams, TextEdit } from 'vscode-languageserver-protocol';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { REPO_ROOT } from '../helpers/child';
import { acquiredAt, LSP_FIXTURES as FIXTURES } from './leakFixtures';
import { KnownFindingsRequest, LiveLeaksNotification, ScanFilesRequest, type ExplainLeakArgs } from '../../src/shared/lspProtocol';

const SERVER = path.join(REPO_ROOT, 'dist/server.js');
const WAIT_MS = 15_000;

/** A real LSP client over stdio to dist/server.js: what VS Code's language client does, minus VS Code. */
class LspTestClient {
  readonly published: PublishDiagnosticsParams[] = [];
  lensRefreshes = 0;
  settings: Record<string, unknown> = {};
  private versions = new Map<string, number>();

  private constructor(
    private readonly child: ChildProcess,
    readonly rpc: MessageConnection,
  ) {
    rpc.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => this.published.push(p));
    rpc.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => this.settings));
    rpc.onRequest('workspace/codeLens/refresh', () => {
      this.lensRefreshes++;
      return null;
    });
    rpc.onRequest('client/registerCapability', () => null);
    rpc.onNotification('window/logMessage', () => undefined);
  }

  /** `resolveEdits`: the client asks for a code action's edit with codeAction/resolve, as VS Code does. */
  static async start(options: { resolveEdits?: boolean } = {}): Promise<LspTestClient> {
    const child = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const rpc = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    const client = new LspTestClient(child, rpc);
    rpc.listen();
    await rpc.sendRequest('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(FIXTURES).href,
      capabilities: {
        workspace: { configuration: true, codeLens: { refreshSupport: true } },
        textDocument: options.resolveEdits === false ? {} : { codeAction: { resolveSupport: { properties: ['edit'] } } },
      },
    });
    await rpc.sendNotification('initialized', {});
    return client;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async open(uri: string, languageId: string, text: string): Promise<void> {
    this.versions.set(uri, 1);
    await this.rpc.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
  }

  async change(uri: string, text: string): Promise<void> {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    await this.rpc.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
  }

  async close(uri: string): Promise<void> {
    await this.rpc.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  /** Waits for the next diagnostics of `uri` published after `since` (an index into `published`). */
  async diagnostics(uri: string, since = 0): Promise<Diagnostic[]> {
    const deadline = Date.now() + WAIT_MS;
    while (Date.now() < deadline) {
      const hit = this.published
        .slice(since)
        .reverse()
        .find((p) => p.uri === uri);
      if (hit) return hit.diagnostics;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no diagnostics for ${uri} within ${WAIT_MS} ms`);
  }

  /** Opens a document and resolves to its first diagnostics. */
  async openAndWait(uri: string, languageId: string, text: string): Promise<Diagnostic[]> {
    const since = this.published.length;
    await this.open(uri, languageId, text);
    return this.diagnostics(uri, since);
  }

  codeLenses(uri: string): Promise<CodeLens[]> {
    return this.rpc.sendRequest('textDocument/codeLens', { textDocument: { uri } });
  }

  codeActions(uri: string, diagnostic: Diagnostic): Promise<CodeAction[]> {
    return this.rpc.sendRequest('textDocument/codeAction', {
      textDocument: { uri },
      range: diagnostic.range,
      context: { diagnostics: [diagnostic] },
    });
  }

  resolve(action: CodeAction): Promise<CodeAction> {
    return this.rpc.sendRequest('codeAction/resolve', action);
  }

  async stop(): Promise<void> {
    if (this.alive) {
      await Promise.race([
        this.rpc.sendRequest('shutdown').then(() => this.rpc.sendNotification('exit')),
        new Promise((r) => setTimeout(r, 2000)),
      ]);
    }
    this.rpc.dispose();
    if (this.alive) this.child.kill('SIGKILL');
  }
}

const fixture = (rel: string) => {
  const file = path.join(FIXTURES, rel);
  return { file, uri: pathToFileURL(file).href, text: readFileSync(file, 'utf8') };
};

function applyEdits(text: string, edits: TextEdit[]): string {
  return TextDocument.applyEdits(TextDocument.create('file:///x', 'x', 1, text), edits);
}

describe('language server over stdio (dist/server.js)', () => {
  let client: LspTestClient;
  before(async () => {
    client = await LspTestClient.start();
  });
  after(async () => {
    await client?.stop();
  });

  it('reports a Python socket that is never closed as a warning on its acquiring line', async () => {
    const f = fixture('py/banner_client.py');
    const diagnostics = await client.openAndWait(f.uri, 'python', f.text);
    assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics));
    const [d] = diagnostics;
    assert.equal(d.source, 'TCP Lens');
    assert.equal(d.code, 'unclosed-socket');
    assert.equal(d.severity, 2);
    assert.equal(d.range.start.line, 4);
  });

  it('stays silent on closed sockets and on lines marked tcp-lens-ignore', async () => {
    for (const rel of ['py/closed_client.py', 'py/suppressed.py']) {
      const f = fixture(rel);
      assert.deepEqual(await client.openAndWait(f.uri, 'python', f.text), [], rel);
    }
  });

  it('reports the JavaScript and Go leaks too', async () => {
    const js = fixture('js/ping.js');
    const jsDiagnostics = await client.openAndWait(js.uri, 'javascript', js.text);
    assert.deepEqual(
      jsDiagnostics.map((d) => [d.code, d.range.start.line]),
      [['unclosed-socket', 3]],
    );
    const go = fixture('go/ping.go');
    const goDiagnostics = await client.openAndWait(go.uri, 'go', go.text);
    assert.deepEqual(
      goDiagnostics.map((d) => [d.code, d.range.start.line]),
      [['unclosed-socket', 8]],
    );
  });

  it('puts a code lens on the acquiring line that explains CLOSE_WAIT and says where to fix', async () => {
    const f = fixture('py/banner_client.py');
    const lenses = await client.codeLenses(f.uri);
    assert.equal(lenses.length, 1);
    assert.equal(lenses[0].range.start.line, 4);
    assert.match(lenses[0].command!.title, /^Socket opened here is never closed/);
    assert.equal(lenses[0].command!.command, 'tcpLens.explainLeak');
    const args = lenses[0].command!.arguments![0] as ExplainLeakArgs;
    assert.equal(args.uri, f.uri);
    assert.equal(args.line, 4);
  });

  it('offers quick fixes that really remove the finding (Python with, Go defer), their edits computed on resolve', async () => {
    for (const [rel, languageId, fixTitle] of [
      ['py/banner_client.py', 'python', /with/],
      ['go/ping.go', 'go', /defer/],
    ] as const) {
      const f = fixture(rel);
      const [diagnostic] = await client.diagnostics(f.uri);
      const actions = await client.codeActions(f.uri, diagnostic);
      assert.equal(actions.length, 1, rel);
      assert.equal(actions[0].kind, 'quickfix');
      assert.match(actions[0].title, fixTitle);
      assert.equal(actions[0].edit, undefined, 'the list carries no edits');
      const resolved = await client.resolve(actions[0]);
      const fixed = applyEdits(f.text, resolved.edit!.changes![f.uri]);
      const fixedUri = f.uri.replace(/(\.\w+)$/, '_fixed$1');
      assert.deepEqual(await client.openAndWait(fixedUri, languageId, fixed), [], `after the fix:\n${fixed}`);
    }
  });

  it('asks the editor to refresh lenses when an analysis finishes, so a file opened early gets its lens', async () => {
    const f = fixture('py/banner_client.py');
    const uri = f.uri.replace(/\.py$/, '_early.py');
    // Let refreshes asked for by earlier tests' analyses go out first.
    await new Promise((r) => setTimeout(r, 300));
    const refreshes = client.lensRefreshes;
    await client.open(uri, 'python', f.text);
    const deadline = Date.now() + WAIT_MS;
    while (client.lensRefreshes === refreshes && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(client.lensRefreshes > refreshes, 'the server asks for a refresh once the findings are there');
    assert.equal((await client.codeLenses(uri)).length, 1, 'and the refreshed request gets the lens');
  });

  it('reports a socket an exception skips the close of (unclosed-on-exception), and its `with` fix clears it', async () => {
    const uri = pathToFileURL(path.join(FIXTURES, 'py/send_then_close.py')).href;
    const text = [
      'import socket',
      '',
      'def send(addr, payload):',
      '    s = socket.create_connection(addr)',
      '    s.sendall(payload)',
      '    s.close()',
      '',
    ].join('\n');
    const [diagnostic, ...others] = await client.openAndWait(uri, 'python', text);
    assert.deepEqual(others, []);
    assert.equal(diagnostic.code, 'unclosed-on-exception');
    assert.equal(diagnostic.range.start.line, 3);
    assert.match(diagnostic.message, /`sendall` raises at line 5/);
    const [lens] = await client.codeLenses(uri);
    assert.equal(lens.range.start.line, 3, 'the lens sits on the acquisition');
    const [action] = await client.codeActions(uri, diagnostic);
    const fixed = applyEdits(text, (await client.resolve(action)).edit!.changes![uri]);
    assert.match(fixed, /with socket\.create_connection\(addr\) as s:\n {8}s\.sendall\(payload\)\n {8}s\.close\(\)/);
    const fixedUri = uri.replace(/\.py$/, '_fixed.py');
    assert.deepEqual(await client.openAndWait(fixedUri, 'python', fixed), []);
    await client.close(uri);
    await client.close(fixedUri);
  });

  it('gives a client without codeAction/resolve the edits with the list, for the fixes asked about only', async () => {
    const plain = await LspTestClient.start({ resolveEdits: false });
    try {
      const f = fixture('py/banner_client.py');
      const [diagnostic] = await plain.openAndWait(f.uri, 'python', f.text);
      const [action] = await plain.codeActions(f.uri, diagnostic);
      assert.match(applyEdits(f.text, action.edit!.changes![f.uri]), /with socket\.socket\(/);
    } finally {
      await plain.stop();
    }
  });

  it('analyses a 240 KB Python function that opens 5,000 sockets, and its quick fix still resolves to a correct edit', async () => {
    const sockets = 5000;
    const lines = ['import socket', '', 'def many(addr):'];
    for (let i = 0; i < sockets; i++) lines.push(`    s${i} = socket.socket()`);
    for (let i = 0; i < sockets; i++) lines.push(`    s${i}.connect(addr)`);
    const text = `${lines.join('\n')}\n`;
    assert.ok(text.length > 240_000, `${text.length} bytes`);
    const uri = pathToFileURL(path.join(FIXTURES, 'py/many_sockets.py')).href;
    const diagnostics = await client.openAndWait(uri, 'python', text);
    assert.equal(diagnostics.length, sockets);
    // One in the middle: its `with` takes in the rest of the function (about 7,500 lines).
    const diagnostic = diagnostics.find((d) => d.range.start.line === 3 + 2500)!;
    const [action] = await client.codeActions(uri, diagnostic);
    assert.equal(action.title, "Close 's2500' with a `with` block");
    const fixed = applyEdits(text, (await client.resolve(action)).edit!.changes![uri]);
    const fixedLines = fixed.split('\n');
    assert.equal(fixedLines[3 + 2499], '    s2499 = socket.socket()', 'the lines before stay');
    assert.equal(fixedLines[3 + 2500], '    with socket.socket() as s2500:');
    assert.equal(fixedLines[3 + 2501], '        s2501 = socket.socket()', 'the rest of the block moves in');
    assert.equal(fixedLines.at(-2), `        s${sockets - 1}.connect(addr)`);
    assert.equal(fixedLines.length, lines.length + 1);
    const fixedUri = pathToFileURL(path.join(FIXTURES, 'py/many_sockets_fixed.py')).href;
    const after = await client.openAndWait(fixedUri, 'python', fixed);
    assert.equal(after.length, sockets - 1, 'the fixed socket is no longer reported, the others still are');
    assert.ok(!after.some((d) => d.range.start.line === 3 + 2500));
    await client.close(uri);
    await client.close(fixedUri);
    assert.ok(client.alive);
  });

  it('gives the lens live context from a leaking process of this workspace, and refreshes lenses', async () => {
    const f = fixture('py/banner_client.py');
    const refreshes = client.lensRefreshes;
    const python = {
      pid: 4242,
      process: 'python3',
      commandLine: '/usr/bin/python3 -u banner_client.py',
      cwd: path.join(FIXTURES, 'py'),
      closeWait: 37,
      stuck: 36,
      oldestSeconds: 840,
      ports: [8080],
    };
    const elsewhere = { ...python, pid: 99, cwd: '/srv/other', commandLine: 'python3 /srv/other/app.py' };
    await client.rpc.sendNotification(LiveLeaksNotification, { folders: [FIXTURES], processes: [elsewhere, python] });
    const deadline = Date.now() + WAIT_MS;
    while (client.lensRefreshes === refreshes && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(client.lensRefreshes > refreshes, 'the server asks the editor to refresh code lenses');
    const [lens] = await client.codeLenses(f.uri);
    assert.equal(
      lens.command!.title,
      'Socket opened here… — 36 sockets stuck in CLOSE_WAIT for up to 14 min in python3 banner_client.py (pid 4242) on :8080',
    );
    const js = fixture('js/ping.js');
    const [jsLens] = await client.codeLenses(js.uri);
    assert.doesNotMatch(jsLens.command!.title, /live/, 'a Python process says nothing about JavaScript code');
    await client.rpc.sendNotification(LiveLeaksNotification, { folders: [FIXTURES], processes: [] });
  });

  it('analyses once after a burst of typing, and the result matches the last text', async () => {
    const uri = pathToFileURL(path.join(FIXTURES, 'py/typing.py')).href;
    const leak = fixture('py/banner_client.py').text;
    await client.openAndWait(uri, 'python', 'import socket\n');
    const since = client.published.length;
    for (let i = 1; i <= leak.length; i += 8) await client.change(uri, leak.slice(0, i));
    await client.change(uri, leak);
    await client.diagnostics(uri, since);
    await new Promise((r) => setTimeout(r, 500));
    const publishes = client.published.slice(since).filter((p) => p.uri === uri);
    assert.ok(publishes.length <= 2, `${publishes.length} analyses for one burst of ${Math.ceil(leak.length / 8)} edits`);
    assert.deepEqual(
      publishes.at(-1)!.diagnostics.map((d) => d.range.start.line),
      [4],
      'the last analysis saw the whole text',
    );
  });

  it('survives odd files: binary, over 2 MB, syntax errors, and keeps answering', async () => {
    const broken = fixture('py/broken_syntax.py');
    const brokenDiagnostics = await client.openAndWait(broken.uri, 'python', broken.text);
    assert.deepEqual(
      brokenDiagnostics.map((d) => d.range.start.line),
      [4],
      'the part that parses is still analysed',
    );
    const binaryUri = pathToFileURL(path.join(FIXTURES, 'py/blob.py')).href;
    await client.open(binaryUri, 'python', 'import socket\n\u0000\u0001\u0002s = socket.socket()\n'.repeat(50));
    const hugeUri = pathToFileURL(path.join(FIXTURES, 'js/huge.js')).href;
    await client.open(hugeUri, 'javascript', "const c = require('net').connect(80);\n".repeat(60_000));
    const weirdUri = pathToFileURL(path.join(FIXTURES, 'py/weird.py')).href;
    await client.open(weirdUri, 'python', '\uFEFF\uD800 lone surrogate ' + '('.repeat(5000) + '\n\r\r\n\t'.repeat(100));
    // Requests on a good file still work afterwards, and the process is alive.
    const lenses = await client.codeLenses(fixture('py/banner_client.py').uri);
    assert.equal(lenses.length, 1);
    assert.deepEqual(await client.codeLenses(hugeUri), [], 'files over 2 MB are skipped');
    assert.deepEqual(await client.codeLenses(binaryUri), [], 'binary content is skipped');
    assert.ok(client.alive);
  });

  it('honours the settings pulled through workspace/configuration', async () => {
    const f = fixture('py/banner_client.py');
    const js = fixture('js/ping.js');
    const since = client.published.length;
    client.settings = { severity: 'error', enable: { python: true, javascript: false }, ignore: ['**/go/**'] };
    await client.rpc.sendNotification('workspace/didChangeConfiguration', { settings: null });
    try {
      const py = await client.diagnostics(f.uri, since);
      assert.equal(py[0]?.severity, 1, 'severity error');
      assert.deepEqual(await client.diagnostics(js.uri, since), [], 'javascript disabled');
      assert.deepEqual(await client.diagnostics(fixture('go/ping.go').uri, since), [], 'ignored by glob');
    } finally {
      client.settings = {};
      await client.rpc.sendNotification('workspace/didChangeConfiguration', { settings: null });
    }
  });

  describe('workspace scan (tcpLens/scanFiles)', () => {
    let workspace: string;
    before(() => {
      workspace = mkdtempSync(path.join(tmpdir(), 'tcp-lens-scan-'));
      cpSync(FIXTURES, workspace, { recursive: true });
      mkdirSync(path.join(workspace, 'node_modules/dep'), { recursive: true });
      cpSync(path.join(FIXTURES, 'js/ping.js'), path.join(workspace, 'node_modules/dep/index.js'));
      writeFileSync(path.join(workspace, 'py/huge.py'), 'import socket\ns = socket.socket()\n'.repeat(80_000));
      writeFileSync(path.join(workspace, 'py/blob.py'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2, 3]));
    });
    after(() => rmSync(workspace, { recursive: true, force: true }));

    const uriOf = (rel: string) => pathToFileURL(path.join(workspace, rel)).href;

    it('publishes diagnostics for files on disk, skips what it should, and lists the findings', async () => {
      const files = [
        'py/banner_client.py',
        'py/closed_client.py',
        'py/latin1_comment.py',
        'py/huge.py',
        'py/blob.py',
        'js/ping.js',
        'go/ping.go',
        'node_modules/dep/index.js',
        'py/missing.py',
      ];
      const since = client.published.length;
      const result = await client.rpc.sendRequest(ScanFilesRequest, { uris: files.map(uriOf) });
      const reasons = Object.fromEntries(result.skipped.map((s) => [path.relative(workspace, new URL(s.uri).pathname), s.reason]));
      assert.match(reasons['py/huge.py'], /larger than 2 MB/);
      assert.match(reasons['py/blob.py'], /binary/);
      assert.match(reasons['node_modules/dep/index.js'], /ignore/);
      assert.match(reasons['py/missing.py'], /unreadable: ENOENT/);
      assert.equal(result.scanned, 5);
      assert.equal(result.findings, 4);
      assert.equal(
        (await client.diagnostics(uriOf('py/latin1_comment.py'), since))[0]?.range.start.line,
        5,
        'non-UTF-8 text is still analysed',
      );
      assert.equal((await client.diagnostics(uriOf('go/ping.go'), since)).length, 1);
      const known = await client.rpc.sendRequest(KnownFindingsRequest);
      const mine = known
        .filter((k) => k.file.startsWith(workspace))
        .map((k) => `${path.relative(workspace, k.file)}:${k.line}:${k.column}:${k.rule}`);
      const expected = [
        ['go/ping.go', 'net.Dial('],
        ['js/ping.js', 'net.connect('],
        ['py/banner_client.py', 'socket.socket('],
        ['py/latin1_comment.py', 'socket.socket('],
      ];
      assert.deepEqual(
        mine.sort(),
        expected.map(([rel, call]) => `${acquiredAt(rel, call)}:unclosed-socket`),
      );
    });

    it('stops between files when the client cancels', async () => {
      const uris = Array.from({ length: 400 }, (_, i) => `${uriOf('py/banner_client.py')}?copy=${i}`);
      const source = new CancellationTokenSource();
      const pending = client.rpc.sendRequest(ScanFilesRequest, { uris }, source.token);
      setTimeout(() => source.cancel(), 30);
      const since = client.published.length;
      await pending.catch(() => undefined);
      await new Promise((r) => setTimeout(r, 300));
      const analysed = client.published.slice(since).filter((p) => p.uri.includes('?copy=')).length;
      assert.ok(analysed < uris.length, `analysed ${analysed} of ${uris.length} after cancelling`);
      assert.ok(client.alive);
    });
  });
});
