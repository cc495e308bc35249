/**
 * The PACS results as one table: study rows, each followed (when expanded) by its series rows or a note while
 * they load, failed or are none. Sorting moves studies with their series; the selection (study and series rows
 * alike) becomes the items of a retrieve. Pure, unit-tested.
 */
import type {
  PacsSeriesItem,
  PacsStudyItem,
  RetrieveItemRequest,
} from '../../../src-preload/contract.js';
import { formatDicomDate, formatPersonName } from '../format.js';

/** A study of the answer, with its row id (its place in the PACS's answer, from 1). */
export interface StudyEntry {
  rowId: number;
  study: PacsStudyItem;
}

/** The series of an expanded study: loading, failed (in the PACS's or server's words), or loaded. */
export type SeriesState =
  | { status: 'loading' }
  | { status: 'error'; message: string }
  | { status: 'done'; series: PacsSeriesItem[]; notes: string[]; truncated: boolean };

export type ResultRow =
  | { id: number; kind: 'study'; study: PacsStudyItem; expanded: boolean }
  | { id: number; kind: 'series'; series: PacsSeriesItem; study: PacsStudyItem; studyRowId: number }
  | {
      id: number;
      kind: 'note';
      studyRowId: number;
      tone: 'loading' | 'error' | 'empty';
      text: string;
    };

export const STUDY_SORT_KEYS = [
  'patientName',
  'patientId',
  'birthDate',
  'studyDate',
  'modalities',
  'description',
  'accession',
  'images',
] as const;
export type StudySortKey = (typeof STUDY_SORT_KEYS)[number];

/** The id of the `index`-th series row of a study row (ids of one table never collide). */
export function seriesRowId(studyRowId: number, index: number): number {
  return studyRowId * 1_000_000 + index + 1;
}

/** The note row under a study (loading, error, no series). */
export function noteRowId(studyRowId: number): number {
  return -studyRowId;
}

export function entries(studies: readonly PacsStudyItem[]): StudyEntry[] {
  return studies.map((study, i) => ({ rowId: i + 1, study }));
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function sortValue(study: PacsStudyItem, key: StudySortKey): string | number {
  switch (key) {
    case 'patientName':
      return formatPersonName(study.patientName);
    case 'patientId':
      return study.patientId;
    case 'birthDate':
      return study.patientBirthDate;
    case 'studyDate':
      return `${study.studyDate}${study.studyTime}`;
    case 'modalities':
      return study.modalities.join(',');
    case 'description':
      return study.studyDescription;
    case 'accession':
      return study.accessionNumber;
    case 'images':
      return study.imageCount ?? -1;
  }
}

export function sortStudies(
  list: readonly StudyEntry[],
  sort: { key: StudySortKey; ascending: boolean } | null,
): StudyEntry[] {
  if (!sort) return [...list];
  const sign = sort.ascending ? 1 : -1;
  return [...list].sort((a, b) => {
    const x = sortValue(a.study, sort.key);
    const y = sortValue(b.study, sort.key);
    const order =
      typeof x === 'number' && typeof y === 'number'
        ? x - y
        : collator.compare(String(x), String(y));
    return sign * order || a.rowId - b.rowId;
  });
}

/** Series in series-number order (those without a number last, by UID). */
function seriesOrder(series: readonly PacsSeriesItem[]): PacsSeriesItem[] {
  return [...series].sort(
    (a, b) =>
      (a.seriesNumber ?? Number.MAX_SAFE_INTEGER) - (b.seriesNumber ?? Number.MAX_SAFE_INTEGER) ||
      collator.compare(a.seriesInstanceUid, b.seriesInstanceUid),
  );
}

/** The rows shown: each study, then (expanded) its series or a note. */
export function flattenRows(
  studies: readonly StudyEntry[],
  expanded: ReadonlySet<number>,
  series: ReadonlyMap<number, SeriesState>,
): ResultRow[] {
  const rows: ResultRow[] = [];
  for (const { rowId, study } of studies) {
    const open = expanded.has(rowId);
    rows.push({ id: rowId, kind: 'study', study, expanded: open });
    if (!open) continue;
    const state = series.get(rowId) ?? { status: 'loading' };
    if (state.status === 'loading') {
      rows.push({
        id: noteRowId(rowId),
        kind: 'note',
        studyRowId: rowId,
        tone: 'loading',
        text: 'Finding the series…',
      });
    } else if (state.status === 'error') {
      rows.push({
        id: noteRowId(rowId),
        kind: 'note',
        studyRowId: rowId,
        tone: 'error',
        text: state.message,
      });
    } else if (state.series.length === 0) {
      rows.push({
        id: noteRowId(rowId),
        kind: 'note',
        studyRowId: rowId,
        tone: 'empty',
        text: 'The PACS lists no series for this study.',
      });
    } else {
      seriesOrder(state.series).forEach((s) => {
        const index = state.series.indexOf(s);
        rows.push({
          id: seriesRowId(rowId, index),
          kind: 'series',
          series: s,
          study,
          studyRowId: rowId,
        });
      });
    }
  }
  return rows;
}

/** `Doe, Peter · 2001-01-01 · CT · Chest` (what a retrieve job shows for a study). */
export function studyLabel(study: PacsStudyItem): string {
  return [
    formatPersonName(study.patientName) || study.patientId || 'Unnamed patient',
    formatDicomDate(study.studyDate),
    study.modalities.join(', '),
    study.studyDescription,
  ]
    .filter(Boolean)
    .join(' · ')
    .slice(0, 256);
}

/** `Doe, Peter · 2001-01-01 · CT #4 · Chest scout`. */
export function seriesLabel(study: PacsStudyItem, series: PacsSeriesItem): string {
  const number = series.seriesNumber === null ? '' : ` #${series.seriesNumber}`;
  return [
    formatPersonName(study.patientName) || study.patientId || 'Unnamed patient',
    formatDicomDate(study.studyDate),
    `${series.modality || 'Series'}${number}`,
    series.seriesDescription,
  ]
    .filter(Boolean)
    .join(' · ')
    .slice(0, 256);
}

/**
 * The retrieve items of the selected rows, in table order: a selected study is retrieved whole; a selected
 * series on its own, unless its study is selected too. Notes are never items.
 */
export function selectedItems(
  rows: readonly ResultRow[],
  selected: ReadonlySet<number>,
): RetrieveItemRequest[] {
  const studies = new Set(
    rows.filter((r) => r.kind === 'study' && selected.has(r.id)).map((r) => r.id),
  );
  const items: RetrieveItemRequest[] = [];
  for (const row of rows) {
    if (!selected.has(row.id)) continue;
    if (row.kind === 'study') {
      items.push({
        level: 'STUDY',
        studyInstanceUid: row.study.studyInstanceUid,
        label: studyLabel(row.study),
      });
    } else if (row.kind === 'series' && !studies.has(row.studyRowId)) {
      items.push({
        level: 'SERIES',
        studyInstanceUid: row.series.studyInstanceUid || row.study.studyInstanceUid,
        seriesInstanceUid: row.series.seriesInstanceUid,
        label: seriesLabel(row.study, row.series),
      });
    }
  }
  return items;
}

/** "2 studies", "1 study and 3 series", "nothing". */
export function itemsSummary(items: readonly RetrieveItemRequest[]): string {
  const studies = items.filter((i) => i.level === 'STUDY').length;
  const series = items.length - studies;
  const parts = [
    studies ? `${studies} ${studies === 1 ? 'study' : 'studies'}` : '',
    series ? `${series} series` : '',
  ].filter(Boolean);
  return parts.length ? parts.join(' and ') : 'nothing';
}
