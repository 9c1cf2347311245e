// The end-to-end run: builds the extension and the suite, then in a real VS Code (code-server
// 1.100.3 + headless Chromium) (1) runs the mocha suite inside the extension host of the
// extension under development, serving its screenshot requests, and (2) installs the packaged
// .vsix and checks, through the UI, that the shipped artifact activates and shows the tree.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Frame, Locator, Page } from 'playwright-core';
import { CONNECTIONS_ROWS, launchBrowser, openTcpLensSidebar, openWorkbench, widenSidebar } from './browser';
import {
  REPO_ROOT,
  SAMPLE_WORKSPACE as WORKSPACE,
  ensureCodeServer,
  freePort,
  installVsix,
  packageHostVsix,
  startCodeServer,
  type RunningCodeServer,
} from './codeServer';
import type { BrowserAction, BrowserActionResult, ScreenshotRequest } from './suite/harnessLink';
import type { SuiteResults } from './suite/index';
import { SUITE_OUT, bundleSuite } from './suiteBundle';

const SHOTS = path.join(REPO_ROOT, 'test', 'e2e', 'screenshots');
const SUITE_TIMEOUT_MS = Number(process.env.TCP_LENS_E2E_TIMEOUT_MS ?? 8 * 60_000);

function step(text: string): void {
  console.log(`\n[e2e] ${text}`);
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { cwd: REPO_ROOT, stdio: 'inherit', timeout: 5 * 60_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal})`);
}

function throwaway(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `tcp-lens-e2e-${tag}-`));
}

function readRequest(file: string): ScreenshotRequest {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8') || '{}') as ScreenshotRequest;
  } catch {
    return {};
  }
}

const HOVER = '.workbench-hover, .monaco-hover';

/** The first visible element `find` locates in any frame (webviews are nested iframes), waiting up to 15 s. */
async function inWebview(page: Page, find: (frame: Frame) => Locator): Promise<Locator | undefined> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      const found = find(frame).first();
      if (await found.isVisible().catch(() => false)) return found;
    }
    await page.waitForTimeout(250);
  }
  return undefined;
}

/** Does in the browser what the suite asked for, and says what it saw. */
async function act(page: Page, workbenchUrl: string, action: BrowserAction): Promise<BrowserActionResult> {
  switch (action.kind) {
    case 'secondPage': {
      const second = await page.context().newPage();
      await second.goto(workbenchUrl, { waitUntil: 'domcontentloaded', timeout: 60_000 });
      await second.waitForSelector('.monaco-workbench', { timeout: 60_000 });
      await page.bringToFront();
      return {};
    }
    case 'exportDialog': {
      const title = page.locator('.quick-input-widget .quick-input-title');
      await page.waitForFunction(
        `document.querySelector('.quick-input-widget .quick-input-title')?.textContent?.includes('Export TCP connections as')`,
        undefined,
        { timeout: 15_000 },
      );
      const picker = {
        title: (await title.textContent()) ?? '',
        items: await page.locator('.quick-input-widget .monaco-list-row').allTextContents(),
      };
      await page.keyboard.press('Enter');
      await page.waitForFunction(
        `/as (JSON|CSV)$/.test(document.querySelector('.quick-input-widget .quick-input-title')?.textContent ?? '')`,
        undefined,
        { timeout: 15_000 },
      );
      // The dialog fills its path in after it opens.
      await page
        .waitForFunction(
          `/\\.(json|csv)$/.test(document.querySelector('.quick-input-widget .quick-input-box input')?.value ?? '')`,
          undefined,
          { timeout: 5_000 },
        )
        .catch(() => undefined);
      const save = {
        title: (await title.textContent()) ?? '',
        path: await page.locator('.quick-input-widget .quick-input-box input').inputValue(),
      };
      await page.keyboard.press('Escape');
      return { picker, save };
    }
    case 'closeOtherPages': {
      for (const other of page.context().pages()) if (other !== page) await other.close();
      await page.bringToFront();
      return {};
    }
    case 'clickRow': {
      await widenSidebar(page);
      const row = page.locator(`.pane:has(.pane-header[aria-label*="${action.view}"]) .monaco-list-row`, { hasText: action.text }).first();
      await row.click({ timeout: 15_000 });
      return {};
    }
    case 'clickInWebview': {
      const button = await inWebview(page, (frame) => frame.locator('button', { hasText: action.text }));
      if (!button) return { error: `no visible button "${action.text}" in any webview` };
      await button.click({ timeout: 5_000 });
      return {};
    }
    case 'selectInWebview': {
      const select = await inWebview(page, (frame) => frame.locator(`select[aria-label="${action.label}"]`));
      if (!select) return { error: `no visible drop-down "${action.label}" in any webview` };
      await select.selectOption({ label: action.option }, { timeout: 5_000 });
      return {};
    }
    case 'hover': {
      await widenSidebar(page);
      const row = page.locator(CONNECTIONS_ROWS, { hasText: action.text }).first();
      try {
        await row.waitFor({ timeout: 5_000 }).catch(async () => {
          // Its group collapsed (a refresh raced the reveal): expand it as a user would.
          const group = page.locator(`${CONNECTIONS_ROWS}[aria-expanded="false"]`, { hasText: action.group });
          if (await group.count()) await group.first().click();
          await row.waitFor({ timeout: 10_000 });
        });
      } catch (err) {
        await page.screenshot({ path: path.join(SHOTS, 'hover-not-found.png') });
        throw err;
      }
      // The suite collapsed the other groups, yet some runs show groups above expanded again by
      // then (about one in five; why is not settled): their rows come and go with the browser's
      // connections and move the hovered row. Collapse them as a user would.
      const expandedOthers = page.locator(`${CONNECTIONS_ROWS}[aria-level="1"][aria-expanded="true"]`).filter({ hasNotText: action.group });
      for (let i = 0; i < 12 && (await expandedOthers.count()) > 0; i++) {
        // A refresh may redraw the row under the click: try again on the next turn.
        await expandedOthers
          .first()
          .locator('.monaco-tl-twistie')
          .click({ timeout: 2_000 })
          .catch(() => undefined);
        await page.waitForTimeout(100);
      }
      const box = await row.boundingBox();
      if (!box) return { error: `row "${action.text}" is not on screen` };
      const x = box.x + Math.min(120, box.width / 3);
      const y = box.y + box.height / 2;
      // The tooltip is resolved lazily (it shows "Loading..." first): watch from when it is complete.
      const hover = action.hoverIncludes ? page.locator(HOVER, { hasText: action.hoverIncludes }) : page.locator(HOVER);
      // A hover starts with the mouse entering the row: from elsewhere, even if an earlier action
      // left it at this very point (then no move event comes), and once more if none shows.
      const shown = () =>
        hover
          .first()
          .waitFor({ state: 'visible', timeout: 6_000 })
          .then(
            () => true,
            () => false,
          );
      for (let attempt = 0; attempt < 2; attempt++) {
        await page.mouse.move(box.x + box.width + 40, y);
        await page.waitForTimeout(300);
        await page.mouse.move(x, y, { steps: 4 });
        if (await shown()) break;
      }
      const samples: NonNullable<BrowserActionResult['samples']> = [];
      const started = Date.now();
      while (Date.now() - started < action.watchMs) {
        const seen = (await page.evaluate(
          `(() => {
            const el = document.elementFromPoint(${x}, ${y});
            const row = el && el.closest('.monaco-list-row');
            const hover = [...document.querySelectorAll('${HOVER}')].find((h) => h.getBoundingClientRect().height > 0);
            return { row: row ? row.textContent : null, hover: hover ? hover.textContent : null };
          })()`,
        )) as { row: string | null; hover: string | null };
        samples.push({ at: Date.now(), ...seen });
        await page.waitForTimeout(500);
      }
      return { samples };
    }
  }
}

/** Takes the screenshots the suite asks for (a `<name>.request` file), and does its browser actions, until stopped. */
function serveScreenshots(page: Page, workbenchUrl: string): { stop(): Promise<void> } {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      for (const f of fs.readdirSync(SHOTS).filter((x) => x.endsWith('.request'))) {
        const name = f.slice(0, -'.request'.length);
        const request = readRequest(path.join(SHOTS, f));
        if (request.action) {
          const result = await act(page, workbenchUrl, request.action).catch((err: unknown): BrowserActionResult => ({
            error: String(err),
          }));
          fs.rmSync(path.join(SHOTS, f), { force: true });
          fs.writeFileSync(path.join(SHOTS, `${name}.json`), JSON.stringify(result));
          console.log(`[e2e] ${request.action.kind}: ${result.error ?? 'done'}`);
          continue;
        }
        if (request.waitForText) {
          await page
            .getByText(request.waitForText)
            .first()
            .waitFor({ timeout: 15_000 })
            .catch(() => console.log(`[e2e] ${name}: "${request.waitForText}" not on screen after 15 s`));
        }
        await widenSidebar(page);
        // The mouse off the tree, so no tooltip covers the rows.
        await page.mouse.move(1380, 840);
        await page.waitForTimeout(600); // let the tree finish painting
        await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
        fs.rmSync(path.join(SHOTS, f), { force: true });
        console.log(`[e2e] screenshot ${path.relative(REPO_ROOT, path.join(SHOTS, `${name}.png`))}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop.catch(() => undefined);
    },
  };
}

async function waitForResults(file: string, server: RunningCodeServer): Promise<SuiteResults> {
  const deadline = Date.now() + SUITE_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (fs.existsSync(file)) {
      try {
        return JSON.parse(fs.readFileSync(file, 'utf8')) as SuiteResults;
      } catch {
        // still being written
      }
    }
    if (server.process.exitCode !== null) throw new Error(`code-server exited early:\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`no suite results after ${SUITE_TIMEOUT_MS / 1000} s; code-server said:\n${server.output().slice(-4000)}`);
}

async function runSuiteInDevelopmentHost(browser: Browser): Promise<SuiteResults> {
  const port = await freePort();
  const resultsFile = path.join(throwaway('results'), 'results.json');
  const server = await startCodeServer({
    port,
    userDataDir: throwaway('user'),
    extensionsDir: throwaway('ext'),
    folder: WORKSPACE,
    env: { TCP_LENS_E2E_RESULTS: resultsFile, TCP_LENS_E2E_SHOTS: SHOTS },
  });
  let shots: { stop(): Promise<void> } | undefined;
  try {
    const remote = (p: string) => `vscode-remote://127.0.0.1:${port}${p}`;
    const payload = [
      ['extensionDevelopmentPath', remote(REPO_ROOT)],
      ['extensionTestsPath', remote(path.join(SUITE_OUT, 'index'))],
    ];
    const url = `${server.url}/?folder=${encodeURIComponent(WORKSPACE)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    const page = await openWorkbench(browser, url);
    // A plain workbench (no development path, no tests): what a user opens in a second tab.
    shots = serveScreenshots(page, `${server.url}/?folder=${encodeURIComponent(WORKSPACE)}`);
    return await waitForResults(resultsFile, server);
  } finally {
    await shots?.stop();
    await server.stop();
  }
}

/** The shipped .vsix, installed as a user would, must activate and show the state groups. */
async function checkInstalledVsix(browser: Browser, vsix: string): Promise<SuiteResults> {
  const extensionsDir = throwaway('vsix-ext');
  installVsix(vsix, extensionsDir);
  const installed = fs.readdirSync(extensionsDir).filter((d) => d.startsWith('tcp-lens.tcp-lens-'));
  const results: SuiteResults = { passed: 0, failed: 0, failures: [] };
  const check = async (title: string, body: () => Promise<void>) => {
    try {
      await body();
      results.passed++;
      console.log(`  ✓ ${title}`);
    } catch (err) {
      results.failed++;
      results.failures.push({ title, error: String(err) });
      console.log(`  ✗ ${title}: ${String(err)}`);
    }
  };
  await check('the .vsix installs into code-server', async () => {
    if (installed.length !== 1) throw new Error(`expected one installed tcp-lens, found: ${fs.readdirSync(extensionsDir).join(', ')}`);
    // vsce renames README.md to readme.md and LICENSE to LICENSE.txt inside the package.
    const files = fs.readdirSync(path.join(extensionsDir, installed[0])).map((f) => f.toLowerCase());
    for (const f of ['dist', 'media', 'package.json', 'readme.md', 'license.txt', 'changelog.md'])
      if (!files.includes(f)) throw new Error(`${f} missing from the package: ${files.join(', ')}`);
    for (const f of ['src', 'node_modules', 'test']) if (files.includes(f)) throw new Error(`${f} must not ship`);
  });
  const port = await freePort();
  const server = await startCodeServer({ port, userDataDir: throwaway('vsix-user'), extensionsDir, folder: WORKSPACE });
  try {
    const page = await openWorkbench(browser, `${server.url}/?folder=${encodeURIComponent(WORKSPACE)}`);
    await check('the installed extension activates from the activity bar and lists connections by state', async () => {
      await openTcpLensSidebar(page);
      await widenSidebar(page);
      const tree = page.locator(CONNECTIONS_ROWS);
      await tree.filter({ hasText: 'LISTEN' }).first().waitFor({ timeout: 60_000 });
      await tree.filter({ hasText: 'ESTABLISHED' }).first().waitFor({ timeout: 10_000 });
      await page.waitForTimeout(800);
      await page.screenshot({ path: path.join(SHOTS, 'vsix-sidebar.png') });
    });
  } finally {
    await server.stop();
  }
  return results;
}

async function main(): Promise<number> {
  fs.mkdirSync(SHOTS, { recursive: true });
  for (const f of fs.readdirSync(SHOTS)) if (f.endsWith('.request')) fs.rmSync(path.join(SHOTS, f));
  step('building the extension, the suite and the .vsix');
  run('npm', ['run', '--silent', 'build']);
  await bundleSuite();
  const vsix = packageHostVsix();
  step('making sure code-server is installed');
  ensureCodeServer();
  const browser = await launchBrowser();
  const all: SuiteResults = { passed: 0, failed: 0, failures: [] };
  const add = (r: SuiteResults) => {
    all.passed += r.passed;
    all.failed += r.failed;
    all.failures.push(...r.failures);
  };
  try {
    step('mocha suite inside the extension host (extension under development)');
    add(await runSuiteInDevelopmentHost(browser));
    if (!process.env.TCP_LENS_E2E_GREP) {
      step(`installed package ${path.basename(vsix)}`);
      add(await checkInstalledVsix(browser, vsix));
    }
  } catch (err) {
    all.failed++;
    all.failures.push({ title: 'e2e harness', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  } finally {
    await browser.close();
  }
  for (const f of all.failures) console.log(`\nFAILED: ${f.title}\n${f.error}`);
  console.log(`\n[e2e] ${all.passed} passed, ${all.failed} failed`);
  return all.failed === 0 && all.passed > 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
