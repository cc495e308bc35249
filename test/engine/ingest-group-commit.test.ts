/**
 * Group commit of concurrent stores (images/ingest.ts): one transaction, one directory fsync, savepoints. A batch
 * of plain new images runs its directory fsync beside the commit (started inside the transaction, awaited before
 * the answers); any other batch runs it inside the transaction, before the commit.
 *
 * The engines wait up to 10 s for stores still being prepared (batching-engine.ts): the tests still fail if stores
 * are not batched (one fsync each) or if the batch does not wait for the stores being prepared.
 */
import { existsSync, readdirSync } from 'node:fs';
import { expect, test, vi } from 'vitest';
import type { Engine } from '../../src-main/localbox/engine.js';
import { batchingEngines, temp } from './batching-engine.js';

const source = { sourceType: 'user' as const, sourceName: 'admin', sourceId: 1 };
const FILES = [
  'CT_small.dcm',
  'MR_small.dcm',
  'dicomdir_98892001_CT2N_6293.dcm',
  'dicomdir_98892001_CT2N_6924.dcm',
];

const engines = batchingEngines();
const open = (): Promise<Engine> => engines.open();

test('concurrent stores share one commit; a failing store rolls back only itself', async () => {
  const e = await open();
  const strictSyncs = vi.spyOn(e.files, 'syncStoredDirSync');
  const overlappedSyncs = vi.spyOn(e.files, 'syncStoredDir');
  const temps = await Promise.all(FILES.map((f) => temp(e, f)));
  const bad = await temp(e, 'CT_small.dcm');
  const results = await Promise.allSettled([
    ...temps.map((t) => e.ingest.ingest(t, { source, sopClasses: 'image-data-and-extended' })),
    e.ingest.ingest(bad, {
      source,
      sopClasses: 'image-data-and-extended',
      withinTransaction: () => {
        throw new Error('refused inside the transaction');
      },
    }),
  ]);
  expect(results.map((r) => r.status)).toEqual([
    'fulfilled',
    'fulfilled',
    'fulfilled',
    'fulfilled',
    'rejected',
  ]);
  // All stores were prepared concurrently, so they were committed together, with one directory fsync.
  expect(strictSyncs.mock.calls.length + overlappedSyncs.mock.calls.length).toBe(1);
  const ids = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.image.id] : []));
  expect(new Set(ids).size).toBe(4);
  for (const id of ids) expect(existsSync(e.files.pathOf(id))).toBe(true);
  expect(readdirSync(e.files.dicomDir).sort()).toEqual(ids.map(String).sort());
  expect(readdirSync(e.files.tmpDir)).toEqual([]);
  expect(e.metadata.allImageIds().sort()).toEqual([...ids].sort());
});

/** A hook inside the transaction makes a store not plain: its batch fsyncs the directory before the commit. */
const withHook = { withinTransaction: () => undefined };

test('when the batch cannot be made durable, nothing is committed and no new file survives', async () => {
  const e = await open();
  vi.spyOn(e.files, 'syncStoredDirSync').mockImplementationOnce(() => {
    throw new Error('EIO: fsync failed');
  });
  const temps = await Promise.all(FILES.slice(0, 3).map((f) => temp(e, f)));
  const results = await Promise.allSettled(
    temps.map((t) =>
      e.ingest.ingest(t, { source, sopClasses: 'image-data-and-extended', ...withHook }),
    ),
  );
  expect(results.every((r) => r.status === 'rejected')).toBe(true);
  expect(readdirSync(e.files.dicomDir)).toEqual([]);
  expect(readdirSync(e.files.tmpDir)).toEqual([]);
  expect(e.metadata.allImageIds()).toEqual([]);
  // The store works again afterwards.
  const again = await e.ingest.ingest(await temp(e, 'CT_small.dcm'), {
    source,
    sopClasses: 'image-data-and-extended',
  });
  expect(existsSync(e.files.pathOf(again.image.id))).toBe(true);
  expect(e.metadata.allImageIds()).toEqual([again.image.id]);
});

test('a batch of plain new images starts its directory fsync inside the transaction, before the commit', async () => {
  const e = await open();
  const strict = vi.spyOn(e.files, 'syncStoredDirSync');
  const inTransaction: boolean[] = [];
  const overlapped = vi.spyOn(e.files, 'syncStoredDir').mockImplementation(function (
    this: typeof e.files,
  ) {
    inTransaction.push(e.db.inTransaction);
    // Every file of the batch is renamed into place when the fsync starts.
    expect(readdirSync(this.dicomDir)).toHaveLength(FILES.length);
    return Promise.resolve();
  });
  const temps = await Promise.all(FILES.map((f) => temp(e, f)));
  const results = await Promise.all(
    temps.map((t) => e.ingest.ingest(t, { source, sopClasses: 'image-data-and-extended' })),
  );
  expect(overlapped).toHaveBeenCalledTimes(1);
  expect(inTransaction).toEqual([true]);
  expect(strict).not.toHaveBeenCalled();
  expect(e.metadata.allImageIds().sort()).toEqual(results.map((r) => r.image.id).sort());
});

test('an overwrite is made durable before its commit', async () => {
  const e = await open();
  const first = await e.ingest.ingest(await temp(e, 'CT_small.dcm'), {
    source,
    sopClasses: 'image-data-and-extended',
  });
  const strict = vi.spyOn(e.files, 'syncStoredDirSync');
  const overlapped = vi.spyOn(e.files, 'syncStoredDir');
  const again = await e.ingest.ingest(await temp(e, 'CT_small.dcm'), {
    source,
    sopClasses: 'image-data-and-extended',
  });
  expect(again).toMatchObject({ added: false, image: { id: first.image.id } });
  expect(strict).toHaveBeenCalledTimes(1);
  expect(overlapped).not.toHaveBeenCalled();
});

test('a plain batch whose directory fsync fails after the commit is not acknowledged', async () => {
  const e = await open();
  vi.spyOn(e.files, 'syncStoredDir').mockImplementationOnce(() =>
    Promise.reject(new Error('EIO: fsync failed')),
  );
  const temps = await Promise.all(FILES.slice(0, 3).map((f) => temp(e, f)));
  const results = await Promise.allSettled(
    temps.map((t) => e.ingest.ingest(t, { source, sopClasses: 'image-data-and-extended' })),
  );
  expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
  expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(
    /could not be made durable.*EIO: fsync failed/,
  );
  // Committed: rows and files are consistent, and nothing is left in the temp folder.
  const ids = e.metadata.allImageIds();
  expect(ids).toHaveLength(3);
  expect(readdirSync(e.files.dicomDir).sort()).toEqual(ids.map(String).sort());
  expect(readdirSync(e.files.tmpDir)).toEqual([]);
  // A sender that retries overwrites its image.
  const retried = await e.ingest.ingest(await temp(e, FILES[0] as string), {
    source,
    sopClasses: 'image-data-and-extended',
  });
  expect(retried.added).toBe(false);
  expect(ids).toContain(retried.image.id);
});
