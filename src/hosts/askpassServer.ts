import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { SshOptions } from '../core/ssh/sshCommand';

const MAX_REQUEST = 4096;

/**
 * Answers ssh's passphrase and password prompts with a VS Code input box. ssh runs a small
 * launcher (SSH_ASKPASS) that starts dist/askpass.js with the extension host's own Node; that
 * script connects to this server's unix socket (in a private 0700 folder) and must present a
 * token generated for this window. Answers go straight to ssh and are never stored.
 */
export class AskpassServer implements vscode.Disposable {
  private readonly dir = mkdtempSync(path.join(tmpdir(), 'tcp-lens-askpass-'));
  private readonly socketPath = path.join(this.dir, 'sock');
  private readonly launcher = path.join(this.dir, 'askpass.sh');
  private readonly token = randomBytes(24).toString('hex');
  private readonly server: net.Server;

  constructor(private readonly askpassScript: string) {
    chmodSync(this.dir, 0o700);
    // Fixed text: the paths reach it through the environment, never pasted into the script.
    writeFileSync(this.launcher, '#!/bin/sh\nELECTRON_RUN_AS_NODE=1 exec "$TCPLENS_ASKPASS_NODE" "$TCPLENS_ASKPASS_MAIN" "$@"\n', {
      mode: 0o700,
    });
    this.server = net.createServer((socket) => this.serve(socket));
    this.server.listen(this.socketPath);
  }

  /** What SshOptions.askpass needs for ssh to ask through this server. */
  get options(): NonNullable<SshOptions['askpass']> {
    return {
      program: this.launcher,
      env: {
        TCPLENS_ASKPASS_NODE: process.execPath,
        TCPLENS_ASKPASS_MAIN: this.askpassScript,
        TCPLENS_ASKPASS_SOCKET: this.socketPath,
        TCPLENS_ASKPASS_TOKEN: this.token,
      },
    };
  }

  dispose(): void {
    this.server.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private serve(socket: net.Socket): void {
    let text = '';
    socket.setEncoding('utf8');
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: string) => {
      text += chunk;
      const nl = text.indexOf('\n');
      if (nl < 0) {
        if (text.length > MAX_REQUEST) socket.destroy();
        return;
      }
      socket.removeAllListeners('data');
      void this.answer(text.slice(0, nl)).then((answer) => socket.end(JSON.stringify({ answer })));
    });
  }

  private async answer(line: string): Promise<string | undefined> {
    let request: { token?: unknown; prompt?: unknown };
    try {
      request = JSON.parse(line) as typeof request;
    } catch {
      return undefined;
    }
    if (typeof request.token !== 'string' || !sameToken(request.token, this.token)) return undefined;
    const prompt = typeof request.prompt === 'string' ? request.prompt.slice(0, 500) : 'Password:';
    // Host key confirmations ("yes/no/[fingerprint]") are not secrets: show what is typed.
    const secret = !/yes\/no/i.test(prompt);
    return vscode.window.showInputBox({ title: 'TCP Lens: SSH', prompt, password: secret, ignoreFocusOut: true });
  }
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
