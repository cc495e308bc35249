/** The viewer's corner texts (src-renderer/lib/viewer/overlay.ts). */
import { describe, expect, it } from 'vitest';
import {
  formatAge,
  formatMillimetres,
  imageLines,
  patientLines,
  studyLines,
  type ViewerContext,
} from '../../src-renderer/lib/viewer/overlay.js';

const peter: ViewerContext = {
  patientName: 'Doe^Peter',
  patientID: '98890234',
  patientSex: 'M',
  patientAge: '043Y',
  studyDate: '20010101',
  studyDescription: 'Chest',
  seriesDescription: 'SmartScore',
  modality: 'CT',
};

describe('viewer overlay text', () => {
  it('formats DICOM ages and millimetres', () => {
    expect(formatAge('043Y')).toBe('43 Y');
    expect(formatAge('011m')).toBe('11 M');
    expect(formatAge('000D')).toBe('0 D');
    expect(formatAge(' 43 years ')).toBe('43 years');
    expect(formatAge('')).toBe('');
    expect(formatMillimetres(8.7625)).toBe('8.76 mm');
    expect(formatMillimetres(-1.2375)).toBe('-1.24 mm');
    expect(formatMillimetres(2.5)).toBe('2.5 mm');
    expect(formatMillimetres(undefined)).toBe('');
    expect(formatMillimetres(Number.NaN)).toBe('');
  });

  it('lays out patient and study lines, leaving out what is empty', () => {
    expect(patientLines(peter)).toEqual(['Doe, Peter', 'ID 98890234', '43 Y · M']);
    expect(studyLines(peter)).toEqual(['2001-01-01 · Chest', 'Series CT · SmartScore']);
    const bare = { ...peter, patientName: '', patientID: '', patientAge: '', patientSex: '' };
    expect(patientLines(bare)).toEqual(['(no name)']);
    expect(studyLines({ ...bare, studyDate: '', studyDescription: '' })).toEqual([
      'Series CT · SmartScore',
    ]);
    expect(patientLines(null)).toEqual([]);
    expect(studyLines(null)).toEqual([]);
  });

  it('puts the instance beside the position and the slice values under it', () => {
    expect(
      imageLines({
        position: 'Image 1 / 5',
        instanceNumber: '6',
        sliceLocation: 8.7625,
        sliceThickness: 2.5,
      }),
    ).toEqual(['Image 1 / 5 · Instance 6', 'Loc 8.76 mm · Thk 2.5 mm']);
    expect(imageLines({ position: 'Image 1 / 1', instanceNumber: '' })).toEqual(['Image 1 / 1']);
    expect(imageLines({ position: 'Image 2 / 3', instanceNumber: '2', sliceThickness: 1 })).toEqual(
      ['Image 2 / 3 · Instance 2', 'Thk 1 mm'],
    );
  });
});
