import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activateTcpLens, waitFor } from './harnessLink';

/** One leaky file per language, as a user would have it open; the acquiring line is `line`. */
const SAMPLES: { file: string; line: number; text: string; fix?: RegExp }[] = [
  {
    file: 'client.go',
    line: 3,
    fix: /defer conn\.Close\(\)/,
    text: 'package main\n\nfunc send(addr string) error {\n\tconn, err := net.Dial("tcp", addr)\n\tif err != nil {\n\t\treturn err\n\t}\n\t_, err = conn.Write([]byte("hi"))\n\treturn err\n}\n',
  },
  {
    file: 'Client.java',
    line: 2,
    fix: /try-with-resources/,
    text: 'class Client {\n    static String ask(String host) throws java.io.IOException {\n        Socket s = new Socket(host, 7);\n        return new java.io.DataInputStream(s.getInputStream()).readUTF();\n    }\n}\n',
  },
  {
    file: 'server.c',
    line: 2,
    text: 'void serve(int lfd) {\n    for (;;) {\n        int c = accept(lfd, 0, 0);\n        if (c < 0) continue;\n        write(c, "hi\\n", 3);\n    }\n}\n',
  },
  {
    file: 'Client.cs',
    line: 4,
    fix: /using declaration/,
    text: 'class Client\n{\n    static void Send(string host)\n    {\n        var client = new TcpClient(host, 80);\n        client.GetStream().WriteByte(1);\n    }\n}\n',
  },
];

describe('Unclosed-socket lenses for Go, Java, C and C# in a real VS Code', () => {
  let dir: string;

  before(async () => {
    await activateTcpLens();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcp-lens-e2e-brace-'));
    for (const s of SAMPLES) fs.writeFileSync(path.join(dir, s.file), s.text);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const sample of SAMPLES) {
    it(`${sample.file}: lens and diagnostic on the acquiring line${sample.fix ? ', and a quick fix that clears them' : ''}`, async () => {
      const uri = vscode.Uri.file(path.join(dir, sample.file));
      const editor = await vscode.window.showTextDocument(uri);
      const lens = await waitFor(
        `the lens in ${sample.file}`,
        async () => {
          const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
          return lenses.find((l) => /never closed — CLOSE_WAIT risk/.test(l.command?.title ?? ''));
        },
        30_000,
      );
      assert.equal(lens.range.start.line, sample.line, `the lens sits on the acquiring line of ${sample.file}`);
      const diagnostics = vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'TCP Lens');
      assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics));
      assert.equal(diagnostics[0]!.range.start.line, sample.line);
      const code = diagnostics[0]!.code;
      assert.equal(typeof code === 'object' ? code.value : code, 'unclosed-socket');
      if (!sample.fix) return;

      // The server computes a fix's edit on codeAction/resolve: ask VS Code to resolve the listed actions.
      const actions =
        (await vscode.commands.executeCommand<vscode.CodeAction[]>(
          'vscode.executeCodeActionProvider',
          uri,
          diagnostics[0]!.range,
          undefined,
          10,
        )) ?? [];
      const fix = actions.find((a) => sample.fix!.test(a.title));
      assert.ok(fix?.edit, `a quick fix matching ${sample.fix} among: ${actions.map((a) => a.title).join(', ')}`);
      assert.ok(await vscode.workspace.applyEdit(fix.edit));
      await waitFor(
        `the finding in ${sample.file} to clear after the fix`,
        () => vscode.languages.getDiagnostics(uri).every((d) => d.source !== 'TCP Lens'),
        30_000,
      );
      await editor.document.save();
    });
  }
});
