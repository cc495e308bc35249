/**
 * The PACS query form: what the user typed → the study query the server sends as C-FIND matching keys, the
 * study date presets, and the problems said before anything is sent. Pure, unit-tested.
 *
 * Names and descriptions without a wildcard match as "begins with" (a `*` is added): a person name has
 * components (`Doe^Peter`), so a typed family name would otherwise match nobody. IDs and accession numbers
 * match exactly unless they hold a wildcard. See components/pacs/README.md.
 */
import type { PacsStudyQuery } from '../../../src-preload/contract.js';

/** The form's fields; dates as `<input type="date">` gives them (`YYYY-MM-DD`, or empty). */
export interface PacsQueryForm {
  patientName: string;
  patientId: string;
  birthDate: string;
  dateFrom: string;
  dateTo: string;
  modality: string;
  accessionNumber: string;
  description: string;
}

export const EMPTY_FORM: Readonly<PacsQueryForm> = {
  patientName: '',
  patientId: '',
  birthDate: '',
  dateFrom: '',
  dateTo: '',
  modality: '',
  accessionNumber: '',
  description: '',
};

export const DATE_PRESETS = [
  { id: 'any', label: 'Any date' },
  { id: 'today', label: 'Today' },
  { id: 'yesterday', label: 'Yesterday' },
  { id: 'last7', label: 'Last 7 days' },
  { id: 'last30', label: 'Last 30 days' },
] as const;
export type DatePreset = (typeof DATE_PRESETS)[number]['id'];

/** Modalities offered in the modality field's list (any code may be typed). */
export const COMMON_MODALITIES = [
  'CT',
  'MR',
  'CR',
  'DX',
  'US',
  'NM',
  'PT',
  'XA',
  'RF',
  'MG',
  'OT',
  'SC',
  'SR',
  'SEG',
  'RTSTRUCT',
];

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** A local calendar date as `YYYY-MM-DD`. */
export function isoDate(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function daysBefore(now: Date, days: number): Date {
  return new Date(now.getFullYear(), now.getMonth(), now.getDate() - days);
}

/** The study date range of a preset, in the user's calendar (`now` is today). */
export function presetRange(preset: DatePreset, now: Date): { dateFrom: string; dateTo: string } {
  const today = isoDate(now);
  switch (preset) {
    case 'any':
      return { dateFrom: '', dateTo: '' };
    case 'today':
      return { dateFrom: today, dateTo: today };
    case 'yesterday': {
      const day = isoDate(daysBefore(now, 1));
      return { dateFrom: day, dateTo: day };
    }
    case 'last7':
      return { dateFrom: isoDate(daysBefore(now, 6)), dateTo: today };
    case 'last30':
      return { dateFrom: isoDate(daysBefore(now, 29)), dateTo: today };
  }
}

/** The preset the form's dates are, if any (for its pressed state). */
export function activePreset(form: PacsQueryForm, now: Date): DatePreset | null {
  for (const { id } of DATE_PRESETS) {
    const range = presetRange(id, now);
    if (range.dateFrom === form.dateFrom && range.dateTo === form.dateTo) return id;
  }
  return null;
}

/** `2004-01-19` → `20040119`; anything else → `''`. */
export function dicomDate(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso.trim());
  return m ? `${m[1]}${m[2]}${m[3]}` : '';
}

const hasWildcard = (value: string) => /[*?]/.test(value);

/** "Begins with" unless the user placed wildcards. */
function beginsWith(value: string): string {
  const v = value.trim();
  return !v || hasWildcard(v) ? v : `${v}*`;
}

/** The query the server sends (keys left out when empty). */
export function formToQuery(form: PacsQueryForm): PacsStudyQuery {
  const query: PacsStudyQuery = {};
  const set = (key: keyof PacsStudyQuery, value: string) => {
    if (value) query[key] = value;
  };
  set('patientName', beginsWith(form.patientName));
  set('patientId', form.patientId.trim());
  set('patientBirthDate', dicomDate(form.birthDate));
  set('studyDateFrom', dicomDate(form.dateFrom));
  set('studyDateTo', dicomDate(form.dateTo));
  set('modality', form.modality.trim().toUpperCase());
  set('accessionNumber', form.accessionNumber.trim());
  set('studyDescription', beginsWith(form.description));
  return query;
}

const TEXT_FIELDS: [keyof PacsQueryForm, string, number][] = [
  ['patientName', 'Patient name', 64],
  ['patientId', 'Patient ID', 64],
  ['accessionNumber', 'Accession number', 16],
  ['description', 'Description', 64],
];

/** What is wrong with the form, said before sending; null when it can be sent. */
export function formProblem(
  form: PacsQueryForm,
): { field: keyof PacsQueryForm; message: string } | null {
  for (const [field, label, max] of TEXT_FIELDS) {
    const value = form[field].trim();
    if (value.includes('\\'))
      return { field, message: `${label}: one value only, without a backslash (\\).` };
    if ([...value].some((c) => c < ' ' || c === '\x7f'))
      return { field, message: `${label}: no control characters.` };
    if (value.length > max) return { field, message: `${label}: at most ${max} characters.` };
  }
  if (!/^[A-Za-z0-9 _*?]*$/.test(form.modality.trim()) || form.modality.trim().length > 16)
    return { field: 'modality', message: 'Modality: a code such as CT or MR.' };
  for (const [field, label] of [
    ['birthDate', 'Birth date'],
    ['dateFrom', 'Study date from'],
    ['dateTo', 'Study date to'],
  ] as const) {
    if (form[field].trim() && !dicomDate(form[field]))
      return { field, message: `${label}: a date (YYYY-MM-DD).` };
  }
  if (form.dateFrom && form.dateTo && dicomDate(form.dateFrom) > dicomDate(form.dateTo))
    return { field: 'dateTo', message: 'The study date range ends before it starts.' };
  return null;
}

/** Whether the form asks for anything (an empty query lists every study, up to the node's limit). */
export function isEmptyForm(form: PacsQueryForm): boolean {
  return Object.keys(formToQuery(form)).length === 0;
}
