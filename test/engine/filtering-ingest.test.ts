/** Tag filters applied on ingestion for the data's source (BEHAVIOR.md §6.1 step 3, §19). */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { findElement, parseDicomFile } from '../../src-main/localbox/anonymization/dicom-codec.js';
import type { DicomDataset } from '../../src-main/localbox/anonymization/dicom-codec.js';
import type { Image, Patient } from '../../src-main/slicebox/types.js';
import { TAG, derive, download } from './anonymization-support.js';
import { sha256, startTestBox, testFile } from './support.js';
import type { TestBox } from './support.js';
import { createUser, postJson } from './query-support.js';

const PATIENT_SEX = 0x00100040;
const SOP_CLASS_UID = 0x00080016;
const DETECTOR_INFORMATION_SEQUENCE = 0x00540022;
const COLLIMATOR_TYPE = 0x00181181;
const COLLIMATOR_GRID_NAME = 0x00181180;
const PATIENT_ORIENTATION_CODE_SEQUENCE = 0x00540410;
const CODE_VALUE = 0x00080100;

let t: TestBox;

beforeAll(async () => {
  t = await startTestBox();
});
afterAll(async () => {
  await t.stop();
});

async function filterWith(type: string, paths: unknown[]): Promise<number> {
  const f = (await (
    await postJson(t, '/api/filtering/filters', { id: -1, name: type, tagFilterType: type })
  ).json()) as { id: number };
  for (const tagPath of paths) {
    const res = await postJson(t, `/api/filtering/filters/${f.id}/tagpaths`, {
      id: -1,
      tagFilterId: f.id,
      tagPath,
    });
    expect(res.status).toBe(201);
  }
  return f.id;
}

async function associate(filterId: number, sourceType: string, sourceId: number): Promise<void> {
  const res = await postJson(t, '/api/filtering/associations', {
    id: -1,
    sourceType,
    sourceName: 'n',
    sourceId,
    tagFilterId: filterId,
    tagFilterName: 'n',
  });
  expect(res.status).toBe(201);
}

const tags = (ds: DicomDataset) => ds.map((e) => e.tag);

test('no filter for the source: the stored file is byte-for-byte the upload', async () => {
  const other = await createUser(t, 'unfiltered');
  const bl = await filterWith('BLACKLIST', [{ tag: PATIENT_SEX, name: '' }]);
  await associate(bl, 'user', 99999);
  const data = derive(testFile('test.dcm'), {
    [TAG.SOPInstanceUID]: '5.5.5',
    [TAG.PatientName]: 'plain',
  });
  const res = await t.upload('/api/images', data, { auth: other.auth });
  expect(res.status).toBe(201);
  const image = (await res.json()) as Image;
  expect(sha256(await download(t, image.id))).toBe(sha256(data));
});

test('blacklist: listed elements, items and whole sequences are removed; metadata follows the filtered data', async () => {
  const user = await createUser(t, 'blacklisted');
  const bl = await filterWith('BLACKLIST', [
    { tag: PATIENT_SEX, name: 'PatientSex' },
    // CollimatorType in any item of DetectorInformationSequence
    {
      tag: COLLIMATOR_TYPE,
      name: '',
      previous: { tag: DETECTOR_INFORMATION_SEQUENCE, name: '', item: '*' },
    },
    { tag: PATIENT_ORIENTATION_CODE_SEQUENCE, name: '' },
  ]);
  await associate(bl, 'user', user.id);
  const res = await t.upload('/api/images', testFile('test.dcm'), { auth: user.auth });
  expect(res.status).toBe(201);
  const image = (await res.json()) as Image;
  const file = parseDicomFile(await download(t, image.id));
  expect(findElement(file.dataset, PATIENT_SEX)).toBeUndefined();
  expect(findElement(file.dataset, PATIENT_ORIENTATION_CODE_SEQUENCE)).toBeUndefined();
  const detector = findElement(file.dataset, DETECTOR_INFORMATION_SEQUENCE);
  const item = detector?.items?.[0] as DicomDataset;
  expect(tags(item)).not.toContain(COLLIMATOR_TYPE);
  expect(tags(item)).toContain(COLLIMATOR_GRID_NAME);
  expect(findElement(file.dataset, TAG.PatientName)).toBeDefined();
  expect(findElement(file.meta, 0x00020010)).toBeDefined();
  const patients = await t.json<Patient[]>('/api/metadata/patients');
  expect(patients.map((p) => [p.patientName.value, p.patientSex.value])).toEqual([
    ['plain', 'F'],
    ['anon270', ''],
  ]);
});

test('whitelist (import session): only listed trees survive, with their enclosing sequences; file meta is kept', async () => {
  const session = (await (
    await postJson(t, '/api/import/sessions', {
      id: -1,
      name: 'wl',
      userId: -1,
      user: '',
      filesImported: 0,
      filesAdded: 0,
      filesRejected: 0,
      created: 0,
      lastUpdated: 0,
    })
  ).json()) as { id: number };
  const keep = [
    TAG.PatientName,
    TAG.PatientID,
    TAG.StudyInstanceUID,
    TAG.SeriesInstanceUID,
    TAG.SOPInstanceUID,
    SOP_CLASS_UID,
  ];
  const wl = await filterWith('WHITELIST', [
    ...keep.map((tag) => ({ tag, name: '' })),
    {
      tag: COLLIMATOR_TYPE,
      name: '',
      previous: { tag: DETECTOR_INFORMATION_SEQUENCE, name: '', item: '1' },
    },
    { tag: PATIENT_ORIENTATION_CODE_SEQUENCE, name: '' },
  ]);
  await associate(wl, 'import', session.id);
  // A blacklist on the same source is applied first.
  await associate(
    await filterWith('BLACKLIST', [{ tag: TAG.PatientID, name: '' }]),
    'import',
    session.id,
  );
  const data = derive(testFile('test.dcm'), {
    [TAG.SOPInstanceUID]: '6.6.6',
    [TAG.PatientName]: 'whitelisted',
  });
  const res = await t.upload(`/api/import/sessions/${session.id}/images`, data);
  expect(res.status).toBe(201);
  const image = (await res.json()) as Image;
  const file = parseDicomFile(await download(t, image.id));
  expect(tags(file.dataset)).toEqual(
    [
      ...keep.filter((x) => x !== TAG.PatientID),
      DETECTOR_INFORMATION_SEQUENCE,
      PATIENT_ORIENTATION_CODE_SEQUENCE,
    ].sort((a, b) => a - b),
  );
  expect(
    tags(findElement(file.dataset, DETECTOR_INFORMATION_SEQUENCE)?.items?.[0] as DicomDataset),
  ).toEqual([COLLIMATOR_TYPE]);
  const orientation = findElement(file.dataset, PATIENT_ORIENTATION_CODE_SEQUENCE)
    ?.items?.[0] as DicomDataset;
  expect(tags(orientation)).toContain(CODE_VALUE);
  expect(tags(file.meta)).toContain(0x00020010);
  const patients = await t.json<Patient[]>('/api/metadata/patients?filter=whitelisted');
  expect(patients.map((p) => [p.patientName.value, p.patientID.value, p.patientSex.value])).toEqual(
    [['whitelisted', '', '']],
  );
});

test('removing the association stops the filtering', async () => {
  const user = await createUser(t, 'released');
  const bl = await filterWith('BLACKLIST', [{ tag: PATIENT_SEX, name: '' }]);
  await associate(bl, 'user', user.id);
  const associations = await t.json<Array<{ id: number; sourceId: number; sourceType: string }>>(
    '/api/filtering/associations',
  );
  const mine = associations.find((a) => a.sourceType === 'user' && a.sourceId === user.id);
  expect(
    (await t.api(`/api/filtering/associations/${mine?.id}`, { method: 'DELETE' })).status,
  ).toBe(204);
  const data = derive(testFile('test.dcm'), {
    [TAG.SOPInstanceUID]: '7.7.7',
    [TAG.PatientName]: 'released',
  });
  const image = (await (await t.upload('/api/images', data, { auth: user.auth })).json()) as Image;
  expect(sha256(await download(t, image.id))).toBe(sha256(data));
});
