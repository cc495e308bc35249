/** POST /api/images/export and GET /api/images/export?id= (BEHAVIOR.md §10.9), unzipped with the unzip CLI. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FlatSeries, Image } from '../../src-main/slicebox/types.js';
import { ExportSets } from '../../src-main/localbox/exporting/export-sets.js';
import { folderName } from '../../src-main/localbox/exporting/export-zip.js';
import { PYDICOM, sha256, startTestBox, testFile } from './support.js';
import type { TestBox } from './support.js';

let t: TestBox;
let work: string;
beforeAll(async () => {
  t = await startTestBox();
  work = mkdtempSync(join(tmpdir(), 'localbox-export-'));
});
afterAll(async () => {
  await t.stop();
  rmSync(work, { recursive: true, force: true });
});

async function upload(file: string): Promise<Image> {
  const res = await t.upload('/api/images', testFile(file));
  expect(res.status).toBeLessThan(300);
  return (await res.json()) as Image;
}

async function createSet(ids: unknown): Promise<Response> {
  return t.api('/api/images/export', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ids),
  });
}

async function expectedName(image: Image): Promise<string> {
  const flat = await t.json<FlatSeries>(`/api/metadata/flatseries/${image.seriesId}`);
  return [
    folderName(
      `${flat.patient.id}_${flat.patient.patientName.value}-${flat.patient.patientID.value}`,
    ),
    folderName(`${flat.study.id}_${flat.study.studyDate.value}`),
    folderName(`${flat.series.id}_${flat.series.seriesDate.value}_${flat.series.modality.value}`),
    `${image.id}.dcm`,
  ].join('/');
}

function unzipList(zip: string): string[] {
  return execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8' }).trim().split('\n');
}

describe('export', () => {
  const files = [
    'test.dcm',
    join(PYDICOM, 'CT_small.dcm'),
    join(PYDICOM, 'MR_small_bigendian.dcm'),
  ];

  test('upload → export set → zip with the expected entries, byte-identical files', async () => {
    const images = [];
    for (const f of files) images.push(await upload(f));
    const res = await createSet(images.map((i) => i.id));
    expect(res.status).toBe(200);
    const { id } = (await res.json()) as { id: number };
    expect(id).toBeGreaterThan(0);

    const zipRes = await rawGet(`/api/images/export?id=${id}`);
    expect(zipRes.status).toBe(200);
    expect(zipRes.headers['content-type']).toBe('application/octet-stream');
    expect(zipRes.headers['content-disposition']).toBe('attachment; filename=slicebox-export.zip');
    expect(zipRes.headers['transfer-encoding']).toBe('chunked');
    // Written to the response directly (buffers used again): the headers every answer has are still there.
    expect(zipRes.headers['server']).toBe('slicebox');
    const head = await t.api(`/api/images/export?id=${id}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-disposition')).toBe(
      'attachment; filename=slicebox-export.zip',
    );
    const zip = join(work, 'a.zip');
    writeFileSync(zip, zipRes.body);

    const names = unzipList(zip);
    const expected = await Promise.all(images.map(expectedName));
    expect(names).toEqual(expected);
    expect(names[0]).toMatch(/^\d+_anon270-anon270\/\d+_20100301\/\d+_20100301_NM\/\d+\.dcm$/);

    // Stored, not deflated.
    const verbose = execFileSync('unzip', ['-v', zip], { encoding: 'utf8' });
    expect(verbose).toMatch(/Stored/);
    expect(verbose).not.toMatch(/Defl/);

    const out = join(work, 'a');
    execFileSync('unzip', ['-q', zip, '-d', out]);
    files.forEach((f, i) => {
      expect(sha256(readFileSync(join(out, expected[i] as string))), f).toBe(sha256(testFile(f)));
    });
    execFileSync('unzip', ['-tq', zip]);
  });

  test('entries in set order, duplicates once', async () => {
    const a = await upload('test.dcm');
    const b = await upload(join(PYDICOM, 'CT_small.dcm'));
    const { id } = (await (await createSet([b.id, a.id, b.id])).json()) as { id: number };
    const zip = join(work, 'order.zip');
    writeFileSync(zip, (await rawGet(`/api/images/export?id=${id}`)).body);
    expect(unzipList(zip)).toEqual([await expectedName(b), await expectedName(a)]);
  });

  test('hostile patient names cannot escape: "/", "\\" → "-", ".." stays inside its folder', async () => {
    // A copy of test.dcm with PatientName "../..\\x" via modify, then exported.
    const image = await upload('test.dcm');
    const modified = await t.api(`/api/images/${image.id}/modify`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        { tagPath: { tag: 0x00100010, name: 'PatientName' }, value: '../..\\x' },
        { tagPath: { tag: 0x00100020, name: 'PatientID' }, value: '..' },
        { tagPath: { tag: 0x00080021, name: 'SeriesDate' }, value: '..' },
      ]),
    });
    expect(modified.status).toBe(201);
    const m = (await modified.json()) as Image;
    const { id } = (await (await createSet([m.id])).json()) as { id: number };
    const zip = join(work, 'hostile.zip');
    writeFileSync(zip, (await rawGet(`/api/images/export?id=${id}`)).body);
    const [name] = unzipList(zip);
    // PN "../..\\x" is stored as its first value "../.." (§5.1).
    expect(name).toMatch(/^\d+_\.\.-\.\.-\.\.\/\d+_20100301\/\d+_\.\._NM\/\d+\.dcm$/);
    expect(name?.split('/').every((seg) => seg !== '..' && seg !== '.')).toBe(true);
    const out = join(work, 'hostile');
    execFileSync('unzip', ['-q', zip, '-d', out]);
    expect(readdirSync(out)).toHaveLength(1);
  });

  test('empty set → 204; bad bodies → 400/415', async () => {
    expect((await createSet([])).status).toBe(204);
    expect((await createSet(['a'])).status).toBe(400);
    expect((await createSet({ ids: [1] })).status).toBe(400);
    const res = await t.api('/api/images/export', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '[1]',
    });
    expect(res.status).toBe(415);
  });

  test('unknown set → 404 with Content-Disposition; missing id → 404; bad id → 400', async () => {
    const res = await t.api('/api/images/export?id=987654');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename=slicebox-export.zip');
    expect((await t.api('/api/images/export')).status).toBe(404);
    expect((await t.api('/api/images/export?id=x')).status).toBe(400);
  });

  test('a set whose image was deleted → 404 (never an incomplete archive)', async () => {
    const image = await upload(join(PYDICOM, 'MR_small.dcm'));
    const { id } = (await (await createSet([image.id])).json()) as { id: number };
    expect((await t.api(`/api/images/${image.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await t.api(`/api/images/export?id=${id}`)).status).toBe(404);
  });

  test('ids are not validated at creation; set ids increase', async () => {
    const a = (await (await createSet([424242])).json()) as { id: number };
    const b = (await (await createSet([424242])).json()) as { id: number };
    expect(b.id).toBeGreaterThan(a.id);
  });

  test('USER role may export; no credentials → 401', async () => {
    expect((await t.api('/api/images/export?id=1', { auth: null })).status).toBe(401);
  });
});

describe('folderName', () => {
  test('"/", "\\" and control characters become "-"', () => {
    expect(folderName('1_a/b\\c\u0000d\ne-..')).toBe('1_a-b-c-d-e-..');
  });
});

describe('ExportSets', () => {
  test('sets expire after their lifetime', () => {
    let now = 1000;
    const sets = new ExportSets(6 * 3600 * 1000, () => now);
    const id = sets.create([1, 2, 2, 3]);
    expect(id).toBe(1);
    expect(sets.get(id)).toEqual([1, 2, 3]);
    now += 6 * 3600 * 1000 - 1;
    expect(sets.get(id)).toEqual([1, 2, 3]);
    now += 1;
    expect(sets.get(id)).toBeUndefined();
    expect(sets.create([4])).toBe(2);
    expect(sets.size).toBe(1);
  });
});

async function rawGet(path: string): Promise<{
  status: number;
  headers: import('node:http').IncomingHttpHeaders;
  body: Buffer;
}> {
  const http = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = http.request(
      t.url(path),
      { headers: { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}
