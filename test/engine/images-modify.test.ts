/** PUT /api/images/{id}/modify (BEHAVIOR.md §10.8), checked with dcmdump and dciodvfy. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type {
  ImageAttribute,
  Image,
  ImageInformation,
  Patient,
  Source,
  Study,
} from '../../src-main/slicebox/types.js';
import { PYDICOM, basic, sha256, startTestBox, testFile } from './support.js';
import type { TestBox } from './support.js';

let t: TestBox;
let work: string;
const BOB = basic('bob', 'secret');
beforeAll(async () => {
  t = await startTestBox();
  work = mkdtempSync(join(tmpdir(), 'localbox-modify-'));
  const res = await t.api('/api/users', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: 'bob', role: 'USER', password: 'secret' }),
  });
  expect(res.status).toBe(201);
});
afterAll(async () => {
  await t.stop();
  rmSync(work, { recursive: true, force: true });
});

async function upload(file: string, auth?: string): Promise<Image> {
  const res = await t.upload('/api/images', testFile(file), { auth });
  expect(res.status, file).toBeLessThan(300);
  return (await res.json()) as Image;
}

function modify(id: number, body: unknown, init: { auth?: string; type?: string } = {}) {
  return t.api(`/api/images/${id}/modify`, {
    method: 'PUT',
    headers: { 'content-type': init.type ?? 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    auth: init.auth,
  });
}

async function download(id: number): Promise<Buffer> {
  const res = await t.api(`/api/images/${id}`);
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

async function attributes(id: number): Promise<ImageAttribute[]> {
  return t.json<ImageAttribute[]>(`/api/images/${id}/attributes`);
}

function valueAt(attrs: ImageAttribute[], names: string[]): ImageAttribute | undefined {
  return attrs.find((a) => a.namePath.join('.') === names.join('.'));
}

function dciodvfyErrors(bytes: Uint8Array, name: string): Set<string> {
  const file = join(work, name);
  writeFileSync(file, bytes);
  const r = spawnSync('dciodvfy', [file], { encoding: 'utf8' });
  return new Set(
    `${r.stdout}${r.stderr}`
      .split('\n')
      .filter((l) => l.startsWith('Error'))
      .map((l) => l.trim()),
  );
}

function dcmdump(bytes: Uint8Array, name: string): string {
  const file = join(work, name);
  writeFileSync(file, bytes);
  return execFileSync('dcmdump', ['-q', file], { encoding: 'utf8' });
}

const PATIENT_AGE = { tag: 0x00101010, name: 'PatientAge' };
const RESCALE_SLOPE = { tag: 0x00281053, name: 'RescaleSlope' };
const UPPER_LIMIT = {
  tag: 5505045,
  name: 'EnergyWindowUpperLimit',
  previous: {
    tag: 5505043,
    name: 'EnergyWindowRangeSequence',
    item: '2',
    previous: { tag: 5505042, name: 'EnergyWindowInformationSequence', item: '1' },
  },
};

describe('modify test.dcm (§10.8 test)', () => {
  let old: Image;
  let modified: Image;
  let oldSource: Source;
  let tagId: number;

  test('PatientAge, inserted RescaleSlope and nested EnergyWindowUpperLimit take effect; 201 new image', async () => {
    old = await upload('test.dcm', BOB);
    oldSource = await t.json<Source>(`/api/metadata/series/${old.seriesId}/source`);
    expect(oldSource).toMatchObject({ sourceType: 'user', sourceName: 'bob' });
    // A series tag on the old series (written directly: the series-tag routes are another group's).
    const db = new Database(join(t.dataDir, 'slicebox.sqlite'));
    try {
      tagId = Number(
        db.prepare("INSERT INTO series_tags (name) VALUES ('modify-test')").run().lastInsertRowid,
      );
      db.prepare('INSERT INTO series_series_tags (series_id, series_tag_id) VALUES (?, ?)').run(
        old.seriesId,
        tagId,
      );
    } finally {
      db.close();
    }

    const res = await modify(old.id, [
      { tagPath: PATIENT_AGE, value: '123Y' },
      { tagPath: RESCALE_SLOPE, value: '2.5' },
      { tagPath: UPPER_LIMIT, value: '999' },
    ]);
    expect(res.status).toBe(201);
    modified = (await res.json()) as Image;
    expect(Object.keys(modified)).toEqual([
      'id',
      'seriesId',
      'sopInstanceUID',
      'imageType',
      'instanceNumber',
    ]);
    expect(modified.id).not.toBe(old.id);
    expect(modified.sopInstanceUID).toEqual(old.sopInstanceUID);

    const attrs = await attributes(modified.id);
    expect(valueAt(attrs, ['PatientAge'])?.values).toEqual(['123Y']);
    expect(valueAt(attrs, ['RescaleSlope'])).toMatchObject({ vr: 'DS', values: ['2.5'] });
    const upper = attrs.find(
      (a) =>
        a.tagPath.tag === UPPER_LIMIT.tag &&
        a.tagPath.previous?.item === '2' &&
        a.tagPath.previous.previous?.item === '1',
    );
    expect(upper).toMatchObject({ values: ['999'], length: 4 });
    // Only the addressed element changed: the other range item keeps its value.
    const limits = attrs.filter((a) => a.namePath.at(-1) === 'EnergyWindowUpperLimit');
    expect(limits.map((a) => a.values[0])).toEqual(['155', '999']);
    expect(valueAt(attrs, ['SpecificCharacterSet'])?.values).toEqual(['ISO_IR 192']);
    const study = await t.json<Study>(
      `/api/metadata/studies/${(await t.json<{ studyId: number }>(`/api/metadata/series/${modified.seriesId}`)).studyId}`,
    );
    expect(study.patientAge.value).toBe('123Y');
  });

  test('old id is gone (404), its file removed, nothing in tmp', async () => {
    expect((await t.api(`/api/images/${old.id}`)).status).toBe(404);
    expect((await t.api(`/api/metadata/images/${old.id}`)).status).toBe(404);
    expect(readdirSync(join(t.dataDir, 'dicom'))).not.toContain(String(old.id));
    expect(readdirSync(join(t.dataDir, 'tmp'))).toEqual([]);
  });

  test('series source and series tags are carried over', async () => {
    expect(await t.json<Source>(`/api/metadata/series/${modified.seriesId}/source`)).toEqual(
      oldSource,
    );
    const db = new Database(join(t.dataDir, 'slicebox.sqlite'), { readonly: true });
    try {
      const tags = db
        .prepare('SELECT series_tag_id FROM series_series_tags WHERE series_id = ?')
        .all(modified.seriesId) as Array<{ series_tag_id: number }>;
      expect(tags.map((r) => r.series_tag_id)).toEqual([tagId]);
    } finally {
      db.close();
    }
  });

  test('private elements and pixel data survive byte for byte; dcmdump ok; no new dciodvfy errors', async () => {
    const source = testFile('test.dcm');
    const bytes = await download(modified.id);
    const pixels = 256 * 256 * 2;
    expect(sha256(bytes.subarray(bytes.length - pixels))).toBe(
      sha256(source.subarray(source.length - pixels)),
    );
    const attrs = await attributes(modified.id);
    const original = await attributes((await upload(join(PYDICOM, 'CT_small.dcm'))).id);
    expect(original.length).toBeGreaterThan(0);
    for (const tag of [0x00190010, 0x00191021, 0x00191041, 0x00191061]) {
      expect(
        attrs.some((a) => a.tagPath.tag === tag && !a.tagPath.previous),
        tag.toString(16),
      ).toBe(true);
    }
    expect(attrs.find((a) => a.tagPath.tag === 0x00191041)?.length).toBe(12);

    const dump = dcmdump(bytes, 'modified.dcm');
    expect(dump).toMatch(/\(0010,1010\) AS \[123Y\]/);
    expect(dump).toMatch(/\(0028,1053\) DS \[2\.5\]/);
    expect(dump).toMatch(/\(0054,0015\) DS \[999\]/);
    const before = dciodvfyErrors(source, 'source.dcm');
    const after = dciodvfyErrors(bytes, 'modified-v.dcm');
    expect([...after].filter((e) => !before.has(e))).toEqual([]);
  });
});

describe('value encoding', () => {
  test('binary VRs are written as binary numbers (quirk 8 fixed); text VRs as padded UTF-8', async () => {
    const image = await upload('test.dcm');
    const res = await modify(image.id, [
      { tagPath: { tag: 0x00280107, name: 'LargestImagePixelValue' }, value: '200' },
      { tagPath: { name: 'PatientName' }, value: 'Müller^Jörg' },
      { tagPath: { tag: 0x00181030 }, value: 'odd' },
    ]);
    expect(res.status).toBe(201);
    const m = (await res.json()) as Image;
    const info = await t.json<ImageInformation>(`/api/images/${m.id}/imageinformation`);
    expect(info.maximumPixelValue).toBe(200);
    const dump = dcmdump(await download(m.id), 'enc.dcm');
    expect(dump).toMatch(/\(0028,0107\) SS 200/);
    expect(dump).toMatch(/\(0018,1030\) LO \[odd \]|\(0018,1030\) LO \[odd\]/);
    const attrs = await attributes(m.id);
    expect(valueAt(attrs, ['PatientName'])?.values).toEqual(['Müller^Jörg']);
    expect(valueAt(attrs, ['ProtocolName'])?.length).toBe(4);
  });

  test('a bad number for a binary VR → 400, nothing changed', async () => {
    const image = await upload(join(PYDICOM, 'CT_small.dcm'));
    const res = await modify(image.id, [{ tagPath: { tag: 0x00280010 }, value: 'many' }]);
    expect(res.status).toBe(400);
    expect((await t.api(`/api/images/${image.id}`)).status).toBe(200);
  });
});

describe('other encodings', () => {
  test.each([
    'MR_small_implicit.dcm',
    'MR_small_bigendian.dcm',
    'image_dfl.dcm',
    'chrH32.dcm',
    'priv_SQ.dcm',
    'SC_rgb_jpeg_dcmtk.dcm',
  ])('%s: modify keeps the data readable and the text decodable', async (name) => {
    const image = await upload(join(PYDICOM, name));
    const series = await t.json<{ studyId: number }>(`/api/metadata/series/${image.seriesId}`);
    const study = await t.json<Study>(`/api/metadata/studies/${series.studyId}`);
    const patientBefore = await t.json<Patient>(`/api/metadata/patients/${study.patientId}`);
    const attrsBefore = await attributes(image.id);
    const pngBefore = await t.api(`/api/images/${image.id}/png`);
    const res = await modify(image.id, [
      { tagPath: { tag: 0x00081030, name: 'StudyDescription' }, value: 'modified ✓' },
    ]);
    expect(res.status).toBe(201);
    const m = (await res.json()) as Image;
    const bytes = await download(m.id);
    dcmdump(bytes, `other-${name}`);
    const s2 = await t.json<{ studyId: number }>(`/api/metadata/series/${m.seriesId}`);
    const study2 = await t.json<Study>(`/api/metadata/studies/${s2.studyId}`);
    expect(study2.studyDescription.value).toBe('modified ✓');
    const patientAfter = await t.json<Patient>(`/api/metadata/patients/${study2.patientId}`);
    expect(patientAfter.patientName).toEqual(patientBefore.patientName);
    const attrsAfter = await attributes(m.id);
    // Same elements (group lengths aside, charset possibly added, StudyDescription possibly inserted).
    const tags = (a: ImageAttribute[]) =>
      new Set(
        a
          .filter((x) => (x.tagPath.tag & 0xffff) !== 0)
          .map((x) => JSON.stringify(x.namePath) + x.tagPath.tag),
      );
    const missing = [...tags(attrsBefore)].filter((x) => !tags(attrsAfter).has(x));
    expect(missing).toEqual([]);
    const png = await t.api(`/api/images/${m.id}/png`);
    expect(png.status).toBe(pngBefore.status);
  });

  test('a stored file without preamble can be modified', async () => {
    const res = await t.upload('/api/images', testFile('test.dcm').subarray(132));
    expect(res.status).toBeLessThan(300);
    const image = (await res.json()) as Image;
    const m = await modify(image.id, [{ tagPath: PATIENT_AGE, value: '001Y' }]);
    expect(m.status).toBe(201);
    const bytes = await download(((await m.json()) as Image).id);
    expect(bytes.subarray(128, 132).toString('latin1')).toBe('DICM');
  });
});

describe('bad input → documented 4xx, nothing changed', () => {
  let image: Image;
  let original: string;
  beforeAll(async () => {
    image = await upload(join(PYDICOM, 'MR_small.dcm'));
    original = sha256(await download(image.id));
  });

  test.each([
    ['not an array', { tagPath: PATIENT_AGE, value: '1' }],
    ['missing value', [{ tagPath: PATIENT_AGE }]],
    ['value not a string', [{ tagPath: PATIENT_AGE, value: 12 }]],
    ['missing tagPath', [{ value: 'x' }]],
    ['unknown keyword without tag', [{ tagPath: { name: 'NoSuchKeyword' }, value: 'x' }]],
    ['no tag and no name', [{ tagPath: {}, value: 'x' }]],
    ['leaf with item', [{ tagPath: { ...PATIENT_AGE, item: '1' }, value: 'x' }]],
    [
      'sequence step without item',
      [{ tagPath: { tag: 0x00100010, previous: { tag: 0x00081140 } }, value: 'x' }],
    ],
    [
      'item that does not exist',
      [{ tagPath: { tag: 0x00081150, previous: { tag: 0x00081140, item: '9' } }, value: 'x' }],
    ],
    ['file meta', [{ tagPath: { tag: 0x00020010 }, value: '1.2.3' }]],
    ['group length', [{ tagPath: { tag: 0x00100000 }, value: '1' }]],
    ['a sequence as leaf', [{ tagPath: { tag: 0x00081140 }, value: 'x' }]],
    ['pixel data', [{ tagPath: { tag: 0x7fe00010 }, value: 'x' }]],
    ['charset', [{ tagPath: { tag: 0x00080005 }, value: 'ISO_IR 100' }]],
    ['tag out of range', [{ tagPath: { tag: 2 ** 33 }, value: 'x' }]],
    [
      'second mapping bad',
      [
        { tagPath: PATIENT_AGE, value: '002Y' },
        { tagPath: { name: 'Nope' }, value: 'x' },
      ],
    ],
  ])('%s → 400', async (_why, body) => {
    const res = await modify(image.id, body);
    expect(res.status).toBe(400);
    expect(sha256(await download(image.id))).toBe(original);
    expect(readdirSync(join(t.dataDir, 'tmp'))).toEqual([]);
  });

  test('malformed JSON → 400, empty → 400, wrong content type → 415', async () => {
    expect((await modify(image.id, '[{')).status).toBe(400);
    expect((await modify(image.id, '')).status).toBe(400);
    expect((await modify(image.id, [], { type: 'text/plain' })).status).toBe(415);
    expect(sha256(await download(image.id))).toBe(original);
  });

  test('unknown image → 404; no credentials → 401', async () => {
    expect((await modify(666666, [{ tagPath: PATIENT_AGE, value: '1' }])).status).toBe(404);
    const res = await t.api(`/api/images/${image.id}/modify`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '[]',
      auth: null,
    });
    expect(res.status).toBe(401);
  });

  test('an empty mapping list still rewrites into a new image (Slicebox does)', async () => {
    const other = await upload('test.dcm');
    const res = await modify(other.id, []);
    expect(res.status).toBe(201);
    expect(((await res.json()) as Image).id).not.toBe(other.id);
  });
});
