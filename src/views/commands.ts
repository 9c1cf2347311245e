import * as os from 'node:os';
import * as vscode from 'vscode';
import { setting, updateSetting } from '../config/config';
import { formatEndpoint } from '../core/address';
import { snapshotToCsv, snapshotToJson } from '../core/export';
import { FilterSyntaxError, parseFilter } from '../core/filter';
import { GROUP_BY_LABELS, type GroupBy } from '../core/grouping';
import type { LiveData } from '../live/liveData';
import { connectionOf } from '../actions/connectionActions';
import type { ConnectionsTreeProvider } from './connectionsTree';
import type { MoreNode, TreeNode } from './nodes';
import { clickedRow } from './rowCommand';
import type { ConnectionsViewState } from './viewState';

function tryParseFilter(text: string) {
  try {
    return { filter: parseFilter(text) };
  } catch (err) {
    if (err instanceof FilterSyntaxError) return { error: err.message };
    throw err;
  }
}

async function askFilter(current: string): Promise<string | undefined> {
  return vscode.window.showInputBox({
    title: 'Filter TCP connections',
    value: current,
    prompt: 'state:CLOSE_WAIT port:8080 pid:4242 proc:node addr:10.0.0.1, or any text; commas give alternatives',
    placeHolder: 'state:CLOSE_WAIT,TIME_WAIT port:8080',
    validateInput: (text) => tryParseFilter(text).error,
  });
}

const isMoreNode = (node: TreeNode): node is MoreNode => node.kind === 'more';

/** Where and how to export; tests pass `{ uri, format }` to skip the dialog. */
interface ExportTarget {
  uri: vscode.Uri;
  format: 'json' | 'csv';
}

const EXPORT_FORMATS = [
  { label: 'JSON', description: 'the snapshot: host, time and every connection shown, with its process', format: 'json' as const },
  { label: 'CSV', description: 'one row per connection shown, for a spreadsheet', format: 'csv' as const },
];

/** Where exports start: the first workspace folder, else the home folder (never `/`). */
function exportFolder(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  return folder ?? vscode.Uri.file(os.homedir());
}

/** Asks for the format first, then where to save, starting in the workspace folder. */
async function askExportTarget(): Promise<ExportTarget | undefined> {
  const choice = await vscode.window.showQuickPick(EXPORT_FORMATS, { title: 'Export TCP connections as', placeHolder: 'Format' });
  if (!choice) return undefined;
  const name = `tcp-connections-${new Date().toISOString().replace(/[:.]/g, '-')}.${choice.format}`;
  const uri = await vscode.window.showSaveDialog({
    title: `Export TCP connections as ${choice.label}`,
    saveLabel: 'Export',
    filters: { [choice.label]: [choice.format] },
    defaultUri: vscode.Uri.joinPath(exportFolder(), name),
  });
  return uri ? { uri, format: choice.format } : undefined;
}

/** The Connections view's own commands (src/commands.ts gives them their ids). */
export function viewCommands(
  live: LiveData,
  tree: ConnectionsTreeProvider,
  treeView: vscode.TreeView<TreeNode>,
  state: ConnectionsViewState,
) {
  const applyFilterText = (text: string) => {
    const { filter, error } = tryParseFilter(text);
    if (error) {
      void vscode.window.showErrorMessage(`TCP Lens filter: ${error}`);
      return;
    }
    state.setFilter(filter);
  };
  return {
    filter: async (text?: unknown) => {
      const value = typeof text === 'string' ? text : await askFilter(state.filter?.text ?? '');
      if (value !== undefined) applyFilterText(value);
    },
    clearFilter: () => applyFilterText(''),
    groupBy: async (by?: unknown) => {
      let choice = typeof by === 'string' && by in GROUP_BY_LABELS ? (by as GroupBy) : undefined;
      if (!choice) {
        const items = (Object.keys(GROUP_BY_LABELS) as GroupBy[]).map((key) => ({
          label: GROUP_BY_LABELS[key],
          key,
          description: key === state.groupBy ? 'current' : undefined,
        }));
        choice = (await vscode.window.showQuickPick(items, { title: 'Group TCP connections by' }))?.key;
      }
      if (choice) state.setGroupBy(choice);
    },
    toggleHideEmpty: () => updateSetting('tcpLens.hideEmptyStates', !setting('tcpLens.hideEmptyStates')),
    /** A group key from a caller, else the clicked "Show more" row (see rowCommand). */
    showMore: async (groupKey: unknown) => {
      const key = typeof groupKey === 'string' ? groupKey : (await clickedRow(treeView, isMoreNode))?.parent.group.key;
      if (key !== undefined) tree.showMore(key);
    },
    showProcess: async (pid?: unknown) => {
      if (typeof pid === 'number') applyFilterText(`pid:${pid}`);
      await vscode.commands.executeCommand('tcpLens.connections.focus');
    },
    copyConnection: async (arg: unknown) => {
      const c = connectionOf(arg);
      if (!c) return;
      const owner = c.pid !== undefined ? ` ${c.process} (pid ${c.pid})` : '';
      await vscode.env.clipboard.writeText(
        `${c.state} ${formatEndpoint(c.localAddress, c.localPort)} -> ${formatEndpoint(c.remoteAddress, c.remotePort)}${owner}`,
      );
    },
    export: async (target?: ExportTarget) => {
      const snapshot = live.lastSnapshot;
      if (!snapshot) {
        void vscode.window.showErrorMessage('TCP Lens: nothing to export yet; open the Connections view first.');
        return;
      }
      const dest = target?.uri ? target : await askExportTarget();
      if (!dest) return;
      const connections = tree.visibleConnections();
      const text = dest.format === 'csv' ? snapshotToCsv(connections) : snapshotToJson(snapshot, connections);
      await vscode.workspace.fs.writeFile(dest.uri, Buffer.from(text, 'utf8'));
      if (!target) void vscode.window.showInformationMessage(`TCP Lens: exported ${connections.length} connections to ${dest.uri.fsPath}`);
    },
  };
}
