import { existsSync } from 'node:fs';
import path from 'node:path';
import { startFarm } from '../farm/farm';
import { defaultMix } from '../farm/mix';
import { bundleForNode, removeBundle } from '../measure/bundle';
import type { ExporterScrapeResult } from '../measure/exporterScrape';
import { formatMs, ms, thousands } from '../report/format';
import type { FeatureCase } from './types';

const ROOT = path.resolve(__dirname, '../..');
const SOCKETS = 100_000;
const SCRAPES = 30;

/**
 * A 100,000-socket farm in a namespace of its own; inside it, the real `tcp-lens exporter`
 * (dist/cli.js) serves /metrics while its CPU per scrape is read from its threads' schedstat,
 * and `ss -tan` runs beside it. The sample that feeds the scrapes is reported apart.
 */
export const prometheusExporterCase: FeatureCase = {
  id: 'prometheus-exporter',
  label: `Exporter: CPU of one /metrics scrape at ${thousands(SOCKETS)} sockets (and of the sample behind it)`,
  feature: 'Prometheus exporter (src/cli/exporter.ts)',
  landedWith: 'src/core/prometheus/metricsServer.ts',
  target: 'scrape ≤ one `ss -tan` (CPU)',
  async measure(runs) {
    const cliPath = path.join(ROOT, 'dist/cli.js');
    if (!existsSync(cliPath)) throw new Error('dist/cli.js not found: run `npm run build` first');
    const { createNamespace } = await import('../../test/helpers/netns');
    const { runToEnd } = await import('../../test/helpers/processes');
    const ns = createNamespace('benchexp');
    const removeOnExit = (): void => ns.remove();
    process.once('exit', removeOnExit);
    const measurer = await bundleForNode(path.join(__dirname, '../measure/exporterScrape.ts'));
    try {
      const farm = await startFarm(ns, defaultMix(SOCKETS), { lifetimeMs: 10 * 60_000, readyTimeoutMs: 300_000 });
      try {
        const request = JSON.stringify({ runs: Math.max(3, runs), scrapes: SCRAPES, cliPath, timeoutMs: 60_000 });
        const { code, stdout, stderr } = await runToEnd([...ns.exec, process.execPath, measurer, request], 8 * 60_000);
        if (code !== 0) throw new Error(`measuring the exporter failed (exit ${code}): ${stderr.trim()}`);
        const r = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as ExporterScrapeResult;
        const ratio = r.scrapeCpuMs.median / r.ssTanCpuMs;
        return {
          value: `scrape ${formatMs(r.scrapeCpuMs)} CPU = ${ratio.toFixed(3)}× \`ss -tan\` (${ms(r.ssTanCpuMs)} CPU)`,
          pass: r.scrapeCpuMs.runs > 0 && r.scrapeCpuMs.median <= r.ssTanCpuMs,
          note:
            `${thousands(r.sockets)} sockets; ${r.scrapeCpuMs.runs} scrapes of ${thousands(r.scrapeBytes)} bytes, exporter process CPU (all threads, schedstat); ` +
            `the sample behind them (snapshot + processes + ages + rendering, every --interval, not per scrape): ${formatMs(r.sampleCpuMs)} CPU (rendering the metrics ${formatMs(r.renderCpuMs)} of it), ${formatMs(r.sampleWallMs)} wall; ` +
            `\`ss -tan\` ${formatMs(r.ssTanWallMs)} wall, CPU the mean of its runs (10 ms ticks)`,
        };
      } finally {
        await farm.stop();
      }
    } finally {
      removeBundle(measurer);
      ns.remove();
      process.removeListener('exit', removeOnExit);
    }
  },
};
