import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { displayText } from '../core/displayText';
import { rankLeakSites, type RankedFinding } from '../core/liveLink';
import type { LiveData } from '../live/liveData';
import { KnownFindingsRequest, type KnownFinding } from '../shared/lspProtocol';
import { localLeakingProcesses, workspaceFolderPaths } from './liveLeaks';
import { scanWorkspace } from './scanWorkspace';

/** Whether a file mentions the port as a number, read once per file and search. */
function portMentions(): (file: string, port: number) => boolean {
  const texts = new Map<string, string>();
  return (file, port) => {
    let text = texts.get(file);
    if (text === undefined) {
      text = (() => {
        try {
          return readFileSync(file, 'utf8');
        } catch {
          return '';
        }
      })();
      texts.set(file, text);
    }
    return new RegExp(`(^|[^0-9])${port}([^0-9]|$)`).test(text);
  };
}

async function open(site: KnownFinding): Promise<void> {
  const position = new vscode.Position(site.line - 1, site.column - 1);
  await vscode.window.showTextDocument(vscode.Uri.parse(site.uri), { selection: new vscode.Range(position, position) });
}

/**
 * "Find in Code" for a leaking process: opens the most likely leak site in this workspace (by
 * folder, language, entry file and port) and offers the others in a quick pick. Scans the
 * workspace first when the server knows no findings yet.
 */
export async function findLeakInCode(client: LanguageClient, live: LiveData, pid: unknown): Promise<RankedFinding<KnownFinding>[]> {
  const processes = localLeakingProcesses(live.lastSnapshot).filter((p) => pid === undefined || p.pid === Number(pid));
  if (processes.length === 0) {
    void vscode.window.showInformationMessage(`TCP Lens: process ${String(pid)} holds no CLOSE_WAIT sockets on this machine right now.`);
    return [];
  }
  let findings = await client.sendRequest(KnownFindingsRequest);
  if (findings.length === 0) {
    await scanWorkspace(client, { quiet: true });
    findings = await client.sendRequest(KnownFindingsRequest);
  }
  const ranked = rankLeakSites(findings, processes, workspaceFolderPaths(), portMentions());
  const [best] = ranked;
  if (!best) {
    const p = processes[0];
    void vscode.window.showInformationMessage(
      `TCP Lens: no unclosed sockets found in this workspace for ${displayText(p.process)} (pid ${p.pid}); it may run from elsewhere, or leak in a way the analyzer cannot see.`,
    );
    return [];
  }
  await open(best.finding);
  if (ranked.length > 1) void pickAnother(ranked);
  return ranked;
}

async function pickAnother(ranked: RankedFinding<KnownFinding>[]): Promise<void> {
  const items = ranked.slice(0, 20).map((r) => ({
    label: `${vscode.workspace.asRelativePath(r.finding.file)}:${r.finding.line}`,
    description: r.finding.rule,
    detail: `${r.finding.message} — ${r.process.process} (pid ${r.process.pid})`,
    site: r.finding,
  }));
  const picked = await vscode.window.showQuickPick(items, {
    title: 'TCP Lens: likely leak sites',
    placeHolder: 'The most likely one is open; pick another to open it',
  });
  if (picked) await open(picked.site);
}
