import { fork, type ChildProcess } from 'node:child_process';
import { LENS_CASES, type LensCaseId } from './lensCases';
import { probeLoop, type LoopCost } from './loopProbe';

/*
 * Each TCP Lens case runs in a process of its own, as the extension host holds one table: in one
 * process for all of them, the heap held every case's copy of the table (five at 100,000 sockets),
 * and a full GC set off by one case's garbage was charged to whichever case ran. (That was not why
 * the 100k figures grow faster than the table: they still do, see bench/README.md.)
 */

/** Untimed runs before the first timed one: V8 optimises a function after a few calls of it. */
const WARM_UPS = 5;

type Request = { kind: 'run' } | { kind: 'probe' };
type Reply =
  { kind: 'ready' } | { kind: 'ran'; ms: number; cpuMs: number } | { kind: 'probed'; cost: LoopCost } | { kind: 'failed'; error: string };

/** The child's side: prepares case `id` once, then times it whenever the parent asks. */
export async function serveLensCase(id: LensCaseId): Promise<void> {
  const c = LENS_CASES.find((x) => x.id === id);
  if (!c) throw new Error(`no lens case ${id}`);
  const send = (reply: Reply) => process.send!(reply);
  const op = await c.prepare();
  // A cold case needs a fresh cache every time.
  const nextOp = () => (c.id === 'processesCold' ? c.prepare() : Promise.resolve(op));
  // The extension host runs a refresh every few seconds for hours: its figures are those of
  // optimised code. A process of its own starts cold, so the case runs a few times untimed first.
  for (let i = 0; i < WARM_UPS; i++) await (await nextOp())();
  process.on('message', (request: Request) => {
    void (async () => {
      try {
        if (request.kind === 'probe') {
          send({ kind: 'probed', cost: (await probeLoop(await c.prepare())).cost });
          return;
        }
        const timed = await nextOp();
        if (c.intervalMs) {
          await timed();
          await new Promise((resolve) => setTimeout(resolve, c.intervalMs));
        }
        const cpuBefore = process.cpuUsage();
        const started = performance.now();
        await timed();
        const ms = performance.now() - started;
        const cpu = process.cpuUsage(cpuBefore);
        send({ kind: 'ran', ms, cpuMs: (cpu.user + cpu.system) / 1000 });
      } catch (err) {
        send({ kind: 'failed', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      }
    })();
  });
  // The parent going away ends the child.
  process.on('disconnect', () => process.exit(0));
  send({ kind: 'ready' });
}

/** The parent's side: one case's process, started from this bundle with `--case ID`. */
export class LensCaseProcess {
  private constructor(private readonly child: ChildProcess) {}

  static async start(bundle: string, request: string, id: LensCaseId): Promise<LensCaseProcess> {
    const child = fork(bundle, [request, '--case', id], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const process = new LensCaseProcess(child);
    await process.next('ready');
    return process;
  }

  async run(): Promise<{ ms: number; cpuMs: number }> {
    this.child.send({ kind: 'run' } satisfies Request);
    return this.next('ran');
  }

  async probe(): Promise<LoopCost> {
    this.child.send({ kind: 'probe' } satisfies Request);
    return (await this.next('probed')).cost;
  }

  stop(): void {
    this.child.disconnect();
  }

  private next<K extends Reply['kind']>(kind: K): Promise<Extract<Reply, { kind: K }>> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`lens case process exited (${code}) before '${kind}'`));
      this.child.once('exit', onExit);
      this.child.once('message', (reply: Reply) => {
        this.child.off('exit', onExit);
        if (reply.kind === kind) resolve(reply as Extract<Reply, { kind: K }>);
        else reject(new Error(reply.kind === 'failed' ? reply.error : `expected '${kind}', got '${reply.kind}'`));
      });
    });
  }
}
