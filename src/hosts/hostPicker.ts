import { hostname } from 'node:os';
import * as vscode from 'vscode';
import { LOCAL_HOST_ID } from '../core/model';
import { InvalidHostError, parseHostString } from '../core/ssh/hostString';
import { readConfigHosts } from '../core/ssh/sshConfig';

interface HostItem extends vscode.QuickPickItem {
  hostId?: string;
  enter?: boolean;
}

/** The label of the local machine: the extension host's machine (the remote one in Remote-SSH). */
export function localHostLabel(): string {
  return hostname();
}

/**
 * Asks which host to watch: the local machine, recently used hosts, the OpenSSH config's Host
 * entries, or one typed as user@host[:port]. Resolves to a host id, or undefined if dismissed.
 */
export async function pickHost(currentId: string, recent: readonly string[], configFile: string | undefined): Promise<string | undefined> {
  const current = (id: string) => (id === currentId ? ' $(check)' : '');
  // The config (and its Includes) is read off the UI's path: the picker opens at once and shows
  // its busy bar until the list is complete.
  const items = readConfigHosts(configFile).then(({ hosts, warnings }) => {
    const items: HostItem[] = [
      { label: `$(vm) ${localHostLabel()}${current(LOCAL_HOST_ID)}`, description: 'local machine', hostId: LOCAL_HOST_ID },
    ];
    const remoteRecent = recent.filter((id) => id !== LOCAL_HOST_ID);
    if (remoteRecent.length) {
      items.push({ label: 'Recently used', kind: vscode.QuickPickItemKind.Separator });
      for (const id of remoteRecent) items.push({ label: `$(history) ${id}${current(id)}`, hostId: id });
    }
    const fromConfig = hosts.filter((h) => !remoteRecent.includes(h.alias));
    if (fromConfig.length || warnings.length) items.push({ label: 'SSH config', kind: vscode.QuickPickItemKind.Separator });
    for (const h of fromConfig) {
      const target = `${h.user ? `${h.user}@` : ''}${h.hostName ?? h.alias}${h.port ? `:${h.port}` : ''}`;
      items.push({ label: `$(remote) ${h.alias}${current(h.alias)}`, description: target, detail: undefined, hostId: h.alias });
    }
    // Shown, never fatal: the first problem, as an entry that picks nothing.
    if (warnings.length)
      items.push({ label: `$(warning) ${warnings[0]}`, description: warnings.length > 1 ? `and ${warnings.length - 1} more` : undefined });
    items.push({ label: '', kind: vscode.QuickPickItemKind.Separator });
    items.push({ label: '$(edit) Enter user@host[:port]…', enter: true });
    return items;
  });
  const picked = await vscode.window.showQuickPick(items, {
    title: 'TCP Lens: Select Host',
    placeHolder: "Which machine's TCP connections to show",
    matchOnDescription: true,
  });
  if (!picked) return undefined;
  if (!picked.enter) return picked.hostId;
  const typed = await vscode.window.showInputBox({
    title: 'TCP Lens: Connect over SSH',
    prompt: 'user@host[:port] or a Host alias of your SSH config',
    placeHolder: 'deploy@web1.example.com:22',
    validateInput: (value) => {
      try {
        parseHostString(value);
        return undefined;
      } catch (err) {
        return err instanceof InvalidHostError ? err.message : String(err);
      }
    },
  });
  return typed === undefined ? undefined : parseHostString(typed).id;
}
