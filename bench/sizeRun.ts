import path from 'node:path';
import { createNamespace } from '../test/helpers/netns';
import { runToEnd } from '../test/helpers/processes';
import { startFarm } from './farm/farm';
import { defaultMix, type FarmMix } from './farm/mix';
import type { NamespaceResult } from './measure/inNamespace';
import { loadAverage } from './machine';

export interface SizeResult extends NamespaceResult {
  size: number;
  mix: FarmMix;
  setupMs: number;
  loadBefore: string;
  loadAfter: string;
}

/** The measuring process's entry; run.ts bundles it like the extension (bundleForNode). */
export const MEASURER_ENTRY = path.join(__dirname, 'measure/inNamespace.ts');
/** Every child of a size exits by itself after this, even if this process is killed. */
const FARM_LIFETIME_MS = 20 * 60_000;
/**
 * A 100k run measures for about 6.5 minutes on a quiet 2-core machine; with other work on it
 * (load 6 to 10) it took over 8 and was cut off. The farm outlives the measurer.
 */
const MEASURE_TIMEOUT_MS = 16 * 60_000;

/** Builds a farm of `size` sockets in a namespace of its own, measures in it, and tears both down. */
export async function measureSize(size: number, runs: number, cliPath: string | undefined, measurer: string): Promise<SizeResult> {
  const ns = createNamespace(`bench${size}`);
  const removeOnExit = (): void => ns.remove();
  process.once('exit', removeOnExit);
  try {
    const mix = defaultMix(size);
    const started = performance.now();
    const farm = await startFarm(ns, mix, { lifetimeMs: FARM_LIFETIME_MS, readyTimeoutMs: 300_000 });
    const setupMs = performance.now() - started;
    try {
      const loadBefore = loadAverage();
      const request = JSON.stringify({ runs, cliPath, timeoutMs: 60_000 });
      const argv = [...ns.exec, process.execPath, '--expose-gc', measurer, request];
      const { code, stdout, stderr } = await runToEnd(argv, MEASURE_TIMEOUT_MS);
      if (code !== 0) throw new Error(`measuring at ${size} sockets failed (exit ${code}): ${stderr.trim()}`);
      const result = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as NamespaceResult;
      return { ...result, size, mix, setupMs, loadBefore, loadAfter: loadAverage() };
    } finally {
      await farm.stop();
    }
  } finally {
    ns.remove();
    process.removeListener('exit', removeOnExit);
  }
}
