import * as vscode from 'vscode';

export const DECORATION_SCHEME = 'tcp-lens-connection';

/** Colors tree rows by the `new` / `closed` mark their resourceUri carries: new green, closed greyed out. */
export class ConnectionDecorations implements vscode.FileDecorationProvider {
  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    if (uri.scheme !== DECORATION_SCHEME) return undefined;
    if (uri.query === 'new') return { badge: '+', tooltip: 'New since the last refresh', color: new vscode.ThemeColor('charts.green') };
    if (uri.query === 'closed')
      return { badge: '×', tooltip: 'Closed since the last refresh', color: new vscode.ThemeColor('disabledForeground') };
    return undefined;
  }
}
