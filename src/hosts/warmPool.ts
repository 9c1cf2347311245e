import type { Collector, CollectorCapabilities, CountsSample, HostInfo, Snapshot, SnapshotOptions } from '../core/model';
import type { SshTarget } from '../core/ssh/hostString';
import { SshCollector } from '../core/ssh/sshCollector';
import type { SshOptions } from '../core/ssh/sshCommand';

/** How many SSH sessions stay open after switching away, so switching back is instant. */
const WARM_HOSTS = 3;

/**
 * LiveData disposes the collector it is given when the host changes; the pool hands out this
 * view instead, so the session behind it stays warm until the pool evicts it.
 */
class PooledCollector implements Collector {
  constructor(readonly inner: SshCollector) {}
  get host(): HostInfo {
    return this.inner.host;
  }
  get capabilities(): CollectorCapabilities {
    return this.inner.capabilities;
  }
  snapshot(signal?: AbortSignal, options?: SnapshotOptions): Promise<Snapshot> {
    return this.inner.snapshot(signal, options);
  }
  counts(signal?: AbortSignal): Promise<CountsSample> {
    return this.inner.counts(signal);
  }
  dispose(): void {
    // The pool owns the session.
  }
}

/** SSH collectors by host id, most recently used last. */
export class WarmPool {
  private readonly collectors = new Map<string, SshCollector>();

  constructor(private options: () => SshOptions) {}

  /** The collector for a host, reusing a warm session. */
  get(target: SshTarget): Collector {
    let collector = this.collectors.get(target.id);
    if (collector) this.collectors.delete(target.id);
    else collector = new SshCollector(target, this.options());
    this.collectors.set(target.id, collector);
    for (const [oldId, old] of this.collectors) {
      if (this.collectors.size <= WARM_HOSTS) break;
      this.collectors.delete(oldId);
      old.dispose();
    }
    return new PooledCollector(collector);
  }

  /** Settings changed: sessions opened with the old ones are closed. */
  clear(): void {
    for (const c of this.collectors.values()) c.dispose();
    this.collectors.clear();
  }

  dispose(): void {
    this.clear();
  }
}
