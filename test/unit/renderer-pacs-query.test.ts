/** The PACS screen's pure helpers: the query form → C-FIND keys, the date presets, the result rows and the job views. */
import { describe, expect, it } from 'vitest';
import type {
  PacsSeriesItem,
  PacsStudyItem,
  RetrieveItem,
  RetrieveJob,
} from '../../src-preload/contract.js';
import {
  EMPTY_FORM,
  activePreset,
  formProblem,
  formToQuery,
  presetRange,
} from '../../src-renderer/lib/pacs/query-form.js';
import {
  entries,
  flattenRows,
  selectedItems,
  seriesRowId,
  sortStudies,
  itemsSummary,
} from '../../src-renderer/lib/pacs/result-rows.js';
import {
  errorDetails,
  errorTitle,
  itemProgress,
  jobProgress,
  openTarget,
  sendSelection,
} from '../../src-renderer/lib/pacs/retrieve-view.js';

function study(over: Partial<PacsStudyItem>): PacsStudyItem {
  return {
    studyInstanceUid: '1.2.3',
    patientName: 'Doe^Peter',
    patientId: 'P1',
    patientBirthDate: '',
    patientSex: 'M',
    studyDate: '20010101',
    studyTime: '',
    studyDescription: 'Chest',
    accessionNumber: '',
    studyId: '',
    modalities: ['CT'],
    seriesCount: 2,
    imageCount: 7,
    ...over,
  };
}

function series(over: Partial<PacsSeriesItem>): PacsSeriesItem {
  return {
    studyInstanceUid: '1.2.3',
    seriesInstanceUid: '1.2.3.1',
    modality: 'CT',
    seriesNumber: 1,
    seriesDescription: '',
    seriesDate: '',
    bodyPartExamined: '',
    imageCount: 2,
    ...over,
  };
}

function item(over: Partial<RetrieveItem>): RetrieveItem {
  return {
    index: 0,
    level: 'STUDY',
    studyInstanceUid: '1.2.3',
    seriesInstanceUid: null,
    label: null,
    status: 'completed',
    completed: 7,
    remaining: 0,
    failed: 0,
    warning: 0,
    received: 7,
    dimseStatus: 0,
    error: null,
    started: 1,
    finished: 2,
    local: { studyIds: [4], seriesIds: [8, 9], images: 7 },
    ...over,
  };
}

describe('PACS query form', () => {
  it('names and descriptions match from the start unless wildcards are placed; IDs exactly; empty keys left out', () => {
    expect(
      formToQuery({
        ...EMPTY_FORM,
        patientName: ' Doe ',
        patientId: 'P1',
        description: 'Stat?sk*',
        modality: 'ct',
        accessionNumber: ' ',
        birthDate: '1970-02-03',
        dateFrom: '2004-01-01',
        dateTo: '2004-12-31',
      }),
    ).toEqual({
      patientName: 'Doe*',
      patientId: 'P1',
      studyDescription: 'Stat?sk*',
      modality: 'CT',
      patientBirthDate: '19700203',
      studyDateFrom: '20040101',
      studyDateTo: '20041231',
    });
    expect(formToQuery(EMPTY_FORM)).toEqual({});
  });

  it('presets are calendar days in the user’s time, and the form knows which one it is', () => {
    const now = new Date(2024, 2, 1, 9, 30); // 1 March 2024 (a leap year)
    expect(presetRange('today', now)).toEqual({ dateFrom: '2024-03-01', dateTo: '2024-03-01' });
    expect(presetRange('yesterday', now)).toEqual({ dateFrom: '2024-02-29', dateTo: '2024-02-29' });
    expect(presetRange('last7', now)).toEqual({ dateFrom: '2024-02-24', dateTo: '2024-03-01' });
    expect(presetRange('last30', now)).toEqual({ dateFrom: '2024-02-01', dateTo: '2024-03-01' });
    expect(presetRange('any', now)).toEqual({ dateFrom: '', dateTo: '' });
    expect(activePreset({ ...EMPTY_FORM, dateFrom: '2024-02-24', dateTo: '2024-03-01' }, now)).toBe(
      'last7',
    );
    expect(activePreset({ ...EMPTY_FORM, dateFrom: '2024-02-20', dateTo: '' }, now)).toBeNull();
    expect(activePreset(EMPTY_FORM, now)).toBe('any');
  });

  it('says what is wrong before anything is sent', () => {
    expect(formProblem({ ...EMPTY_FORM, patientName: 'A\\B' })).toEqual({
      field: 'patientName',
      message: 'Patient name: one value only, without a backslash (\\).',
    });
    expect(formProblem({ ...EMPTY_FORM, accessionNumber: 'X'.repeat(17) })?.field).toBe(
      'accessionNumber',
    );
    expect(formProblem({ ...EMPTY_FORM, modality: 'C-T' })?.field).toBe('modality');
    expect(formProblem({ ...EMPTY_FORM, dateFrom: '2005-01-01', dateTo: '2004-01-01' })).toEqual({
      field: 'dateTo',
      message: 'The study date range ends before it starts.',
    });
    expect(formProblem({ ...EMPTY_FORM, patientName: 'Doe*', modality: 'MR' })).toBeNull();
  });
});

describe('PACS result rows', () => {
  const a = study({
    studyInstanceUid: '1.1',
    patientName: 'Zeta^A',
    studyDate: '20040101',
    imageCount: 1,
  });
  const b = study({
    studyInstanceUid: '1.2',
    patientName: 'Alpha^B',
    studyDate: '20050101',
    imageCount: 9,
  });

  it('sorts studies by a column both ways, numbers by value, ties in the PACS’s order', () => {
    const list = entries([a, b]);
    expect(sortStudies(list, { key: 'patientName', ascending: true }).map((e) => e.rowId)).toEqual([
      2, 1,
    ]);
    expect(sortStudies(list, { key: 'images', ascending: false }).map((e) => e.rowId)).toEqual([
      2, 1,
    ]);
    expect(sortStudies(list, null).map((e) => e.rowId)).toEqual([1, 2]);
  });

  it('an expanded study is followed by its series in number order, or by a note', () => {
    const list = entries([a, b]);
    const s1 = series({ studyInstanceUid: '1.1', seriesInstanceUid: '1.1.9', seriesNumber: 9 });
    const s2 = series({ studyInstanceUid: '1.1', seriesInstanceUid: '1.1.2', seriesNumber: 2 });
    const rows = flattenRows(
      list,
      new Set([1, 2]),
      new Map([
        [1, { status: 'done' as const, series: [s1, s2], notes: [], truncated: false }],
        [2, { status: 'error' as const, message: 'The PACS refused the association: …' }],
      ]),
    );
    expect(rows.map((r) => [r.kind, r.id])).toEqual([
      ['study', 1],
      ['series', seriesRowId(1, 1)],
      ['series', seriesRowId(1, 0)],
      ['study', 2],
      ['note', -2],
    ]);
    expect(flattenRows(list, new Set([1]), new Map()).map((r) => r.kind)).toEqual([
      'study',
      'note',
      'study',
    ]);
  });

  it('the selection becomes items: a study whole, a series alone unless its study is selected', () => {
    const list = entries([a, b]);
    const s1 = series({ studyInstanceUid: '1.1', seriesInstanceUid: '1.1.9', seriesNumber: 9 });
    const s2 = series({
      studyInstanceUid: '1.2',
      seriesInstanceUid: '1.2.4',
      seriesNumber: 4,
      seriesDescription: 'Scout',
    });
    const rows = flattenRows(
      list,
      new Set([1, 2]),
      new Map([
        [1, { status: 'done' as const, series: [s1], notes: [], truncated: false }],
        [2, { status: 'done' as const, series: [s2], notes: [], truncated: false }],
      ]),
    );
    const picked = selectedItems(rows, new Set([1, seriesRowId(1, 0), seriesRowId(2, 0)]));
    expect(picked).toEqual([
      { level: 'STUDY', studyInstanceUid: '1.1', label: 'Zeta, A · 2004-01-01 · CT · Chest' },
      {
        level: 'SERIES',
        studyInstanceUid: '1.2',
        seriesInstanceUid: '1.2.4',
        label: 'Alpha, B · 2005-01-01 · CT #4 · Scout',
      },
    ]);
    expect(itemsSummary(picked)).toBe('1 study and 1 series');
  });
});

describe('retrieve job views', () => {
  it('a PACS error is titled by its kind, with the PACS’s facts', () => {
    const error = {
      code: 'association-rejected' as const,
      message: 'ORTHANC rejected the association: calling AE title not recognized',
      peer: 'ORTHANC@127.0.0.1:4242',
      reject: { result: 1, source: 1, reason: 3, text: 'calling AE title not recognized' },
    };
    expect(errorTitle(error)).toBe('The PACS refused the association');
    expect(
      errorTitle({
        ...error,
        code: 'failed',
        status: 0xc000,
        statusText: 'Failed: Unable to process',
      }),
    ).toBe('The PACS answered C000 (Failed: Unable to process)');
    expect(errorDetails(error)).toEqual([
      ['PACS', 'ORTHANC@127.0.0.1:4242'],
      ['Rejection', 'calling AE title not recognized'],
    ]);
    expect(
      errorDetails({
        ...error,
        code: 'failed',
        reject: undefined,
        status: 0xc000,
        statusText: 'Failed: Unable to process',
        errorComment: 'Unknown modality',
      }),
    ).toEqual([
      ['PACS', 'ORTHANC@127.0.0.1:4242'],
      ['Status', 'C000 Failed: Unable to process'],
      ['Error comment', 'Unknown modality'],
    ]);
  });

  it('progress counts done sub-operations of all known ones; unknown until the PACS says', () => {
    expect(itemProgress(item({ status: 'running', completed: 3, remaining: 4 }))).toEqual({
      done: 3,
      total: 7,
    });
    expect(itemProgress(item({ status: 'running', completed: 0, remaining: null }))).toEqual({
      done: 0,
      total: null,
    });
    const job = {
      items: [
        item({}),
        item({ index: 1, status: 'running', completed: 1, remaining: null, received: 1 }),
      ],
    } as RetrieveJob;
    expect(jobProgress(job)).toEqual({ done: 8, total: null });
  });

  it('Open goes to the study (and the series of a series item); Send works on studies, or series when mixed', () => {
    expect(openTarget(item({}))).toEqual({ studyId: 4, seriesId: null });
    expect(
      openTarget(item({ level: 'SERIES', local: { studyIds: [4], seriesIds: [9], images: 2 } })),
    ).toEqual({ studyId: 4, seriesId: 9 });
    expect(openTarget(item({ local: { studyIds: [], seriesIds: [], images: 0 } }))).toBeNull();
    expect(
      sendSelection([item({}), item({ local: { studyIds: [4, 5], seriesIds: [10], images: 1 } })]),
    ).toEqual({
      kind: 'studies',
      ids: [4, 5],
    });
    expect(
      sendSelection([
        item({}),
        item({ level: 'SERIES', local: { studyIds: [6], seriesIds: [11], images: 3 } }),
      ]),
    ).toEqual({ kind: 'series', ids: [8, 9, 11] });
    expect(
      sendSelection([
        item({ status: 'failed', local: { studyIds: [], seriesIds: [], images: 0 } }),
      ]),
    ).toBeNull();
  });
});
