import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { processOwnCpuMs } from '../../test/helpers/remoteCpu';

export interface PublishedDiagnostic {
  range: { start: { line: number; character: number } };
}

/**
 * A fresh dist/server.js over stdio, driven as the editor drives it: initialize, then documents
 * opened and closed; `open` resolves to the diagnostics the server publishes for it.
 * `HOSTILE_NODE_FLAGS` passes V8 flags to the server (to try heap settings).
 */
export class LspSession {
  private published: ((p: { uri: string; diagnostics: PublishedDiagnostic[] }) => void) | undefined;

  private constructor(
    private readonly child: ReturnType<typeof spawn>,
    readonly rpc: ReturnType<typeof createMessageConnection>,
  ) {
    rpc.onNotification('textDocument/publishDiagnostics', (p) => this.published?.(p));
    rpc.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => ({})));
    rpc.onNotification('window/logMessage', () => undefined);
    rpc.listen();
  }

  static async start(): Promise<LspSession> {
    const server = path.join(__dirname, '..', '..', 'dist', 'server.js');
    if (!existsSync(server)) throw new Error('dist/server.js not found: run `npm run build` first');
    const child = spawn(process.execPath, [...(process.env.HOSTILE_NODE_FLAGS?.split(' ').filter(Boolean) ?? []), server, '--stdio'], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    const session = new LspSession(
      child,
      createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!)),
    );
    await session.rpc.sendRequest('initialize', {
      processId: process.pid,
      rootUri: null,
      capabilities: { workspace: { configuration: true }, textDocument: { codeAction: { resolveSupport: { properties: ['edit'] } } } },
    });
    await session.rpc.sendNotification('initialized', {});
    return session;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Opens a document; resolves to its diagnostics once the server published them. */
  async open(uri: string, languageId: string, text: string): Promise<PublishedDiagnostic[]> {
    const diagnostics = new Promise<PublishedDiagnostic[]>((resolve) => {
      this.published = (p) => p.uri === uri && resolve(p.diagnostics);
    });
    await this.rpc.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
    return diagnostics;
  }

  close(uri: string): Promise<void> {
    return this.rpc.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  /** User + system CPU time of the server, from /proc/PID/stat. */
  cpuMs(): number {
    return processOwnCpuMs(this.pid);
  }

  peakRssMb(): number {
    return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
  }

  stop(): void {
    this.rpc.dispose();
    this.child.kill('SIGKILL');
  }
}
