/** The import jobs and their files in the cache DB (migration 001): every state change is written. */
import type { FileRef, ImportFileState, ImportJobState } from '../../../src-preload/contract.js';
import type { CacheDb } from '../cache/cache-db.js';

export interface JobRow {
  id: string;
  name: string;
  connectionId: string;
  state: ImportJobState;
  error?: string;
  sessionId?: number;
  created: number;
  finished?: number;
  workDir: string;
  sources: FileRef[];
}

export interface FileRow {
  seq: number;
  name: string;
  path: string;
  size: number;
  state: ImportFileState;
  reason?: string;
  imageId?: number;
  sopInstanceUID?: string;
  /** From the file's header: which copy of an image is tried first, and readable rejections. */
  sopClassUID?: string;
  transferSyntaxUID?: string;
  /** For a rejection: what to do about it; and the server's own words when `reason` rephrases them. */
  hint?: string;
  detail?: string;
  staged: boolean;
  attempts: number;
}

interface RawJob {
  id: string;
  name: string;
  connection_id: string;
  state: string;
  error: string | null;
  session_id: number | null;
  created: number;
  finished: number | null;
  work_dir: string;
  sources: string;
}

interface RawFile {
  seq: number;
  name: string;
  path: string;
  size: number;
  state: string;
  reason: string | null;
  image_id: number | null;
  sop_instance_uid: string | null;
  sop_class_uid: string | null;
  transfer_syntax_uid: string | null;
  hint: string | null;
  detail: string | null;
  staged: number;
  attempts: number;
}

export class JobStore {
  constructor(private readonly db: CacheDb) {}

  insertJob(job: JobRow): void {
    this.db
      .prepare(
        `INSERT INTO import_jobs (id, name, connection_id, state, error, session_id, created, finished, work_dir, sources)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        job.id,
        job.name,
        job.connectionId,
        job.state,
        job.error ?? null,
        job.sessionId ?? null,
        job.created,
        job.finished ?? null,
        job.workDir,
        JSON.stringify(job.sources),
      );
  }

  updateJob(job: JobRow): void {
    this.db
      .prepare(
        'UPDATE import_jobs SET state = ?, error = ?, session_id = ?, finished = ? WHERE id = ?',
      )
      .run(job.state, job.error ?? null, job.sessionId ?? null, job.finished ?? null, job.id);
  }

  /** Replaces the job's files in one transaction (used once the sources are expanded). */
  replaceFiles(jobId: string, files: readonly FileRow[]): void {
    const insert = this.db.prepare(
      `INSERT INTO import_job_files (job_id, seq, name, path, size, state, reason, image_id,
         sop_instance_uid, sop_class_uid, transfer_syntax_uid, hint, detail, staged, attempts)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM import_job_files WHERE job_id = ?').run(jobId);
      for (const f of files) {
        insert.run(
          jobId,
          f.seq,
          f.name,
          f.path,
          f.size,
          f.state,
          f.reason ?? null,
          f.imageId ?? null,
          f.sopInstanceUID ?? null,
          f.sopClassUID ?? null,
          f.transferSyntaxUID ?? null,
          f.hint ?? null,
          f.detail ?? null,
          f.staged ? 1 : 0,
          f.attempts,
        );
      }
    })();
  }

  updateFile(jobId: string, file: FileRow): void {
    this.db
      .prepare(
        `UPDATE import_job_files SET state = ?, reason = ?, hint = ?, detail = ?, image_id = ?,
           attempts = ?
         WHERE job_id = ? AND seq = ?`,
      )
      .run(
        file.state,
        file.reason ?? null,
        file.hint ?? null,
        file.detail ?? null,
        file.imageId ?? null,
        file.attempts,
        jobId,
        file.seq,
      );
  }

  /** Several file updates in one transaction (cancel, retry, restart recovery, copies settled together). */
  updateFiles(jobId: string, files: readonly FileRow[]): void {
    this.db.transaction(() => {
      for (const file of files) this.updateFile(jobId, file);
    })();
  }

  deleteJob(jobId: string): void {
    this.db.prepare('DELETE FROM import_jobs WHERE id = ?').run(jobId);
  }

  loadJobs(): { job: JobRow; files: FileRow[] }[] {
    const jobs = this.db.prepare('SELECT * FROM import_jobs ORDER BY created').all() as RawJob[];
    const filesOf = this.db.prepare('SELECT * FROM import_job_files WHERE job_id = ? ORDER BY seq');
    return jobs.map((raw) => ({
      job: {
        id: raw.id,
        name: raw.name,
        connectionId: raw.connection_id,
        state: raw.state as ImportJobState,
        error: raw.error ?? undefined,
        sessionId: raw.session_id ?? undefined,
        created: raw.created,
        finished: raw.finished ?? undefined,
        workDir: raw.work_dir,
        sources: JSON.parse(raw.sources) as FileRef[],
      },
      files: (filesOf.all(raw.id) as RawFile[]).map((f) => ({
        seq: f.seq,
        name: f.name,
        path: f.path,
        size: f.size,
        state: f.state as ImportFileState,
        reason: f.reason ?? undefined,
        imageId: f.image_id ?? undefined,
        sopInstanceUID: f.sop_instance_uid ?? undefined,
        sopClassUID: f.sop_class_uid ?? undefined,
        transferSyntaxUID: f.transfer_syntax_uid ?? undefined,
        hint: f.hint ?? undefined,
        detail: f.detail ?? undefined,
        staged: f.staged === 1,
        attempts: f.attempts,
      })),
    }));
  }
}
