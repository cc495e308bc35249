import { describe, expect, it } from 'vitest';
import {
  dictionaryKeywords,
  formatTag,
  keywordOf,
  tagOfKeyword,
  vmOf,
  vrOf,
} from '../../src-main/localbox/rendering/index.js';

describe('DICOM dictionary (BEHAVIOR §7.6)', () => {
  it('maps PatientName both ways with VR PN and VM 1', () => {
    expect(tagOfKeyword('PatientName')).toBe(1048592);
    expect(keywordOf(1048592)).toBe('PatientName');
    expect(vrOf(1048592)).toEqual({ name: 'PN', code: 20558 });
    expect(vmOf(1048592)).toEqual({ min: 1, max: 1 });
  });

  it('answers UN / {min:1} for unknown and private tags, and no keyword', () => {
    for (const tag of [0x00091234, 0x00190010 + 0x1000, 0x7fff7fff, -1]) {
      expect(vrOf(tag)).toEqual({ name: 'UN', code: 21838 });
      expect(vmOf(tag)).toEqual({ min: 1 });
      expect(keywordOf(tag)).toBeUndefined();
    }
    expect(tagOfKeyword('NoSuchKeyword')).toBeUndefined();
  });

  it('gives private creators LO and group lengths UL, as dcm4che does', () => {
    expect(vrOf(0x00190010).name).toBe('LO');
    expect(vrOf(0x00080000).name).toBe('UL');
  });

  it('omits an unbounded VM maximum and keeps bounded ones', () => {
    expect(vmOf(tagOfKeyword('ImageType') as number)).toEqual({ min: 2 });
    expect(vmOf(tagOfKeyword('PixelSpacing') as number)).toEqual({ min: 2, max: 2 });
    expect(vmOf(tagOfKeyword('OtherPatientIDs') as number)).toEqual({ min: 1 });
  });

  it('resolves dcmjs pseudo VRs and the sequence VR', () => {
    expect(vrOf(0x7fe00010).name).toBe('OW');
    expect(vrOf(0x00280106).name).toBe('US');
    expect(vrOf(tagOfKeyword('EnergyWindowInformationSequence') as number)).toEqual({
      name: 'SQ',
      code: 0x5351,
    });
  });

  it('takes tags as signed 32-bit ints and answers signed ones', () => {
    expect(tagOfKeyword('Item')).toBe(0xfffee000 | 0);
    expect(keywordOf(0xfffee000 | 0)).toBe('Item');
  });

  it('strips the RETIRED_ prefix but accepts it', () => {
    expect(keywordOf(0x00080010)).toBe('RecognitionCode');
    expect(tagOfKeyword('RecognitionCode')).toBe(0x00080010);
    expect(tagOfKeyword('RETIRED_RecognitionCode')).toBe(0x00080010);
  });

  it('resolves repeating groups for even groups only', () => {
    expect(keywordOf(0x60023000)).toBe('OverlayData');
    expect(keywordOf(0x601e0010)).toBe('OverlayRows');
    expect(keywordOf(0x60013000)).toBeUndefined();
    expect(tagOfKeyword('OverlayData')).toBe(0x60003000);
  });

  it('lists keywords, filtered case-insensitively and split by sequence VR', () => {
    const all = dictionaryKeywords();
    expect(all.length).toBeGreaterThan(4000);
    expect(new Set(all).size).toBe(all.length);
    const filtered = dictionaryKeywords('patientname');
    expect(filtered).toContain('PatientName');
    expect(filtered).toContain('OtherPatientNames');
    expect(filtered.every((k) => k.toLowerCase().includes('patientname'))).toBe(true);
    const seq = dictionaryKeywords(undefined, 'sequence');
    const nonSeq = dictionaryKeywords(undefined, 'nonsequence');
    expect(seq).toContain('EnergyWindowInformationSequence');
    expect(seq.every((k) => vrOf(tagOfKeyword(k) as number).name === 'SQ')).toBe(true);
    expect(nonSeq.some((k) => vrOf(tagOfKeyword(k) as number).name === 'SQ')).toBe(false);
    expect(seq.length + nonSeq.length).toBe(all.length);
    expect(dictionaryKeywords('energywindowinfo', 'nonsequence')).toEqual([]);
  });

  it('formats tags as upper-case (GGGG,EEEE)', () => {
    expect(formatTag(0x0054001a)).toBe('(0054,001A)');
    expect(formatTag(-1)).toBe('(FFFF,FFFF)');
  });
});
