// Headless Debian Chromium driven by playwright-core (`npx playwright install` cannot download here).
import * as fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Rows of the Connections tree in the workbench's DOM. */
export const CONNECTIONS_ROWS = '.pane:has(.pane-header[aria-label*="Connections"]) .monaco-list-row';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`e2e setup: no Chromium at ${CHROMIUM}: apt-get install -y chromium (bash .ci/run installs it)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Without the background-networking flags Chromium keeps dialling out on this closed network.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

export async function openWorkbench(browser: Browser, url: string): Promise<Page> {
  // A context of its own, so a second workbench page can open in it as a user's second tab.
  const context = await browser.newContext({ viewport: { width: 1400, height: 860 } });
  const page = await context.newPage();
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  return page;
}

/** Opens the TCP Lens container from the activity bar, as a user does. */
export async function openTcpLensSidebar(page: Page): Promise<void> {
  await page.locator('.activitybar [aria-label^="TCP Lens"]').first().click({ timeout: 30_000 });
}

/** Drags the sidebar's edge so rows are readable in screenshots. */
export async function widenSidebar(page: Page, width = 620): Promise<void> {
  const box = await page.locator('.part.sidebar').boundingBox();
  if (!box || box.width >= width) return;
  const x = box.x + box.width - 1;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(box.x + width, y, { steps: 8 });
  await page.mouse.up();
}
