import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DEFAULT_HISTORY_LIMITS, HistoryStore } from '../../src/core/history/historyStore';
import { STATE_COUNT } from '../../src/core/history/sampleRing';
import type { HistoryGap, HistoryMarker } from '../../src/core/history/types';
import { TCP_STATE_NAMES } from '../../src/core/model';
import { STATE_DISPLAY_ORDER } from '../../src/core/states';
import type { HostToUiMessage, UiToHostMessage } from '../../src/shared/chartProtocol';
import { ChartClient } from '../../src/webview/chartClient';
import { chartHtml, makeNonce } from '../../src/webview/chartHtml';
import { REPO_ROOT } from '../helpers/child';

const BUNDLE = path.join(REPO_ROOT, 'dist/webview');
const SCREENSHOT = path.join(REPO_ROOT, 'test/e2e/screenshots/chart-ui.png');
const CW = TCP_STATE_NAMES.indexOf('CLOSE_WAIT');
const TW = TCP_STATE_NAMES.indexOf('TIME_WAIT');
const EST = TCP_STATE_NAMES.indexOf('ESTABLISHED');
const LISTEN = TCP_STATE_NAMES.indexOf('LISTEN');

/**
 * Theme variables as VS Code puts them on a webview's <html>, with the body class it sets. Values
 * copied from VS Code's Dark Modern, Light Modern and Dark High Contrast themes (the subset the
 * chart reads); not every variable a real theme defines.
 */
const THEMES = {
  dark: {
    bodyClass: 'vscode-dark',
    vars: {
      foreground: '#cccccc',
      descriptionForeground: '#9d9d9d',
      'editor-background': '#1e1e1e',
      'panel-border': '#80808059',
      focusBorder: '#007fd4',
      'button-background': '#0e639c',
      'button-foreground': '#ffffff',
      'button-secondaryBackground': '#3a3d41',
      'button-secondaryForeground': '#cccccc',
      'button-secondaryHoverBackground': '#45494e',
      'charts-red': '#f14c4c',
      'charts-blue': '#3794ff',
      'charts-yellow': '#cca700',
      'charts-orange': '#d18616',
      'charts-green': '#89d185',
      'charts-purple': '#b180d7',
      'editorWarning-foreground': '#cca700',
      'editorError-foreground': '#f14c4c',
    },
  },
  light: {
    bodyClass: 'vscode-light',
    vars: {
      foreground: '#3b3b3b',
      descriptionForeground: '#717171',
      'editor-background': '#ffffff',
      'panel-border': '#e5e5e5',
      focusBorder: '#005fb8',
      'button-background': '#005fb8',
      'button-foreground': '#ffffff',
      'button-secondaryBackground': '#e5e5e5',
      'button-secondaryForeground': '#3b3b3b',
      'button-secondaryHoverBackground': '#cccccc',
      'charts-red': '#e51400',
      'charts-blue': '#1a85ff',
      'charts-yellow': '#bf8803',
      'charts-orange': '#d18616',
      'charts-green': '#388a34',
      'charts-purple': '#652d90',
      'editorWarning-foreground': '#bf8803',
      'editorError-foreground': '#e51400',
    },
  },
  hc: {
    bodyClass: 'vscode-high-contrast',
    vars: {
      foreground: '#ffffff',
      descriptionForeground: '#ffffff',
      'editor-background': '#000000',
      'panel-border': '#6fc3df',
      focusBorder: '#f38518',
      contrastBorder: '#6fc3df',
      contrastActiveBorder: '#f38518',
      'button-background': '#000000',
      'button-foreground': '#ffffff',
      'button-border': '#6fc3df',
      'button-secondaryForeground': '#ffffff',
      'charts-red': '#f14c4c',
      'charts-blue': '#3794ff',
      'charts-yellow': '#ffd700',
      'charts-orange': '#d18616',
      'charts-green': '#89d185',
      'charts-purple': '#b180d7',
      'editorWarning-foreground': '#fff500',
      'editorError-foreground': '#f48771',
    },
  },
} as const;
type ThemeName = keyof typeof THEMES;

function themeStyle(theme: ThemeName): string {
  const vars = Object.entries(THEMES[theme].vars).map(([k, v]) => `--vscode-${k}:${v}`);
  return [
    ...vars,
    '--vscode-font-family:system-ui, sans-serif',
    '--vscode-font-size:13px',
    `background-color:${THEMES[theme].vars['editor-background']}`,
  ].join(';');
}

interface ChartDescription {
  mode: string;
  windowMs: number | null;
  follow: boolean;
  hostId?: string;
  xMin: number;
  xMax: number;
  markers: HistoryMarker[];
  gaps: HistoryGap[];
  tooltipFooter: string[];
  markerLines: { label: string; count: number; px: number; row?: number }[];
  ticks: { value: number; label: string }[];
  datasets: {
    label: string;
    hidden: boolean;
    fill: unknown;
    points: number;
    last?: number;
    max: number;
    color: string;
    breaks: number[];
  }[];
}

/** Serves the built bundle and the host's real HTML (same CSP, same nonce rule) on loopback. */
async function serveChart(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const theme = /^\/(?:\?theme=(\w+))?$/.exec(req.url ?? '')?.[1] ?? 'dark';
    if (req.url === '/' || (req.url?.startsWith('/?theme=') && theme in THEMES)) {
      const html = chartHtml({ scriptUri: `${origin}/chart.js`, styleUri: `${origin}/chart.css`, cspSource: origin, nonce: makeNonce() })
        .replace('<html lang="en">', `<html lang="en" style="${themeStyle(theme as ThemeName)}">`)
        .replace('<body>', `<body class="${THEMES[theme as ThemeName].bodyClass}">`);
      res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    } else if (req.url === '/chart.js' || req.url === '/chart.css') {
      const type = req.url.endsWith('.js') ? 'text/javascript' : 'text/css';
      res.writeHead(200, { 'content-type': type }).end(readFileSync(path.join(BUNDLE, req.url.slice(1))));
    } else if (req.url === '/favicon.ico') {
      res.writeHead(204).end(); // browsers ask for it; webviews do not
    } else res.writeHead(404).end();
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

/**
 * Stands in for VS Code's `acquireVsCodeApi`: records what the UI posts, keeps its state. A
 * string, not a function: tsx would wrap a function's inner closures in helpers the page lacks.
 */
function stubVsCodeApi(savedState: unknown): string {
  return `(() => {
    window.__posted = [];
    window.__state = ${JSON.stringify(savedState ?? null)};
    window.acquireVsCodeApi = () => ({
      postMessage: (m) => window.__posted.push(m),
      getState: () => window.__state,
      setState: (s) => { window.__state = s; },
    });
  })();`;
}

/** Script errors, CSP violations and the UI's warnings, per page. */
const pageErrors = new WeakMap<Page, string[]>();

async function openChart(browser: Browser, url: string, savedState?: unknown, width = 900, height = 420): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height } });
  const errors: string[] = [];
  pageErrors.set(page, errors);
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => (m.type() === 'error' || m.type() === 'warning') && errors.push(m.text()));
  await page.addInitScript({ content: stubVsCodeApi(savedState) });
  await page.goto(url);
  await page.waitForFunction('window.__posted.length > 0', undefined, { timeout: 10_000 }).catch((err: Error) => {
    throw new Error(`${err.message}; page errors: ${errors.join(' | ')}`);
  });
  assert.deepEqual(errors, [], 'no script errors and no CSP violations');
  return page;
}

/** What the UI posted since the last call; `rendered` acknowledgements only when asked for. */
async function posted(page: Page, withRendered = false): Promise<UiToHostMessage[]> {
  const all = (await page.evaluate('window.__posted.splice(0)')) as UiToHostMessage[];
  return withRendered ? all : all.filter((m) => m.type !== 'rendered');
}

/** Delivers a host message as VS Code does and returns how long the UI took to handle and draw it. */
async function deliver(page: Page, message: HostToUiMessage | unknown): Promise<number> {
  return page.evaluate((data) => {
    const started = performance.now();
    (globalThis as unknown as EventTarget).dispatchEvent(new MessageEvent('message', { data }));
    return performance.now() - started;
  }, message);
}

async function describeChart(page: Page): Promise<ChartDescription> {
  return page.evaluate('window.tcpLensChart.describe()') as Promise<ChartDescription>;
}

function series(rows: number, start: number, stepMs: number, closeWait: (i: number) => number) {
  const t = Array.from({ length: rows }, (_, i) => start + i * stepMs);
  const values = TCP_STATE_NAMES.map((_, s) =>
    t.map((_, i) => (s === CW ? closeWait(i) : s === LISTEN ? 4 : s === EST ? 40 + (i % 5) : 0)),
  );
  return { t, values };
}

/** The real ChartClient over `store`, its posts collected in `outbox`. */
function recordingClient(
  store: HistoryStore,
  host: { id: string; label: string },
  outbox: HostToUiMessage[],
  kind: 'view' | 'panel' = 'panel',
): ChartClient {
  return new ChartClient(
    kind,
    { postMessage: async (m: HostToUiMessage) => outbox.push(m) > 0 },
    {
      store,
      currentHost: () => host,
      exportCsv: async () => undefined,
      exportPng: async () => undefined,
      rendered: () => undefined,
      fleetSource: () => undefined,
      showLive: () => undefined,
    },
    (m) => assert.fail(m),
  );
}

const OUTAGE = 'ssh: connect to host 10.0.0.5 port 22: Connection refused';

/**
 * Through the real store and ChartClient: 100 samples, an outage (the collector's error), then
 * 50 samples after it. Returns the messages for the page before, during and after the outage.
 */
function outageScenario(start: number, first: UiToHostMessage[]) {
  const store = new HistoryStore(DEFAULT_HISTORY_LIMITS);
  const outbox: HostToUiMessage[] = [];
  const client = recordingClient(store, { id: 'user@db-1', label: 'db-1' }, outbox, 'panel');
  const add = (i: number, closeWait: number) => {
    const row = new Array<number>(STATE_COUNT).fill(0);
    Object.assign(row, { [CW]: closeWait, [TW]: 30 + (i % 7), [EST]: 40 + (i % 5), [LISTEN]: 4 });
    store.add('user@db-1', 'db-1', start + i * 1000, row);
    client.onSample();
  };
  for (let i = 0; i < 100; i++) add(i, 10 + Math.floor(i / 4));
  for (const m of first) client.onMessage(m);
  const before = outbox.splice(0);
  const gap = store.startGap('user@db-1', start + 100_500, OUTAGE);
  client.onGap('user@db-1', gap);
  const during = outbox.splice(0);
  for (let i = 160; i < 210; i++) add(i, 60 + Math.floor((i - 160) / 2));
  const after = outbox.splice(0);
  return { store, client, outbox, gapFrom: gap.from, before, during, after };
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

describe('State History chart UI in headless Chromium (built bundle)', () => {
  let browser: Browser;
  let server: Server;
  let url: string;

  before(async () => {
    if (!existsSync(path.join(BUNDLE, 'chart.js'))) {
      const built = spawnSync(
        process.execPath,
        [path.join(REPO_ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'webview-ui/vite.config.mts'],
        { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 },
      );
      assert.equal(built.status, 0, built.stderr);
    }
    ({ server, url } = await serveChart());
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  });

  after(async () => {
    await browser?.close();
    server?.close();
  });

  it('asks for history, draws one dataset per state with the legend, and toggles, switches and exports', async () => {
    const page = await openChart(browser, url);
    const [ready] = await posted(page);
    assert.deepEqual(ready, { type: 'ready', windowMs: 3_600_000, maxBuckets: 884 });

    const start = Date.UTC(2026, 0, 1, 12);
    const marker: HistoryMarker = { t: start + 90_000, kind: 'threshold', state: 'CLOSE_WAIT', label: 'CLOSE_WAIT ≥ 100' };
    await deliver(page, {
      type: 'history',
      hostId: 'local',
      label: 'test-box',
      windowMs: 3_600_000,
      retentionMs: 86_400_000,
      series: series(120, start, 1000, (i) => i * 2),
      markers: [marker],
      gaps: [],
    });
    const [rendered, ...more] = await posted(page, true);
    assert.equal(more.length, 0);
    assert.deepEqual(rendered, {
      type: 'rendered',
      upTo: start + 119_000,
      hostId: 'local',
      rows: 120,
      latest: TCP_STATE_NAMES.map((_, s) => series(120, start, 1000, (i) => i * 2).values[s][119]),
    });
    let chart = await describeChart(page);
    assert.deepEqual(
      chart.datasets.map((d) => d.label),
      STATE_DISPLAY_ORDER,
    );
    const closeWait = chart.datasets.find((d) => d.label === 'CLOSE_WAIT');
    assert.equal(closeWait?.points, 120);
    assert.equal(closeWait?.last, 238);
    assert.equal(closeWait?.color, '#f14c4c', 'CLOSE_WAIT uses --vscode-charts-red, as the tree does');
    assert.deepEqual(
      chart.datasets.filter((d) => d.hidden).map((d) => d.label),
      ['CLOSING', 'CLOSE'],
    );
    assert.equal(chart.xMax, start + 119_000);
    assert.equal(chart.xMin, start, 'two minutes of history fill the 1 h window instead of hugging its edge');
    assert.deepEqual(chart.markers, [marker]);

    const legend = await page.$$eval('.legend-item', (items) =>
      items.map((i) => ({ text: i.textContent, pressed: i.getAttribute('aria-pressed') })),
    );
    assert.equal(legend.length, 11);
    assert.deepEqual(legend[2], { text: 'CLOSE_WAIT238', pressed: 'true' });
    assert.match((await page.textContent('.status')) ?? '', /test-box · last \d\d:\d\d:\d\d · 1 markers/);

    await page.click('.legend-item[data-state="TIME_WAIT"]');
    chart = await describeChart(page);
    assert.equal(chart.datasets.find((d) => d.label === 'TIME_WAIT')?.hidden, true);

    await page.click('button:text-is("Stacked")');
    chart = await describeChart(page);
    assert.equal(chart.mode, 'stacked');
    assert.ok(chart.datasets.every((d) => d.fill === 'stack'));

    // A malformed message (a count that is not a number) changes nothing.
    const bad = series(1, start + 200_000, 1000, () => 5);
    bad.values[CW] = ['lots' as unknown as number];
    assert.ok((await deliver(page, { type: 'append', hostId: 'local', series: bad, markers: [], gaps: [] })) >= 0);
    assert.equal((await describeChart(page)).datasets.find((d) => d.label === 'CLOSE_WAIT')?.points, 120);

    await page.click('button:text-is("CSV")');
    await page.click('button:text-is("PNG")');
    await page.click('button:text-is("5 min")');
    const [csv, png, setWindow] = await posted(page);
    assert.deepEqual(csv, {
      type: 'exportCsv',
      states: TCP_STATE_NAMES.filter((s) => !['TIME_WAIT', 'CLOSE', 'CLOSING'].includes(s)),
      from: start,
      to: start + 119_000,
    });
    assert.equal(png.type, 'exportPng');
    const pngBytes = Buffer.from(png.type === 'exportPng' ? png.dataUrl.split(',')[1] : '', 'base64');
    assert.equal(pngBytes.subarray(1, 4).toString(), 'PNG');
    assert.ok(pngBytes.readUInt32BE(16) >= 800, 'the PNG is the chart at its real width');
    assert.deepEqual(setWindow, { type: 'setWindow', windowMs: 300_000, maxBuckets: 884 });
    await page.close();
  });

  it('repaints from its saved state before the host answers, and asks only for newer samples', async () => {
    const start = Date.UTC(2026, 0, 1, 12);
    const saved = {
      windowMs: 300_000,
      mode: 'line',
      hidden: [],
      follow: true,
      hostId: 'user@db-1',
      label: 'db-1',
      series: series(60, start, 1000, (i) => i),
      markers: [],
    };
    const page = await openChart(browser, url, saved);
    const [ready] = await posted(page);
    assert.deepEqual(ready, { type: 'ready', windowMs: 300_000, maxBuckets: 884, hostId: 'user@db-1', since: start + 59_000 });
    const chart = await describeChart(page);
    assert.equal(chart.datasets.find((d) => d.label === 'CLOSE_WAIT')?.last, 59);
    // Samples that arrived while the page was hidden come as one delta.
    await deliver(page, {
      type: 'append',
      hostId: 'user@db-1',
      series: series(5, start + 60_000, 1000, (i) => 60 + i),
      markers: [],
      gaps: [],
    });
    assert.equal((await describeChart(page)).datasets.find((d) => d.label === 'CLOSE_WAIT')?.last, 64, pageErrors.get(page)?.join(' | '));
    // Pause: the axis stays where it was while samples keep arriving.
    await page.click('button:text-is("Pause")');
    const before = await describeChart(page);
    await deliver(page, { type: 'append', hostId: 'user@db-1', series: series(5, start + 65_000, 1000, () => 99), markers: [], gaps: [] });
    assert.equal((await describeChart(page)).xMax, before.xMax);
    await page.click('button:text-is("Follow")');
    assert.equal((await describeChart(page)).xMax, start + 69_000);
    await page.close();
  });

  it('stays fast with 24 h of 1 s samples × 11 states, and keeps the spike (benchmark)', { timeout: 120_000 }, async () => {
    const now = Date.now();
    const day = 86_400;
    const store = new HistoryStore(DEFAULT_HISTORY_LIMITS);
    const row = new Array<number>(STATE_COUNT).fill(0);
    const spikeAt = 50_000;
    for (let i = 0; i < day; i++) {
      for (let s = 0; s < STATE_COUNT; s++) row[s] = Math.round(20 + 15 * Math.sin((i + s * 977) / 3000) + ((s * 7 + i) % 5));
      row[LISTEN] = 4;
      row[TW] = Math.round(300 + 250 * Math.sin(i / 900) + (i % 37));
      row[CW] = Math.floor(i / 400) + (i === spikeAt ? 2000 : 0);
      store.add('local', 'bench-box', now - (day - i) * 1000, row);
    }
    store.addMarker('local', { t: now - (day - 30_000) * 1000, kind: 'threshold', state: 'CLOSE_WAIT', label: 'CLOSE_WAIT ≥ 100' });
    store.addMarker('local', { t: now - (day - 61_000) * 1000, kind: 'leak', state: 'CLOSE_WAIT', label: 'leak: node (4242)' });

    const outbox: HostToUiMessage[] = [];
    const client = recordingClient(store, { id: 'local', label: 'bench-box' }, outbox, 'panel');

    const page = await openChart(
      browser,
      url,
      { windowMs: 86_400_000, mode: 'line', hidden: ['CLOSE', 'CLOSING'], follow: true },
      1000,
      460,
    );
    for (const m of await posted(page)) client.onMessage(m);
    const history = outbox.splice(0);
    assert.equal(history.length, 1);
    assert.equal(history[0].type, 'history');
    const rows = history[0].series.t.length;
    const firstPaintMs = await deliver(page, history[0]);
    let chart = await describeChart(page);
    assert.equal(
      chart.datasets.find((d) => d.label === 'CLOSE_WAIT')?.max,
      2000 + Math.floor(spikeAt / 400),
      'the one-second spike survives downsampling',
    );
    assert.equal(chart.markers.length, 2);

    const updates: number[] = [];
    for (let i = 0; i < 60; i++) {
      row[CW] = 216 + i;
      store.add('local', 'bench-box', now + i * 1000, row);
      client.onSample();
      const [append] = outbox.splice(0);
      updates.push(await deliver(page, append));
    }
    chart = await describeChart(page);
    assert.equal(chart.datasets.find((d) => d.label === 'CLOSE_WAIT')?.last, 275);
    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });

    // Worst case: the UI handed all 86,400 rows at once, its own decimation doing the thinning.
    const raw = store.window('local', 0, 50_000);
    const rawPaintMs = await deliver(page, {
      type: 'history',
      hostId: 'local',
      label: 'bench-box',
      windowMs: 86_400_000,
      retentionMs: 86_400_000,
      series: raw.series,
      markers: [],
      gaps: [],
    });
    const rawUpdates: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = now + (60 + i) * 1000;
      rawUpdates.push(
        await deliver(page, { type: 'append', hostId: 'local', series: series(1, t, 1000, () => 300), markers: [], gaps: [] }),
      );
    }
    console.log(
      `chart benchmark (Chromium, 86,400 samples × 11 states): host-downsampled window of ${rows} rows: first paint ${firstPaintMs.toFixed(1)} ms, ` +
        `per update median ${median(updates).toFixed(1)} ms, max ${Math.max(...updates).toFixed(1)} ms; ` +
        `all ${raw.series.t.length} raw rows: first paint ${rawPaintMs.toFixed(1)} ms, per update median ${median(rawUpdates).toFixed(1)} ms, max ${Math.max(...rawUpdates).toFixed(1)} ms`,
    );
    assert.ok(median(updates) < 100, `per update ${median(updates)} ms`);
    assert.ok(firstPaintMs < 1000, `first paint ${firstPaintMs} ms`);
    assert.ok(median(rawUpdates) < 100, `per update with all raw rows ${median(rawUpdates)} ms`);
    assert.deepEqual(pageErrors.get(page), []);
    await page.close();
  });

  it('breaks every line where the host could not be read, and says "no data: <error>" there', async () => {
    const start = Date.now() - 400_000;
    const page = await openChart(browser, url, { windowMs: 300_000, mode: 'line', hidden: [], follow: true });
    const scenario = outageScenario(start, await posted(page));
    for (const m of scenario.before) await deliver(page, m);
    assert.equal((await describeChart(page)).datasets.find((d) => d.label === 'CLOSE_WAIT')?.points, 100);

    for (const m of scenario.during) await deliver(page, m);
    let chart = await describeChart(page);
    assert.deepEqual(chart.gaps, [{ from: scenario.gapFrom, message: OUTAGE }]);
    assert.ok(chart.xMax >= scenario.gapFrom, 'the axis runs on into the outage');
    assert.match((await page.textContent('.status')) ?? '', /db-1 · last \d\d:\d\d:\d\d · no data since \d\d:\d\d:\d\d/);

    for (const m of scenario.after) await deliver(page, m);
    chart = await describeChart(page);
    const gapTo = start + 160_000;
    assert.deepEqual(chart.gaps, [{ from: scenario.gapFrom, to: gapTo, message: OUTAGE }]);
    for (const d of chart.datasets) {
      assert.deepEqual(d.breaks, [scenario.gapFrom], `${d.label} is broken at the outage, not drawn across it`);
      assert.equal(d.points, 151, `${d.label}: 150 samples and one break`);
    }
    assert.equal(chart.datasets.find((d) => d.label === 'CLOSE_WAIT')?.last, 84);
    assert.doesNotMatch((await page.textContent('.status')) ?? '', /no data since/);

    // Hovering the band tells why there is no line there.
    const box = await page.locator('canvas').boundingBox();
    assert.ok(box);
    const px = (await page.evaluate(`window.tcpLensChart.pixelOf(${(scenario.gapFrom + gapTo) / 2})`)) as number;
    await page.mouse.move(box.x + px, box.y + box.height / 2);
    assert.equal(await page.getAttribute('canvas', 'title'), `no data: ${OUTAGE}`);
    assert.deepEqual((await describeChart(page)).tooltipFooter, [`no data: ${OUTAGE}`]);
    await page.mouse.move(box.x + box.width - 5, box.y + box.height / 2);
    assert.equal(await page.getAttribute('canvas', 'title'), '');

    // A fresh window from the host (what a reopened chart gets) has the same break.
    await page.click('button:text-is("1 h")');
    for (const m of await posted(page)) scenario.client.onMessage(m);
    const [history] = scenario.outbox.splice(0);
    assert.equal(history.type, 'history');
    await deliver(page, history);
    assert.ok((await describeChart(page)).datasets.every((d) => d.breaks.length === 1 && d.breaks[0] === scenario.gapFrom));
    assert.deepEqual(pageErrors.get(page), []);
    await page.close();
  });

  it('draws one line per alert episode (repeats merged with a count), ticks on round times, and breaks instead of diagonals', async () => {
    const start = Date.now() - 30 * 60_000;
    const page = await openChart(browser, url, { windowMs: 3_600_000, mode: 'line', hidden: ['CLOSE', 'CLOSING'], follow: true }, 900, 420);
    await posted(page);
    // 10 min of samples, 15 min where VS Code was closed (nothing recorded), 5 min more.
    const a = series(300, start, 2000, (i) => (i < 150 ? 0 : 5));
    const b = series(150, start + 25 * 60_000, 2000, () => 5);
    const both = { t: [...a.t, ...b.t], values: a.values.map((col, s) => [...col, ...b.values[s]]) };
    // What the browser's idle pool used to raise: the same label again and again within seconds.
    const burst = Array.from({ length: 6 }, (_, i): HistoryMarker => ({
      t: start + 60_000 + i * 1500,
      kind: 'leak',
      state: 'CLOSE_WAIT',
      label: 'leak: chromium (812)',
    }));
    const stuck: HistoryMarker = {
      t: start + 26 * 60_000,
      kind: 'leak',
      state: 'CLOSE_WAIT',
      label: 'leak: node server.js (4242) 5 stuck',
    };
    await deliver(page, {
      type: 'history',
      hostId: 'local',
      label: 'demo-box',
      windowMs: 3_600_000,
      retentionMs: 86_400_000,
      series: both,
      markers: [...burst, stuck],
      gaps: [],
    });
    const chart = await describeChart(page);
    assert.deepEqual(
      chart.markerLines.map((l) => [l.label, l.count]),
      [
        ['leak: chromium (812) ×6', 6],
        ['leak: node server.js (4242) 5 stuck', 1],
      ],
    );
    assert.equal(new Set(chart.markerLines.map((l) => l.label)).size, chart.markerLines.length, 'no label printed twice');
    const closeWait = chart.datasets.find((d) => d.label === 'CLOSE_WAIT');
    assert.deepEqual(closeWait?.breaks, [a.t.at(-1)! + 1], 'the hole is a break, not a diagonal');
    assert.equal(chart.xMin, start, '35 minutes of data fill the 1 h window');
    const steps = chart.ticks.slice(1).map((t, i) => t.value - chart.ticks[i].value);
    assert.ok(chart.ticks.length >= 3, chart.ticks.map((t) => t.label).join(' '));
    assert.equal(new Set(steps).size, 1, 'evenly spaced');
    assert.ok([60_000, 120_000, 300_000, 600_000].includes(steps[0]), `a round step, got ${steps[0]}`);
    assert.ok(
      chart.ticks.every((t) => t.value % steps[0] === 0 && /^\d\d:\d\d$/.test(t.label)),
      chart.ticks.map((t) => t.label).join(' '),
    );
    await page.screenshot({ path: path.join(REPO_ROOT, 'test/e2e/screenshots/chart-markers.png') });
    assert.deepEqual(pageErrors.get(page), []);
    await page.close();
  });

  it('shows a "no data: <reason>" band for a host that never answered', async () => {
    const page = await openChart(browser, url, { windowMs: 300_000, mode: 'line', hidden: [], follow: true });
    const store = new HistoryStore(DEFAULT_HISTORY_LIMITS);
    const outbox: HostToUiMessage[] = [];
    const client = recordingClient(store, { id: 'user@db-9', label: 'db-9' }, outbox, 'view');
    const failedAt = Date.now() - 20_000;
    store.startGap('user@db-9', failedAt, 'ssh: Could not resolve hostname db-9: Name or service not known');
    for (const m of await posted(page)) client.onMessage(m);
    for (const m of outbox.splice(0)) await deliver(page, m);
    const chart = await describeChart(page);
    assert.equal(chart.gaps.length, 1);
    assert.ok(chart.xMin <= failedAt && chart.xMax >= failedAt + 19_000, `the band is in view: ${chart.xMin}..${chart.xMax}`);
    assert.match((await page.textContent('.status')) ?? '', /db-9 · no data: ssh: Could not resolve hostname db-9/);
    const box = await page.locator('canvas').boundingBox();
    assert.ok(box);
    const px = (await page.evaluate(`window.tcpLensChart.pixelOf(${failedAt + 10_000})`)) as number;
    await page.mouse.move(box.x + px, box.y + box.height / 2);
    assert.equal(await page.getAttribute('canvas', 'title'), 'no data: ssh: Could not resolve hostname db-9: Name or service not known');
    assert.deepEqual(pageErrors.get(page), []);
    await page.close();
  });

  it('shows a Prometheus instance: says so, spans the window from its first point with its holes, switches to a process, and goes back to live', async () => {
    const page = await openChart(browser, url, { windowMs: 3_600_000, mode: 'line', hidden: [], follow: true });
    await posted(page);
    const to = Date.UTC(2026, 0, 1, 12);
    const from = to - 3_600_000;
    const stepMs = 15_000;
    // Points over the last 40 min, none for 5 min in the middle (the instance was not scraped).
    const times = Array.from({ length: 160 }, (_, i) => to - (159 - i) * stepMs).filter(
      (t) => t < to - 20 * 60_000 || t >= to - 15 * 60_000,
    );
    const column = (f: (i: number) => number) => times.map((_, i) => f(i));
    const instanceSeries = {
      t: times,
      values: TCP_STATE_NAMES.map((_, s) => column((i) => (s === CW ? 7 + (i % 3) : s === LISTEN ? 2 : 0))),
    };
    const processSeries = { t: times, values: TCP_STATE_NAMES.map((_, s) => column(() => (s === CW ? 5 : 0))) };
    const holeFrom = to - 20 * 60_000 - stepMs + 1;
    const message = {
      type: 'history',
      hostId: 'prometheus:tcp-lens:10.0.0.7:9465',
      label: '10.0.0.7:9465',
      windowMs: 3_600_000,
      retentionMs: 3_600_000,
      markers: [],
      series: instanceSeries,
      gaps: [{ from: holeFrom, to: to - 15 * 60_000 - 1, message: 'no samples of this instance in Prometheus' }],
      source: {
        kind: 'prometheus',
        instance: '10.0.0.7:9465',
        job: 'tcp-lens',
        server: 'http://127.0.0.1:9090',
        from,
        to,
        stepSec: 15,
        processes: [{ label: 'node (4242)', series: processSeries, peakStuck: 5, peakCloseWait: 5 }],
      },
    };
    await deliver(page, message);
    let chart = await describeChart(page);
    assert.deepEqual([chart.xMin, chart.xMax], [times[0], to], 'from the first point the window holds to its end');
    assert.deepEqual(chart.datasets.find((d) => d.label === 'CLOSE_WAIT')?.breaks, [holeFrom], 'the line breaks at the hole');
    assert.match(
      (await page.textContent('.status')) ?? '',
      /^10\.0\.0\.7:9465 · from Prometheus http:\/\/127\.0\.0\.1:9090 · 15 s step · since \d\d\/\d\d\/2026, \d\d:\d\d:\d\d · last /,
    );
    assert.equal(await page.textContent('button:text-is("30 d")'), '30 d', '"All" of Prometheus is 30 days');
    assert.equal(await page.isDisabled('button:text-is("CSV")'), true);
    await page.screenshot({ path: SCREENSHOT.replace('chart-ui', 'chart-prometheus') });
    const [rendered] = await posted(page, true);
    const drawn = rendered as Extract<UiToHostMessage, { type: 'rendered' }>;
    assert.deepEqual([drawn.type, drawn.hostId, drawn.rows, drawn.processes], ['rendered', message.hostId, times.length, ['node (4242)']]);

    await page.selectOption('select[aria-label="Process"]', { label: 'node (4242) · 5 stuck' });
    chart = await describeChart(page);
    assert.equal(chart.datasets.find((d) => d.label === 'CLOSE_WAIT')?.max, 5, "the chart shows the process's series");
    assert.match((await page.textContent('.status')) ?? '', /^10\.0\.0\.7:9465 · node \(4242\) · from Prometheus/);

    await page.click('button:text-is("← Live host")');
    assert.deepEqual(await posted(page), [{ type: 'showLive' }]);
    await deliver(page, {
      type: 'history',
      hostId: 'local',
      label: 'test-box',
      windowMs: 3_600_000,
      retentionMs: 86_400_000,
      series: series(10, to, 1000, () => 1),
      markers: [],
      gaps: [],
    });
    assert.equal(await page.isVisible('button:text-is("← Live host")'), false);
    assert.equal(await page.textContent('button:text-is("All")'), 'All');
    assert.deepEqual(pageErrors.get(page), []);
    await page.close();
  });

  for (const theme of Object.keys(THEMES) as ThemeName[]) {
    it(`is readable in the ${theme} theme (screenshot test/e2e/screenshots/chart-${theme}.png)`, async () => {
      const start = Date.now() - 400_000;
      const page = await openChart(
        browser,
        `${url}?theme=${theme}`,
        { windowMs: 300_000, mode: 'line', hidden: ['CLOSE', 'CLOSING'], follow: true },
        900,
        420,
      );
      const scenario = outageScenario(start, await posted(page));
      for (const m of [...scenario.before, ...scenario.during, ...scenario.after]) await deliver(page, m);
      const marker: HistoryMarker = { t: start + 60_000, kind: 'threshold', state: 'CLOSE_WAIT', label: 'CLOSE_WAIT ≥ 25' };
      await deliver(page, {
        type: 'append',
        hostId: 'user@db-1',
        series: { t: [], values: TCP_STATE_NAMES.map(() => []) },
        markers: [marker],
        gaps: [],
      });
      const chart = await describeChart(page);
      assert.equal(chart.datasets.find((d) => d.label === 'CLOSE_WAIT')?.color, THEMES[theme].vars['charts-red']);
      const colors = (await page.evaluate(`({
        legend: getComputedStyle(document.querySelector('.legend-item')).color,
        status: getComputedStyle(document.querySelector('.status')).color,
      })`)) as { legend: string; status: string };
      const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;
      assert.equal(colors.legend, rgb(THEMES[theme].vars.foreground), 'legend text in the theme foreground');
      assert.equal(colors.status, rgb(THEMES[theme].vars.descriptionForeground));
      await page.screenshot({ path: path.join(REPO_ROOT, `test/e2e/screenshots/chart-${theme}.png`) });
      assert.deepEqual(pageErrors.get(page), []);
      await page.close();
    });
  }
});
