import * as vscode from 'vscode';
import { formatEndpoint } from '../core/address';
import { closeConnection, ssFilterCommand } from '../core/linux/closeConnection';
import { LocalCollector } from '../core/linux/localCollector';
import { readCwd } from '../core/linux/processLimits';
import type { Connection } from '../core/model';

/** Tree items carry their connection; commands from elsewhere may pass the connection itself. */
export function connectionOf(arg: unknown): Connection | undefined {
  if (!arg || typeof arg !== 'object') return undefined;
  const candidate = 'connection' in arg ? (arg as { connection: unknown }).connection : arg;
  const c = candidate as Partial<Connection> | undefined;
  return c && typeof c.localPort === 'number' && typeof c.state === 'string' ? (c as Connection) : undefined;
}

const describe = (c: Connection) => `${formatEndpoint(c.localAddress, c.localPort)} → ${formatEndpoint(c.remoteAddress, c.remotePort)} (${c.state})`;
const sameTuple = (a: Connection, b: Connection) =>
  a.localAddress === b.localAddress && a.localPort === b.localPort && a.remoteAddress === b.remoteAddress && a.remotePort === b.remotePort;

async function pick(arg: unknown): Promise<Connection | undefined> {
  const c = connectionOf(arg);
  if (!c) void vscode.window.showErrorMessage('TCP Lens: run this from a connection in the Connections view.');
  return c;
}

function isLocal(hostId: () => string): boolean {
  if (hostId() === 'local') return true;
  void vscode.window.showErrorMessage('TCP Lens: this action works on the local host only for now (for a remote host, run it there, e.g. in a Remote-SSH window).');
  return false;
}

async function close(arg: unknown, hostId: () => string): Promise<void> {
  const c = await pick(arg);
  if (!c || !isLocal(hostId)) return;
  const ok = await vscode.window.showWarningMessage(
    `Close ${describe(c)}?`,
    { modal: true, detail: 'The kernel destroys the socket (ss -K); the owning process gets an error on its next use of it.' },
    'Close Connection',
  );
  if (ok !== 'Close Connection') return;
  const collector = new LocalCollector();
  const result = await closeConnection(c, async () => (await collector.snapshot()).connections.some((x) => sameTuple(x, c)));
  if (result.closed) void vscode.window.showInformationMessage(`TCP Lens: closed ${describe(c)}.`);
  else void vscode.window.showErrorMessage(`TCP Lens: ${result.reason}`);
  await vscode.commands.executeCommand('tcpLens.refresh');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function kill(arg: unknown, hostId: () => string): Promise<void> {
  const c = await pick(arg);
  if (!c || !isLocal(hostId)) return;
  if (c.pid === undefined) {
    void vscode.window.showErrorMessage(`TCP Lens: no process is known to own ${describe(c)}.`);
    return;
  }
  const pid = c.pid;
  const name = `${c.process ?? 'process'} (pid ${pid})`;
  const ok = await vscode.window.showWarningMessage(`Terminate ${name}?`, { modal: true, detail: c.commandLine }, 'Send SIGTERM');
  if (ok !== 'Send SIGTERM') return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch (err) {
    void vscode.window.showErrorMessage(`TCP Lens: could not signal ${name}: ${(err as Error).message}`);
    return;
  }
  for (let i = 0; i < 30 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) {
    const force = await vscode.window.showWarningMessage(`${name} is still running after SIGTERM.`, 'Send SIGKILL');
    if (force === 'Send SIGKILL' && alive(pid)) process.kill(pid, 'SIGKILL');
  }
  await vscode.commands.executeCommand('tcpLens.refresh');
}

async function copyFilter(arg: unknown): Promise<void> {
  const c = await pick(arg);
  if (!c) return;
  await vscode.env.clipboard.writeText(ssFilterCommand(c));
  vscode.window.setStatusBarMessage('TCP Lens: ss filter copied', 3000);
}

async function revealCwd(arg: unknown, hostId: () => string): Promise<void> {
  const c = await pick(arg);
  if (!c || !isLocal(hostId)) return;
  const cwd = c.pid === undefined ? undefined : await readCwd(c.pid);
  if (!cwd) {
    void vscode.window.showErrorMessage('TCP Lens: the working directory of that process cannot be read (gone, or another user\'s).');
    return;
  }
  const uri = vscode.Uri.file(cwd);
  if (vscode.workspace.getWorkspaceFolder(uri)) {
    await vscode.commands.executeCommand('revealInExplorer', uri);
    return;
  }
  const choice = await vscode.window.showInformationMessage(`${c.process} (pid ${c.pid}) runs in ${cwd}`, 'Copy Path', 'Open Folder');
  if (choice === 'Copy Path') await vscode.env.clipboard.writeText(cwd);
  if (choice === 'Open Folder') await vscode.commands.executeCommand('vscode.openFolder', uri, { forceNewWindow: true });
}

/** Registers the actions on a connection; `hostId` tells which host the tree shows now. */
export function registerConnectionActions(disposables: vscode.Disposable[], hostId: () => string): void {
  disposables.push(
    vscode.commands.registerCommand('tcpLens.closeConnection', (arg: unknown) => close(arg, hostId)),
    vscode.commands.registerCommand('tcpLens.killProcess', (arg: unknown) => kill(arg, hostId)),
    vscode.commands.registerCommand('tcpLens.copySsFilter', (arg: unknown) => copyFilter(arg)),
    vscode.commands.registerCommand('tcpLens.revealProcessCwd', (arg: unknown) => revealCwd(arg, hostId)),
  );
}
