import path from 'node:path';
import * as vscode from 'vscode';
import { displayText } from '../core/displayText';
import type { Collector } from '../core/model';
import { LOCAL_HOST_ID } from '../core/model';
import { openCollector } from '../core/openCollector';
import { onDidChangeSettings, sshSettings } from '../config/config';
import type { LiveData } from '../live/liveData';
import { AskpassServer } from './askpassServer';
import { pickHost } from './hostPicker';
import { WarmPool } from './warmPool';

const SELECTED_KEY = 'tcpLens.host';
const RECENT_KEY = 'tcpLens.recentHosts';
const MAX_RECENT = 8;

/**
 * "TCP Lens: Select Host…": which machine every view shows. The choice is remembered per
 * workspace and restored on start; the views follow LiveData's collector.
 */
export class HostSelection implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly askpass: AskpassServer;
  private readonly pool: WarmPool;
  private currentId = LOCAL_HOST_ID;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly live: LiveData,
  ) {
    this.askpass = new AskpassServer(path.join(context.extensionPath, 'dist', 'askpass.js'));
    this.pool = new WarmPool(() => ({ ...sshSettings(), askpass: this.askpass.options }));
    this.disposables.push(this.askpass, this.pool);
    onDidChangeSettings(
      (e) => {
        if (!e.affects('tcpLens.ssh')) return;
        this.pool.clear();
        if (this.currentId !== LOCAL_HOST_ID) this.show(this.currentId);
      },
      this,
      this.disposables,
    );
    const saved = context.workspaceState.get<string>(SELECTED_KEY);
    if (saved && saved !== LOCAL_HOST_ID) this.show(saved);
  }

  get selectedHostId(): string {
    return this.currentId;
  }

  /**
   * Switches to a host id (`local`, an alias or user@host[:port]); without one, asks with the
   * quick pick. Resolves to the id shown afterwards.
   */
  async selectHost(id?: string): Promise<string> {
    const chosen = id ?? (await pickHost(this.currentId, this.recent(), sshSettings().configFile));
    if (chosen === undefined || chosen === this.currentId) return this.currentId;
    if (!this.show(chosen)) return this.currentId;
    await this.context.workspaceState.update(SELECTED_KEY, chosen);
    await this.context.workspaceState.update(RECENT_KEY, [chosen, ...this.recent().filter((r) => r !== chosen)].slice(0, MAX_RECENT));
    return this.currentId;
  }

  dispose(): void {
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
  }

  private recent(): string[] {
    return this.context.workspaceState.get<string[]>(RECENT_KEY, []);
  }

  private show(id: string): boolean {
    let collector: Collector;
    try {
      collector = openCollector(id, { remote: (target) => this.pool.get(target) });
    } catch (err) {
      void vscode.window.showErrorMessage(`TCP Lens: ${displayText(err instanceof Error ? err.message : String(err))}`);
      return false;
    }
    this.currentId = id;
    this.live.setCollector(collector);
    return true;
  }
}
