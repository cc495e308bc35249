/** POST /api/images and GET /api/images/{id} (BEHAVIOR.md §10.1, 10.2), stored bytes and extracted metadata. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type {
  FlatSeries,
  Image,
  Patient,
  Series,
  Source,
  Study,
} from '../../src-main/slicebox/types.js';
import { PYDICOM, sha256, startTestBox, testFile } from './support.js';
import type { TestBox } from './support.js';

let t: TestBox;
beforeAll(async () => {
  t = await startTestBox();
});
afterAll(async () => {
  await t.stop();
});

function storedFiles(): string[] {
  return readdirSync(join(t.dataDir, 'dicom'));
}
function tempFiles(): string[] {
  return readdirSync(join(t.dataDir, 'tmp'));
}

describe('upload', () => {
  let first: Image;

  test('raw test.dcm → 201 with a new image, again → 200 with the same id', async () => {
    const res = await t.upload('/api/images', testFile('test.dcm'));
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('server')).toBe('slicebox');
    first = (await res.json()) as Image;
    expect(first.id).toBeGreaterThan(0);
    expect(Object.keys(first)).toEqual([
      'id',
      'seriesId',
      'sopInstanceUID',
      'imageType',
      'instanceNumber',
    ]);
    expect(first.imageType.value).toBe('ORIGINAL\\PRIMARY\\STATIC\\EMISSION');
    expect(first.instanceNumber.value).toBe('8');

    const again = await t.upload('/api/images', testFile('test.dcm'));
    expect(again.status).toBe(200);
    expect(((await again.json()) as Image).id).toBe(first.id);
  });

  test('multipart part "file" → 200 for the same image', async () => {
    const res = await t.upload('/api/images', testFile('test.dcm'), { multipart: 'file' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Image).id).toBe(first.id);
  });

  test('download is byte-identical to the upload', async () => {
    const res = await t.api(`/api/images/${first.id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(sha256(bytes)).toBe('19a5a00955c31ae1465eed0b472c2f6a35489ce8cf6a9e569c1d9fa24900d937');
  });

  test('deflated and big-endian files are stored byte for byte', async () => {
    for (const name of ['image_dfl.dcm', 'MR_small_bigendian.dcm', 'chrH32.dcm']) {
      const data = testFile(join(PYDICOM, name));
      const res = await t.upload('/api/images', data);
      expect(res.status, name).toBe(201);
      const image = (await res.json()) as Image;
      const back = new Uint8Array(await (await t.api(`/api/images/${image.id}`)).arrayBuffer());
      expect(sha256(back), name).toBe(sha256(data));
    }
  });

  test('unknown image id → 404; non-numeric id → 404', async () => {
    expect((await t.api('/api/images/987654')).status).toBe(404);
    expect((await t.api('/api/images/abc')).status).toBe(404);
  });

  test('metadata of test.dcm as the README describes it', async () => {
    const image = await t.json<Image>(`/api/metadata/images/${first.id}`);
    expect(image).toEqual(first);
    const series = await t.json<Series>(`/api/metadata/series/${image.seriesId}`);
    expect(series.seriesDescription.value).toBe('DET 1');
    expect(series.protocolName.value).toBe('DMSA');
    expect(series.manufacturer.value).toBe('ADAC');
    expect(series.stationName.value).toBe('MAS');
    expect(series.modality.value).toBe('NM');
    expect(Object.keys(series)).toEqual([
      'id',
      'studyId',
      'seriesInstanceUID',
      'seriesDescription',
      'seriesDate',
      'modality',
      'protocolName',
      'bodyPartExamined',
      'manufacturer',
      'stationName',
      'frameOfReferenceUID',
    ]);
    const study = await t.json<Study>(`/api/metadata/studies/${series.studyId}`);
    expect(study.studyDescription.value).toBe('Statisk njurscintigrafi');
    expect(study.patientAge.value).toBe('011Y');
    expect(Object.keys(study)).toEqual([
      'id',
      'patientId',
      'studyInstanceUID',
      'studyDescription',
      'studyDate',
      'studyID',
      'accessionNumber',
      'patientAge',
    ]);
    const patient = await t.json<Patient>(`/api/metadata/patients/${study.patientId}`);
    expect(patient).toEqual({
      id: study.patientId,
      patientName: { value: 'anon270' },
      patientID: { value: 'anon270' },
      patientBirthDate: { value: '' },
      patientSex: { value: 'F' },
    });
    const source = await t.json<Source>(`/api/metadata/series/${series.id}/source`);
    expect(source).toEqual({ sourceType: 'user', sourceName: 'admin', sourceId: 1 });
    const flat = await t.json<FlatSeries>(`/api/metadata/flatseries/${series.id}`);
    expect(flat).toEqual({ id: series.id, patient, study, series });
  });

  test.each([
    ['chrGerm.dcm', 'Äneas^Rüdiger'],
    ['chrFren.dcm', 'Buc^Jérôme'],
    ['chrRuss.dcm', 'Люкceмбypг'],
    ['chrGreek.dcm', 'Διονυσιος'],
    ['chrH31.dcm', 'Yamada^Tarou=山田^太郎=やまだ^たろう'],
    ['chrI2.dcm', 'Hong^Gildong=洪^吉洞=홍^길동'],
    ['chrX2.dcm', 'Wang^XiaoDong=王^小东='],
  ])('%s: PatientName decoded with its Specific Character Set', async (name, expected) => {
    const res = await t.upload('/api/images', testFile(join(PYDICOM, name)));
    expect(res.status).toBe(201);
    const image = (await res.json()) as Image;
    const flat = await t.json<FlatSeries>(`/api/metadata/flatseries/${image.seriesId}`);
    expect(flat.patient.patientName.value).toBe(expected);
  });
});

describe('bad input leaves nothing behind', () => {
  test.each([
    ['invalid.dcm', 'Invalid DICOM data: Not a DICOM stream'],
    ['cat.jpg', 'Invalid DICOM data: Not a DICOM stream'],
    [join(PYDICOM, 'MR_truncated.dcm'), 'Invalid DICOM data: DICOM file is truncated'],
    [
      join(PYDICOM, 'MR_small_RLE.dcm'),
      'Invalid DICOM data: The presentation context [SOPClassUID = 1.2.840.10008.5.1.4.1.1.4, TransferSyntaxUID = 1.2.840.10008.1.2.5] is not supported',
    ],
    [
      join(PYDICOM, 'rtstruct.dcm'),
      'Invalid DICOM data: The presentation context [SOPClassUID = 1.2.840.10008.5.1.4.1.1.481.3, TransferSyntaxUID = <empty>] is not supported',
    ],
    [
      join(PYDICOM, 'rtdose.dcm'),
      'Invalid DICOM data: The presentation context [SOPClassUID = 1.2.840.10008.5.1.4.1.1.481.2, TransferSyntaxUID = 1.2.840.10008.1.2] is not supported',
    ],
  ])('%s → 400 with the reason, no rows, no files', async (name, message) => {
    const patientsBefore = await t.json<Patient[]>('/api/metadata/patients?count=1000');
    const filesBefore = storedFiles().sort();
    for (const multipart of [undefined, 'file']) {
      const res = await t.upload('/api/images', testFile(name), { multipart });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await res.text()).toBe(message);
    }
    expect(await t.json<Patient[]>('/api/metadata/patients?count=1000')).toEqual(patientsBefore);
    expect(storedFiles().sort()).toEqual(filesBefore);
    expect(tempFiles()).toEqual([]);
  });

  test('bytes 01 02 03 04 → 400', async () => {
    const res = await t.upload('/api/images', Uint8Array.from([1, 2, 3, 4]));
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/^Invalid DICOM data: /);
  });

  test('an empty body → 400', async () => {
    const res = await t.api('/api/images', { method: 'POST' });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/^Invalid DICOM data: /);
  });

  test('multipart without a "file" part is treated as raw bytes → 400', async () => {
    const res = await t.upload('/api/images', testFile('test.dcm'), { multipart: 'other' });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/^Invalid DICOM data: /);
    expect(tempFiles()).toEqual([]);
  });

  test('a raw upload sent as application/json is still treated as DICOM bytes', async () => {
    const res = await t.api('/api/images', {
      method: 'POST',
      body: testFile('test.dcm'),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
  });

  test('every stored file has an image row and every image row a file', async () => {
    const ids = new Set<number>();
    for (const p of await t.json<Patient[]>('/api/metadata/patients?count=1000')) {
      for (const i of await t.json<Image[]>(`/api/metadata/patients/${p.id}/images`)) ids.add(i.id);
    }
    expect(
      storedFiles()
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual([...ids].sort((a, b) => a - b));
  });
});
