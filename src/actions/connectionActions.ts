import * as vscode from 'vscode';
import { formatEndpoint } from '../core/address';
import { displayLines, displayText } from '../core/displayText';
import { closeConnection, ssFilterCommand } from '../core/linux/closeConnection';
import { identifySocketOwner, signalProcess, waitForExit } from '../core/linux/processIdentity';
import { readCwd } from '../core/linux/processLimits';
import type { Collector, Connection } from '../core/model';
import { isLocalHost } from '../core/model';

/** Tree items carry their connection; commands from elsewhere may pass the connection itself. */
export function connectionOf(arg: unknown): Connection | undefined {
  if (!arg || typeof arg !== 'object') return undefined;
  const candidate = 'connection' in arg ? (arg as { connection: unknown }).connection : arg;
  const c = candidate as Partial<Connection> | undefined;
  return c && typeof c.localPort === 'number' && typeof c.state === 'string' ? (c as Connection) : undefined;
}

const describe = (c: Connection) =>
  displayText(`${formatEndpoint(c.localAddress, c.localPort)} → ${formatEndpoint(c.remoteAddress, c.remotePort)} (${c.state})`);
/** A process name for a message: any user can rename their process to escape sequences. */
const processName = (c: Connection) => `${displayText(c.process ?? 'process')} (pid ${c.pid})`;

async function pick(arg: unknown): Promise<Connection | undefined> {
  const c = connectionOf(arg);
  if (!c) void vscode.window.showErrorMessage('TCP Lens: run this from a connection in the Connections view.');
  return c;
}

type Action = 'closeConnection' | 'terminateProcess' | 'workingDirectory';

const ACTION_NAMES: Record<Action, string> = {
  closeConnection: 'Closing a connection',
  terminateProcess: 'Terminating a process',
  workingDirectory: 'Revealing a working directory',
};

/**
 * The menus offer an action only where the collector can do it (context keys); a command run
 * another way (keybinding, palette, another extension) is refused here with the reason.
 */
function offers(collector: () => Collector, action: Action): boolean {
  const { capabilities, host } = collector();
  if (capabilities[action]) return true;
  const why = isLocalHost(host)
    ? `needs Linux (/proc, ss -K); on ${displayText(host.platform)} TCP Lens only reads the table.`
    : 'works on the local host only for now (for a remote host, run it there, e.g. in a Remote-SSH window).';
  void vscode.window.showErrorMessage(`TCP Lens: ${ACTION_NAMES[action]} ${why}`);
  return false;
}

async function close(arg: unknown, collector: () => Collector, refresh: () => Promise<void>): Promise<void> {
  const c = await pick(arg);
  if (!c || !offers(collector, 'closeConnection')) return;
  const ok = await vscode.window.showWarningMessage(
    `Close ${describe(c)}?`,
    { modal: true, detail: 'The kernel destroys the socket (ss -K); the owning process gets an error on its next use of it.' },
    'Close Connection',
  );
  if (ok !== 'Close Connection') return;
  // The row may be stale by now: closeConnection checks the socket's inode right before ss -K.
  const result = await closeConnection(c);
  if (result.closed) void vscode.window.showInformationMessage(`TCP Lens: closed ${describe(c)}.`);
  else void vscode.window.showErrorMessage(`TCP Lens: ${displayLines(result.reason)}`);
  await refresh();
}

/**
 * Terminate, with the checks that keep it on the process the row showed: the pid must still hold
 * the row's socket (and keep its start time) when the dialog opens and again when SIGTERM goes
 * out; the SIGKILL follow-up is a modal of its own and checks again that the pid is the same
 * process, so a pid handed to another program meanwhile is never signalled.
 */
async function kill(arg: unknown, collector: () => Collector, refresh: () => Promise<void>): Promise<void> {
  const c = await pick(arg);
  if (!c || !offers(collector, 'terminateProcess')) return;
  if (c.pid === undefined) {
    void vscode.window.showErrorMessage(`TCP Lens: no process is known to own ${describe(c)}.`);
    return;
  }
  const name = processName(c);
  // The reasons say why (exited, socket closed, pid reused, no permission); the list is refreshed.
  const notSignalled = (reason: string) => {
    void vscode.window.showErrorMessage(`TCP Lens: ${name} was not signalled: ${displayText(reason)}.`);
    return refresh();
  };
  const owner = await identifySocketOwner(c.pid, c.inode);
  if (!owner.ok) return void (await notSignalled(owner.reason));
  const ok = await vscode.window.showWarningMessage(
    `Terminate ${name}?`,
    { modal: true, detail: c.commandLine === undefined ? undefined : displayText(c.commandLine) },
    'Send SIGTERM',
  );
  if (ok !== 'Send SIGTERM') return;
  const term = await signalProcess(owner.identity, 'SIGTERM', c.inode);
  if (!term.sent) return void (await notSignalled(term.reason));
  if (!(await waitForExit(owner.identity, 3000))) {
    const force = await vscode.window.showWarningMessage(
      `${name} is still running after SIGTERM.`,
      { modal: true, detail: 'SIGKILL ends it at once, without letting it clean up.' },
      'Send SIGKILL',
    );
    if (force === 'Send SIGKILL') {
      const killed = await signalProcess(owner.identity, 'SIGKILL');
      if (!killed.sent) void vscode.window.showInformationMessage(`TCP Lens: SIGKILL not sent: ${killed.reason}.`);
    }
  }
  await refresh();
}

async function copyFilter(arg: unknown): Promise<void> {
  const c = await pick(arg);
  if (!c) return;
  await vscode.env.clipboard.writeText(ssFilterCommand(c));
  vscode.window.setStatusBarMessage('TCP Lens: ss filter copied', 3000);
}

async function revealCwd(arg: unknown, collector: () => Collector): Promise<void> {
  const c = await pick(arg);
  if (!c || !offers(collector, 'workingDirectory')) return;
  const cwd = c.pid === undefined ? undefined : await readCwd(c.pid);
  if (!cwd) {
    void vscode.window.showErrorMessage("TCP Lens: the working directory of that process cannot be read (gone, or another user's).");
    return;
  }
  const uri = vscode.Uri.file(cwd);
  if (vscode.workspace.getWorkspaceFolder(uri)) {
    await vscode.commands.executeCommand('revealInExplorer', uri);
    return;
  }
  const choice = await vscode.window.showInformationMessage(`${processName(c)} runs in ${displayText(cwd)}`, 'Copy Path', 'Open Folder');
  if (choice === 'Copy Path') await vscode.env.clipboard.writeText(cwd);
  if (choice === 'Open Folder') await vscode.commands.executeCommand('vscode.openFolder', uri, { forceNewWindow: true });
}

/**
 * The actions on a connection (src/commands.ts gives them their ids); `collector` is the one of
 * the host the tree shows now, `refresh` shows the table again after acting on it.
 */
export function connectionActions(collector: () => Collector, refresh: () => Promise<void>) {
  return {
    close: (arg: unknown) => close(arg, collector, refresh),
    kill: (arg: unknown) => kill(arg, collector, refresh),
    copySsFilter: (arg: unknown) => copyFilter(arg),
    revealCwd: (arg: unknown) => revealCwd(arg, collector),
  };
}
