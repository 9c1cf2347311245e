import type * as vscode from 'vscode';
import type { CommandId } from '../commands';

/**
 * The command a row runs when clicked, without arguments. VS Code keeps a row command's arguments
 * in the extension host only until the tree next refreshes the row; a click that reaches the
 * extension host in between runs nothing ("Actual command not found", microsoft/vscode#173233).
 * The Connections view refreshes every few seconds and the Fleet view on every poll, so such
 * clicks were lost. The handler finds the row with {@link clickedRow} instead.
 */
export function rowCommand(command: CommandId, title: string): vscode.Command {
  return { command, title };
}

const ROW_WAIT_MS = 2000;
const ROW_POLL_MS = 50;

/**
 * The row a click selected. VS Code sends the selection before it runs the row's command, and
 * keeps it across refreshes by the row's id. A refresh of the row's parent drops the row from
 * VS Code's map until the window asks for the parent's rows again (a round trip): a click in that
 * moment finds the selection empty, so this waits for the row to come back, at most 2 s.
 */
export async function clickedRow<T, R extends T>(view: vscode.TreeView<T>, is: (node: T) => node is R): Promise<R | undefined> {
  const deadline = Date.now() + ROW_WAIT_MS;
  for (;;) {
    const row = view.selection.find(is);
    if (row !== undefined || Date.now() >= deadline) return row;
    await new Promise((resolve) => setTimeout(resolve, ROW_POLL_MS));
  }
}
