/**
 * Anonymization key routes (BEHAVIOR.md §11.5, §11.8): list with paging/ordering/prefix filter, get, delete,
 * key values, query, CSV export (admin only).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type {
  AnonymizationKey,
  AnonymizationKeyValue,
} from '../../src-main/localbox/anonymization-store/index.js';
import type { Image } from '../../src-main/slicebox/types.js';
import { TAG, anonymizationBody, derive, putJson, uploadImage } from './anonymization-support.js';
import { basic, startTestBox, testFile } from './support.js';
import type { TestBox } from './support.js';

const TEST_DCM = new Uint8Array(testFile('test.dcm'));

let t: TestBox;
/** Keys in insertion order: real patient names B, A, then `Doe;John "x"` (no extra values). */
let keyB: AnonymizationKey;
let keyA: AnonymizationKey;
let keyC: AnonymizationKey;

function patientFile(name: string, n: number, extra: Record<number, string | null> = {}) {
  return derive(TEST_DCM, {
    [TAG.PatientName]: name,
    [TAG.PatientID]: `PID-${n}`,
    [TAG.StudyInstanceUID]: `1.2.826.0.1.3680043.2.1143.77.${n}.1`,
    [TAG.SeriesInstanceUID]: `1.2.826.0.1.3680043.2.1143.77.${n}.2`,
    [TAG.SOPInstanceUID]: `1.2.826.0.1.3680043.2.1143.77.${n}.3`,
    ...extra,
  });
}

async function anonymizedCopy(image: Image, anonName: string): Promise<void> {
  const res = await putJson(
    t,
    `/api/images/${image.id}/anonymized`,
    anonymizationBody(['BASIC_PROFILE'], [{ tagPath: { name: 'PatientName' }, value: anonName }]),
    'POST',
  );
  expect(res.status).toBe(200);
}

async function list(query = ''): Promise<AnonymizationKey[]> {
  return t.json<AnonymizationKey[]>(`/api/anonymization/keys${query}`);
}

beforeAll(async () => {
  t = await startTestBox();
  const b = await uploadImage(
    t,
    patientFile('B', 1, {
      [TAG.PatientBirthDate]: '19700101',
      [TAG.FrameOfReferenceUID]: '1.2.826.0.1.3680043.2.1143.77.1.9',
    }),
  );
  await anonymizedCopy(b, 'AnonB');
  const a = await uploadImage(t, patientFile('A', 2));
  await anonymizedCopy(a, 'AnonA');
  // No recorded extra attribute at all: its CSV row carries the placeholder tag path.
  const c = await uploadImage(
    t,
    patientFile('Doe;John "x"', 3, {
      [TAG.AccessionNumber]: null,
      [TAG.StudyDescription]: null,
      [0x0008103e]: null,
      [0x00181030]: null,
      [0x00200010]: null,
    }),
  );
  await anonymizedCopy(c, 'AnonC');
  [keyB, keyA, keyC] = (await list()) as [AnonymizationKey, AnonymizationKey, AnonymizationKey];
});
afterAll(async () => {
  await t.stop();
});

describe('GET /anonymization/keys', () => {
  test('keys come in insertion order with the documented fields', async () => {
    const keys = await list();
    expect(keys.map((k) => k.patientName)).toEqual(['B', 'A', 'Doe;John "x"']);
    expect(Object.keys(keyB)).toEqual([
      'id',
      'created',
      'imageId',
      'patientName',
      'anonPatientName',
      'patientID',
      'anonPatientID',
      'studyInstanceUID',
      'anonStudyInstanceUID',
      'seriesInstanceUID',
      'anonSeriesInstanceUID',
      'sopInstanceUID',
      'anonSOPInstanceUID',
    ]);
    expect(keyB).toMatchObject({
      patientName: 'B',
      anonPatientName: 'AnonB',
      patientID: 'PID-1',
      studyInstanceUID: '1.2.826.0.1.3680043.2.1143.77.1.1',
      seriesInstanceUID: '1.2.826.0.1.3680043.2.1143.77.1.2',
      sopInstanceUID: '1.2.826.0.1.3680043.2.1143.77.1.3',
    });
    expect(keyB.anonPatientID).toMatch(/^2\.25\.\d+$/);
    expect(keyB.anonSOPInstanceUID).toMatch(/^2\.25\.\d+$/);
    expect(Math.abs(keyB.created - Date.now())).toBeLessThan(60_000);
  });

  test('paging and ordering: startindex=0&count=1&orderby=patientName&orderascending=true → the A key', async () => {
    expect(await list('?startindex=0&count=1&orderby=patientName&orderascending=true')).toEqual([
      keyA,
    ]);
    expect(
      (await list('?orderby=patientName&orderascending=false')).map((k) => k.patientName),
    ).toEqual(['Doe;John "x"', 'B', 'A']);
    expect(await list('?startindex=1&count=1')).toEqual([keyA]);
    expect(await list('?count=0')).toEqual([]);
    // Plain signed integers: negative values are not rejected.
    expect((await t.api('/api/anonymization/keys?startindex=-1')).status).toBe(200);
    expect((await t.api('/api/anonymization/keys?count=abc')).status).toBe(400);
    const bad = await t.api('/api/anonymization/keys?orderby=xyz');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toBe('Property xyz does not exist');
  });

  test('filter is a case-insensitive prefix match on the name/ID/UID fields', async () => {
    expect((await list('?filter=b')).map((k) => k.id)).toEqual([keyB.id]);
    expect((await list('?filter=anona')).map((k) => k.id)).toEqual([keyA.id]);
    expect((await list('?filter=pid-')).map((k) => k.id)).toEqual([keyB.id, keyA.id, keyC.id]);
    expect(await list('?filter=ID-')).toEqual([]); // substring, not prefix
    expect((await list(`?filter=${keyC.anonSOPInstanceUID}`)).map((k) => k.id)).toEqual([keyC.id]);
  });
});

describe('GET|DELETE /anonymization/keys/{id}, key values', () => {
  test('GET a key → 200; unknown → 404', async () => {
    expect(await t.json(`/api/anonymization/keys/${keyA.id}`)).toEqual(keyA);
    expect((await t.api('/api/anonymization/keys/666')).status).toBe(404);
  });

  test('key values: the recorded extra attributes with root tag paths, in insertion order', async () => {
    const values = await t.json<AnonymizationKeyValue[]>(
      `/api/anonymization/keys/${keyB.id}/keyvalues`,
    );
    expect(values.map((v) => v.tagPath.name)).toEqual([
      'AccessionNumber',
      'StudyDescription',
      'SeriesDescription',
      'PatientBirthDate',
      'ProtocolName',
      'StudyID',
      'FrameOfReferenceUID',
    ]);
    const frame = values.find((v) => v.tagPath.name === 'FrameOfReferenceUID');
    expect(frame).toMatchObject({
      anonymizationKeyId: keyB.id,
      tagPath: { tag: TAG.FrameOfReferenceUID, name: 'FrameOfReferenceUID' },
      value: '1.2.826.0.1.3680043.2.1143.77.1.9',
    });
    expect(Object.keys(frame ?? {})).toEqual([
      'id',
      'anonymizationKeyId',
      'tagPath',
      'value',
      'anonymizedValue',
    ]);
    expect(Object.keys(frame?.tagPath ?? {})).toEqual(['tag', 'name']);
    expect(frame?.anonymizedValue).toMatch(/^2\.25\.\d+$/);
    expect(values.find((v) => v.tagPath.name === 'PatientBirthDate')).toMatchObject({
      tagPath: { tag: TAG.PatientBirthDate, name: 'PatientBirthDate' },
      value: '19700101',
      anonymizedValue: '',
    });
    expect(await t.json(`/api/anonymization/keys/${keyC.id}/keyvalues`)).toEqual([]);
    expect(await t.json('/api/anonymization/keys/666/keyvalues')).toEqual([]);
  });
});

describe('POST /anonymization/keys/query', () => {
  const query = (body: unknown) =>
    t.api('/api/anonymization/keys/query', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  test('anonPatientName = value → exactly that key', async () => {
    const res = await query({
      startIndex: 0,
      count: 20,
      queryProperties: [{ propertyName: 'anonPatientName', operator: '=', propertyValue: 'AnonA' }],
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([keyA]);
  });

  test('like (case-sensitive, wildcards active), AND, order and paging', async () => {
    const ids = async (body: unknown) =>
      ((await (await query(body)).json()) as AnonymizationKey[]).map((k) => k.id);
    expect(
      await ids({
        startIndex: 0,
        count: 20,
        queryProperties: [{ propertyName: 'patientID', operator: 'like', propertyValue: 'ID-' }],
      }),
    ).toEqual([keyB.id, keyA.id, keyC.id]);
    expect(
      await ids({
        startIndex: 0,
        count: 20,
        queryProperties: [{ propertyName: 'patientID', operator: 'like', propertyValue: 'id-' }],
      }),
    ).toEqual([]);
    expect(
      await ids({
        startIndex: 0,
        count: 20,
        queryProperties: [
          { propertyName: 'anonPatientName', operator: 'like', propertyValue: 'Anon_' },
          { propertyName: 'patientID', operator: '=', propertyValue: 'PID-3' },
        ],
      }),
    ).toEqual([keyC.id]);
    expect(
      await ids({
        startIndex: 1,
        count: 1,
        order: { orderBy: 'patientName', orderAscending: false },
        queryProperties: [],
      }),
    ).toEqual([keyB.id]);
    expect(
      await ids({
        startIndex: 0,
        count: 20,
        queryProperties: [
          { propertyName: 'imageId', operator: '=', propertyValue: String(keyA.imageId) },
        ],
      }),
    ).toEqual([keyA.id]);
  });

  test('unknown property or order name, bad operator, missing field → 400', async () => {
    const bodies = [
      {
        startIndex: 0,
        count: 20,
        queryProperties: [{ propertyName: 'x', operator: '=', propertyValue: '1' }],
      },
      {
        startIndex: 0,
        count: 20,
        order: { orderBy: 'x', orderAscending: true },
        queryProperties: [],
      },
      {
        startIndex: 0,
        count: 20,
        queryProperties: [{ propertyName: 'id', operator: '<', propertyValue: '1' }],
      },
      { startIndex: 0, count: 20 },
    ];
    for (const body of bodies) expect((await query(body)).status, JSON.stringify(body)).toBe(400);
  });
});

describe('GET /anonymization/keys/export/csv', () => {
  test('admin: CSV with header, one row per key value, placeholder row for a key without values, quoting', async () => {
    const res = await t.api('/api/anonymization/keys/export/csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=UTF-8');
    expect(res.headers.get('content-disposition')).toBe(
      'attachment; filename=slicebox-anonymization-info.csv',
    );
    const text = await res.text();
    expect(text.endsWith('\r\n')).toBe(true);
    const lines = text.slice(0, -2).split('\r\n');
    expect(lines[0]).toBe(
      'ID;Image ID;Created;Patient Name;Anonymous Patient Name;Patient ID;Anonymous Patient ID;Study Instance UID;Anonymous Study Instance UID;Series Instance UID;Anonymous Series Instance UID;SOP Instance UID;Anonymous SOP Instance UID;Tag Path;Value;Anonymized Value',
    );
    // B: 7 values, A: 5 (no birth date, no frame of reference), C: none → 1 placeholder row.
    expect(lines).toHaveLength(1 + 7 + 5 + 1);
    const keyFields = (k: AnonymizationKey) =>
      [
        k.id,
        k.imageId,
        k.created,
        k.patientName,
        k.anonPatientName,
        k.patientID,
        k.anonPatientID,
        k.studyInstanceUID,
        k.anonStudyInstanceUID,
        k.seriesInstanceUID,
        k.anonSeriesInstanceUID,
        k.sopInstanceUID,
        k.anonSOPInstanceUID,
      ].join(';');
    expect(lines[1]).toBe(`${keyFields(keyB)};AccessionNumber;SeSka_SEKMAS0003951476;`);
    expect(lines[7]).toMatch(
      new RegExp(
        `^${keyFields(keyB).replace(/\./g, '\\.')};FrameOfReferenceUID;1\\.2\\.826\\.0\\.1\\.3680043\\.2\\.1143\\.77\\.1\\.9;2\\.25\\.\\d+$`,
      ),
    );
    expect(lines[8]?.startsWith(`${keyFields(keyA)};AccessionNumber;`)).toBe(true);
    const quotedName = '"Doe;John ""x"""';
    expect(lines[13]).toBe(keyFields({ ...keyC, patientName: quotedName }) + ';(0000,0000);;');
  });

  test('USER → 403', async () => {
    const created = await t.api('/api/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: -1, user: 'reader', role: 'USER', password: 'pw' }),
    });
    expect(created.status).toBe(201);
    const res = await t.api('/api/anonymization/keys/export/csv', { auth: basic('reader', 'pw') });
    expect(res.status).toBe(403);
    // Other key routes are open to any user.
    expect((await t.api('/api/anonymization/keys', { auth: basic('reader', 'pw') })).status).toBe(
      200,
    );
  });
});

describe('DELETE /anonymization/keys/{id}', () => {
  test('→ 204, values cascade, idempotent', async () => {
    expect((await t.api(`/api/anonymization/keys/${keyB.id}`, { method: 'DELETE' })).status).toBe(
      204,
    );
    expect((await t.api(`/api/anonymization/keys/${keyB.id}`)).status).toBe(404);
    expect(await t.json(`/api/anonymization/keys/${keyB.id}/keyvalues`)).toEqual([]);
    expect((await t.api(`/api/anonymization/keys/${keyB.id}`, { method: 'DELETE' })).status).toBe(
      204,
    );
    expect((await list()).map((k) => k.id)).toEqual([keyA.id, keyC.id]);
  });
});
