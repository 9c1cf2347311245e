import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DEFAULT_HISTORY_LIMITS, HistoryStore } from '../../src/core/history/historyStore';
import { decodeLog, encodeLog } from '../../src/core/history/historyLog';
import { HistoryFiles } from '../../src/core/history/persistence';
import { STATE_COUNT } from '../../src/core/history/sampleRing';

const dir = mkdtempSync(join(tmpdir(), 'tcp-lens-history-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const limits = DEFAULT_HISTORY_LIMITS;
const files = () => new HistoryFiles(dir, limits.maxSamplesPerHost, limits.maxMarkersPerHost);

function checksumOf(type: string, payload: string): Buffer {
  let h = Math.imul(0x811c9dc5 ^ type.charCodeAt(0), 0x01000193);
  for (const b of Buffer.from(payload)) h = Math.imul(h ^ b, 0x01000193);
  const out = Buffer.alloc(4);
  out.writeUInt32LE(h >>> 0);
  return out;
}

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
    // An intact record, but the log does not start with the header that names its host.
    const store = new HistoryStore(limits, f);
    writeFileSync(f.pathOf('broken'), Buffer.concat([Buffer.from('TCPLHIS2'), Buffer.from([0x47, 2, 0, 0, 0]), Buffer.from('[]'), checksumOf('G', '[]')]));
    assert.equal(store.host('broken').ring.length, 0);
    assert.equal(store.loadErrors.length, 1);
    assert.match(store.loadErrors[0], /no header/);
    assert.throws(() => decodeLog(Buffer.from('PNG....garbage'), 10, 10), /not a TCP Lens history file/);
  });

  it('a save appends only the new samples, leaving the saved bytes as they were', async () => {
    const store = new HistoryStore(limits, files());
    const start = Date.now() - 86_400_000;
    fill(store, 'append', 86_400 - 120, start);
    await store.flush();
    const path = files().pathOf('append');
    const before = readFileSync(path);
    fill(store, 'append', 60, Date.now() - 60_000);
    await store.flush();
    const after = readFileSync(path);
    assert.ok(after.subarray(0, before.length).equals(before), 'the saved part was rewritten');
    const grew = after.length - before.length;
    assert.ok(grew > 60 * 52 && grew < 4000, `a minute at 1 s appended ${grew} bytes`);
    // The restore trims to the retention from now, so the oldest sample may go meanwhile.
    const restored = new HistoryStore(limits, files()).host('append').ring;
    assert.ok(restored.length >= 86_400 - 61, `${restored.length} samples restored`);
    assert.equal(restored.timeAt(restored.length - 1), store.host('append').ring.timeAt(86_400 - 61));
    assert.ok(before.length > 4_000_000, `${before.length} bytes before`);
  });

  it('ignores a torn tail record on load and rewrites the file on the next save', async () => {
    const store = new HistoryStore(limits, files());
    fill(store, 'torn', 100, Date.now() - 200_000);
    await store.flush();
    const path = files().pathOf('torn');
    const saved = statSync(path).size;
    fill(store, 'torn', 10, Date.now() - 50_000);
    await store.flush();
    // A crash in the middle of the append: only part of the record reached the disk.
    truncateSync(path, saved + 200);
    const reloaded = new HistoryStore(limits, files());
    assert.equal(reloaded.host('torn').ring.length, 100);
    assert.deepEqual(reloaded.loadErrors, []);
    // A zero-filled tail (the size grew, the data never landed) is torn too.
    truncateSync(path, saved);
    appendFileSync(path, Buffer.alloc(4096));
    const again = new HistoryStore(limits, files());
    assert.equal(again.host('torn').ring.length, 100);
    fill(again, 'torn', 5, Date.now() - 5_000);
    await again.flush();
    const bytes = readFileSync(path);
    assert.ok(bytes.equals(encodeLog(again.host('torn'))), 'the save after a torn tail rewrites the file whole');
    assert.equal(decodeLog(bytes, 1000, 10).tornBytes, 0);
    assert.equal(new HistoryStore(limits, files()).host('torn').ring.length, 105);
  });

  it('compacts the file once the retention has trimmed a quarter of it', async () => {
    const small = { ...limits, retentionMs: 5_000_000 };
    const store = new HistoryStore(small, files());
    const start = Date.now() - 20_000_000;
    fill(store, 'trimmed', 5000, start);
    await store.flush();
    const path = files().pathOf('trimmed');
    const fullSize = statSync(path).size;
    fill(store, 'trimmed', 2000, start + 5_000_000);
    await store.flush();
    assert.ok(statSync(path).size > fullSize + 2000 * 52, '2,000 trimmed rows are not worth a rewrite yet');
    fill(store, 'trimmed', 2000, start + 7_000_000);
    await store.flush();
    const history = store.host('trimmed');
    assert.equal(history.ring.length, 5001);
    assert.ok(readFileSync(path).equals(encodeLog(history)), 'rewritten with only the retained rows');
    assert.equal(history.unsaved.rowsInFile, 5001);
  });

  it('replays a clock that went back the way the ring took it', async () => {
    const store = new HistoryStore(limits, files());
    const t0 = Date.now() - 10_000;
    for (const t of [t0, t0 + 1000, t0 + 2000]) store.add('clock', 'clock', t, new Array<number>(STATE_COUNT).fill(1));
    await store.flush();
    store.add('clock', 'clock', t0 + 1500, new Array<number>(STATE_COUNT).fill(2));
    await store.flush();
    const { ring } = new HistoryStore(limits, files()).host('clock');
    assert.deepEqual([0, 1, 2].map((i) => ring.timeAt(i) - t0), [0, 1000, 1500]);
    assert.equal(ring.length, 3);
  });

  it('keeps an outage across a reload: saved open, then closed by the next sample', async () => {
    const store = new HistoryStore(limits, files());
    const t0 = Date.now() - 60_000;
    fill(store, 'outage', 10, t0);
    store.startGap('outage', t0 + 10_000, 'ssh: connect to host db-1 port 22: Connection refused');
    await store.flush();
    assert.deepEqual(new HistoryStore(limits, files()).host('outage').openGap, { from: t0 + 10_000, message: 'ssh: connect to host db-1 port 22: Connection refused' });
    fill(store, 'outage', 5, t0 + 30_000);
    await store.flush();
    const restored = new HistoryStore(limits, files()).host('outage');
    assert.deepEqual(restored.gaps, [{ from: t0 + 10_000, to: t0 + 30_000, message: 'ssh: connect to host db-1 port 22: Connection refused' }]);
    assert.equal(restored.ring.length, 15);
  });

  it('writes 24 h at 1 s in under 5 MB', async () => {
    const store = new HistoryStore(limits, files());
    fill(store, 'day', 86_400, Date.now() - 86_400_000 + 1000);
    await store.flush();
    const size = readFileSync(files().pathOf('day')).length;
    assert.ok(size < 5 * 1024 * 1024, `${size} bytes`);
  });
});
