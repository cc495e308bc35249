/** Pure helpers for the list of import jobs. */
import type {
  ImportFileResult,
  ImportFileState,
  ImportJob,
  ImportJobState,
} from '../../src-preload/contract.js';

/** Insert or replace a job by id, newest first. A stale update never wins. */
export function upsertJob(jobs: readonly ImportJob[], job: ImportJob): ImportJob[] {
  const index = jobs.findIndex((j) => j.id === job.id);
  let next: ImportJob[];
  if (index === -1) next = [...jobs, job];
  else {
    const current = jobs[index]!;
    if (isOlder(job, current)) return jobs as ImportJob[];
    next = jobs.slice();
    next[index] = job;
  }
  return next.sort((a, b) => b.created - a.created);
}

/** Updates can cross (the `imports.start` answer may arrive after its first progress event). */
function isOlder(candidate: ImportJob, current: ImportJob): boolean {
  if (candidate.revision !== undefined && current.revision !== undefined)
    return candidate.revision < current.revision;
  if (candidate.filesDone !== current.filesDone) return candidate.filesDone < current.filesDone;
  return candidate.bytesDone < current.bytesDone;
}

export function mergeJobs(jobs: readonly ImportJob[], incoming: readonly ImportJob[]): ImportJob[] {
  let next = jobs.slice();
  for (const job of incoming) next = upsertJob(next, job);
  return next;
}

export const FILE_STATE_LABEL: Record<ImportFileState, string> = {
  pending: 'Waiting',
  uploading: 'Uploading',
  added: 'Added',
  present: 'Already present',
  rejected: 'Rejected',
  failed: 'Failed',
  skipped: 'Skipped',
};

/** Jobs that still have work to do (or may go on by themselves). */
export const ACTIVE_STATES: ReadonlySet<ImportJobState> = new Set([
  'preparing',
  'running',
  'waiting',
]);

export function isActive(job: ImportJob): boolean {
  return ACTIVE_STATES.has(job.state);
}

export function isFinished(job: ImportJob): boolean {
  return job.state === 'done' || job.state === 'cancelled' || job.state === 'failed';
}

/** Files that need the user's attention: failures, and rejections whose image did not arrive otherwise. */
export function problemCount(job: ImportJob): number {
  const superseded = job.files.filter((f) => f.state === 'rejected' && f.sameImageAs).length;
  return job.counts.rejected + job.counts.failed - superseded;
}

export function isProblem(file: ImportFileResult): boolean {
  return file.state === 'failed' || (file.state === 'rejected' && !file.sameImageAs);
}

/** The jobs into one connection (the panel shows the current connection's imports only). */
export function jobsInto(jobs: readonly ImportJob[], connectionId: string | null): ImportJob[] {
  return jobs.filter((j) => j.connectionId === connectionId);
}

/** Imports into other connections than `connectionId`, per connection (first seen first). */
export function otherConnectionImports(
  jobs: readonly ImportJob[],
  connectionId: string | null,
): { connectionId: string; jobs: number; running: number }[] {
  const out = new Map<string, { connectionId: string; jobs: number; running: number }>();
  for (const job of jobs) {
    if (job.connectionId === connectionId) continue;
    const entry = out.get(job.connectionId) ?? {
      connectionId: job.connectionId,
      jobs: 0,
      running: 0,
    };
    entry.jobs += 1;
    if (isActive(job)) entry.running += 1;
    out.set(job.connectionId, entry);
  }
  return [...out.values()];
}

export interface JobNote {
  tone: 'info' | 'warn';
  text: string;
}

/**
 * What a person needs to know about a job's outcome beyond the counts: copies of one image that were
 * not sent (and which one was stored), rejected copies that are no loss, and for each kind of rejection
 * what to do about it (the hints, with how many files each concerns).
 */
export function jobNotes(job: ImportJob): JobNote[] {
  const notes: JobNote[] = [];
  const copies = job.files.filter((f) => f.state === 'skipped' && f.sameImageAs);
  if (copies.length > 0) {
    const images = new Set(copies.map((f) => f.sameImageAs)).size;
    notes.push({
      tone: 'info',
      text:
        images === 1
          ? `${countFiles(copies.length)} ${copies.length === 1 ? 'is another copy' : 'are other copies'} of ${copies[0]!.sameImageAs}, which was stored: not sent.`
          : `${countFiles(copies.length)} ${copies.length === 1 ? 'is another copy' : 'are other copies'} of ${images} images in this drop: one copy of each was stored, the others were not sent.`,
    });
  }
  const superseded = job.files.filter((f) => f.state === 'rejected' && f.sameImageAs);
  if (superseded.length > 0) {
    notes.push({
      tone: 'info',
      text: `${countFiles(superseded.length)} rejected, but no loss: the same image was stored from another copy.`,
    });
  }
  const byHint = new Map<string, number>();
  for (const file of job.files) {
    if (file.state !== 'rejected' || file.sameImageAs || !file.hint) continue;
    byHint.set(file.hint, (byHint.get(file.hint) ?? 0) + 1);
  }
  for (const [hint, count] of byHint) {
    notes.push({ tone: 'warn', text: `${countFiles(count)} rejected: ${hint}` });
  }
  return notes;
}

function countFiles(n: number): string {
  return `${n} ${n === 1 ? 'file' : 'files'}`;
}

export function jobStateLabel(job: ImportJob): string {
  switch (job.state) {
    case 'preparing':
      return 'Preparing';
    case 'running':
      return job.filesDone === 0 ? 'Starting' : 'Importing';
    case 'paused':
      return 'Paused';
    case 'waiting':
      return 'Waiting for server';
    case 'cancelled':
      return 'Cancelled';
    case 'failed':
      return 'Failed';
    case 'done':
      return problemCount(job) > 0 ? 'Done with problems' : 'Done';
  }
}

/** One-line summary: `12 added · 3 already present · 1 rejected · 2 skipped`. */
export function jobSummary(job: ImportJob): string {
  const parts: string[] = [];
  const { added, present, rejected, failed } = job.counts;
  const skipped = job.counts.skipped ?? 0;
  parts.push(`${added} added`);
  if (present) parts.push(`${present} already present`);
  if (rejected) parts.push(`${rejected} rejected`);
  if (failed) parts.push(`${failed} failed`);
  if (skipped) parts.push(`${skipped} skipped`);
  return parts.join(' · ');
}

/** `1 h 02 min`, `3 min 05 s`, `42 s`. */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/**
 * Whether this update can change what the browser shows (something was added since the last one we
 * saw of this job), so the patient list should be refreshed.
 */
export function addsImages(previous: ImportJob | undefined, next: ImportJob): boolean {
  const before = previous ? previous.counts.added : 0;
  if (next.counts.added > before) return true;
  return !isActive(next) && previous !== undefined && isActive(previous);
}

/**
 * Where a dropped file sat inside a dropped folder (`folder/sub/a.dcm`). The drop handler walks folders
 * with `webkitGetAsEntry()` and records each file's path here; files picked with a folder input carry
 * `webkitRelativePath` themselves.
 */
export const droppedPaths = new WeakMap<File, string>();

export function relativeName(file: File): string {
  const inFolder = (file as File & { webkitRelativePath?: string }).webkitRelativePath;
  return droppedPaths.get(file) ?? (inFolder || file.name);
}

/** The controls of a job card, named after the store's methods. */
export type JobAction = 'pause' | 'resume' | 'cancel' | 'retryFailed';
