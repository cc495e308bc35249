/**
 * Pseudonym consistency through anonymization keys (harmonization, BEHAVIOR.md §11.4 step 4-5) and the key
 * record (§11.5).
 */
import { describe, expect, it } from 'vitest';
import {
  parseDicomFile,
  setElement,
  writeDicomFile,
} from '../../src-main/localbox/anonymization/dicom-codec.js';
import {
  InMemoryKeyStore,
  anonymizeDataset,
  rootTagPath,
} from '../../src-main/localbox/anonymization/index.js';
import type { NewKeyData } from '../../src-main/localbox/anonymization/index.js';
import { stringElement } from '../../src-main/localbox/anonymization/text-values.js';
import { DATA, FILES, load, rootValue } from './anonymization-support.js';

const SOP = 0x00080018;
const SERIES = 0x0020000e;
const PATIENT_NAME = 0x00100010;
const PATIENT_ID = 0x00100020;
const STUDY = 0x0020000d;
const FRAME_OF_REFERENCE = 0x00200052;

/** A copy of a file with some root string values replaced (another instance of the same study). */
function variant(bytes: Uint8Array, values: Record<number, string>): Uint8Array {
  const file = parseDicomFile(bytes);
  for (const [tag, value] of Object.entries(values)) {
    setElement(file.dataset, stringElement(Number(tag), 'UI', value));
  }
  return writeDicomFile(file);
}

function anonymizeAndStore(
  store: InMemoryKeyStore,
  bytes: Uint8Array,
  profile = ['BASIC_PROFILE'],
) {
  const result = anonymizeDataset(bytes, { profile, keys: store });
  if (result.key) store.insert(result.key, store.keys.length + 1);
  return result;
}

const pseudonyms = (b: Uint8Array) =>
  [PATIENT_NAME, PATIENT_ID, STUDY, FRAME_OF_REFERENCE].map((t) => rootValue(b, t));

describe('harmonization through keys', () => {
  it('two instances of one series share patient/study/series pseudonyms but not SOP UIDs', () => {
    const store = new InMemoryKeyStore();
    const first = load(FILES.ctSmall);
    const second = variant(first, { [SOP]: '1.2.3.4.5.6.7.8.9.2' });
    const a = anonymizeAndStore(store, first);
    const b = anonymizeAndStore(store, second);
    expect(a.matchLevel).toBeUndefined();
    expect(b.matchLevel).toBe('SERIES');
    expect(pseudonyms(b.bytes)).toEqual(pseudonyms(a.bytes));
    expect(rootValue(b.bytes, SERIES)).toBe(rootValue(a.bytes, SERIES));
    expect(rootValue(a.bytes, FRAME_OF_REFERENCE)).toMatch(/^2\.25\./);
    expect(rootValue(b.bytes, SOP)).not.toBe(rootValue(a.bytes, SOP));
    expect(rootValue(b.bytes, 0x00020003)).toBe(rootValue(b.bytes, SOP));
  });

  it('a second series of the same study shares patient and study pseudonyms only', () => {
    const store = new InMemoryKeyStore();
    const first = load(FILES.test);
    const second = variant(first, { [SOP]: '1.2.3.9.1', [SERIES]: '1.2.3.9' });
    const a = anonymizeAndStore(store, first);
    const b = anonymizeAndStore(store, second);
    expect(b.matchLevel).toBe('STUDY');
    expect(rootValue(b.bytes, PATIENT_NAME)).toBe(rootValue(a.bytes, PATIENT_NAME));
    expect(rootValue(b.bytes, PATIENT_ID)).toBe(rootValue(a.bytes, PATIENT_ID));
    expect(rootValue(b.bytes, STUDY)).toBe(rootValue(a.bytes, STUDY));
    expect(rootValue(b.bytes, SERIES)).not.toBe(rootValue(a.bytes, SERIES));
  });

  it('real dicomdir instances of one patient (flagged anonymous, forced): one patient pseudonym', () => {
    const store = new InMemoryKeyStore();
    const files = ['CT2N_6293', 'CT2N_6924', 'CT5N_2062', 'CT5N_2392'].map((n) =>
      load(`${DATA}/pydicom/dicomdir_98892001_${n}.dcm`),
    );
    const results = files.map((bytes) => {
      const r = anonymizeDataset(bytes, { profile: ['BASIC_PROFILE'], keys: store, force: true });
      if (r.key) store.insert(r.key);
      return r;
    });
    expect(new Set(results.map((r) => rootValue(r.bytes, PATIENT_ID))).size).toBe(1);
    expect(new Set(results.map((r) => rootValue(r.bytes, STUDY))).size).toBe(1);
    expect(new Set(results.map((r) => rootValue(r.bytes, SERIES))).size).toBe(2);
    expect(new Set(results.map((r) => rootValue(r.bytes, SOP))).size).toBe(4);
  });

  it('re-anonymizing the very same image reproduces its anonymous SOP Instance UID (IMAGE match)', () => {
    const store = new InMemoryKeyStore();
    const a = anonymizeAndStore(store, load(FILES.mrSmall));
    const b = anonymizeAndStore(store, load(FILES.mrSmall));
    expect(b.matchLevel).toBe('IMAGE');
    expect(rootValue(b.bytes, SOP)).toBe(rootValue(a.bytes, SOP));
  });

  it('without stored keys the pseudonyms differ; different patients never share them', () => {
    const a = anonymizeDataset(load(FILES.ctSmall), {
      profile: ['BASIC_PROFILE'],
      keys: new InMemoryKeyStore(),
    });
    const b = anonymizeDataset(load(FILES.ctSmall), {
      profile: ['BASIC_PROFILE'],
      keys: new InMemoryKeyStore(),
    });
    expect(rootValue(b.bytes, PATIENT_ID)).not.toBe(rootValue(a.bytes, PATIENT_ID));
    const store = new InMemoryKeyStore();
    const ct = anonymizeAndStore(store, load(FILES.ctSmall));
    const mr = anonymizeAndStore(store, load(FILES.mrSmall));
    expect(mr.matchLevel).toBeUndefined();
    expect(rootValue(mr.bytes, PATIENT_ID)).not.toBe(rootValue(ct.bytes, PATIENT_ID));
  });

  it('100 images of one series anonymized one after another → exactly one anonymous PatientID', () => {
    const store = new InMemoryKeyStore();
    const src = load(FILES.mrSmall);
    const ids = new Set<string | undefined>();
    for (let i = 0; i < 100; i++) {
      ids.add(
        rootValue(
          anonymizeAndStore(store, variant(src, { [SOP]: `1.2.826.0.1.99.${i}` })).bytes,
          PATIENT_ID,
        ),
      );
    }
    expect(ids.size).toBe(1);
  });
});

describe('key record', () => {
  it('records the five main values and the configured key attributes present in the original', () => {
    const source = load(FILES.test);
    const { key, bytes } = anonymizeDataset(source, {
      profile: ['BASIC_PROFILE'],
      keys: new InMemoryKeyStore(),
    });
    const k = key as NewKeyData;
    expect(k.patientName).toBe('anon270');
    expect(k.patientID).toBe('anon270');
    expect(k.studyInstanceUID).toBe('1.2.752.24.5.4236802714.20070711135934.4103859');
    expect(k.sopInstanceUID).toBe(rootValue(source, SOP));
    expect(k.anonPatientID).toBe(rootValue(bytes, PATIENT_ID));
    expect(k.anonSeriesInstanceUID).toBe(rootValue(bytes, SERIES));
    const byName = Object.fromEntries(k.values.map((v) => [v.tagPath.name, v]));
    expect(byName.StudyDescription).toEqual({
      tagPath: rootTagPath(0x00081030),
      value: 'Statisk njurscintigrafi',
      anonymizedValue: '',
    });
    expect(byName.AccessionNumber?.value).toBe('SeSka_SEKMAS0003951476');
    expect(byName.ProtocolName?.value).toBe('DMSA');
    // absent in the original → not recorded
    expect(byName.PatientBirthDate).toBeUndefined();
    expect(byName.FrameOfReferenceUID).toBeUndefined();
    expect(byName.PatientIdentityRemoved).toBeUndefined();
  });

  it('records FrameOfReferenceUID with its new value', () => {
    const { key, bytes } = anonymizeDataset(load(FILES.ctSmall), {
      profile: ['BASIC_PROFILE'],
      keys: new InMemoryKeyStore(),
    });
    const frame = key?.values.find((v) => v.tagPath.tag === FRAME_OF_REFERENCE);
    expect(frame?.value).toBe(rootValue(load(FILES.ctSmall), FRAME_OF_REFERENCE));
    expect(frame?.anonymizedValue).toBe(rootValue(bytes, FRAME_OF_REFERENCE));
  });
});

describe('custom tag values and already anonymous data', () => {
  it('a custom PatientName wins and is recorded; PatientID still gets a pseudonym', () => {
    const { bytes, key } = anonymizeDataset(load(FILES.test), {
      profile: ['BASIC_PROFILE'],
      keys: new InMemoryKeyStore(),
      tagValues: [{ tagPath: { tag: PATIENT_NAME, name: 'PatientName' }, value: 'Anon Pat 1' }],
    });
    expect(rootValue(bytes, PATIENT_NAME)).toBe('Anon Pat 1');
    expect(key?.anonPatientName).toBe('Anon Pat 1');
    expect(rootValue(bytes, PATIENT_ID)).not.toBe('anon270');
  });

  it('custom values are inserted at root level even for non-key attributes (by keyword)', () => {
    const { bytes } = anonymizeDataset(load(FILES.test), {
      profile: ['BASIC_PROFILE'],
      keys: new InMemoryKeyStore(),
      tagValues: [{ tagPath: { name: 'StudyDescription' } as never, value: 'Research 7' }],
    });
    expect(rootValue(bytes, 0x00081030)).toBe('Research 7');
  });

  it('already anonymous data is returned unchanged without a key, unless forced', () => {
    const store = new InMemoryKeyStore();
    const once = anonymizeDataset(load(FILES.test), {
      profile: ['BASIC_PROFILE'],
      keys: store,
    }).bytes;
    const again = anonymizeDataset(once, { profile: ['BASIC_PROFILE'], keys: store });
    expect(again.anonymized).toBe(false);
    expect(again.key).toBeNull();
    expect(again.bytes).toBe(once);
    const forced = anonymizeDataset(once, { profile: ['BASIC_PROFILE'], keys: store, force: true });
    expect(forced.anonymized).toBe(true);
    expect(rootValue(forced.bytes, PATIENT_ID)).not.toBe(rootValue(once, PATIENT_ID));
  });
});
