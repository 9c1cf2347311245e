import type * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { LEAK_LANGUAGE_IDS } from '../analysis/languageTable';

let running: LanguageClient | undefined;

/** Starts the leak language server (dist/server.js over IPC); at most one per extension host. */
export async function startLeakClient(context: vscode.ExtensionContext): Promise<LanguageClient> {
  if (running) return running;
  const module = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: LEAK_LANGUAGE_IDS.flatMap((language) => [
      { scheme: 'file', language },
      { scheme: 'untitled', language },
    ]),
    // The server pulls tcpLens.leaks per file; this only tells it when to pull again.
    synchronize: { configurationSection: 'tcpLens.leaks' },
    outputChannelName: 'TCP Lens Language Server',
  };
  const client = new LanguageClient('tcpLens.leaks', 'TCP Lens Leak Analyzer', serverOptions, clientOptions);
  running = client;
  await client.start();
  return client;
}

/** Stops the server; `deactivate()` returns this so VS Code waits for a clean shutdown. */
export async function stopLeakClient(): Promise<void> {
  const client = running;
  running = undefined;
  if (client?.needsStop()) await client.stop();
}
