/** POST /api/images/jpeg?studyid=&description= (BEHAVIOR.md §10.10), checked with dcmdump and dciodvfy. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type {
  Image,
  ImageAttribute,
  Series,
  Source,
  Study,
} from '../../src-main/slicebox/types.js';
import { readJpegHeader } from '../../src-main/localbox/jpeg/jpeg-header.js';
import { startTestBox, testFile } from './support.js';
import type { TestBox } from './support.js';

let t: TestBox;
let work: string;
let study: Study;
let imagesBefore: number;
beforeAll(async () => {
  t = await startTestBox();
  work = mkdtempSync(join(tmpdir(), 'localbox-jpeg-'));
  const image = (await (await t.upload('/api/images', testFile('test.dcm'))).json()) as Image;
  const series = await t.json<Series>(`/api/metadata/series/${image.seriesId}`);
  study = await t.json<Study>(`/api/metadata/studies/${series.studyId}`);
  imagesBefore = readdirSync(join(t.dataDir, 'dicom')).length;
});
afterAll(async () => {
  await t.stop();
  rmSync(work, { recursive: true, force: true });
});

function postJpeg(query: string, body: Uint8Array, type = 'image/jpeg') {
  return t.api(`/api/images/jpeg${query}`, {
    method: 'POST',
    headers: { 'content-type': type },
    body,
  });
}

function errorsOf(file: string): Set<string> {
  const r = spawnSync('dciodvfy', [file], { encoding: 'utf8' });
  return new Set(
    `${r.stdout}${r.stderr}`
      .split('\n')
      .filter((l) => l.startsWith('Error'))
      .map((l) => l.trim()),
  );
}

describe('POST /images/jpeg', () => {
  let sc: Image;

  test('cat.jpg onto the study of an uploaded image → 201, a new series in that study', async () => {
    const res = await postJpeg(
      `?studyid=${study.id}&description=${encodeURIComponent('Kattbild ✓')}`,
      testFile('cat.jpg'),
    );
    expect(res.status).toBe(201);
    sc = (await res.json()) as Image;
    const series = await t.json<Series>(`/api/metadata/series/${sc.seriesId}`);
    expect(series.studyId).toBe(study.id);
    expect(series.seriesDescription.value).toBe('Kattbild ✓');
    expect(series.seriesInstanceUID.value).toMatch(/^2\.25\.\d+$/);
    expect(sc.sopInstanceUID.value).toMatch(/^2\.25\.\d+$/);
    const source = await t.json<Source>(`/api/metadata/series/${sc.seriesId}/source`);
    expect(source).toMatchObject({ sourceType: 'user', sourceName: 'admin' });
  });

  test('the stored object: SC, JPEG baseline, one fragment, attributes from the database rows', async () => {
    const attrs = await t.json<ImageAttribute[]>(`/api/images/${sc.id}/attributes`);
    const v = (name: string) => attrs.find((a) => a.namePath.join('.') === name)?.values;
    expect(v('MediaStorageSOPClassUID')).toEqual(['1.2.840.10008.5.1.4.1.1.7']);
    expect(v('TransferSyntaxUID')).toEqual(['1.2.840.10008.1.2.4.50']);
    expect(v('SpecificCharacterSet')).toEqual(['ISO_IR 192']);
    expect(v('PatientName')).toEqual(['anon270']);
    expect(v('PatientID')).toEqual(['anon270']);
    expect(v('PatientSex')).toEqual(['F']);
    expect(v('PatientAge')).toEqual(['011Y']);
    expect(v('StudyInstanceUID')).toEqual([study.studyInstanceUID.value]);
    expect(v('StudyDescription')).toEqual(['Statisk njurscintigrafi']);
    expect(v('StudyDate')).toEqual(['20100301']);
    expect(v('AccessionNumber')).toEqual(['SeSka_SEKMAS0003951476']);
    expect(v('Rows')).toEqual(['224']);
    expect(v('Columns')).toEqual(['225']);
    expect(v('SamplesPerPixel')).toEqual(['3']);
    expect(v('PhotometricInterpretation')).toEqual(['YBR_FULL_422']);
    expect(v('BitsAllocated')).toEqual(['8']);
    expect(v('SeriesDate')?.[0]).toMatch(/^\d{8}$/);
    expect(v('InstanceCreationDate')).toEqual(v('SeriesDate'));

    const res = await t.api(`/api/images/${sc.id}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    const file = join(work, 'sc.dcm');
    writeFileSync(file, bytes);
    const dump = execFileSync('dcmdump', ['-q', file], { encoding: 'utf8' });
    expect(dump).toMatch(/\(fffe,e000\) pi \(no value available\)/);
    expect(dump.match(/\(fffe,e000\) pi/g)).toHaveLength(2);
    // The JPEG is stored unchanged as the fragment.
    expect(bytes.includes(testFile('cat.jpg'))).toBe(true);
    // No Error lines beyond those of the image whose study it joins.
    const source = join(work, 'source.dcm');
    writeFileSync(source, testFile('test.dcm'));
    const before = errorsOf(source);
    const extra = [...errorsOf(file)].filter((e) => !before.has(e));
    expect(extra).toEqual([]);
  });

  test('PNG of the new image → 200, non-empty, native size', async () => {
    const res = await t.api(`/api/images/${sc.id}/png`);
    expect(res.status).toBe(200);
    const png = new Uint8Array(await res.arrayBuffer());
    const view = new DataView(png.buffer);
    expect([view.getUint32(16), view.getUint32(20)]).toEqual([225, 224]);
  });

  test('every call creates a new series; without description it is empty', async () => {
    const res = await postJpeg(
      `?studyid=${study.id}`,
      testFile('cat.jpg'),
      'application/octet-stream',
    );
    expect(res.status).toBe(201);
    const image = (await res.json()) as Image;
    expect(image.seriesId).not.toBe(sc.seriesId);
    const series = await t.json<Series>(`/api/metadata/series/${image.seriesId}`);
    expect(series.seriesDescription.value).toBe('');
  });

  test('multipart upload with a file part works as well', async () => {
    const form = new FormData();
    form.append('file', new Blob([testFile('cat.jpg')]), 'cat.jpg');
    const res = await t.api(`/api/images/jpeg?studyid=${study.id}`, { method: 'POST', body: form });
    expect(res.status).toBe(201);
  });

  describe('bad input leaves nothing behind', () => {
    let count: number;
    beforeAll(() => {
      count = readdirSync(join(t.dataDir, 'dicom')).length;
    });
    afterAll(() => {
      expect(readdirSync(join(t.dataDir, 'dicom')).length).toBe(count);
      expect(readdirSync(join(t.dataDir, 'tmp'))).toEqual([]);
      expect(count).toBeGreaterThan(imagesBefore);
    });

    test('unknown study → 404; missing studyid → 404; bad studyid → 400', async () => {
      expect((await postJpeg('?studyid=666', testFile('cat.jpg'))).status).toBe(404);
      expect((await postJpeg('', testFile('cat.jpg'))).status).toBe(404);
      expect((await postJpeg('?studyid=abc', testFile('cat.jpg'))).status).toBe(400);
    });

    test('not a JPEG → 400', async () => {
      const cat = testFile('cat.jpg');
      const sos = cat.indexOf(Buffer.from([0xff, 0xda]));
      const cases: Array<[string, Uint8Array]> = [
        ['01 02 03 04', Uint8Array.of(1, 2, 3, 4)],
        ['empty', new Uint8Array(0)],
        ['DICOM', testFile('test.dcm')],
        ['SOI only', Uint8Array.of(0xff, 0xd8, 0xff, 0xd9)],
        ['truncated header', cat.subarray(0, 300)],
        ['no scan', cat.subarray(0, sos)],
      ];
      for (const [name, body] of cases) {
        const res = await postJpeg(`?studyid=${study.id}`, body);
        expect(res.status, name).toBe(400);
      }
    });

    test('progressive or 4-component JPEGs → 400', async () => {
      const cat = Buffer.from(testFile('cat.jpg'));
      const sof = cat.indexOf(Buffer.from([0xff, 0xc0]));
      const progressive = Buffer.from(cat);
      progressive[sof + 1] = 0xc2;
      expect((await postJpeg(`?studyid=${study.id}`, progressive)).status).toBe(400);
      const cmyk = Buffer.from(cat);
      cmyk[sof + 9] = 4;
      expect((await postJpeg(`?studyid=${study.id}`, cmyk)).status).toBe(400);
    });
  });
});

describe('readJpegHeader', () => {
  test('cat.jpg', () => {
    expect(readJpegHeader(testFile('cat.jpg'))).toEqual({
      sof: 0xc0,
      precision: 8,
      rows: 224,
      columns: 225,
      components: 3,
    });
  });
});
