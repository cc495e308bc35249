/**
 * The preview helper of the anonymization library (anonymization/preview.ts) and the preview rows
 * (services/privacy/rows.ts): the attribute list comes from PS3.15 Table E.1-1, generated values are told
 * apart from predictable ones, a key makes everything predictable, flagged data goes unchanged unless
 * forced, and rows are marked removed / replaced / kept.
 */
import { describe, expect, it } from 'vitest';
import {
  IDENTIFYING_ATTRIBUTES,
  InMemoryKeyStore,
  anonymizeDataset,
  identifyingValues,
  previewAnonymization,
  withBasicProfile,
} from '../../src-main/localbox/anonymization/index.js';
import { changeOf, rowsOf } from '../../src-main/services/privacy/rows.js';
import { pydicomFile } from '../fixtures/paths.js';
import { FILES, load } from './anonymization-support.js';

const PETER = pydicomFile('dicomdir_98892001_CT2N_6293.dcm');
const NAME = { tagPath: { tag: 0x00100010, name: 'PatientName' }, value: 'anon 001' };
const after = (preview: ReturnType<typeof previewAnonymization>, keyword: string) =>
  preview.attributes.find((a) => a.keyword === keyword);

describe('privacy preview library', () => {
  it('lists identifying attributes of Table E.1-1, with their keywords and the table’s names', () => {
    expect(IDENTIFYING_ATTRIBUTES.length).toBe(47);
    expect(new Set(IDENTIFYING_ATTRIBUTES.map((a) => a.keyword)).size).toBe(47);
    expect(IDENTIFYING_ATTRIBUTES.every((a) => a.keyword !== '')).toBe(true);
    expect(IDENTIFYING_ATTRIBUTES.slice(0, 2)).toEqual([
      { tag: 0x00100010, keyword: 'PatientName', label: "Patient's Name" },
      { tag: 0x00100020, keyword: 'PatientID', label: 'Patient ID' },
    ]);
    expect(IDENTIFYING_ATTRIBUTES.map((a) => a.keyword)).toEqual(
      expect.arrayContaining([
        'PatientBirthDate',
        'OtherPatientIDs',
        'AccessionNumber',
        'InstitutionName',
        'InstitutionAddress',
        'ReferringPhysicianName',
        'PerformingPhysicianName',
        'StationName',
        'StudyDate',
        'SeriesDescription',
        'StudyInstanceUID',
        'SOPInstanceUID',
      ]),
    );
  });

  it('without a key: chosen and emptied values are exact, fresh UIDs are marked generated', () => {
    const bytes = load(FILES.ctSmall);
    const keys = new InMemoryKeyStore();
    const options = { profile: withBasicProfile([]), keys, tagValues: [NAME] };
    const preview = previewAnonymization(bytes, options);
    expect(preview).toMatchObject({ patientIdentityRemoved: false, anonymized: true });
    expect(preview.matchLevel).toBeUndefined();
    expect(after(preview, 'PatientName')).toMatchObject({
      before: 'CompressedSamples^CT1',
      after: 'anon 001',
      generated: false,
    });
    expect(after(preview, 'PatientSex')).toMatchObject({ after: '', generated: false });
    expect(after(preview, 'InstitutionName')).toMatchObject({ after: null, generated: false });
    const generated = preview.attributes.filter((a) => a.generated).map((a) => a.keyword);
    expect(generated).toEqual(
      expect.arrayContaining([
        'PatientID',
        'StudyInstanceUID',
        'SeriesInstanceUID',
        'SOPInstanceUID',
      ]),
    );
    // What an anonymization then writes: the exact values, and other fresh UIDs where generated.
    const written = identifyingValues(anonymizeDataset(bytes, options).bytes);
    for (const a of preview.attributes) {
      if (a.generated) expect(written.get(a.tag)).not.toBe(a.after);
      else expect(written.get(a.tag), a.keyword).toBe(a.after);
    }
    expect(keys.keys).toEqual([]);
  });

  it('with a key of the same image: nothing is generated, everything is what is written', () => {
    const bytes = load(FILES.ctSmall);
    const keys = new InMemoryKeyStore();
    const options = { profile: withBasicProfile([]), keys, tagValues: [NAME] };
    keys.insert(anonymizeDataset(bytes, options).key!, 1);
    const preview = previewAnonymization(bytes, options);
    expect(preview.matchLevel).toBe('IMAGE');
    expect(preview.attributes.filter((a) => a.generated)).toEqual([]);
    const written = identifyingValues(anonymizeDataset(bytes, options).bytes);
    for (const a of preview.attributes) expect(written.get(a.tag), a.keyword).toBe(a.after);
  });

  it('flagged data goes unchanged unless forced', () => {
    const bytes = load(PETER);
    const keys = new InMemoryKeyStore();
    const plain = previewAnonymization(bytes, {
      profile: withBasicProfile([]),
      keys,
      tagValues: [NAME],
    });
    expect(plain).toMatchObject({ patientIdentityRemoved: true, anonymized: false });
    expect(plain.attributes.every((a) => a.before === a.after && !a.generated)).toBe(true);
    expect(after(plain, 'PatientName')!.after).toBe('Doe^Peter');
    const forced = previewAnonymization(bytes, {
      profile: withBasicProfile([]),
      keys,
      tagValues: [NAME],
      force: true,
    });
    expect(forced.anonymized).toBe(true);
    expect(after(forced, 'PatientName')!.after).toBe('anon 001');
    expect(after(forced, 'PatientID')).toMatchObject({ before: '98890234', generated: true });
  });

  it('rows: removed (absent or emptied), replaced, kept', () => {
    expect(changeOf('Doe^Peter', null)).toBe('removed');
    expect(changeOf('20010101', '')).toBe('removed');
    expect(changeOf('Doe^Peter', 'anon 001')).toBe('replaced');
    expect(changeOf('M', 'M')).toBe('kept');
    expect(changeOf('', '')).toBe('kept');
    const [row] = rowsOf([
      {
        tag: 0x00100020,
        keyword: 'PatientID',
        label: 'Patient ID',
        before: '98890234',
        after: '2.25.1',
        generated: true,
      },
    ]);
    expect(row).toMatchObject({ change: 'replaced', generated: true });
  });
});
