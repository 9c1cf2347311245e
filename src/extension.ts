import type * as vscode from 'vscode';
import type { TcpLensApi } from './api';
import { TcpLens } from './tcpLens';
import { stopLeakClient } from './lsp/index';

let root: TcpLens | undefined;

export function activate(context: vscode.ExtensionContext): TcpLensApi {
  root = new TcpLens(context);
  context.subscriptions.push(root);
  return root.api();
}

export function deactivate(): Promise<void> {
  root = undefined;
  return stopLeakClient();
}
