/**
 * Modify's row checks (src-renderer/lib/modify-rows.ts): syntax of steps and items, the dictionary's
 * answers (unknown keywords with suggestions, sequences where sequences belong, elements the server
 * writes itself), and values against the element's VR and VM.
 */
import { describe, expect, it } from 'vitest';
import type { TagStepInfo } from '../../src-preload/contract.js';
import {
  checkRow,
  itemProblem,
  stepSyntaxProblem,
  valueProblem,
  type RowDraft,
  type StepLookup,
} from '../../src-renderer/lib/modify-rows.js';

/** A small dictionary as the server's `dicom.lookup` would answer it. */
const DICTIONARY: Record<string, Omit<TagStepInfo, 'step' | 'suggestions'>> = {
  PatientName: { tag: 0x00100010, keyword: 'PatientName', vr: 'PN', vm: { min: 1, max: 1 } },
  PatientAge: { tag: 0x00101010, keyword: 'PatientAge', vr: 'AS', vm: { min: 1, max: 1 } },
  StudyDate: { tag: 0x00080020, keyword: 'StudyDate', vr: 'DA', vm: { min: 1, max: 1 } },
  ImageType: { tag: 0x00080008, keyword: 'ImageType', vr: 'CS', vm: { min: 2 } },
  RescaleSlope: { tag: 0x00281053, keyword: 'RescaleSlope', vr: 'DS', vm: { min: 1, max: 1 } },
  Rows: { tag: 0x00280010, keyword: 'Rows', vr: 'US', vm: { min: 1, max: 1 } },
  SpecificCharacterSet: {
    tag: 0x00080005,
    keyword: 'SpecificCharacterSet',
    vr: 'CS',
    vm: { min: 1 },
  },
  EnergyWindowInformationSequence: {
    tag: 0x00540012,
    keyword: 'EnergyWindowInformationSequence',
    vr: 'SQ',
    vm: { min: 1, max: 1 },
  },
  EnergyWindowUpperLimit: {
    tag: 0x00540015,
    keyword: 'EnergyWindowUpperLimit',
    vr: 'DS',
    vm: { min: 1, max: 1 },
  },
  '(0019,1010)': { tag: 0x00191010, keyword: '', vr: 'UN', vm: { min: 1 } },
  '(0002,0010)': {
    tag: 0x00020010,
    keyword: 'TransferSyntaxUID',
    vr: 'UI',
    vm: { min: 1, max: 1 },
  },
};

const lookup: StepLookup = (step) => {
  const known = DICTIONARY[step];
  if (known) return { step, suggestions: [], ...known };
  const suggestions = step.toLowerCase().startsWith('patientnam') ? ['PatientName'] : [];
  return { step, tag: null, keyword: '', vr: '', vm: { min: 1 }, suggestions };
};

const row = (element: string, value = '', sequences: RowDraft['sequences'] = []): RowDraft => ({
  sequences,
  element,
  value,
});

describe('Modify row checks', () => {
  it('accepts a known keyword with a fitting value and gives the path to send', () => {
    expect(checkRow(row('PatientName', 'Doe^Jane'), lookup)).toEqual({
      problem: null,
      pending: false,
      path: 'PatientName',
    });
    const nested = checkRow(
      row('EnergyWindowUpperLimit', '999', [
        { keyword: 'EnergyWindowInformationSequence', item: 2 },
      ]),
      lookup,
    );
    expect(nested.problem).toBeNull();
    expect(nested.path).toBe('EnergyWindowInformationSequence[2].EnergyWindowUpperLimit');
  });

  it('marks an unknown keyword on the tag input and suggests the closest', () => {
    const check = checkRow(row('PatientNam', 'x'), lookup);
    expect(check.problem?.at).toEqual({ field: 'element' });
    expect(check.problem?.message).toContain(
      '“PatientNam” is not in the server’s DICOM dictionary',
    );
    expect(check.problem?.message).toContain('Did you mean PatientName?');
    expect(check.path).toBe('');
  });

  it('waits for the dictionary: no problem yet, but pending', () => {
    const check = checkRow(row('PatientName', 'x'), () => undefined);
    expect(check).toMatchObject({ problem: null, pending: true });
    // A failed lookup leaves the judgement to the server.
    expect(checkRow(row('PatientName', 'x'), () => null)).toMatchObject({
      problem: null,
      pending: false,
    });
  });

  it('says an empty tag is unfinished, not wrong', () => {
    const check = checkRow(row('  '), lookup);
    expect(check.problem).toMatchObject({ at: { field: 'element' }, incomplete: true });
  });

  it('checks step syntax and item indexes', () => {
    expect(stepSyntaxProblem('PatientName')).toBeNull();
    expect(stepSyntaxProblem('(0010,0010)')).toBeNull();
    expect(stepSyntaxProblem('0010,0010')).toContain('(gggg,eeee)');
    expect(stepSyntaxProblem('Patient Name')).toContain('not a keyword');
    expect(itemProblem(1)).toBeNull();
    expect(itemProblem('3')).toBeNull();
    expect(itemProblem(0)).toBe('Items are numbered from 1.');
    expect(itemProblem(-2)).toBe('Items are numbered from 1.');
    expect(itemProblem(1.5)).toContain('whole number');
    expect(itemProblem(null)).toContain('Enter the item number');
    expect(itemProblem(undefined)).toContain('Enter the item number');

    const zero = checkRow(
      row('EnergyWindowUpperLimit', '1', [{ keyword: 'EnergyWindowInformationSequence', item: 0 }]),
      lookup,
    );
    expect(zero.problem).toMatchObject({ at: { field: 'item', index: 0 } });
  });

  it('wants sequences before the element and no sequence as the element', () => {
    const notSequence = checkRow(
      row('EnergyWindowUpperLimit', '1', [{ keyword: 'PatientName', item: 1 }]),
      lookup,
    );
    expect(notSequence.problem).toMatchObject({ at: { field: 'sequence', index: 0 } });
    expect(notSequence.problem?.message).toContain('PatientName is not a sequence (VR PN)');

    const sequenceLeaf = checkRow(row('EnergyWindowInformationSequence', 'x'), lookup);
    expect(sequenceLeaf.problem?.at).toEqual({ field: 'element' });
    expect(sequenceLeaf.problem?.message).toContain('is a sequence');

    const unknownSequence = checkRow(
      row('EnergyWindowUpperLimit', '1', [{ keyword: 'PatientNamSequence', item: 1 }]),
      lookup,
    );
    expect(unknownSequence.problem?.at).toEqual({ field: 'sequence', index: 0 });
  });

  it('refuses the elements the server writes itself', () => {
    expect(checkRow(row('SpecificCharacterSet', 'ISO_IR 100'), lookup).problem?.message).toContain(
      'Specific Character Set',
    );
    expect(checkRow(row('(0002,0010)', '1.2'), lookup).problem?.message).toContain('group 0002');
  });

  it('leaves private and unknown tags to the server', () => {
    expect(checkRow(row('(0019,1010)', 'anything\\at all'), lookup).problem).toBeNull();
  });

  it('checks values against the VR: the problem is on the value input', () => {
    const date = checkRow(row('StudyDate', '2024-01-31'), lookup);
    expect(date.problem?.at).toEqual({ field: 'value' });
    expect(date.problem?.message).toContain('StudyDate: A date is written YYYYMMDD');
    expect(checkRow(row('StudyDate', '20240131'), lookup).problem).toBeNull();
    expect(checkRow(row('StudyDate', ''), lookup).problem).toBeNull();
    expect(checkRow(row('PatientAge', '45'), lookup).problem?.message).toContain('VR AS');
    expect(checkRow(row('Rows', '512'), lookup).problem).toBeNull();
    expect(checkRow(row('Rows', '70000'), lookup).problem?.message).toContain('between');
  });
});

describe('values by VR', () => {
  const one = { min: 1, max: 1 };
  it.each([
    ['DA', '20240229', null],
    ['DA', '20230229', 'A date'],
    ['DA', '2024013', 'A date'],
    ['TM', '143000', null],
    ['TM', '1430', null],
    ['TM', '143000.123456', null],
    ['TM', '14:30', 'A time'],
    ['TM', '250000', 'A time'],
    ['DT', '20240131143000.5+0100', null],
    ['DT', '2024013', 'A date-time'],
    ['AS', '045Y', null],
    ['AS', '45Y', 'An age'],
    ['IS', ' 12 ', null],
    ['IS', '12.5', 'A whole number'],
    ['IS', '3000000000', 'between'],
    ['DS', '-1.5e3', null],
    ['DS', '1,5', 'A decimal number'],
    ['DS', '12345678901234567', 'At most 16'],
    ['UI', '1.2.840.10008.1.2', null],
    ['UI', '1.02.3', 'A UID'],
    ['CS', 'ORIGINAL', null],
    ['CS', 'original', 'A code string'],
    ['SH', 'x'.repeat(17), 'At most 16'],
    ['LO', 'x'.repeat(64), null],
    ['PN', 'Doe^Jane^^Dr^Jr', null],
    ['PN', 'a^b^c^d^e^f', 'five components'],
    ['FD', '2.5', null],
    ['FD', 'abc', 'A number'],
    ['SS', '-5', null],
    ['UL', '-1', 'between 0 and 4294967295'],
    ['AT', '(0010,0010)', null],
    ['OB', 'anything', null],
  ])('%s %j', (vr, value, expected) => {
    const problem = valueProblem(vr, one, value);
    if (expected === null) expect(problem).toBeNull();
    else expect(problem).toContain(expected);
  });

  it('counts values against the VM', () => {
    expect(valueProblem('LO', { min: 1, max: 1 }, 'a\\b')).toContain('One value only');
    expect(valueProblem('CS', { min: 2 }, 'ORIGINAL\\PRIMARY\\AXIAL')).toBeNull();
    expect(valueProblem('DS', { min: 1, max: 2 }, '1\\2\\3')).toContain('At most 2 values');
    expect(valueProblem('DS', { min: 1, max: 2 }, '1\\x')).toContain('Value 2: A decimal');
    // A backslash is text in long texts.
    expect(valueProblem('LT', { min: 1, max: 1 }, 'C:\\dir')).toBeNull();
  });

  it('refuses control characters and line breaks outside long texts', () => {
    expect(valueProblem('LO', { min: 1, max: 1 }, 'a\u0001b')).toContain('control characters');
    expect(valueProblem('LO', { min: 1, max: 1 }, 'a\nb')).toContain('Line breaks');
    expect(valueProblem('LT', { min: 1, max: 1 }, 'a\nb')).toBeNull();
  });
});
