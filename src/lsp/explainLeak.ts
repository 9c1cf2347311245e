import * as vscode from 'vscode';
import { stateInfo } from '../core/states';
import type { ExplainLeakArgs } from '../shared/lspProtocol';

/**
 * The code lens command: jumps to the place to fix (the end of the handler that should close,
 * or the acquiring line) and explains what CLOSE_WAIT means for this code.
 */
export async function explainLeak(args: ExplainLeakArgs): Promise<string> {
  const line = args.fixLine ?? args.line;
  const position = new vscode.Position(line, args.fixLine === undefined ? args.character : (args.fixCharacter ?? 0));
  const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(args.uri));
  await vscode.window.showTextDocument(document, { selection: new vscode.Range(position, position), preserveFocus: false });
  const closeWait = stateInfo('CLOSE_WAIT');
  const where = args.fixLine === undefined ? 'Close it on every path after it is opened' : `Close it here (line ${args.fixLine + 1})`;
  const text = `${args.message}. ${where}. CLOSE_WAIT: ${closeWait.explanation}`;
  void vscode.window.showInformationMessage(text);
  return text;
}
