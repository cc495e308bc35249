/**
 * Reverse anonymization on receipt (BEHAVIOR.md §6.1 step 4, §11.7) for `POST /images` and import sessions:
 * data flagged anonymous whose anonymized values match a key is stored with the real values back.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AnonymizationKey } from '../../src-main/localbox/anonymization-store/index.js';
import type {
  Image,
  ImportSession,
  Patient,
  Series,
  Study,
} from '../../src-main/slicebox/types.js';
import {
  TAG,
  anonymizationBody,
  derive,
  download,
  putJson,
  rootText,
  uploadImage,
} from './anonymization-support.js';
import { sha256, startTestBox, testFile } from './support.js';
import type { TestBox } from './support.js';

const TEST_DCM = new Uint8Array(testFile('test.dcm'));
const REAL_STUDY_UID = '1.2.752.24.5.4236802714.20070711135934.4103859';

let t: TestBox;
let original: Image;
/** test.dcm anonymized (copy route), PatientName `Anon Pat 1`; its key is in the database. */
let anonymized: Uint8Array;

async function patientOf(image: Image): Promise<Patient> {
  const series = await t.json<Series>(`/api/metadata/series/${image.seriesId}`);
  const study = await t.json<Study>(`/api/metadata/studies/${series.studyId}`);
  return t.json<Patient>(`/api/metadata/patients/${study.patientId}`);
}

beforeAll(async () => {
  t = await startTestBox();
  original = await uploadImage(t, TEST_DCM);
  const res = await putJson(
    t,
    `/api/images/${original.id}/anonymized`,
    anonymizationBody(
      ['BASIC_PROFILE'],
      [{ tagPath: { name: 'PatientName' }, value: 'Anon Pat 1' }],
    ),
    'POST',
  );
  expect(res.status).toBe(200);
  anonymized = new Uint8Array(await res.arrayBuffer());
  expect(rootText(anonymized, TAG.PatientName)).toBe('Anon Pat 1');
  expect(rootText(anonymized, TAG.StudyDescription)).toBeUndefined();
});
afterAll(async () => {
  await t.stop();
});

describe('POST /images', () => {
  test('anonymized data whose key exists is stored with the real values restored', async () => {
    const res = await t.upload('/api/images', anonymized);
    // The restored identity is the original image's: it is overwritten (200, same id).
    expect(res.status).toBe(200);
    const image = (await res.json()) as Image;
    expect(image.id).toBe(original.id);
    expect(image.sopInstanceUID.value).toBe(original.sopInstanceUID.value);
    const patient = await patientOf(image);
    expect(patient.patientName.value).toBe('anon270');
    expect(patient.patientID.value).toBe('anon270');
    expect(await t.json<Patient[]>('/api/metadata/patients')).toHaveLength(1);

    const stored = await download(t, image.id);
    expect(rootText(stored, TAG.PatientName)).toBe('anon270');
    expect(rootText(stored, TAG.StudyInstanceUID)).toBe(REAL_STUDY_UID);
    expect(rootText(stored, TAG.MediaStorageSOPInstanceUID)).toBe(original.sopInstanceUID.value);
    // An attribute the anonymized data lacked (removed by the basic profile) is inserted from the key.
    expect(rootText(stored, TAG.StudyDescription)).toBe('Statisk njurscintigrafi');
    // The flag itself is not restored (the original had none), so the stored data still says YES.
    expect(rootText(stored, TAG.PatientIdentityRemoved)).toBe('YES');
    // Reverse anonymization leaves keys alone.
    expect(await t.json<AnonymizationKey[]>('/api/anonymization/keys')).toHaveLength(1);
  });

  test('unflagged data is stored unchanged even when its values match a key', async () => {
    const unflagged = derive(anonymized, { [TAG.PatientIdentityRemoved]: null });
    const res = await t.upload('/api/images', unflagged);
    expect(res.status).toBe(201);
    const image = (await res.json()) as Image;
    expect(sha256(await download(t, image.id))).toBe(sha256(unflagged));
    expect((await patientOf(image)).patientName.value).toBe('Anon Pat 1');
  });

  test('a PATIENT-level match restores only the patient attributes', async () => {
    // Another study of the same anonymous patient: name/ID match the key, the UIDs do not.
    const otherStudy = derive(anonymized, {
      [TAG.StudyInstanceUID]: '1.2.826.0.1.3680043.2.1143.55.1',
      [TAG.SeriesInstanceUID]: '1.2.826.0.1.3680043.2.1143.55.2',
      [TAG.SOPInstanceUID]: '1.2.826.0.1.3680043.2.1143.55.3',
    });
    const res = await t.upload('/api/images', otherStudy);
    expect(res.status).toBe(201);
    const stored = await download(t, ((await res.json()) as Image).id);
    expect(rootText(stored, TAG.PatientName)).toBe('anon270');
    expect(rootText(stored, TAG.PatientID)).toBe('anon270');
    expect(rootText(stored, TAG.StudyInstanceUID)).toBe('1.2.826.0.1.3680043.2.1143.55.1');
    expect(rootText(stored, TAG.StudyDescription)).toBeUndefined();
  });
});

describe('import sessions', () => {
  test('an imported anonymized file whose key exists is stored with the real values', async () => {
    const session = await t.json<ImportSession>('/api/import/sessions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id: -1,
        name: 'reverse',
        userId: -1,
        user: '',
        filesImported: 0,
        filesAdded: 0,
        filesRejected: 0,
        created: 0,
        lastUpdated: 0,
      }),
    });
    const res = await t.upload(`/api/import/sessions/${session.id}/images`, anonymized, {
      multipart: 'file',
    });
    expect(res.status).toBe(200);
    const image = (await res.json()) as Image;
    expect(image.id).toBe(original.id);
    expect((await patientOf(image)).patientName.value).toBe('anon270');
    expect(await t.json(`/api/metadata/series/${image.seriesId}/source`)).toMatchObject({
      sourceType: 'import',
      sourceId: session.id,
    });
  });
});

describe('without a matching key', () => {
  test('anonymized data is stored as received', async () => {
    const keys = await t.json<AnonymizationKey[]>('/api/anonymization/keys');
    for (const k of keys) {
      expect((await t.api(`/api/anonymization/keys/${k.id}`, { method: 'DELETE' })).status).toBe(
        204,
      );
    }
    const res = await t.upload('/api/images', anonymized);
    // Same identity as the unflagged copy stored above: that image is overwritten with the received bytes.
    expect(res.status).toBe(200);
    const image = (await res.json()) as Image;
    expect(sha256(await download(t, image.id))).toBe(sha256(anonymized));
    expect((await patientOf(image)).patientName.value).toBe('Anon Pat 1');
  });
});
