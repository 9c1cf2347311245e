// What the suite (inside the extension host) shares with the harness (outside, driving the
// browser): the extension's API, waiting, and screenshots taken by the harness on request.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TcpLensApi } from '../../../src/api';
import type { TreeNode } from '../../../src/views/nodes';

export const EXTENSION_ID = 'tcp-lens.tcp-lens';

export async function activateTcpLens(): Promise<TcpLensApi> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) throw new Error('TCP Lens is not loaded in this extension host');
  return (await ext.activate()) as TcpLensApi;
}

/** Polls until `check` returns a value (not undefined/false), or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The tree's root rows and their labels as VS Code shows them. */
export async function rootRows(api: TcpLensApi): Promise<{ node: TreeNode; label: string; description: string }[]> {
  const nodes = await api.connections.getChildren();
  return nodes.map((node) => {
    const item = api.connections.getTreeItem(node);
    const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
    return { node, label, description: typeof item.description === 'string' ? item.description : '' };
  });
}

export async function childRows(
  api: TcpLensApi,
  parent: TreeNode,
): Promise<{ node: TreeNode; label: string; description: string; tooltip: string }[]> {
  const nodes = await api.connections.getChildren(parent);
  return nodes.map((node) => {
    // The tooltip as a hover shows it: VS Code resolves it when the mouse rests on the row.
    const item = api.connections.resolveTreeItem(api.connections.getTreeItem(node), node);
    const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
    const tooltip = typeof item.tooltip === 'string' ? item.tooltip : (item.tooltip?.value ?? '');
    return { node, label, description: typeof item.description === 'string' ? item.description : '', tooltip };
  });
}

export interface ScreenshotRequest {
  /** Text the page must show first (the workbench renders after the API has answered). */
  waitForText?: string;
  /** Instead of a screenshot, something only the browser can do (see {@link browserAction}). */
  action?: BrowserAction;
}

/** What the harness does in the browser for the suite. */
export type BrowserAction =
  /** Opens the workbench again in a second page of the same browser, then brings the first back to the front. */
  | { kind: 'secondPage' }
  /** Closes the pages `secondPage` opened. */
  | { kind: 'closeOtherPages' }
  /**
   * With an export started: reads the format picker, takes its first choice, reads the save
   * dialog's title and path, and cancels it.
   */
  | { kind: 'exportDialog' }
  /**
   * Moves the mouse onto the Connections row showing `text` (expanding `group` if need be) and, for `watchMs`, notes twice a
   * second which row is under the mouse and what hover is shown.
   */
  | { kind: 'hover'; text: string; watchMs: number; group: string; hoverIncludes?: string }
  /** Clicks, as a user does, the row showing `text` in the sidebar view titled `view`. */
  | { kind: 'clickRow'; view: string; text: string }
  /** Clicks the button labelled `text` inside a webview (the State History chart). */
  | { kind: 'clickInWebview'; text: string }
  /** Chooses the option labelled `option` in the webview's drop-down labelled `label`. */
  | { kind: 'selectInWebview'; label: string; option: string };

/** What the harness saw: for `hover`, one sample per half second. */
export interface BrowserActionResult {
  error?: string;
  samples?: { at: number; row: string | null; hover: string | null }[];
  /** For `exportDialog`: the picker's title and choices, then the save dialog's title and path. */
  picker?: { title: string; items: string[] };
  save?: { title: string; path: string };
}

/**
 * Asks the harness to act in the browser and waits for what it saw. Without a harness
 * (test-electron) it resolves to undefined: the caller skips what needs a browser.
 */
export async function browserAction(name: string, action: BrowserAction, timeoutMs = 60_000): Promise<BrowserActionResult | undefined> {
  const dir = process.env.TCP_LENS_E2E_SHOTS;
  if (!dir) return undefined;
  const out = path.join(dir, `${name}.json`);
  fs.rmSync(out, { force: true });
  fs.writeFileSync(path.join(dir, `${name}.request`), JSON.stringify({ action } satisfies ScreenshotRequest));
  await waitFor(`the harness to ${action.kind}`, () => fs.existsSync(out), timeoutMs);
  return JSON.parse(fs.readFileSync(out, 'utf8')) as BrowserActionResult;
}

/**
 * Asks the harness for a screenshot of the whole workbench and waits until it is written.
 * Without a harness (test-electron) it does nothing.
 */
export async function screenshot(name: string, options: ScreenshotRequest = {}): Promise<void> {
  const dir = process.env.TCP_LENS_E2E_SHOTS;
  if (!dir) return;
  const png = path.join(dir, `${name}.png`);
  fs.rmSync(png, { force: true });
  fs.writeFileSync(path.join(dir, `${name}.request`), JSON.stringify(options));
  await waitFor(`screenshot ${name}`, () => fs.existsSync(png), 30_000);
}
