import * as vscode from 'vscode';
import { runCommand } from '../commands';
import { setting } from '../config/config';
import type { Alert } from '../core/alerts/types';
import { displayLines, displayText } from '../core/displayText';
import type { Sample } from '../core/sampling/sampler';
import { CountsStatusBar } from './statusBar';

const MAX_KEPT = 200;

/**
 * Turns the live samples into the status bar and into one notification per alert episode, with
 * the actions "Show Process" and "Find in Code". Other parts (the chart's markers, the tests)
 * listen to {@link onDidAlert}.
 */
export class AlertsController implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly statusBar = new CountsStatusBar();
  private readonly alertEmitter = new vscode.EventEmitter<Alert>();
  readonly onDidAlert = this.alertEmitter.event;
  /** The latest alerts, newest last. */
  readonly recent: Alert[] = [];

  constructor() {
    this.disposables.push(this.statusBar, this.alertEmitter);
  }

  get statusText(): string {
    return this.statusBar.text;
  }

  /** Every sample: the status bar, and a notification per alert the sampler raised. */
  onSample(sample: Sample): void {
    this.statusBar.update(sample, sample.crossed);
    this.raise(sample.alerts);
  }

  onError(message: string): void {
    this.statusBar.showError(displayLines(message));
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  private raise(alerts: Alert[]): void {
    for (const alert of alerts) {
      this.recent.push(alert);
      if (this.recent.length > MAX_KEPT) this.recent.shift();
      this.alertEmitter.fire(alert);
      if (setting('tcpLens.alerts.notify')) void this.notify(alert);
    }
  }

  private async notify(alert: Alert): Promise<void> {
    const actions = alert.kind === 'threshold' ? ['Show Connections'] : ['Show Process', 'Find in Code'];
    // The message names processes (any user can rename theirs) and remote hosts' text.
    const choice = await vscode.window.showWarningMessage(`TCP Lens: ${displayText(alert.message)}`, ...actions);
    if (choice === 'Show Connections') await vscode.commands.executeCommand('tcpLens.connections.focus');
    if (alert.kind === 'threshold') return;
    if (choice === 'Show Process') await runCommand('tcpLens.showProcess', alert.pid);
    if (choice === 'Find in Code') await runCommand('tcpLens.findLeakInCode', alert.pid);
  }
}
