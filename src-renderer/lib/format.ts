/** Display helpers for DICOM values and sizes. Pure functions, unit-tested. */

/** DICOM PN `Doe^John^^Dr` → `Doe, John Dr` (family name first, as PACS viewers show it). */
export function formatPersonName(value: string | null | undefined): string {
  if (!value) return '';
  const first = value.split('=')[0] ?? ''; // alphabetic representation only
  const [family = '', given = '', middle = '', prefix = '', suffix = ''] = first
    .split('^')
    .map((part) => part.trim());
  const rest = [prefix, given, middle, suffix].filter(Boolean).join(' ');
  if (family && rest) return `${family}, ${rest}`;
  return family || rest;
}

/** DICOM DA `20261130` → `2026-11-30`. Other shapes are returned trimmed, unchanged. */
export function formatDicomDate(value: string | null | undefined): string {
  if (!value) return '';
  const v = value.trim();
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(v) ?? /^(\d{4})\.(\d{2})\.(\d{2})$/.exec(v);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : v;
}

/** Patient sex code → short label. */
export function formatSex(value: string | null | undefined): string {
  switch ((value ?? '').trim().toUpperCase()) {
    case 'M':
      return 'M';
    case 'F':
      return 'F';
    case 'O':
      return 'O';
    case '':
      return '';
    default:
      return (value ?? '').trim();
  }
}

export function sexLabel(value: string | null | undefined): string {
  switch ((value ?? '').trim().toUpperCase()) {
    case 'M':
      return 'male';
    case 'F':
      return 'female';
    case 'O':
      return 'other';
    default:
      return 'unknown';
  }
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** 1536 → `1.5 KB` (binary multiples, one decimal below 10). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '–';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** Whole percent of done/total, clamped to 0..100; 0 when total is 0. */
export function percent(done: number, total: number): number {
  if (!(total > 0)) return 0;
  return Math.max(0, Math.min(100, Math.floor((done / total) * 100)));
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** `2026-11-30 14:03` in local time, from a Date or epoch milliseconds. */
export function formatDateTime(when: Date | number): string {
  const date = typeof when === 'number' ? new Date(when) : when;
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** `2026-11-30 14:03:27`, as Slicebox's Log and Anonymization screens show a time. */
export function formatDateTimeSeconds(when: Date | number): string {
  const date = typeof when === 'number' ? new Date(when) : when;
  return `${formatDateTime(date)}:${pad(date.getSeconds())}`;
}

/** The name of an import job: `Drop 2026-11-30 14:03 (3 files)`. */
export function importJobName(
  source: 'Drop' | 'Import',
  when: Date | number,
  fileCount: number,
): string {
  return `${source} ${formatDateTime(when)} (${fileCount} ${fileCount === 1 ? 'file' : 'files'})`;
}

/** `100` loaded with more available → `100+`. */
export function loadedCount(count: number, hasMore: boolean): string {
  return hasMore ? `${count}+` : String(count);
}

/** Human text for any thrown value. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === 'string') return error;
  if (error && typeof error === 'object' && 'message' in error)
    return String((error as { message: unknown }).message);
  return String(error);
}

/** The `code` a BridgeCallError (or a preload-rejected error) carries, if any. */
export function errorCode(error: unknown): string | undefined {
  if (error && typeof error === 'object' && 'code' in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

const SINGULAR_OF: Record<string, string> = {
  patients: 'patient',
  studies: 'study',
  series: 'series',
  images: 'image',
};
const PLURAL_OF: Record<string, string> = {
  patient: 'patients',
  study: 'studies',
  series: 'series',
  image: 'images',
  entry: 'entries',
};

/** `1 study`, `2 studies`, `1 series`, `3 series` (the word may be given singular or plural). */
export function countOf(n: number, word: string): string {
  const one = SINGULAR_OF[word] ?? word;
  return `${n} ${n === 1 ? one : (PLURAL_OF[one] ?? `${one}s`)}`;
}
