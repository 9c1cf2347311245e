import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { LEAK_SOURCE_GLOB } from '../analysis/languageTable';
import { ScanFilesRequest } from '../shared/lspProtocol';

const ALWAYS_EXCLUDED = '{**/node_modules/**,**/.git/**}';
/** Files per request: small enough that progress moves and cancelling stops soon. */
const BATCH = 40;

export interface ScanSummary {
  files: number;
  scanned: number;
  findings: number;
  skipped: number;
  cancelled: boolean;
}

/**
 * "TCP Lens: Scan Workspace for Unclosed Sockets": sends the workspace's source files to the
 * server in batches under a cancellable progress notification; the findings land in the
 * Problems panel as the server publishes them.
 */
export async function scanWorkspace(client: LanguageClient, options: { quiet?: boolean } = {}): Promise<ScanSummary> {
  const summary = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'TCP Lens: scanning for unclosed sockets', cancellable: true },
    async (progress, token) => {
      const uris = await vscode.workspace.findFiles(LEAK_SOURCE_GLOB, ALWAYS_EXCLUDED, undefined, token);
      const result: ScanSummary = { files: uris.length, scanned: 0, findings: 0, skipped: 0, cancelled: false };
      for (let i = 0; i < uris.length; i += BATCH) {
        if (token.isCancellationRequested) break;
        const batch = uris.slice(i, i + BATCH).map((u) => u.toString());
        const r = await client.sendRequest(ScanFilesRequest, { uris: batch }, token).catch(() => undefined);
        if (!r) break;
        result.scanned += r.scanned;
        result.findings += r.findings;
        result.skipped += r.skipped.length;
        progress.report({
          increment: (batch.length / uris.length) * 100,
          message: `${i + batch.length} of ${uris.length} files, ${result.findings} found`,
        });
      }
      result.cancelled = token.isCancellationRequested;
      return result;
    },
  );
  if (!options.quiet) void report(summary);
  return summary;
}

async function report(s: ScanSummary): Promise<void> {
  const what = `${s.findings} unclosed socket${s.findings === 1 ? '' : 's'} in ${s.scanned} file${s.scanned === 1 ? '' : 's'}`;
  const text = s.cancelled ? `TCP Lens: scan cancelled after ${what}.` : `TCP Lens: ${what}${s.skipped ? ` (${s.skipped} skipped)` : ''}.`;
  const choice = await vscode.window.showInformationMessage(text, ...(s.findings ? ['Show Problems'] : []));
  if (choice === 'Show Problems') await vscode.commands.executeCommand('workbench.actions.view.problems');
}
