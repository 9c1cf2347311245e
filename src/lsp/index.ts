import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { LiveData } from '../live/liveData';
import { explainLeak } from './explainLeak';
import { findLeakInCode } from './findLeakInCode';
import { startLeakClient, stopLeakClient } from './leakClient';
import { LiveLeakForwarder } from './liveLeaks';
import { scanWorkspace } from './scanWorkspace';

export { stopLeakClient } from './leakClient';

/**
 * The leak analysis in the editor: starts the language server and forwards live CLOSE_WAIT
 * processes to the lenses; returns the scan, explain and find-in-code commands (src/commands.ts
 * gives them their ids). Everything it creates goes into `disposables`.
 */
export function leakLens(disposables: vscode.Disposable[], context: vscode.ExtensionContext, live: LiveData) {
  const started = startLeakClient(context).then(
    (client) => {
      disposables.push(new LiveLeakForwarder(client, live));
      return client;
    },
    (err: unknown) => {
      void vscode.window.showErrorMessage(`TCP Lens: the leak analyzer did not start: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    },
  );
  const withClient =
    <T>(run: (client: LanguageClient) => Promise<T>) =>
    async () => {
      const client = await started;
      return client ? run(client) : undefined;
    };
  disposables.push({ dispose: () => void stopLeakClient() });
  return {
    explain: explainLeak,
    scan: withClient((client) => scanWorkspace(client)),
    findInCode: (pid?: unknown) => withClient((client) => findLeakInCode(client, live, pid))(),
  };
}
