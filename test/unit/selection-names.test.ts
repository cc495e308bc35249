/**
 * The words destructive confirmations use (src-renderer/lib/selection-names.ts): patients by name,
 * series by modality and description with their image counts, totals, and capped lists.
 */
import { describe, expect, it } from 'vitest';
import type {
  DescribedPatient,
  DescribedSeries,
  SelectionDescription,
} from '../../src-preload/contract.js';
import { nameSelection } from '../../src-renderer/lib/selection-names.js';

const series = (
  seriesId: number,
  modality: string,
  images: number,
  description = '',
): DescribedSeries => ({
  seriesId,
  modality,
  description,
  studyDescription: '',
  studyDate: '20040119',
  images,
});

function patient(
  patientId: number,
  patientName: string,
  list: DescribedSeries[],
): DescribedPatient {
  return {
    patientId,
    patientName,
    patientID: `ID${patientId}`,
    studies: 1,
    seriesCount: list.length,
    images: list.reduce((sum, s) => sum + s.images, 0),
    series: list,
  };
}

function described(
  kind: SelectionDescription['kind'],
  list: DescribedPatient[],
  studies = list.length,
): SelectionDescription {
  return {
    kind,
    patients: list.length,
    studies,
    series: list.reduce((sum, p) => sum + p.seriesCount, 0),
    images: list.reduce((sum, p) => sum + p.images, 0),
    list,
  };
}

describe('naming a selection', () => {
  it('one patient: "2 series of Doe, Peter (CT, 5 images; MR, 3 images)"', () => {
    const named = nameSelection(
      described('series', [patient(1, 'Doe^Peter', [series(1, 'CT', 5), series(2, 'MR', 3)])]),
    );
    expect(named.subject).toBe('2 series of Doe, Peter (CT, 5 images; MR, 3 images)');
    expect(named.lines).toEqual([]);
    expect(named.totals).toBe('1 patient, 1 study, 2 series, 8 images');
  });

  it('says descriptions, and a patient selection by the patient', () => {
    const named = nameSelection(
      described('patients', [patient(1, 'anon270', [series(1, 'NM', 1, 'DET 1')])]),
    );
    expect(named.subject).toBe('patient anon270 (NM DET 1, 1 image)');
  });

  it('several patients: one line each, and the selection counted by its own kind', () => {
    const named = nameSelection(
      described('studies', [
        patient(1, 'Doe^Peter', [series(1, 'CT', 5), series(2, 'CT', 2)]),
        patient(2, 'anon270', [series(3, 'NM', 1, 'DET 1')]),
      ]),
    );
    expect(named.subject).toBe('2 studies of 2 patients');
    expect(named.lines).toEqual([
      'Doe, Peter: CT, 5 images; CT, 2 images',
      'anon270: NM DET 1, 1 image',
    ]);
    expect(named.totals).toBe('2 patients, 2 studies, 3 series, 8 images');
  });

  it('caps long lists with real remainders', () => {
    const many = Array.from({ length: 6 }, (_, i) => series(i + 1, 'CT', i + 1));
    const one = nameSelection(described('series', [patient(1, 'Doe^Peter', many)]), {
      patients: 5,
      series: 4,
    });
    // 6 series of 1..6 images: 4 listed (1+2+3+4), 2 more with 5+6 = 11 images.
    expect(one.subject).toBe(
      '6 series of Doe, Peter (CT, 1 image; CT, 2 images; CT, 3 images; CT, 4 images; and 2 more series, 11 images)',
    );

    const patients = Array.from({ length: 7 }, (_, i) =>
      patient(i + 1, `P${i + 1}`, [series(i + 1, 'MR', 2)]),
    );
    const several = nameSelection(described('patients', patients), { patients: 5, series: 4 });
    expect(several.subject).toBe('7 patients');
    expect(several.lines).toHaveLength(6);
    expect(several.lines[5]).toBe('and 2 more patients (2 series, 4 images)');
  });

  it('counts the remainder beyond the list the server capped', () => {
    // The server lists 2 of 30 patients: the remainder comes from the totals, not the list.
    const list = [patient(1, 'A', [series(1, 'CT', 3)]), patient(2, 'B', [series(2, 'CT', 3)])];
    const d: SelectionDescription = {
      kind: 'series',
      patients: 30,
      studies: 30,
      series: 30,
      images: 90,
      list,
    };
    const named = nameSelection(d, { patients: 5, series: 4 });
    expect(named.subject).toBe('30 series of 30 patients');
    expect(named.lines.at(-1)).toBe('and 28 more patients (28 series, 84 images)');
  });

  it('an empty selection is said as such', () => {
    const named = nameSelection(described('images', []));
    expect(named).toEqual({
      subject: '0 images',
      lines: [],
      totals: '0 patients, 0 studies, 0 series, 0 images',
    });
  });
});
