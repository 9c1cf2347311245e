import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { leakingProcesses, type LeakingProcess } from '../core/liveLink';
import type { Snapshot } from '../core/model';
import type { LiveData } from '../live/liveData';
import { LiveLeaksNotification, type LiveLeaksParams } from '../shared/lspProtocol';
import { withLocalContext } from './processContext';

export const workspaceFolderPaths = (): string[] => (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);

/** Local processes holding CLOSE_WAIT sockets in a snapshot, with their cwd and editor origin. */
export async function localLeakingProcesses(snapshot: Snapshot | undefined): Promise<LeakingProcess[]> {
  // Paths of a remote host's processes mean nothing next to this workspace's files.
  if (!snapshot || snapshot.host.id !== 'local') return [];
  return Promise.all([...leakingProcesses(snapshot.connections).values()].map(withLocalContext));
}

/**
 * Sends the live CLOSE_WAIT picture to the language server after each snapshot, so lenses in this
 * workspace can say how many sockets a running process really leaks. Only changes are sent:
 * the server refreshes every visible lens on each notification.
 */
export class LiveLeakForwarder implements vscode.Disposable {
  private lastSent = '';
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly client: LanguageClient,
    live: LiveData,
  ) {
    live.onDidSnapshot((e) => void this.forward(e.snapshot), this, this.disposables);
    live.onDidChangeHost(() => void this.send([]), this, this.disposables);
    vscode.workspace.onDidChangeWorkspaceFolders(() => void this.forward(live.lastSnapshot), this, this.disposables);
    if (live.lastSnapshot) void this.forward(live.lastSnapshot);
  }

  private async forward(snapshot: Snapshot | undefined): Promise<void> {
    await this.send(await localLeakingProcesses(snapshot));
  }

  private async send(processes: LeakingProcess[]): Promise<void> {
    const params: LiveLeaksParams = { folders: workspaceFolderPaths(), processes };
    const text = JSON.stringify(params);
    if (text === this.lastSent || !this.client.isRunning()) return;
    this.lastSent = text;
    await this.client.sendNotification(LiveLeaksNotification, params);
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
