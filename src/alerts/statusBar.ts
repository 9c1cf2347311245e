import { displayText } from '../core/displayText';
import * as vscode from 'vscode';
import type { CountsSample, TcpStateName } from '../core/model';
import { STATE_DISPLAY_ORDER } from '../core/states';

/** `TIME_WAIT n · CLOSE_WAIT n` for the selected host; colored while a threshold is crossed. */
export class CountsStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('tcpLens.status', vscode.StatusBarAlignment.Left, 40);

  constructor() {
    this.item.name = 'TCP Lens';
    this.item.command = 'tcpLens.connections.focus';
    this.item.text = '$(plug) TCP Lens';
    this.item.show();
  }

  /** The text as shown, for tests. */
  get text(): string {
    return this.item.text;
  }

  update(sample: CountsSample, crossed: ReadonlySet<TcpStateName>): void {
    const { counts } = sample;
    this.item.text = `$(plug) TIME_WAIT ${counts.TIME_WAIT} · CLOSE_WAIT ${counts.CLOSE_WAIT}`;
    this.item.backgroundColor = crossed.has('CLOSE_WAIT')
      ? new vscode.ThemeColor('statusBarItem.errorBackground')
      : crossed.size > 0
        ? new vscode.ThemeColor('statusBarItem.warningBackground')
        : undefined;
    const rows = STATE_DISPLAY_ORDER.filter((s) => counts[s] > 0).map((s) => `| ${s} | ${counts[s]}${crossed.has(s) ? ' ⚠' : ''} |`);
    // The host label can come from a remote `uname -n`: shown as text, never as Markdown.
    const tooltip = new vscode.MarkdownString('**TCP Lens — ');
    tooltip.appendText(displayText(sample.host.label));
    tooltip.appendMarkdown(
      `**\n\n| State | Sockets |\n|---|---:|\n${rows.join('\n') || '| (none) | 0 |'}\n\nClick to open the Connections view.`,
    );
    this.item.tooltip = tooltip;
  }

  showError(message: string): void {
    this.item.text = '$(plug) TCP Lens $(error)';
    this.item.tooltip = message;
    this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
  }

  dispose(): void {
    this.item.dispose();
  }
}
