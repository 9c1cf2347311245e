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

  it('reports a file that is not a history, starts empty, and copies the file aside before rewriting it', async () => {
    const f = files();
    const store = new HistoryStore(limits, f);
    const garbage = Buffer.from('PNG....garbage');
    writeFileSync(f.pathOf('broken'), garbage);
    assert.equal(store.host('broken').ring.length, 0);
    assert.equal(store.loadErrors.length, 1);
    assert.match(store.loadErrors[0], /not a TCP Lens history file; the file is copied to .*\.corrupt before it is rewritten/);
    assert.throws(() => decodeLog(garbage, 10, 10), /not a TCP Lens history file/);
    fill(store, 'broken', 3, Date.now() - 3000);
    await store.flush();
    assert.ok(readFileSync(f.corruptPathOf('broken')).equals(garbage), 'the replaced file was kept');
    assert.equal(new HistoryStore(limits, files()).host('broken').ring.length, 3);
    // Intact records without the header that names the host: read for the host the file is opened for.
    writeFileSync(
      f.pathOf('headless'),
      Buffer.concat([Buffer.from('TCPLHIS2'), Buffer.from([0x47, 2, 0, 0, 0]), Buffer.from('[]'), checksumOf('G', '[]')]),
    );
    assert.equal(new HistoryStore(limits, files()).host('headless').label, 'headless');
    assert.throws(() => decodeLog(readFileSync(f.pathOf('headless')), 10, 10), /no header/);
  });

  it('a save appends only the new samples, leaving the saved bytes as they were', async () => {
    const store = new HistoryStore(limits, files());
    const t0 = Date.now();
    fill(store, 'append', 86_400 - 120, t0 - 86_400_000);
    await store.flush();
    const path = files().pathOf('append');
    const before = readFileSync(path);
    fill(store, 'append', 60, Date.now() - 60_000);
    await store.flush();
    const after = readFileSync(path);
    assert.ok(after.subarray(0, before.length).equals(before), 'the saved part was rewritten');
    const grew = after.length - before.length;
    assert.ok(grew > 60 * 52 && grew < 4000, `a minute at 1 s appended ${grew} bytes`);
    // The restore trims to the retention from now: the oldest sample goes for each second since t0
    // (a loaded machine takes more than one).
    const restored = new HistoryStore(limits, files()).host('append').ring;
    const aged = Math.ceil((Date.now() - t0) / 1000);
    assert.ok(restored.length >= 86_400 - 60 - aged, `${restored.length} samples restored, ${aged} s after the first was a day old`);
    // The newest samples are the same; the store's own ring may have aged out some old ones too.
    const ring = store.host('append').ring;
    assert.equal(restored.timeAt(restored.length - 1), ring.timeAt(ring.length - 1));
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
    const againFiles = files();
    const again = new HistoryStore(limits, againFiles);
    assert.equal(again.host('torn').ring.length, 100);
    fill(again, 'torn', 5, Date.now() - 5_000);
    await again.flush();
    const bytes = readFileSync(path);
    assert.ok(bytes.equals(encodeLog(again.host('torn'), againFiles.writerId)), 'the save after a torn tail rewrites the file whole');
    assert.equal(decodeLog(bytes, 1000, 10).tornBytes, 0);
    assert.equal(new HistoryStore(limits, files()).host('torn').ring.length, 105);
  });

  it('compacts the file once the retention has trimmed a quarter of it', async () => {
    const small = { ...limits, retentionMs: 5_000_000 };
    const storeFiles = files();
    const store = new HistoryStore(small, storeFiles);
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
    assert.ok(readFileSync(path).equals(encodeLog(history, storeFiles.writerId)), 'rewritten with only the retained rows');
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
    assert.deepEqual(
      [0, 1, 2].map((i) => ring.timeAt(i) - t0),
      [0, 1000, 1500],
    );
    assert.equal(ring.length, 3);
  });

  it('keeps an outage across a reload: saved open, then closed by the next sample', async () => {
    const store = new HistoryStore(limits, files());
    const t0 = Date.now() - 60_000;
    fill(store, 'outage', 10, t0);
    store.startGap('outage', t0 + 10_000, 'ssh: connect to host db-1 port 22: Connection refused');
    await store.flush();
    assert.deepEqual(new HistoryStore(limits, files()).host('outage').openGap, {
      from: t0 + 10_000,
      message: 'ssh: connect to host db-1 port 22: Connection refused',
    });
    fill(store, 'outage', 5, t0 + 30_000);
    await store.flush();
    const restored = new HistoryStore(limits, files()).host('outage');
    assert.deepEqual(restored.gaps, [
      { from: t0 + 10_000, to: t0 + 30_000, message: 'ssh: connect to host db-1 port 22: Connection refused' },
    ]);
    assert.equal(restored.ring.length, 15);
  });

  it('writes 24 h at 1 s in under 5 MB', async () => {
    const store = new HistoryStore(limits, files());
    fill(store, 'day', 86_400, Date.now() - 86_400_000 + 1000);
    await store.flush();
    const size = readFileSync(files().pathOf('day')).length;
    assert.ok(size < 5 * 1024 * 1024, `${size} bytes`);
  });

  /** 600 samples saved as one rewrite and nine appends of 60, as a window saving every minute at 1 s would. */
  async function sixHundred(hostId: string, f = files()): Promise<{ path: string; start: number; store: HistoryStore }> {
    const store = new HistoryStore(limits, f);
    const start = Date.now() - 700_000;
    for (let k = 0; k < 10; k++) {
      const r = new Array<number>(STATE_COUNT);
      for (let i = k * 60; i < (k + 1) * 60; i++) {
        for (let s = 0; s < STATE_COUNT; s++) r[s] = (i * (s + 1)) % 1000;
        store.add(hostId, `label of ${hostId}`, start + i * 1000, r);
      }
      await store.flush();
    }
    return { path: f.pathOf(hostId), start, store };
  }

  it('skips a damaged record and reads on from the next intact one; the rewrite keeps a .corrupt copy', async () => {
    const f = files();
    const { path, start } = await sixHundred('flip', f);
    const bytes = readFileSync(path);
    // One flipped byte in the first sample record (the rewrite: magic, header, then rows).
    const damaged = Buffer.from(bytes);
    const firstRows = 8 + 5 + damaged.readUInt32LE(9) + 4;
    assert.equal(String.fromCharCode(damaged[firstRows]), 'R');
    damaged[firstRows + 5 + 8 + 100] ^= 0x40;
    writeFileSync(path, damaged);

    const store = new HistoryStore(limits, files());
    const restored = store.host('flip');
    assert.equal(restored.ring.length, 540, 'only the 60 rows of the damaged record are lost');
    assert.equal(restored.ring.timeAt(0), start + 60_000);
    assert.equal(restored.label, 'label of flip');
    assert.equal(store.loadErrors.length, 1);
    assert.match(store.loadErrors[0], /damaged byte\(s\) in 1 place\(s\) were skipped\. Restored what was intact \(540 samples\)/);

    store.add('flip', 'label of flip', start + 600_000, new Array<number>(STATE_COUNT).fill(7));
    await store.flush();
    assert.ok(readFileSync(f.corruptPathOf('flip')).equals(damaged), 'the damaged file was copied aside before the rewrite');
    const again = new HistoryStore(limits, files());
    assert.equal(again.host('flip').ring.length, 541);
    assert.deepEqual(again.loadErrors, []);
  });

  it('reads a file whose magic or header record is damaged', async () => {
    const { path } = await sixHundred('magic');
    const bytes = readFileSync(path);
    const badMagic = Buffer.from(bytes);
    badMagic[0] = 0x58;
    writeFileSync(path, badMagic);
    const store = new HistoryStore(limits, files());
    assert.equal(store.host('magic').ring.length, 600);
    assert.match(store.loadErrors[0], /does not start like a TCP Lens history file/);

    const badHeader = Buffer.from(bytes);
    badHeader[8 + 5 + 3] ^= 0x01; // inside the header's JSON
    writeFileSync(path, badHeader);
    const second = new HistoryStore(limits, files());
    const history = second.host('magic');
    assert.equal(history.ring.length, 600);
    assert.equal(history.label, 'magic', 'the label went with the header');
    assert.match(second.loadErrors[0], /damaged byte/);
  });

  it("merges two windows appending to the same host file, by time, and keeps the other window's rows when one rewrites", async () => {
    const a = new HistoryStore(limits, files());
    const b = new HistoryStore(limits, files());
    const start = Date.now() - 400_000;
    const row = (v: number) => new Array<number>(STATE_COUNT).fill(v);
    for (let k = 0; k < 5; k++) {
      for (let i = 0; i < 30; i++) a.add('shared', 'shared', start + (k * 60 + i * 2) * 1000, row(1));
      await a.flush();
      for (let i = 0; i < 30; i++) b.add('shared', 'shared', start + (k * 60 + i * 2 + 1) * 1000, row(2));
      await b.flush();
    }
    const merged = new HistoryStore(limits, files()).host('shared').ring;
    assert.equal(merged.length, 300, 'no sample of either window lost');
    for (let i = 0; i < 300; i++) {
      assert.equal(merged.timeAt(i), start + i * 1000);
      assert.equal(merged.countAt(i, 0), i % 2 === 0 ? 1 : 2);
    }
    // A rewrite by one window (as after a failed save) keeps what the other appended.
    a.host('shared').unsaved.rewrite = true;
    a.add('shared', 'shared', start + 300_000, row(1));
    await a.flush();
    b.add('shared', 'shared', start + 301_000, row(2));
    await b.flush();
    const after = new HistoryStore(limits, files()).host('shared').ring;
    assert.equal(after.length, 302);
    assert.equal(after.timeAt(301), start + 301_000);
  });

  it('keeps a failed save unsaved, reports it, and retries it whole on the next save', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'tcp-lens-history-fail-'));
    try {
      const target = join(parent, 'history');
      writeFileSync(target, 'a file where the folder should be');
      const f = new HistoryFiles(target, limits.maxSamplesPerHost, limits.maxMarkersPerHost);
      const store = new HistoryStore(limits, f);
      fill(store, 'failing', 30, Date.now() - 60_000);
      await assert.rejects(
        store.flush(),
        /Could not save the TCP Lens history of label of failing to .*: .*It is kept in memory and saved again at the next save/,
      );
      assert.ok(store.host('failing').dirty, 'still unsaved');
      assert.ok(store.saveErrors.has('failing'));
      assert.throws(() => store.flushSync(), /Could not save/);

      rmSync(target);
      await store.flush();
      assert.equal(store.saveErrors.size, 0);
      assert.ok(!store.host('failing').dirty);
      const restored = new HistoryStore(limits, new HistoryFiles(target, limits.maxSamplesPerHost, limits.maxMarkersPerHost)).host(
        'failing',
      );
      assert.equal(restored.ring.length, 30);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
