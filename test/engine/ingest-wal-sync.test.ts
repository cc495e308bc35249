/**
 * A batch of stores without hooks commits with its WAL fsync on the libuv pool (db/wal-sync.ts, images/ingest.ts):
 * the commit runs under synchronous = NORMAL, the connection goes back to FULL, and the stores are answered only
 * once the WAL file is flushed. Every other commit stays FULL.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, vi } from 'vitest';
import type { Engine } from '../../src-main/localbox/engine.js';
import { batchingEngines, temp } from './batching-engine.js';

const source = { sourceType: 'user' as const, sourceName: 'admin', sourceId: 1 };
const FILES = ['CT_small.dcm', 'MR_small.dcm', 'dicomdir_98892001_CT2N_6293.dcm'];
const FULL = 2;
const NORMAL = 1;

const engines = batchingEngines();
const open = (): Promise<Engine> => engines.open();

function synchronous(e: Engine): number {
  return e.db.pragma('synchronous', { simple: true }) as number;
}

test('a plain batch commits without the WAL flush and is answered only after it', async () => {
  const e = await open();
  const during: number[] = [];
  // Called inside the batch's transaction: the mode its commit runs under.
  vi.spyOn(e.files, 'syncStoredDir').mockImplementation(() => {
    during.push(synchronous(e));
    return Promise.resolve();
  });
  let flushWal: () => void = () => undefined;
  const walSync = vi
    .spyOn(e.ingest.walSync, 'sync')
    .mockImplementation(() => new Promise<void>((resolve) => (flushWal = resolve)));
  const temps = await Promise.all(FILES.map((f) => temp(e, f)));
  let answered = 0;
  const stores = temps.map((t) =>
    e.ingest
      .ingest(t, { source, sopClasses: 'image-data-and-extended' })
      .then((r) => (answered++, r)),
  );
  await vi.waitFor(() => expect(walSync).toHaveBeenCalledTimes(1), { timeout: 20_000 });
  // Committed (the rows are there), the connection back to FULL, and nobody answered before the WAL flush.
  expect(e.metadata.allImageIds()).toHaveLength(FILES.length);
  expect(during).toEqual([NORMAL]);
  expect(synchronous(e)).toBe(FULL);
  await new Promise((r) => setTimeout(r, 50));
  expect(answered).toBe(0);
  flushWal();
  const results = await Promise.all(stores);
  expect(results.every((r) => r.added)).toBe(true);
});

test('a plain batch whose WAL fsync fails is not acknowledged', async () => {
  const e = await open();
  vi.spyOn(e.ingest.walSync, 'sync').mockImplementationOnce(() =>
    Promise.reject(new Error('EIO: fsync failed')),
  );
  const results = await Promise.allSettled(
    (await Promise.all(FILES.map((f) => temp(e, f)))).map((t) =>
      e.ingest.ingest(t, { source, sopClasses: 'image-data-and-extended' }),
    ),
  );
  expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
  expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(
    /could not be made durable \(fsync of the database's write-ahead log failed: EIO: fsync failed\)/,
  );
  // Committed, consistent, and a retry overwrites.
  expect(e.metadata.allImageIds()).toHaveLength(3);
  expect(readdirSync(e.files.tmpDir)).toEqual([]);
  const retried = await e.ingest.ingest(await temp(e, FILES[0] as string), {
    source,
    sopClasses: 'image-data-and-extended',
  });
  expect(retried.added).toBe(false);
});

test('a store with hooks commits under FULL, flushing the WAL in its commit', async () => {
  const e = await open();
  const walSync = vi.spyOn(e.ingest.walSync, 'sync');
  const modes: number[] = [];
  const result = await e.ingest.ingest(await temp(e, 'CT_small.dcm'), {
    source,
    sopClasses: 'image-data-and-extended',
    withinTransaction: () => modes.push(synchronous(e)),
  });
  expect(result.added).toBe(true);
  expect(modes).toEqual([FULL]);
  expect(walSync).not.toHaveBeenCalled();
});

test('the WAL is flushed for real, and its descriptor is closed with the engine', async () => {
  const e = await open();
  const walSync = vi.spyOn(e.ingest.walSync, 'sync');
  for (const f of FILES) {
    const r = await e.ingest.ingest(await temp(e, f), {
      source,
      sopClasses: 'image-data-and-extended',
    });
    expect(r.added).toBe(true);
  }
  expect(walSync).toHaveBeenCalledTimes(FILES.length);
  const wal = join(engines.dataDir, 'slicebox.sqlite-wal');
  const openFds = (): string[] =>
    readdirSync('/proc/self/fd').flatMap((fd) => {
      try {
        return [readlinkSync(join('/proc/self/fd', fd))];
      } catch {
        return [];
      }
    });
  expect(openFds().filter((p) => p === wal).length).toBeGreaterThan(0);
  await engines.close();
  expect(openFds().filter((p) => p === wal)).toEqual([]);
});

test('a log line commits without a flush on the event loop; the WAL is flushed after it on the pool', async () => {
  const e = await open();
  const modes: number[] = [];
  const pragma = e.db.pragma.bind(e.db);
  vi.spyOn(e.db, 'pragma').mockImplementation((source: string, options?: { simple?: boolean }) => {
    if (/^synchronous = /.test(source)) modes.push(source.endsWith('NORMAL') ? NORMAL : FULL);
    return pragma(source, options);
  });
  const walSync = vi.spyOn(e.ingest.walSync, 'sync');
  e.log.add('INFO', 'Test', 'a line');
  expect(modes).toEqual([NORMAL, FULL]);
  expect(synchronous(e)).toBe(FULL);
  expect(walSync).toHaveBeenCalledTimes(1);
  await walSync.mock.results[0]?.value;
  // Committed and readable at once.
  expect(e.log.list(0, 10).map((l) => l.message)).toContain('a line');
  // Once the engine is stopping, a line commits under FULL, and the WAL file is not opened again.
  e.ingest.close();
  modes.length = 0;
  e.log.add('INFO', 'Test', 'a late line');
  expect(modes).toEqual([]);
  expect(walSync).toHaveBeenCalledTimes(1);
  expect(e.log.list(0, 10).map((l) => l.message)).toContain('a late line');
});
