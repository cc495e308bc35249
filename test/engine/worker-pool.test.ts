/**
 * The engine's worker pool (pool/worker-pool.ts) on its own, with the worker bundle the engine tests use:
 * errors cross the thread boundary as instances of their class, results come back as plain data, a worker that
 * cannot start fails the jobs instead of hanging them, and close() ends running jobs at once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { BudgetError, DEFAULT_BUDGETS } from '../../src-main/localbox/codec/budgets.js';
import { DicomError } from '../../src-main/localbox/dicom/errors.js';
import { resolveWorkerFile } from '../../src-main/localbox/pool/worker-file.js';
import { PoolClosedError, WorkerPool } from '../../src-main/localbox/pool/worker-pool.js';
import { FileNotFound } from '../../src-main/localbox/system/errors.js';
import { bigDeflatedCt, deflateBomb, implicitWithManyAmbiguousVrs } from './generated-files.js';
import { PYDICOM } from './support.js';

const dirs: string[] = [];
const pools: WorkerPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function pool(options: Partial<ConstructorParameters<typeof WorkerPool>[0]> = {}): WorkerPool {
  const p = new WorkerPool({
    workerFile: resolveWorkerFile(),
    size: 1,
    budgets: { ...DEFAULT_BUDGETS },
    onLog: () => undefined,
    ...options,
  });
  pools.push(p);
  return p;
}

function tempFile(name: string, bytes: Uint8Array | string): string {
  const dir = mkdtempSync(join(tmpdir(), 'worker-pool-'));
  dirs.push(dir);
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

test('results come back as plain data; errors as instances of their own class', async () => {
  const p = pool();
  const info = await p.run('render.imageInformation', { path: join(PYDICOM, 'CT_small.dcm') });
  expect(info).toEqual({
    numberOfFrames: 1,
    frameIndex: 1,
    minimumPixelValue: 0,
    maximumPixelValue: 0,
  });
  const notDicom = p.run('render.attributes', { path: tempFile('text.dcm', 'just some text') });
  await expect(notDicom).rejects.toBeInstanceOf(DicomError);
  await expect(
    p.run('render.attributes', { path: '/nonexistent/dicom/17' }),
  ).rejects.toBeInstanceOf(FileNotFound);
  const bomb = p.run('ingest.prepare', {
    path: tempFile('bomb.dcm', deflateBomb(200)),
    sopClasses: 'image-data-and-extended',
    reverse: false,
  });
  await expect(bomb).rejects.toBeInstanceOf(BudgetError);
  await expect(bomb).rejects.toMatchObject({ code: 'inflated-size' });
  // One worker did all of it.
  expect(p.stats()).toMatchObject({ started: 1, workers: 1, died: 0, timedOut: 0 });
});

test('a job over the worker heap limit fails with a BudgetError naming it; the next job gets a new worker', async () => {
  const p = pool({ budgets: { ...DEFAULT_BUDGETS, workerHeapMb: 32 } });
  // 400 000 attributes listed, each an object with its tag path, name path and values: far over 32 MiB of heap.
  const many = tempFile('many.dcm', implicitWithManyAmbiguousVrs(200_000));
  const attributes = p.run('render.attributes', { path: many }).then(
    () => 'listed',
    (e: unknown) => e,
  );
  const error = await attributes;
  expect(error).toBeInstanceOf(BudgetError);
  expect(error).toMatchObject({
    code: 'memory-limit',
    message: 'processing was stopped at the worker memory limit of 32 MiB (--worker-heap-mb)',
  });
  const info = await p.run('render.imageInformation', { path: join(PYDICOM, 'CT_small.dcm') });
  expect(info.numberOfFrames).toBe(1);
  expect(p.stats()).toMatchObject({ started: 2, died: 1 });
});

test('a worker that cannot start fails the waiting jobs instead of leaving them waiting', async () => {
  const broken = tempFile('broken-worker.mjs', "throw new Error('this bundle is broken');\n");
  const p = pool({ workerFile: broken });
  await expect(p.run('render.attributes', { path: join(PYDICOM, 'CT_small.dcm') })).rejects.toThrow(
    'A worker of the engine could not start: this bundle is broken',
  );
});

test('close() ends a running job at once with PoolClosedError; later jobs are refused', async () => {
  const p = pool();
  // Seconds of rendering.
  const heavy = p
    .run('render.png', { path: tempFile('big.dcm', bigDeflatedCt(8192, 4096)), options: {} })
    .then(
      () => 'rendered',
      (e: unknown) => e,
    );
  // Wait until the worker has it.
  for (let i = 0; i < 600 && p.stats().running === 0; i++)
    await new Promise((r) => setTimeout(r, 50));
  expect(p.stats().running).toBe(1);
  await p.close();
  expect(await heavy).toBeInstanceOf(PoolClosedError);
  expect(p.stats()).toMatchObject({ workers: 0, running: 0 });
  await expect(
    p.run('render.attributes', { path: join(PYDICOM, 'CT_small.dcm') }),
  ).rejects.toBeInstanceOf(PoolClosedError);
});
