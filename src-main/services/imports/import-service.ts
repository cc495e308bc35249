/**
 * Imports: the files of one drop become one job, uploaded through one Slicebox import session named
 * after the drop. Every file ends in a state the user can read: added, already present, rejected with
 * the server's reason, or failed with the error. Progress is pushed as `imports.progress` events.
 */
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { dirname, isAbsolute, relative } from 'node:path';
import type { FileRef, ImportFileResult, ImportJob } from '../../../src-preload/contract.js';
import { SliceboxHttpError } from '../../slicebox/client.js';
import type { ConnectionService } from '../connections/connection-service.js';
import type { EmitEvent } from '../events.js';
import { runWithConcurrency } from './run-with-concurrency.js';

export interface ImportServiceOptions {
  /** Files inside this folder are copies staged for the import (browser mode) and are removed after. */
  stagingDir?: string;
  concurrency?: number;
  /** Minimum time between two progress events of one job. */
  progressIntervalMs?: number;
}

export class ImportService {
  private readonly jobs = new Map<string, ImportJob>();
  private readonly lastEmit = new Map<string, number>();

  constructor(
    private readonly connections: ConnectionService,
    private readonly emit: EmitEvent,
    private readonly options: ImportServiceOptions = {},
  ) {}

  list(): ImportJob[] {
    return [...this.jobs.values()].map(snapshot).sort((a, b) => b.created - a.created);
  }

  /** Creates the job and starts it; answers at once with the job as it stands. */
  start(connectionId: string, name: string, files: FileRef[]): ImportJob {
    const client = this.connections.client(connectionId);
    const job: ImportJob = {
      id: randomUUID(),
      name,
      connectionId,
      state: 'running',
      created: Date.now(),
      filesTotal: files.length,
      filesDone: 0,
      bytesTotal: files.reduce((sum, f) => sum + f.size, 0),
      bytesDone: 0,
      counts: { added: 0, present: 0, rejected: 0, failed: 0 },
      files: files.map((f) => ({ name: f.name, path: f.path, size: f.size, state: 'pending' })),
    };
    this.jobs.set(job.id, job);
    const done = this.run(job, client).catch((error: unknown) => {
      job.state = 'failed';
      job.error = (error as Error).message;
      for (const file of job.files) {
        if (file.state === 'pending' || file.state === 'uploading')
          this.finish(job, file, 'failed', job.error);
      }
    });
    void done.finally(() => this.publish(job, true));
    return snapshot(job);
  }

  /** Waits for a job to leave the running state (used by tests and by shutdown). */
  async whenSettled(jobId: string, timeoutMs = 600_000): Promise<ImportJob> {
    const started = Date.now();
    for (;;) {
      const job = this.jobs.get(jobId);
      if (!job) throw new Error(`No import job ${jobId}`);
      if (job.state !== 'running') return snapshot(job);
      if (Date.now() - started > timeoutMs) throw new Error(`Import job ${jobId} still running`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private async run(
    job: ImportJob,
    client: ReturnType<ConnectionService['client']>,
  ): Promise<void> {
    const session = await client.createImportSession(job.name);
    job.sessionId = session.id;
    this.publish(job, true);
    await runWithConcurrency(job.files, this.options.concurrency ?? 2, async (file) => {
      file.state = 'uploading';
      this.publish(job, false);
      try {
        const result = await client.uploadFileToImportSession(session.id, file.path);
        file.imageId = result.image.id;
        this.finish(job, file, result.outcome);
      } catch (error) {
        if (error instanceof SliceboxHttpError && error.status === 400) {
          this.finish(job, file, 'rejected', error.body || 'Rejected by the server');
        } else {
          this.connections.noteFailure(job.connectionId, error);
          this.finish(job, file, 'failed', (error as Error).message);
        }
      } finally {
        await this.discardStagedCopy(file.path);
      }
      this.publish(job, false);
    });
    job.state = 'done';
  }

  private finish(
    job: ImportJob,
    file: ImportFileResult,
    state: 'added' | 'present' | 'rejected' | 'failed',
    reason?: string,
  ): void {
    file.state = state;
    if (reason) file.reason = reason;
    job.counts[state] += 1;
    job.filesDone += 1;
    job.bytesDone += file.size;
  }

  private async discardStagedCopy(path: string): Promise<void> {
    const staging = this.options.stagingDir;
    if (!staging) return;
    // Staged copies live one per folder directly under the staging dir: remove that folder.
    const folder = dirname(path);
    const rel = relative(staging, folder);
    if (rel && !rel.startsWith('..') && !isAbsolute(rel) && dirname(folder) === staging) {
      await rm(folder, { recursive: true, force: true });
    }
  }

  private publish(job: ImportJob, force: boolean): void {
    const now = Date.now();
    const interval = this.options.progressIntervalMs ?? 100;
    if (!force && now - (this.lastEmit.get(job.id) ?? 0) < interval) return;
    this.lastEmit.set(job.id, now);
    this.emit('imports.progress', snapshot(job));
  }
}

function snapshot(job: ImportJob): ImportJob {
  return structuredClone(job);
}
