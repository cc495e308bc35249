/**
 * Export: the user's selection (patients, studies, series or images) is resolved to image ids, an export
 * set is created on the server (`POST /images/export`) and its zip (`GET /images/export?id=`) is streamed to
 * a temporary file beside the destination, flushed, then renamed into place, so a crash or a lost server
 * never leaves a half zip under the final name. Progress goes out as `exports.progress` events.
 *
 * Where the zip goes is a port: Electron asks with the native save dialog (`Dialogs`); browser mode has no
 * dialog, so the zip is written to the data folder's `exports/` and the renderer downloads it from the web
 * host (`downloadUrl`).
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { ExportJob, ExportSelection } from '../../../src-preload/contract.js';
import type { ConnectionService } from '../connections/connection-service.js';
import type { EmitEvent } from '../events.js';
import { ServiceError } from '../service-error.js';
import { resolveImageIds } from '../selection/resolve-images.js';

/** Native dialogs and the file manager: implemented by the Electron shell (src-main/app/dialogs.ts). */
export interface Dialogs {
  /** Asks where to save a file (a zip unless `filter` says otherwise); undefined when the user cancels. */
  saveFile(
    suggestedName: string,
    filter?: { name: string; extensions: string[] },
  ): Promise<string | undefined>;
  /** Shows the file in the system's file manager. */
  revealFile(path: string): void | Promise<void>;
}

export interface ExportServiceOptions {
  /** Browser mode's destination folder (the data folder's `exports/`). */
  exportsDir: string;
  dialogs?: Dialogs;
  /** Browser mode: the URL the renderer downloads a finished export from. */
  downloadUrl?: (exportId: string) => string;
  /** Minimum time between two progress events of one job. */
  progressIntervalMs?: number;
}

const EXPORT_NAME = /^[\w .()-]{1,120}\.zip$/;

function timestamp(date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return (
    `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}-` +
    `${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`
  );
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** `name.zip`, or `name (2).zip`, … — the first that does not exist in `dir`. */
async function freeName(dir: string, name: string): Promise<string> {
  const stem = name.replace(/\.zip$/, '');
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? name : `${stem} (${n}).zip`;
    if (!(await exists(join(dir, candidate)))) return candidate;
  }
}

export class ExportService {
  private readonly jobs = new Map<string, ExportJob>();
  private readonly running = new Set<Promise<void>>();
  /** Running jobs: what aborts each one and its run, which has cleaned up once it settles. */
  private readonly active = new Map<string, { controller: AbortController; run: Promise<void> }>();

  constructor(
    private readonly connections: ConnectionService,
    private readonly emit: EmitEvent,
    private readonly options: ExportServiceOptions,
  ) {}

  /** The jobs not dismissed, newest first. */
  list(): ExportJob[] {
    return [...this.jobs.values()]
      .filter((job) => !job.dismissed)
      .map((job) => ({ ...job }))
      .reverse();
  }

  /**
   * The user closed an export's card: it is not listed any more (a reload of the window does not bring it
   * back). A running export goes on (its file is still wanted) and its events carry `dismissed`.
   */
  dismiss(exportId: string): void {
    const job = this.jobs.get(exportId);
    if (!job) throw new ServiceError('not-found', `No export ${exportId}`);
    job.dismissed = true;
  }

  /** Starts an export; answers at once (or after the save dialog) with the job, which runs on. */
  async start(connectionId: string, selection: ExportSelection): Promise<ExportJob> {
    this.connections.client(connectionId); // unknown connection → not-found, before any dialog
    if (selection.ids.length === 0) {
      throw new ServiceError('invalid-arguments', 'Select something to export first');
    }
    const suggested = `slicebox-export-${timestamp()}.zip`;
    const dialogs = this.options.dialogs;
    let path: string;
    if (dialogs) {
      const picked = await dialogs.saveFile(suggested);
      const job = this.newJob(connectionId, picked ? basename(picked) : suggested);
      if (!picked) {
        job.state = 'canceled';
        this.publish(job);
        return { ...job };
      }
      path = picked;
      job.path = path;
      job.canReveal = true;
      this.launch(job, selection);
      return { ...job };
    }
    await mkdir(this.options.exportsDir, { recursive: true });
    const fileName = await freeName(this.options.exportsDir, suggested);
    path = join(this.options.exportsDir, fileName);
    const job = this.newJob(connectionId, fileName);
    job.path = path;
    this.launch(job, selection);
    return { ...job };
  }

  /** Browser mode: the finished file of an export, for the web host's download route. */
  downloadable(exportId: string): { path: string; fileName: string } | undefined {
    const job = this.jobs.get(exportId);
    if (!job || job.state !== 'done' || !job.path || this.options.dialogs) return undefined;
    if (!EXPORT_NAME.test(job.fileName)) return undefined;
    return { path: job.path, fileName: job.fileName };
  }

  async reveal(exportId: string): Promise<void> {
    const job = this.jobs.get(exportId);
    if (!job) throw new ServiceError('not-found', `No export ${exportId}`);
    if (!job.path || job.state !== 'done' || !this.options.dialogs) {
      throw new ServiceError('invalid-arguments', 'This export cannot be shown in a folder');
    }
    await this.options.dialogs.revealFile(job.path);
  }

  /**
   * Cancels a running export: aborts the download, deletes the temporary file and marks the job
   * `canceled` (nothing is left at the destination). Answers once that is done; a finished, failed or
   * already canceled job is answered unchanged.
   */
  async cancel(exportId: string): Promise<ExportJob> {
    const job = this.jobs.get(exportId);
    if (!job) throw new ServiceError('not-found', `No export ${exportId}`);
    const active = this.active.get(exportId);
    if (active) {
      active.controller.abort();
      await active.run;
    }
    return { ...job };
  }

  /** Waits for every running export (tests, shutdown). */
  async settle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private newJob(connectionId: string, fileName: string): ExportJob {
    const job: ExportJob = {
      id: randomUUID(),
      connectionId,
      fileName,
      state: 'resolving',
      created: Date.now(),
      imageCount: 0,
      bytesDone: 0,
      canReveal: false,
    };
    this.jobs.set(job.id, job);
    return job;
  }

  private publish(job: ExportJob): void {
    this.emit('exports.progress', { ...job });
  }

  private launch(job: ExportJob, selection: ExportSelection): void {
    this.publish(job);
    const controller = new AbortController();
    const run = this.run(job, selection, controller.signal).catch((error: unknown) => {
      if (controller.signal.aborted) {
        job.state = 'canceled';
      } else {
        this.connections.noteFailure(job.connectionId, error);
        job.state = 'failed';
        job.error = (error as Error)?.message ?? String(error);
      }
      this.publish(job);
    });
    this.running.add(run);
    this.active.set(job.id, { controller, run });
    void run.finally(() => {
      this.running.delete(run);
      this.active.delete(job.id);
    });
  }

  private async run(
    job: ExportJob,
    selection: ExportSelection,
    signal: AbortSignal,
  ): Promise<void> {
    const client = this.connections.client(job.connectionId);
    const ids = await resolveImageIds(client, selection);
    signal.throwIfAborted();
    if (ids.length === 0) throw new Error('The selection has no images to export');
    job.imageCount = ids.length;
    job.state = 'downloading';
    this.publish(job);

    const set = await client.createExportSet(ids);
    signal.throwIfAborted();
    const res = await client.openExportSet(set.id, signal);
    if (!res.body) throw new Error('The server sent an empty export');

    const path = job.path!;
    const temp = join(dirname(path), `.${basename(path)}.${job.id.slice(0, 8)}.partial`);
    const interval = this.options.progressIntervalMs ?? 150;
    let last = 0;
    const counter = new Transform({
      transform: (chunk: Buffer, _encoding, callback) => {
        job.bytesDone += chunk.length;
        const now = Date.now();
        if (now - last >= interval) {
          last = now;
          this.publish(job);
        }
        callback(null, chunk);
      },
    });
    try {
      await pipeline(
        Readable.fromWeb(res.body as WebReadableStream),
        counter,
        createWriteStream(temp, { flush: true, mode: 0o600 }),
        { signal },
      );
      signal.throwIfAborted(); // canceled after the last byte: still no file at the destination
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    job.state = 'done';
    if (this.options.downloadUrl && !this.options.dialogs) {
      job.downloadUrl = this.options.downloadUrl(job.id);
    }
    this.publish(job);
  }
}
