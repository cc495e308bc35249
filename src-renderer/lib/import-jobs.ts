/** Pure helpers for the list of import jobs. */
import type { ImportFileState, ImportJob } from '../../src-preload/contract.js';

/** Insert or replace a job by id, newest first. A stale update (fewer files done) never wins. */
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
};

export function jobStateLabel(job: ImportJob): string {
  if (job.state === 'running') return job.filesDone === 0 ? 'Starting' : 'Importing';
  if (job.state === 'failed') return 'Failed';
  const { rejected, failed } = job.counts;
  return rejected + failed > 0 ? 'Done with problems' : 'Done';
}

/** One-line summary: `12 added · 3 already present · 1 rejected`. */
export function jobSummary(job: ImportJob): string {
  const parts: string[] = [];
  const { added, present, rejected, failed } = job.counts;
  parts.push(`${added} added`);
  if (present) parts.push(`${present} already present`);
  if (rejected) parts.push(`${rejected} rejected`);
  if (failed) parts.push(`${failed} failed`);
  return parts.join(' · ');
}

/**
 * Whether this update can change what the browser shows (something was added since the last one we
 * saw of this job), so the patient list should be refreshed.
 */
export function addsImages(previous: ImportJob | undefined, next: ImportJob): boolean {
  const before = previous ? previous.counts.added : 0;
  if (next.counts.added > before) return true;
  return next.state !== 'running' && previous?.state === 'running';
}
