// The measuring process. bench/run.ts starts it under `ip netns exec` so that it, and every
// command it spawns, sees only the farm's TCP table. Prints one JSON line: a NamespaceResult.
import { LocalCollector } from '../../src/core/linux/localCollector';
import type { StateCounts } from '../../src/core/model';
import { LensCaseProcess, serveLensCase } from './lensCaseProcess';
import { availableLensCases, type LensCase, type LensCaseId } from './lensCases';
import type { LoopCost } from './loopProbe';
import { runMeasurer } from './measurerMain';
import { runTimed } from './processTiming';
import { summarize, type Timing } from './stats';
import { toolCases, type ToolCaseId } from './tools';

export interface MeasureRequest {
  runs: number;
  cliPath?: string;
  /** Per-command limit; a hung tool fails its run instead of the benchmark. */
  timeoutMs: number;
}

export interface NamespaceResult {
  counts: StateCounts;
  tools: Partial<Record<ToolCaseId, Timing & { cpuMs: number; bytes: number; failures: number }>>;
  /** cpuMs: CPU of the case's own process (main thread, thread pool, GC) per operation. */
  lens: Partial<Record<LensCaseId, Timing & LoopCost & { cpuMs: number; worstGapMs: number }>>;
}

const request = JSON.parse(process.argv[2] ?? '{}') as MeasureRequest;

async function main(): Promise<NamespaceResult> {
  const tools = toolCases(request.cliPath);
  const cases = availableLensCases();
  const lens = await Promise.all(
    cases.map(async (c) => ({ c, proc: await LensCaseProcess.start(process.argv[1]!, process.argv[2]!, c.id) })),
  );
  try {
    return await measure(tools, lens);
  } finally {
    for (const { proc } of lens) proc.stop();
  }
}

async function measure(tools: ReturnType<typeof toolCases>, lens: { c: LensCase; proc: LensCaseProcess }[]): Promise<NamespaceResult> {
  const toolTimes = new Map<ToolCaseId, number[]>(tools.map((t) => [t.id, []]));
  const toolBytes = new Map<ToolCaseId, number>();
  const toolFailures = new Map<ToolCaseId, number>();
  const lensTimes = new Map<LensCaseId, number[]>(lens.map(({ c }) => [c.id, []]));
  const toolCpu = new Map<ToolCaseId, number[]>(tools.map((t) => [t.id, []]));
  const lensCpu = new Map<LensCaseId, number[]>(lens.map(({ c }) => [c.id, []]));

  // Round-robin over every case, so a burst of load from elsewhere hits all of them alike;
  // round 0 warms page and dentry caches and is not counted.
  for (let round = 0; round <= request.runs; round++) {
    for (const tool of tools) {
      const run = await runTimed(tool.argv, request.timeoutMs);
      if (run.code !== 0) toolFailures.set(tool.id, (toolFailures.get(tool.id) ?? 0) + 1);
      else if (round > 0) {
        toolTimes.get(tool.id)!.push(run.ms);
        toolCpu.get(tool.id)!.push(run.cpuMs);
      }
      toolBytes.set(tool.id, run.bytes);
    }
    for (const { c, proc } of lens) {
      const { ms, cpuMs } = await proc.run();
      if (round > 0) {
        lensTimes.get(c.id)!.push(ms);
        lensCpu.get(c.id)!.push(cpuMs);
      }
    }
  }

  const result: NamespaceResult = { counts: (await new LocalCollector().counts()).counts, tools: {}, lens: {} };
  for (const tool of tools) {
    result.tools[tool.id] = {
      ...summarize(toolTimes.get(tool.id)!),
      cpuMs: summarize(toolCpu.get(tool.id)!).median,
      bytes: toolBytes.get(tool.id) ?? 0,
      failures: toolFailures.get(tool.id) ?? 0,
    };
  }
  // Probed apart from the timed runs (the ticker costs time); the median probe is reported and
  // the worst gap beside it, as a burst of load from elsewhere can lengthen any single one.
  for (const { c, proc } of lens) {
    const costs: LoopCost[] = [];
    for (let i = 0; i < request.runs; i++) costs.push(await proc.probe());
    costs.sort((a, b) => a.longestBlockMs - b.longestBlockMs);
    const median = costs[costs.length >> 1];
    const worstGapMs = Math.max(...costs.map((x) => x.longestGapMs));
    result.lens[c.id] = { ...summarize(lensTimes.get(c.id)!), ...median, worstGapMs, cpuMs: summarize(lensCpu.get(c.id)!).median };
  }
  return result;
}

if (process.argv[3] === '--case') void serveLensCase(process.argv[4] as LensCaseId);
else runMeasurer(main, 16 * 60_000);
