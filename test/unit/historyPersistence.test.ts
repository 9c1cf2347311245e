import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DEFAULT_HISTORY_LIMITS, HistoryStore } from '../../src/core/history/historyStore';
import { HistoryFiles, decodeHistory, encodeHistory } from '../../src/core/history/persistence';
import { STATE_COUNT } from '../../src/core/history/sampleRing';

const dir = mkdtempSync(join(tmpdir(), 'tcp-lens-history-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const limits = DEFAULT_HISTORY_LIMITS;
const files = () => new HistoryFiles(dir, limits.maxSamplesPerHost, limits.maxMarkersPerHost);

function fill(store: HistoryStore, hostId: string, n: number, start: number): void {
  const r = new Array<number>(STATE_COUNT).fill(0);
  for (let i = 0; i < n; i++) {
    for (let s = 0; s < STATE_COUNT; s++) r[s] = (i * (s + 1)) % 1000;
    store.add(hostId, `label of ${hostId}`, start + i * 1000, r);
  }
}

describe('history persistence', () => {
  it('restores samples, label and markers after a reload (a new store on the same folder)', async () => {
    const start = Date.now() - 3_600_000;
    const first = new HistoryStore(limits, files());
    fill(first, 'user@db-1', 3600, start);
    first.addMarker('user@db-1', { t: start + 5000, kind: 'leak', state: 'CLOSE_WAIT', label: 'node (pid 4242) leaks' });
    await first.flush();

    const second = new HistoryStore(limits, files());
    const restored = second.host('user@db-1');
    assert.equal(restored.label, 'label of user@db-1');
    assert.equal(restored.ring.length, 3600);
    for (const i of [0, 1, 1799, 3599]) {
      assert.equal(restored.ring.timeAt(i), start + i * 1000);
      for (let s = 0; s < STATE_COUNT; s++) assert.equal(restored.ring.countAt(i, s), (i * (s + 1)) % 1000);
    }
    assert.deepEqual(restored.markers, [{ t: start + 5000, kind: 'leak', state: 'CLOSE_WAIT', label: 'node (pid 4242) leaks' }]);
    assert.deepEqual(second.loadErrors, []);
  });

  it('drops restored samples that fell out of the retention meanwhile', async () => {
    const first = new HistoryStore(limits, files());
    fill(first, 'old-host', 10, Date.now() - 2 * limits.retentionMs);
    fill(first, 'old-host', 10, Date.now() - 10_000);
    first.flushSync();
    assert.equal(new HistoryStore(limits, files()).host('old-host').ring.length, 10);
  });

  it('saves a host it evicts from memory, and brings it back', () => {
    const store = new HistoryStore({ ...limits, maxHosts: 1 }, files());
    fill(store, 'evicted', 5, Date.now() - 5000);
    fill(store, 'other', 5, Date.now() - 5000);
    assert.equal(store.host('evicted').ring.length, 5);
  });

  it('reports a damaged file and starts empty instead of failing', () => {
    const f = files();
    writeFileSync(f.pathOf('broken'), 'TCPLHIS1\x32\x00\x00\x00{"ver');
    const store = new HistoryStore(limits, f);
    assert.equal(store.host('broken').ring.length, 0);
    assert.equal(store.loadErrors.length, 1);
    assert.match(store.loadErrors[0], /truncated header/);
  });

  it('rejects truncated sample data and foreign files', () => {
    const store = new HistoryStore(limits);
    fill(store, 'h', 3, 0);
    const bytes = encodeHistory(store.host('h'));
    assert.throws(() => decodeHistory(bytes.subarray(0, bytes.length - 1), 10, 10), /truncated samples/);
    assert.throws(() => decodeHistory(Buffer.from('PNG....garbage'), 10, 10), /not a TCP Lens history file/);
    assert.equal(decodeHistory(bytes, 10, 10).ring.length, 3);
  });

  it('writes 24 h at 1 s in under 5 MB', async () => {
    const store = new HistoryStore(limits, files());
    fill(store, 'day', 86_400, Date.now() - 86_400_000 + 1000);
    await store.flush();
    const size = readFileSync(files().pathOf('day')).length;
    assert.ok(size < 5 * 1024 * 1024, `${size} bytes`);
  });
});
