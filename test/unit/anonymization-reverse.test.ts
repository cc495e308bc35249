/**
 * Reverse anonymization on receipt (BEHAVIOR.md §11.7).
 */
import { describe, expect, it } from 'vitest';
import {
  InMemoryKeyStore,
  anonymizeDataset,
  reverseAnonymizeDataset,
} from '../../src-main/localbox/anonymization/index.js';
import {
  parseDicomFile,
  setElement,
  writeDicomFile,
} from '../../src-main/localbox/anonymization/dicom-codec.js';
import { stringElement } from '../../src-main/localbox/anonymization/text-values.js';
import { FILES, dcmdumpStatus, load, rootValue, walk, writeTemp } from './anonymization-support.js';

const PATIENT_NAME = 0x00100010;
const PATIENT_ID = 0x00100020;
const STUDY = 0x0020000d;
const SERIES = 0x0020000e;
const SOP = 0x00080018;

function anonymizedWithKey(file: string) {
  const store = new InMemoryKeyStore();
  const source = load(file);
  const result = anonymizeDataset(source, { profile: ['BASIC_PROFILE'], keys: store });
  if (result.key) store.insert(result.key, 1);
  return { store, source, anonymized: result.bytes };
}

function replaceSop(bytes: Uint8Array, uid: string): Uint8Array {
  const file = parseDicomFile(bytes);
  setElement(file.dataset, stringElement(SOP, 'UI', uid));
  return writeDicomFile(file);
}

describe('reverse anonymization', () => {
  it('restores the real patient name/ID and UIDs (IMAGE match) and the recorded attributes', () => {
    const { store, source, anonymized } = anonymizedWithKey(FILES.test);
    const r = reverseAnonymizeDataset(anonymized, { keys: store });
    expect(r.reversed).toBe(true);
    expect(r.matchLevel).toBe('IMAGE');
    for (const tag of [PATIENT_NAME, PATIENT_ID, STUDY, SERIES, SOP]) {
      expect(rootValue(r.bytes, tag)).toBe(rootValue(source, tag));
    }
    expect(rootValue(r.bytes, 0x00020003)).toBe(rootValue(source, SOP));
    // removed by the profile, recorded in the key, inserted again
    expect(rootValue(r.bytes, 0x00081030)).toBe('Statisk njurscintigrafi');
    expect(rootValue(r.bytes, 0x00080050)).toBe('SeSka_SEKMAS0003951476');
    // the original had no PatientIdentityRemoved, so the flag stays
    expect(rootValue(r.bytes, 0x00120062)).toBe('YES');
    expect(dcmdumpStatus(writeTemp(r.bytes, 'reversed.dcm'))).toBe(0);
  });

  it('matches at SERIES level for another instance: patient/study/series restored, SOP UID kept', () => {
    const { store, source, anonymized } = anonymizedWithKey(FILES.ctSmall);
    // Another anonymous instance of the same anonymous series (its SOP UID is not in any key).
    const incoming = reverseAnonymizeDataset(replaceSop(anonymized, '2.25.1234'), { keys: store });
    expect(incoming.matchLevel).toBe('SERIES');
    expect(rootValue(incoming.bytes, PATIENT_NAME)).toBe(rootValue(source, PATIENT_NAME));
    expect(rootValue(incoming.bytes, SERIES)).toBe(rootValue(source, SERIES));
    expect(rootValue(incoming.bytes, SOP)).toBe('2.25.1234');
  });

  it('leaves nested attributes alone', () => {
    const { store, anonymized } = anonymizedWithKey(FILES.test);
    const r = reverseAnonymizeDataset(anonymized, { keys: store });
    const nested = (b: Uint8Array) =>
      walk(b)
        .filter((e) => e.ancestors.length > 0)
        .map((e) => `${e.path}=${e.value}`);
    expect(nested(r.bytes)).toEqual(nested(anonymized));
  });

  it('stores unflagged data and data without a matching key unchanged', () => {
    const source = load(FILES.test);
    const { store, anonymized } = anonymizedWithKey(FILES.ctSmall);
    const unflagged = reverseAnonymizeDataset(source, { keys: store });
    expect(unflagged.reversed).toBe(false);
    expect(unflagged.bytes).toBe(source);
    const unknown = reverseAnonymizeDataset(anonymized, { keys: new InMemoryKeyStore() });
    expect(unknown.reversed).toBe(false);
    expect(unknown.bytes).toBe(anonymized);
  });
});
