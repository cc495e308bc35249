/**
 * How retrieve jobs and PACS failures are shown: status words and tones, what a PACS error is called, its
 * details, the progress of an item, which actions a job allows, and what Open and Send work on. Pure,
 * unit-tested.
 */
import type {
  ActionSelection,
  PacsErrorCode,
  PacsErrorInfo,
  RetrieveItem,
  RetrieveItemStatus,
  RetrieveJob,
  RetrieveStatus,
} from '../../../src-preload/contract.js';

export type Tone = 'ok' | 'warn' | 'danger' | 'accent' | 'neutral';

const STATUS: Record<RetrieveStatus | RetrieveItemStatus, { label: string; tone: Tone }> = {
  queued: { label: 'Queued', tone: 'neutral' },
  pending: { label: 'Waiting', tone: 'neutral' },
  running: { label: 'Retrieving', tone: 'accent' },
  cancelling: { label: 'Cancelling', tone: 'warn' },
  completed: { label: 'Retrieved', tone: 'ok' },
  partial: { label: 'Partly retrieved', tone: 'warn' },
  failed: { label: 'Failed', tone: 'danger' },
  cancelled: { label: 'Cancelled', tone: 'neutral' },
  interrupted: { label: 'Interrupted', tone: 'warn' },
};

export function statusView(status: RetrieveStatus | RetrieveItemStatus): {
  label: string;
  tone: Tone;
} {
  return STATUS[status] ?? { label: status, tone: 'neutral' };
}

const ACTIVE: readonly RetrieveStatus[] = ['queued', 'running', 'cancelling'];

export const isActive = (job: RetrieveJob): boolean => ACTIVE.includes(job.status);
export const canCancel = (job: RetrieveJob): boolean =>
  job.status === 'queued' || job.status === 'running';
export const canRetry = (job: RetrieveJob): boolean =>
  ['failed', 'partial', 'cancelled', 'interrupted'].includes(job.status);
export const canDelete = (job: RetrieveJob): boolean => !isActive(job);

const TITLES: Record<PacsErrorCode, string> = {
  'association-rejected': 'The PACS refused the association',
  'connection-refused': 'Nothing answers at the PACS’s address (connection refused)',
  'unknown-host': 'The PACS’s host name was not found',
  'no-route': 'No network route to the PACS',
  timeout: 'The PACS did not answer in time',
  aborted: 'The association was aborted',
  closed: 'The PACS closed the connection',
  network: 'A network error while talking to the PACS',
  'no-presentation-context': 'The PACS does not offer this query or retrieve',
  'move-destination-unknown': 'The PACS does not know the move destination',
  refused: 'The PACS refused the request',
  failed: 'The PACS could not do it',
  'no-matches': 'The PACS had nothing to send',
  'no-destination': 'This box has no SCP to receive the images',
  'node-deleted': 'The node was deleted',
  interrupted: 'Interrupted: the box stopped while it ran',
};

export function errorTitle(error: PacsErrorInfo): string {
  // A status without a more precise kind: the PACS's own answer is the most telling title.
  if (error.code === 'failed' && error.status !== undefined)
    return `The PACS answered ${hexStatus(error.status)}${error.statusText ? ` (${error.statusText})` : ''}`;
  return TITLES[error.code] ?? 'The PACS failed';
}

/** `0xC000` → `C000`. */
export function hexStatus(status: number): string {
  return status.toString(16).toUpperCase().padStart(4, '0');
}

/** The facts of a PACS failure, label → value, as the PACS gave them. */
export function errorDetails(error: PacsErrorInfo): [string, string][] {
  const details: [string, string][] = [['PACS', error.peer]];
  if (error.reject) details.push(['Rejection', error.reject.text]);
  if (error.abort) details.push(['Abort', error.abort.text]);
  if (error.status !== undefined)
    details.push(['Status', [hexStatus(error.status), error.statusText].filter(Boolean).join(' ')]);
  if (error.errorComment) details.push(['Error comment', error.errorComment]);
  return details;
}

/**
 * An item's progress as the PACS reports it: sub-operations done of all known (null total before the PACS
 * said how many remain).
 */
export function itemProgress(item: RetrieveItem): { done: number; total: number | null } {
  const done = item.completed + item.failed + item.warning;
  if (item.status === 'completed') return { done, total: done };
  return { done, total: item.remaining === null ? null : done + item.remaining };
}

/** The job's progress over its items (null total while any running item has not said how many remain). */
export function jobProgress(job: RetrieveJob): { done: number; total: number | null } {
  let done = 0;
  let total = 0;
  let known = true;
  for (const item of job.items) {
    const p = itemProgress(item);
    done += p.done;
    if (p.total === null) {
      if (item.status === 'running') known = false;
    } else total += p.total;
  }
  return { done, total: known ? total : null };
}

/** The items whose images are here (something of them is stored in this box). */
export function retrievedItems(job: RetrieveJob): RetrieveItem[] {
  return job.items.filter((i) => i.local.images > 0 && i.local.studyIds.length > 0);
}

/** Where Open in Browse goes for an item: its (first) study, and its series for a series item. */
export function openTarget(
  item: RetrieveItem,
): { studyId: number; seriesId: number | null } | null {
  const studyId = item.local.studyIds[0];
  if (studyId === undefined || item.local.images === 0) return null;
  return {
    studyId,
    seriesId: item.level === 'SERIES' ? (item.local.seriesIds[0] ?? null) : null,
  };
}

/** What Send works on for these items: their studies, or their series when any item is a series. */
export function sendSelection(items: readonly RetrieveItem[]): ActionSelection | null {
  const here = items.filter((i) => i.local.images > 0);
  if (here.length === 0) return null;
  const unique = (ids: number[]) => [...new Set(ids)];
  if (here.every((i) => i.level === 'STUDY')) {
    const ids = unique(here.flatMap((i) => i.local.studyIds));
    return ids.length ? { kind: 'studies', ids } : null;
  }
  const ids = unique(here.flatMap((i) => i.local.seriesIds));
  return ids.length ? { kind: 'series', ids } : null;
}

/** One line on a job: what it got, e.g. "7 images retrieved", or the first error's title. */
export function jobSummary(job: RetrieveJob): string {
  const received = job.totals.received;
  const images = `${received} ${received === 1 ? 'image' : 'images'}`;
  if (job.status === 'completed') return `${images} retrieved`;
  if (job.status === 'partial')
    return `${images} retrieved, ${job.totals.failed} failed at the PACS`;
  if (job.error && (job.status === 'failed' || job.status === 'interrupted'))
    return errorTitle(job.error);
  if (isActive(job)) return `${images} so far`;
  return images;
}
