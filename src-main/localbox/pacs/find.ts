/**
 * C-FIND SCU, Study Root Query/Retrieve Information Model – FIND, at study and series level (PS3.4 C.6.2).
 *
 * The identifier asks for the attributes the app shows (empty return keys) and carries the user's matching keys
 * as the PACS expects them: text with the DICOM wildcards `*` and `?`, dates as ranges `from-to`. A value outside
 * ASCII is sent in UTF-8 with Specific Character Set `ISO_IR 192`. Answers are read with dcmjs (which decodes the
 * character set the PACS declares).
 *
 * Bounded: at most `limit` matches are kept; one more asks the PACS to stop (C-CANCEL) and the answer says
 * `truncated`. The whole query must finish within the node's timeout (C-CANCEL, then the association is aborted).
 *
 * The PACS does the matching. Two filters are checked again here because they are unambiguous and a PACS may not
 * support them (matching on optional keys is optional): the modality (ModalitiesInStudy at study level) and the
 * study date range. A match whose value contradicts the filter is dropped; a match without the value is kept
 * and a note says that the filter could not be checked. Text keys are left to the PACS (whether they match case
 * sensitively differs between PACS, and the PACS's rule is the one its users know).
 */
import type {
  XPacsQueryResult,
  XPacsSeries,
  XPacsSeriesQuery,
  XPacsStudy,
  XPacsStudyQuery,
} from '../../slicebox/types.js';
import { dimse } from '../dimse/dimse-module.js';
import type { DimseModule } from '../dimse/dimse-module.js';
import { PacsError, pacsError, statusText } from './pacs-errors.js';
import { describeFinal, openQr, peerName } from './qr-association.js';
import type { QrPeer } from './qr-association.js';

export interface FindOptions {
  peer: QrPeer;
  callingAeTitle: string;
  timeoutMs: number;
  limit: number;
}

type Elements = Record<string, unknown>;
type Response = InstanceType<DimseModule['responses']['Response']>;

/** A DICOM string value as text: multiple values joined with `\`, a person name by its alphabetic group. */
function text(elements: Elements, keyword: string): string {
  const v = elements[keyword];
  if (v === undefined || v === null) return '';
  const one = (x: unknown): string => {
    if (x === null || x === undefined) return '';
    if (typeof x === 'object') {
      const pn = x as { Alphabetic?: string; Ideographic?: string; Phonetic?: string };
      return (pn.Alphabetic ?? pn.Ideographic ?? pn.Phonetic ?? '').trim();
    }
    return String(x).trim();
  };
  return Array.isArray(v) ? v.map(one).join('\\') : one(v);
}

function values(elements: Elements, keyword: string): string[] {
  return text(elements, keyword)
    .split('\\')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function count(elements: Elements, keyword: string): number | null {
  const t = text(elements, keyword);
  if (t === '') return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

const hasWildcard = (s: string): boolean => /[*?]/.test(s);
const nonAscii = (s: string): boolean => /[^\x20-\x7e]/.test(s);

/** The date range value of a matching key: `from-to`, `from-`, `-to` or `''` (universal). */
export function dateRange(from: string | undefined, to: string | undefined): string {
  const f = from ?? '';
  const t = to ?? '';
  if (f === '' && t === '') return '';
  if (f === t) return f;
  return `${f}-${t}`;
}

function inRange(date: string, from: string | undefined, to: string | undefined): boolean {
  if (from && date < from) return false;
  if (to && date > to) return false;
  return true;
}

interface Collected<T> {
  matches: T[];
  truncated: boolean;
  optionalKeysUnsupported: boolean;
}

async function runFind<T>(
  options: FindOptions,
  request: InstanceType<DimseModule['requests']['CFindRequest']>,
  accept: (elements: Elements) => T | undefined,
): Promise<Collected<T>> {
  const peer = peerName(options.peer);
  const matches: T[] = [];
  let truncated = false;
  let optionalKeysUnsupported = false;
  const qr = openQr({
    peer: options.peer,
    callingAeTitle: options.callingAeTitle,
    operation: 'C-FIND',
    request,
    associationTimeoutMs: options.timeoutMs,
    totalTimeoutMs: options.timeoutMs,
    onResponse(response: Response) {
      const status = response.getStatus();
      if (status === 0xff01) optionalKeysUnsupported = true;
      if (status !== 0xff00 && status !== 0xff01) return;
      if (truncated) return;
      const elements = (response.getDataset()?.getElements() ?? {}) as Elements;
      const match = accept(elements);
      if (match === undefined) return;
      if (matches.length >= options.limit) {
        truncated = true;
        qr.cancel();
        return;
      }
      matches.push(match);
    },
  });
  const outcome = await qr.done;
  // `limit` matches are an answer, however the PACS took the C-CANCEL.
  if (truncated) return { matches, truncated, optionalKeysUnsupported };
  if (outcome.failure) throw outcome.failure;
  const final = outcome.final;
  if (!final) throw pacsError('closed', peer, `${peer} ended the C-FIND without a final answer.`);
  if (final.status !== 0x0000) {
    const refused =
      (final.status & 0xff00) === 0xa700 || final.status === 0x0122 || final.status === 0x0124;
    throw new PacsError({
      code: refused ? 'refused' : 'failed',
      message: `${peer} ${refused ? 'refused' : 'failed'} the C-FIND: ${describeFinal(final)}.`,
      peer,
      status: final.status,
      statusText: statusText(final.status),
      ...(final.errorComment ? { errorComment: final.errorComment } : {}),
    });
  }
  return { matches, truncated, optionalKeysUnsupported };
}

function withCharset(elements: Elements): Elements {
  const anyNonAscii = Object.values(elements).some((v) => typeof v === 'string' && nonAscii(v));
  return anyNonAscii ? { SpecificCharacterSet: 'ISO_IR 192', ...elements } : elements;
}

/** Study-level C-FIND. */
export async function findStudies(
  options: FindOptions,
  query: XPacsStudyQuery,
): Promise<XPacsQueryResult<XPacsStudy>> {
  const D = dimse();
  const modality = query.modality?.trim().toUpperCase() || undefined;
  const identifier = withCharset({
    PatientName: query.patientName ?? '',
    PatientID: query.patientId ?? '',
    PatientBirthDate: query.patientBirthDate ?? '',
    PatientSex: '',
    StudyInstanceUID: query.studyInstanceUid ?? '',
    StudyDate: dateRange(query.studyDateFrom, query.studyDateTo),
    StudyTime: '',
    StudyDescription: query.studyDescription ?? '',
    AccessionNumber: query.accessionNumber ?? '',
    StudyID: '',
    ModalitiesInStudy: modality ?? '',
    NumberOfStudyRelatedSeries: '',
    NumberOfStudyRelatedInstances: '',
  });
  const request = D.requests.CFindRequest.createStudyFindRequest(identifier);
  let modalityUnchecked = 0;
  let dateUnchecked = 0;
  const checkDate = Boolean(query.studyDateFrom || query.studyDateTo);
  const collected = await runFind(options, request, (e) => {
    const study: XPacsStudy = {
      studyInstanceUid: text(e, 'StudyInstanceUID'),
      patientName: text(e, 'PatientName'),
      patientId: text(e, 'PatientID'),
      patientBirthDate: text(e, 'PatientBirthDate'),
      patientSex: text(e, 'PatientSex'),
      studyDate: text(e, 'StudyDate'),
      studyTime: text(e, 'StudyTime'),
      studyDescription: text(e, 'StudyDescription'),
      accessionNumber: text(e, 'AccessionNumber'),
      studyId: text(e, 'StudyID'),
      modalitiesInStudy: values(e, 'ModalitiesInStudy'),
      numberOfStudyRelatedSeries: count(e, 'NumberOfStudyRelatedSeries'),
      numberOfStudyRelatedInstances: count(e, 'NumberOfStudyRelatedInstances'),
    };
    if (!study.studyInstanceUid) return undefined;
    if (modality && !hasWildcard(modality)) {
      if (study.modalitiesInStudy.length === 0) modalityUnchecked++;
      else if (!study.modalitiesInStudy.some((m) => m.toUpperCase() === modality)) return undefined;
    }
    if (checkDate) {
      if (!/^\d{8}$/.test(study.studyDate)) dateUnchecked++;
      else if (!inRange(study.studyDate, query.studyDateFrom, query.studyDateTo)) return undefined;
    }
    return study;
  });
  const notes = commonNotes(collected);
  if (modalityUnchecked > 0)
    notes.push(
      `The PACS returned no ModalitiesInStudy for ${modalityUnchecked} ${modalityUnchecked === 1 ? 'study' : 'studies'}: the modality filter may not have been applied to ${modalityUnchecked === 1 ? 'it' : 'them'}.`,
    );
  if (dateUnchecked > 0)
    notes.push(
      `The PACS returned no study date for ${dateUnchecked} ${dateUnchecked === 1 ? 'study' : 'studies'}: the date filter could not be checked for ${dateUnchecked === 1 ? 'it' : 'them'}.`,
    );
  return {
    matches: collected.matches,
    truncated: collected.truncated,
    limit: options.limit,
    notes,
  };
}

/** Series-level C-FIND within one study. */
export async function findSeries(
  options: FindOptions,
  query: XPacsSeriesQuery,
): Promise<XPacsQueryResult<XPacsSeries>> {
  const D = dimse();
  const modality = query.modality?.trim().toUpperCase() || undefined;
  const request = D.requests.CFindRequest.createSeriesFindRequest({
    StudyInstanceUID: query.studyInstanceUid,
    SeriesInstanceUID: '',
    SeriesNumber: '',
    SeriesDescription: '',
    Modality: modality ?? '',
    SeriesDate: '',
    BodyPartExamined: '',
    NumberOfSeriesRelatedInstances: '',
  });
  let modalityUnchecked = 0;
  const collected = await runFind(options, request, (e) => {
    const series: XPacsSeries = {
      studyInstanceUid: text(e, 'StudyInstanceUID') || query.studyInstanceUid,
      seriesInstanceUid: text(e, 'SeriesInstanceUID'),
      modality: text(e, 'Modality'),
      seriesNumber: count(e, 'SeriesNumber'),
      seriesDescription: text(e, 'SeriesDescription'),
      seriesDate: text(e, 'SeriesDate'),
      bodyPartExamined: text(e, 'BodyPartExamined'),
      numberOfSeriesRelatedInstances: count(e, 'NumberOfSeriesRelatedInstances'),
    };
    if (!series.seriesInstanceUid) return undefined;
    // A PACS must answer within the study asked for; one that does not is not trusted with it.
    if (series.studyInstanceUid !== query.studyInstanceUid) return undefined;
    if (modality && !hasWildcard(modality)) {
      if (series.modality === '') modalityUnchecked++;
      else if (series.modality.toUpperCase() !== modality) return undefined;
    }
    return series;
  });
  const notes = commonNotes(collected);
  if (modalityUnchecked > 0)
    notes.push(
      `The PACS returned no modality for ${modalityUnchecked} series: the modality filter may not have been applied to them.`,
    );
  return {
    matches: collected.matches,
    truncated: collected.truncated,
    limit: options.limit,
    notes,
  };
}

function commonNotes(collected: Collected<unknown>): string[] {
  const notes: string[] = [];
  if (collected.truncated)
    notes.push('More matches exist than the limit: refine the query to see the others.');
  if (collected.optionalKeysUnsupported)
    notes.push(
      'The PACS does not support some of the requested attributes (status FF01): they may be empty.',
    );
  return notes;
}
