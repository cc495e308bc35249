/** DELETE /api/images/{id} and POST /api/images/delete (BEHAVIOR.md §10.3, 10.4, §6.3). */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Image } from '../../src-main/slicebox/types.js';
import { PYDICOM, startTestBox, testFile } from './support.js';
import type { TestBox } from './support.js';

let t: TestBox;
beforeAll(async () => {
  t = await startTestBox();
});
afterAll(async () => {
  await t.stop();
});

async function upload(name: string): Promise<Image> {
  const res = await t.upload('/api/images', testFile(name));
  expect(res.status, name).toBe(201);
  return (await res.json()) as Image;
}

async function patientsCount(): Promise<number> {
  return (await t.json<unknown[]>('/api/metadata/patients?count=1000')).length;
}

describe('DELETE /images/{id}', () => {
  test('removes rows, file and empty parents; 204', async () => {
    const image = await upload('test.dcm');
    const series = await t.json<{ id: number; studyId: number }>(
      `/api/metadata/series/${image.seriesId}`,
    );
    const study = await t.json<{ id: number; patientId: number }>(
      `/api/metadata/studies/${series.studyId}`,
    );
    const file = join(t.dataDir, 'dicom', String(image.id));
    expect(existsSync(file)).toBe(true);

    const res = await t.api(`/api/images/${image.id}`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect(existsSync(file)).toBe(false);
    expect((await t.api(`/api/metadata/images/${image.id}`)).status).toBe(404);
    expect((await t.api(`/api/images/${image.id}`)).status).toBe(404);
    expect((await t.api(`/api/metadata/series/${series.id}`)).status).toBe(404);
    expect((await t.api(`/api/metadata/studies/${study.id}`)).status).toBe(404);
    expect((await t.api(`/api/metadata/patients/${study.patientId}`)).status).toBe(404);
    expect((await t.api(`/api/metadata/series/${series.id}/source`)).status).toBe(404);
  });

  test('keeps parents that still have images', async () => {
    const a = await upload(join(PYDICOM, 'dicomdir_98892001_CT5N_2062.dcm'));
    const b = await upload(join(PYDICOM, 'dicomdir_98892001_CT5N_2392.dcm'));
    expect(a.seriesId).toBe(b.seriesId);
    expect((await t.api(`/api/images/${a.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await t.api(`/api/metadata/series/${b.seriesId}`)).status).toBe(200);
    expect((await t.api(`/api/metadata/images/${b.id}`)).status).toBe(200);
    expect((await t.api(`/api/images/${b.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await t.api(`/api/metadata/series/${b.seriesId}`)).status).toBe(404);
  });

  test('unknown id → 204 (idempotent); non-numeric id → 404', async () => {
    expect((await t.api('/api/images/666666', { method: 'DELETE' })).status).toBe(204);
    expect((await t.api('/api/images/abc', { method: 'DELETE' })).status).toBe(404);
  });

  test('without credentials → 401', async () => {
    expect((await t.api('/api/images/1', { method: 'DELETE', auth: null })).status).toBe(401);
  });
});

describe('POST /images/delete', () => {
  test('existing and unknown ids → 204, images gone, files gone, nothing left', async () => {
    const before = await patientsCount();
    const a = await upload('test.dcm');
    const b = await upload(join(PYDICOM, 'CT_small.dcm'));
    const res = await t.api('/api/images/delete', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([a.id, 666, b.id, a.id]),
    });
    expect(res.status).toBe(204);
    for (const id of [a.id, b.id]) {
      expect((await t.api(`/api/images/${id}`)).status).toBe(404);
      expect(existsSync(join(t.dataDir, 'dicom', String(id)))).toBe(false);
    }
    expect(await patientsCount()).toBe(before);
    expect(readdirSync(join(t.dataDir, 'tmp'))).toEqual([]);
  });

  test('empty list → 204', async () => {
    const res = await t.api('/api/images/delete', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '[]',
    });
    expect(res.status).toBe(204);
  });

  test('bad bodies: not JSON → 415, malformed → 400, wrong type → 400; nothing deleted', async () => {
    const image = await upload('test.dcm');
    const post = (body: string, type = 'application/json') =>
      t.api('/api/images/delete', { method: 'POST', headers: { 'content-type': type }, body });
    expect((await post(`[${image.id}]`, 'text/plain')).status).toBe(415);
    expect((await post('[1,')).status).toBe(400);
    expect((await post(`["${image.id}"]`)).status).toBe(400);
    expect((await post(`{"ids":[${image.id}]}`)).status).toBe(400);
    expect((await post('')).status).toBe(400);
    expect((await t.api(`/api/images/${image.id}`)).status).toBe(200);
  });
});
