/** Crash reconciliation at start-up (DESIGN.md "Data that must never be lost"). */
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Image, Patient } from '../../src-main/slicebox/types.js';
import { PYDICOM, startTestBox, testFile } from './support.js';
import type { TestBox } from './support.js';

let t: TestBox;
beforeAll(async () => {
  t = await startTestBox();
});
afterAll(async () => {
  await t.stop();
});

test('restart removes temp files, orphan files and rows whose file is missing', async () => {
  const kept = (await (await t.upload('/api/images', testFile('test.dcm'))).json()) as Image;
  const lost = (await (
    await t.upload('/api/images', testFile(join(PYDICOM, 'CT_small.dcm')))
  ).json()) as Image;
  const sameSeries = (await (
    await t.upload('/api/images', testFile(join(PYDICOM, 'dicomdir_98892001_CT2N_6293.dcm')))
  ).json()) as Image;
  const sibling = (await (
    await t.upload('/api/images', testFile(join(PYDICOM, 'dicomdir_98892001_CT2N_6924.dcm')))
  ).json()) as Image;
  expect(sameSeries.seriesId).toBe(sibling.seriesId);

  await t.box.close();
  // Simulate a crash: an upload in flight, a file renamed into place whose transaction never committed,
  // and files that disappeared from the store.
  writeFileSync(join(t.dataDir, 'tmp', 'in-flight.part'), 'partial upload');
  writeFileSync(join(t.dataDir, 'dicom', '9999'), testFile('test.dcm'));
  writeFileSync(join(t.dataDir, 'dicom', 'junk.txt'), 'x');
  rmSync(join(t.dataDir, 'dicom', String(lost.id)));
  rmSync(join(t.dataDir, 'dicom', String(sameSeries.id)));

  await t.restart();

  expect(readdirSync(join(t.dataDir, 'tmp'))).toEqual([]);
  expect(existsSync(join(t.dataDir, 'dicom', '9999'))).toBe(false);
  expect(existsSync(join(t.dataDir, 'dicom', 'junk.txt'))).toBe(false);
  expect(readdirSync(join(t.dataDir, 'dicom')).sort()).toEqual(
    [String(kept.id), String(sibling.id)].sort(),
  );

  // The image without file is gone, and so are its now-empty series, study and patient.
  expect((await t.api(`/api/metadata/images/${lost.id}`)).status).toBe(404);
  expect((await t.api(`/api/metadata/series/${lost.seriesId}`)).status).toBe(404);
  const patients = await t.json<Patient[]>('/api/metadata/patients');
  expect(patients.map((p) => p.patientName.value)).toEqual(['anon270', 'Doe^Peter']);
  // The series that still has an image keeps it.
  expect((await t.api(`/api/metadata/images/${sameSeries.id}`)).status).toBe(404);
  expect((await t.api(`/api/metadata/images/${sibling.id}`)).status).toBe(200);
  expect((await t.api(`/api/images/${kept.id}`)).status).toBe(200);

  const log =
    await t.json<Array<{ entryType: string; subject: string; message: string }>>(
      '/api/log?subject=System',
    );
  expect(log).toHaveLength(1);
  expect(log[0]?.message).toContain(
    'removed 1 temporary file(s), 2 stored file(s) without an image, and 2 image(s)',
  );

  // A clean restart reconciles nothing and logs nothing more.
  await t.restart();
  expect(await t.json<unknown[]>('/api/log?subject=System')).toHaveLength(1);
});

test('uploads after a restart continue with fresh ids (ids are never reused)', async () => {
  const before = await t.json<Image[]>('/api/metadata/images?seriesid=1');
  const res = await t.upload('/api/images', testFile(join(PYDICOM, 'CT_small.dcm')));
  expect(res.status).toBe(201);
  const image = (await res.json()) as Image;
  expect(image.id).toBeGreaterThan(4);
  expect(before.map((i) => i.id)).not.toContain(image.id);
});
