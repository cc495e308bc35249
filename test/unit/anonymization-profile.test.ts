/**
 * Options (BEHAVIOR.md §11.2, §5.5) and rule resolution (§11.3).
 */
import { describe, expect, it } from 'vitest';
import {
  CONFIDENTIALITY_OPTIONS,
  NoSuchOptionError,
  UnsupportedOptionError,
  listedOptions,
  parseProfileJson,
  resolveProfile,
  withBasicProfile,
} from '../../src-main/localbox/anonymization/index.js';
import type { AnonymizationAction } from '../../src-main/localbox/anonymization/index.js';
import { TABLE_E1_1 } from '../../src-main/localbox/anonymization/table-e1-1.js';
import { SAFE_PRIVATE_ATTRIBUTES } from '../../src-main/localbox/anonymization/safe-private.js';

const T = {
  PatientName: 0x00100010,
  PatientID: 0x00100020,
  PatientBirthDate: 0x00100030,
  PatientSex: 0x00100040,
  PatientAge: 0x00101010,
  Allergies: 0x00102110,
  StudyDate: 0x00080020,
  StudyInstanceUID: 0x0020000d,
  ReferencedPatientSequence: 0x00081120,
  StationName: 0x00081010,
  InstitutionName: 0x00080080,
  StudyDescription: 0x00081030,
  Modality: 0x00080060,
  MediaStorageSOPInstanceUID: 0x00020003,
};

describe('confidentiality options', () => {
  it('has the 13 options with names, titles, descriptions and ranks of §11.2', () => {
    expect(CONFIDENTIALITY_OPTIONS.map((o) => [o.name, o.rank])).toEqual([
      ['BASIC_PROFILE', 10],
      ['CLEAN_PIXEL_DATA', 20],
      ['CLEAN_RECOGNIZABLE_VISUAL_FEATURES', 30],
      ['CLEAN_GRAPHICS', 40],
      ['CLEAN_STRUCTURED_CONTENT', 50],
      ['CLEAN_DESCRIPTORS', 60],
      ['RETAIN_LONGITUDINAL_TEMPORAL_INFORMATION', 70],
      ['RETAIN_LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED_DATES', 80],
      ['RETAIN_PATIENT_CHARACTERISTICS', 90],
      ['RETAIN_DEVICE_IDENTITY', 100],
      ['RETAIN_INSTITUTION_IDENTITY', 110],
      ['RETAIN_UIDS', 120],
      ['RETAIN_SAFE_PRIVATE', 130],
    ]);
    const byName = Object.fromEntries(CONFIDENTIALITY_OPTIONS.map((o) => [o.name, o]));
    expect(byName.CLEAN_RECOGNIZABLE_VISUAL_FEATURES?.title).toBe('Clean Visual Features');
    expect(byName.RETAIN_LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED_DATES?.description).toBe(
      'Retain Longitudinal Temporal Information with Modified Dates',
    );
  });

  it('lists the supported options without BASIC_PROFILE, in rank order', () => {
    expect(listedOptions()).toEqual([
      {
        name: 'RETAIN_LONGITUDINAL_TEMPORAL_INFORMATION',
        title: 'Retain Temporal Info',
        description: 'Retain Longitudinal Temporal Information',
        rank: 70,
      },
      {
        name: 'RETAIN_PATIENT_CHARACTERISTICS',
        title: 'Retain Patient Characteristics',
        description: 'Retain Patient Characteristics',
        rank: 90,
      },
      {
        name: 'RETAIN_DEVICE_IDENTITY',
        title: 'Retain Device Identity',
        description: 'Retain Device Identity',
        rank: 100,
      },
      {
        name: 'RETAIN_INSTITUTION_IDENTITY',
        title: 'Retain Institution Identity',
        description: 'Retain Institution Identity',
        rank: 110,
      },
      { name: 'RETAIN_UIDS', title: 'Retain UIDs', description: 'Retain UIDs', rank: 120 },
      {
        name: 'RETAIN_SAFE_PRIVATE',
        title: 'Retain Safe Private Attributes',
        description: 'Retain Safe Private Attributes',
        rank: 130,
      },
    ]);
  });

  it('rejects unknown names with `No such option: X`', () => {
    expect(() => resolveProfile(['BASIC_PROFILE', 'FOO'])).toThrow('No such option: FOO');
    expect(() => resolveProfile(['basic_profile'])).toThrow(NoSuchOptionError);
    expect(() =>
      parseProfileJson({ options: [{ name: 'RETAIN_UIDS', title: 'x' }, { name: 'BAR' }] }),
    ).toThrow('No such option: BAR');
    expect(parseProfileJson({ options: [{ name: 'RETAIN_UIDS', rank: 1 }] })).toEqual([
      'RETAIN_UIDS',
    ]);
  });

  it('accepts CLEAN_PIXEL_DATA in requests but refuses to run it (400-style error)', () => {
    expect(parseProfileJson({ options: [{ name: 'CLEAN_PIXEL_DATA' }] })).toEqual([
      'CLEAN_PIXEL_DATA',
    ]);
    for (const name of ['CLEAN_PIXEL_DATA', 'CLEAN_RECOGNIZABLE_VISUAL_FEATURES']) {
      let error: unknown;
      try {
        resolveProfile(['BASIC_PROFILE', name]);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UnsupportedOptionError);
      expect((error as UnsupportedOptionError).status).toBe(400);
      expect((error as Error).message).toContain(name);
    }
  });

  it('prepends BASIC_PROFILE only when absent; DeidentificationMethod joins descriptions in the given order', () => {
    expect(withBasicProfile(['RETAIN_UIDS'])).toEqual(['BASIC_PROFILE', 'RETAIN_UIDS']);
    expect(withBasicProfile(['RETAIN_UIDS', 'BASIC_PROFILE'])).toEqual([
      'RETAIN_UIDS',
      'BASIC_PROFILE',
    ]);
    expect(resolveProfile(['BASIC_PROFILE', 'RETAIN_UIDS']).deidentificationMethod()).toBe(
      'Basic Profile - Retain UIDs',
    );
    expect(resolveProfile(['RETAIN_SAFE_PRIVATE', 'BASIC_PROFILE']).deidentificationMethod()).toBe(
      'Retain Safe Private Attributes - Basic Profile',
    );
  });
});

/** A concrete tag for each table row (pattern rows: a member of the pattern). */
function sampleTag(row: { tag: number; mask: number }): number {
  if (row.mask === 0x00010000) return 0x00091001;
  if (row.mask === 0xff000000) return 0x50020010;
  if (row.mask === 0xff00ffff) return (row.tag | 0x00020000) >>> 0;
  return row.tag;
}

function countActions(names: string[], column: string): Record<string, number> {
  const profile = resolveProfile(names);
  const counts: Record<string, number> = {};
  for (const row of TABLE_E1_1) {
    if (!(row.codes as Record<string, string | undefined>)[column]) continue;
    const a = profile.actionFor(sampleTag(row));
    counts[a] = (counts[a] ?? 0) + 1;
  }
  return counts;
}

describe('rule resolution', () => {
  const basic = resolveProfile(['BASIC_PROFILE']);

  it('basic profile: 245 rows removed, 23 emptied, 35 UIDs regenerated (§11.3)', () => {
    expect(TABLE_E1_1).toHaveLength(303);
    expect(SAFE_PRIVATE_ATTRIBUTES).toHaveLength(130);
    expect(countActions(['BASIC_PROFILE'], 'BASIC_PROFILE')).toEqual({
      remove: 245,
      empty: 23,
      replaceUid: 35,
    });
  });

  it('basic profile actions of well-known attributes', () => {
    const expected: [number, AnonymizationAction][] = [
      [T.PatientName, 'empty'],
      [T.PatientID, 'empty'],
      [T.PatientBirthDate, 'empty'],
      [T.PatientSex, 'empty'],
      [T.PatientAge, 'remove'],
      [T.StudyDate, 'empty'],
      [T.StudyInstanceUID, 'replaceUid'],
      [T.MediaStorageSOPInstanceUID, 'replaceUid'],
      [T.StudyDescription, 'remove'],
      [T.Modality, 'keep'],
      [0x00191021, 'remove'], // private
      [0x00190010, 'remove'], // private creator
      [0x60003000, 'remove'], // overlay data
      [0x60024000, 'remove'], // overlay comments
      [0x60020010, 'keep'], // overlay rows
      [0x50000010, 'remove'], // curve data
    ];
    expect(expected.map(([t]) => basic.actionFor(t))).toEqual(expected.map(([, a]) => a));
  });

  it('a profile without BASIC_PROFILE applies no basic rules', () => {
    const p = resolveProfile(['RETAIN_UIDS']);
    expect(p.actionFor(T.PatientName)).toBe('keep');
    expect(p.actionFor(0x00191021)).toBe('keep');
    expect(resolveProfile([]).actionFor(T.StudyInstanceUID)).toBe('keep');
  });

  it('RETAIN_LONGITUDINAL_TEMPORAL_INFORMATION keeps 43 dates/times, not PatientBirthDate', () => {
    const names = ['BASIC_PROFILE', 'RETAIN_LONGITUDINAL_TEMPORAL_INFORMATION'];
    expect(countActions(names, 'RETAIN_LONGITUDINAL_TEMPORAL_INFORMATION')).toEqual({ keep: 43 });
    expect(resolveProfile(names).actionFor(T.StudyDate)).toBe('keep');
    expect(resolveProfile(names).actionFor(T.PatientBirthDate)).toBe('empty');
  });

  it('..._MODIFIED_DATES empties them and outranks RETAIN_LONGITUDINAL_TEMPORAL_INFORMATION', () => {
    const names = [
      'BASIC_PROFILE',
      'RETAIN_LONGITUDINAL_TEMPORAL_INFORMATION',
      'RETAIN_LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED_DATES',
    ];
    expect(countActions(names, 'RETAIN_LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED_DATES')).toEqual({
      empty: 43,
    });
    expect(resolveProfile(names).actionFor(0x00080022)).toBe('empty'); // AcquisitionDate (basic: X/Z)
  });

  it('RETAIN_PATIENT_CHARACTERISTICS keeps 8 and empties 4', () => {
    const p = resolveProfile(['BASIC_PROFILE', 'RETAIN_PATIENT_CHARACTERISTICS']);
    expect(
      countActions(
        ['BASIC_PROFILE', 'RETAIN_PATIENT_CHARACTERISTICS'],
        'RETAIN_PATIENT_CHARACTERISTICS',
      ),
    ).toEqual({
      keep: 8,
      empty: 4,
    });
    expect(p.actionFor(T.PatientSex)).toBe('keep');
    expect(p.actionFor(T.PatientAge)).toBe('keep');
    expect(p.actionFor(T.Allergies)).toBe('empty');
  });

  it('device, institution and UID options', () => {
    expect(
      countActions(['BASIC_PROFILE', 'RETAIN_DEVICE_IDENTITY'], 'RETAIN_DEVICE_IDENTITY'),
    ).toEqual({ keep: 23 });
    expect(
      resolveProfile(['BASIC_PROFILE', 'RETAIN_DEVICE_IDENTITY']).actionFor(T.StationName),
    ).toBe('keep');
    expect(
      countActions(['BASIC_PROFILE', 'RETAIN_INSTITUTION_IDENTITY'], 'RETAIN_INSTITUTION_IDENTITY'),
    ).toEqual({ keep: 4 });
    expect(
      resolveProfile(['BASIC_PROFILE', 'RETAIN_INSTITUTION_IDENTITY']).actionFor(T.InstitutionName),
    ).toBe('keep');
    const uids = resolveProfile(['BASIC_PROFILE', 'RETAIN_UIDS']);
    expect(countActions(['BASIC_PROFILE', 'RETAIN_UIDS'], 'RETAIN_UIDS')).toEqual({
      keep: 39,
      remove: 1,
    });
    expect(uids.actionFor(T.StudyInstanceUID)).toBe('keep');
    expect(uids.actionFor(T.MediaStorageSOPInstanceUID)).toBe('keep');
    expect(uids.actionFor(T.ReferencedPatientSequence)).toBe('remove');
  });

  it('CLEAN_* options empty instead of remove', () => {
    expect(countActions(['BASIC_PROFILE', 'CLEAN_DESCRIPTORS'], 'CLEAN_DESCRIPTORS')).toEqual({
      empty: 52,
    });
    expect(
      resolveProfile(['BASIC_PROFILE', 'CLEAN_DESCRIPTORS']).actionFor(T.StudyDescription),
    ).toBe('empty');
    expect(resolveProfile(['BASIC_PROFILE', 'CLEAN_GRAPHICS']).actionFor(0x60003000)).toBe('empty');
    expect(
      resolveProfile(['BASIC_PROFILE', 'CLEAN_STRUCTURED_CONTENT']).actionFor(0x0040a730),
    ).toBe('empty');
  });

  it('RETAIN_SAFE_PRIVATE keeps the safe private attributes (any block) and removes the others', () => {
    const p = resolveProfile(['BASIC_PROFILE', 'RETAIN_SAFE_PRIVATE']);
    expect(p.actionFor(0x00191023)).toBe('keep'); // (0019,xx23) GEMS_ACQU_01 TableSpeed
    expect(p.actionFor(0x00191123)).toBe('keep'); // another private block
    expect(p.actionFor(0x00191021)).toBe('remove');
    expect(p.actionFor(0x00190010)).toBe('remove'); // creator
    // Quirk: a creator whose tag collides with a safe pattern is kept — (0903,xx10) matches (0903,0010)
    expect(p.actionFor(0x09030010)).toBe('keep');
  });
});
