import {
  type CodeAction,
  CodeActionKind,
  CodeLensRefreshRequest,
  createConnection,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { KnownFindingsRequest, LiveLeaksNotification, ScanFilesRequest } from '../shared/lspProtocol';
import { LeakService } from './leakService';
import { isLeakFixData, toCodeActions, toCodeLenses, withFixEdit, type LiveContext } from './lspFindings';
import { SettingsCache } from './settings';

// The transport (--node-ipc, --stdio, --socket) comes from the command line the client chose.
const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const settings = new SettingsCache(connection);
const service = new LeakService(connection, documents, settings);
let live: LiveContext = { folders: [], processes: [] };
let canRefreshLenses = false;
/** Whether the client asks for a code action's edit later (codeAction/resolve) rather than with the list. */
let clientResolvesEdits = false;

// A bug in one analysis must not take the lenses of every other file down with it.
process.on('uncaughtException', (err) => connection.console.error(`TCP Lens server: ${err.stack ?? err.message}`));
process.on('unhandledRejection', (err) => connection.console.error(`TCP Lens server: ${err instanceof Error ? err.stack : String(err)}`));

connection.onInitialize((params) => {
  settings.supportsPull = !!params.capabilities.workspace?.configuration;
  canRefreshLenses = !!params.capabilities.workspace?.codeLens?.refreshSupport;
  clientResolvesEdits = !!params.capabilities.textDocument?.codeAction?.resolveSupport?.properties.includes('edit');
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      codeLensProvider: { resolveProvider: false },
      // Edits are computed when a fix is picked: a file with thousands of findings lists titles only.
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix], resolveProvider: true },
    },
    serverInfo: { name: 'TCP Lens leak analyzer' },
  };
});

documents.onDidOpen((e) => service.schedule(e.document, 0));
documents.onDidChangeContent((e) => service.schedule(e.document));
documents.onDidSave((e) => service.schedule(e.document, 0));
documents.onDidClose((e) => void service.closed(e.document.uri));
connection.onDidChangeConfiguration(() => void service.reanalyzeAll());

connection.onCodeLens((params) => {
  const result = service.findings(params.textDocument.uri);
  return result ? toCodeLenses(params.textDocument.uri, result.findings, live) : [];
});

connection.onCodeAction(async (params) => {
  const result = service.findings(params.textDocument.uri);
  const actions = result ? toCodeActions(params.textDocument.uri, result.findings, params.range, result.severity) : [];
  // A client without codeAction/resolve gets the edits now, of the fixes under the cursor only.
  return clientResolvesEdits ? actions : Promise.all(actions.map(resolveAction));
});

connection.onCodeActionResolve(resolveAction);

async function resolveAction(action: CodeAction): Promise<CodeAction> {
  if (action.edit || !isLeakFixData(action.data)) return action;
  const { uri, line, character, rule } = action.data;
  return withFixEdit(action, uri, await service.fixFor(uri, { line, column: character }, rule));
}

connection.onRequest(ScanFilesRequest, (params, token) => service.scan(params.uris, () => token.isCancellationRequested));
connection.onRequest(KnownFindingsRequest, () => service.allFindings());

let lensRefresh: NodeJS.Timeout | undefined;
/** Asks the editor to fetch lenses again (once for a burst of analyses), so no file keeps stale or missing lenses. */
function refreshLenses(): void {
  if (!canRefreshLenses || lensRefresh) return;
  lensRefresh = setTimeout(() => {
    lensRefresh = undefined;
    void connection.sendRequest(CodeLensRefreshRequest.type);
  }, 50);
}
service.onDidAnalyse = refreshLenses;

connection.onNotification(LiveLeaksNotification, (params) => {
  live = { folders: params.folders, processes: params.processes };
  refreshLenses();
});

connection.onShutdown(() => service.dispose());

documents.listen(connection);
connection.listen();
