/**
 * Each retain/clean option changes what it should on real files.
 */
import { describe, expect, it } from 'vitest';
import {
  InMemoryKeyStore,
  UnsupportedOptionError,
  anonymizeDataset,
} from '../../src-main/localbox/anonymization/index.js';
import {
  DATA,
  FILES,
  dciodvfyErrors,
  dcmdumpStatus,
  load,
  rootValue,
  walk,
  writeTemp,
} from './anonymization-support.js';

const anonymize = (file: string, profile: string[]) =>
  anonymizeDataset(load(file), { profile, keys: new InMemoryKeyStore() }).bytes;
const has = (bytes: Uint8Array, tag: number) =>
  walk(bytes).some((e) => e.tag === tag && e.ancestors.length === 0);

const test = load(FILES.test);
const ct = load(FILES.ctSmall);

describe('options on real files', () => {
  it('RETAIN_LONGITUDINAL_TEMPORAL_INFORMATION keeps StudyDate/SeriesDate/StudyTime', () => {
    const basic = anonymize(FILES.test, ['BASIC_PROFILE']);
    const out = anonymize(FILES.test, [
      'BASIC_PROFILE',
      'RETAIN_LONGITUDINAL_TEMPORAL_INFORMATION',
    ]);
    expect(rootValue(basic, 0x00080020)).toBe('');
    expect(has(basic, 0x00080021)).toBe(false);
    expect(rootValue(out, 0x00080020)).toBe('20100301');
    expect(rootValue(out, 0x00080021)).toBe('20100301');
    expect(rootValue(out, 0x00080030)).toBe(rootValue(test, 0x00080030));
    expect(rootValue(out, 0x00120063)).toBe(
      'Basic Profile - Retain Longitudinal Temporal Information',
    );
    expect(rootValue(out, 0x00100010)).not.toBe('anon270');
  });

  it('..._MODIFIED_DATES empties the dates (and wins over the plain option)', () => {
    const out = anonymize(FILES.test, [
      'BASIC_PROFILE',
      'RETAIN_LONGITUDINAL_TEMPORAL_INFORMATION',
      'RETAIN_LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED_DATES',
    ]);
    expect(rootValue(out, 0x00080020)).toBe('');
    expect(rootValue(out, 0x00080021)).toBe('');
  });

  it('RETAIN_PATIENT_CHARACTERISTICS keeps sex, age, size and weight', () => {
    const out = anonymize(FILES.test, ['BASIC_PROFILE', 'RETAIN_PATIENT_CHARACTERISTICS']);
    expect(rootValue(out, 0x00100040)).toBe('F');
    expect(rootValue(out, 0x00101010)).toBe('011Y');
    const ctOut = anonymize(FILES.ctSmall, ['BASIC_PROFILE', 'RETAIN_PATIENT_CHARACTERISTICS']);
    expect(rootValue(ctOut, 0x00101030)).toBe(rootValue(ct, 0x00101030));
    expect(rootValue(ctOut, 0x00100030)).toBe(''); // birth date still emptied
  });

  it('RETAIN_DEVICE_IDENTITY keeps StationName and DeviceSerialNumber', () => {
    const out = anonymize(FILES.test, ['BASIC_PROFILE', 'RETAIN_DEVICE_IDENTITY']);
    expect(rootValue(out, 0x00081010)).toBe('MAS');
    expect(rootValue(out, 0x00181000)).toBe('atlas-97001');
    expect(has(out, 0x00080080)).toBe(false); // institution still removed
  });

  it('RETAIN_INSTITUTION_IDENTITY keeps InstitutionName', () => {
    const out = anonymize(FILES.test, ['BASIC_PROFILE', 'RETAIN_INSTITUTION_IDENTITY']);
    expect(rootValue(out, 0x00080080)).toBe('MAS');
    expect(has(out, 0x00081010)).toBe(false); // station still removed
  });

  it('RETAIN_UIDS keeps study/series/SOP/frame-of-reference UIDs and the file meta SOP UID', () => {
    const out = anonymize(FILES.ctSmall, ['BASIC_PROFILE', 'RETAIN_UIDS']);
    for (const tag of [0x0020000d, 0x0020000e, 0x00080018, 0x00200052, 0x00020003]) {
      expect(rootValue(out, tag)).toBe(rootValue(ct, tag));
    }
    expect(rootValue(out, 0x00100020)).toMatch(/^2\.25\./);
  });

  it('RETAIN_SAFE_PRIVATE keeps the safe GE private attributes, drops the other private ones', () => {
    const out = walk(anonymize(FILES.ctSmall, ['BASIC_PROFILE', 'RETAIN_SAFE_PRIVATE']));
    const privateTags = out.filter((e) => (e.tag >>> 16) % 2 === 1).map((e) => e.tag.toString(16));
    expect(privateTags).toEqual(expect.arrayContaining(['191023', '191024', '191027']));
    expect(privateTags).not.toContain('190010'); // creator dropped (quirk 9)
    expect(privateTags).not.toContain('91001');
    const src = walk(ct);
    expect(out.find((e) => e.tag === 0x00191023)?.value).toBe(
      src.find((e) => e.tag === 0x00191023)?.value,
    );
    const basic = walk(anonymize(FILES.ctSmall, ['BASIC_PROFILE']));
    expect(basic.filter((e) => (e.tag >>> 16) % 2 === 1)).toEqual([]);
  });

  it('CLEAN_DESCRIPTORS keeps descriptions with empty values instead of removing them', () => {
    const out = anonymize(FILES.test, ['BASIC_PROFILE', 'CLEAN_DESCRIPTORS']);
    expect(has(out, 0x00081030)).toBe(true);
    expect(rootValue(out, 0x00081030)).toBe('');
    expect(rootValue(out, 0x0008103e)).toBe('');
  });

  it('CLEAN_PIXEL_DATA and CLEAN_RECOGNIZABLE_VISUAL_FEATURES are refused', () => {
    for (const option of ['CLEAN_PIXEL_DATA', 'CLEAN_RECOGNIZABLE_VISUAL_FEATURES']) {
      expect(() =>
        anonymizeDataset(test, {
          profile: ['BASIC_PROFILE', option],
          keys: new InMemoryKeyStore(),
        }),
      ).toThrow(UnsupportedOptionError);
    }
  });

  it('a profile without BASIC_PROFILE only flags the data and keeps identities', () => {
    const out = anonymize(FILES.test, ['RETAIN_UIDS']);
    expect(rootValue(out, 0x00100010)).toBe('anon270');
    expect(rootValue(out, 0x00081030)).toBe('Statisk njurscintigrafi');
    expect(rootValue(out, 0x00120062)).toBe('YES');
    expect(rootValue(out, 0x00120063)).toBe('Retain UIDs');
  });

  it('all supported retain options together still produce valid output', () => {
    const out = anonymize(FILES.ctSmall, [
      'BASIC_PROFILE',
      'RETAIN_LONGITUDINAL_TEMPORAL_INFORMATION',
      'RETAIN_PATIENT_CHARACTERISTICS',
      'RETAIN_DEVICE_IDENTITY',
      'RETAIN_INSTITUTION_IDENTITY',
      'RETAIN_UIDS',
      'RETAIN_SAFE_PRIVATE',
    ]);
    const outFile = writeTemp(out, 'all-options.dcm');
    expect(dcmdumpStatus(outFile)).toBe(0);
    const srcErrors = dciodvfyErrors(writeTemp(ct, 'ct.dcm'));
    // DeidentificationMethod exceeds LO's 64 characters with this many options (faithful " - " join).
    const added = [...dciodvfyErrors(outFile)].filter((e) => !srcErrors.has(e));
    expect(added.filter((e) => !e.includes('De-identification Method'))).toEqual([
      'Error - Dicom dataset contains invalid data values for Value Representations',
    ]);
    expect(added.some((e) => e.includes('De-identification Method'))).toBe(true);
  });
});

describe('character sets', () => {
  it('re-encodes text to UTF-8 (ISO_IR 192), ISO 2022 Japanese included', () => {
    const src = load(`${DATA}/pydicom/chrH31.dcm`);
    const out = anonymizeDataset(src, {
      profile: ['BASIC_PROFILE', 'RETAIN_UIDS'],
      keys: new InMemoryKeyStore(),
      tagValues: [{ tagPath: { tag: 0x00100010, name: 'PatientName' }, value: 'ヤマダ^タロウ' }],
    });
    expect(rootValue(out.bytes, 0x00080005)).toBe('ISO_IR 192');
    const name = walk(out.bytes).find((e) => e.tag === 0x00100010);
    expect(
      Buffer.from(name?.bytes ?? [])
        .toString('utf8')
        .trim(),
    ).toBe('ヤマダ^タロウ');
    // the real name, decoded from ISO 2022 IR 87, is what the key records
    expect(out.key?.patientName).toBe('Yamada^Tarou=山田^太郎=やまだ^たろう');
  });
});
