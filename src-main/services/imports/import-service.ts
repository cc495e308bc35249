/**
 * Imports: every drop (or picked set of files) becomes a persisted job in the cache DB with a state per
 * file. Sources are expanded (folders walked, zips extracted, DICOMDIR indexes skipped), files are
 * sniffed (non-DICOM skipped; SOP Instance UID, SOP class and transfer syntax read), then uploaded with
 * bounded concurrency through one Slicebox import session named after the job. Copies of one image in
 * the drop are tried one after the other in a fixed order until one is stored (copies.ts); rejections
 * are put in words (describe-rejection.ts). Network loss puts the job
 * in `waiting` and it retries with backoff; a restart resumes unfinished jobs. See README.md here.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { mkdir, rename, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import type {
  FileRef,
  ImportFileResult,
  ImportFileState,
  ImportJob,
  ImportJobState,
} from '../../../src-preload/contract.js';
import { SliceboxHttpError, SliceboxUnreachableError } from '../../slicebox/client.js';
import type { UploadResult } from '../../slicebox/client.js';
import { openCacheDb, type CacheDb } from '../cache/cache-db.js';
import type { EmitEvent } from '../events.js';
import { ServiceError } from '../service-error.js';
import { groupsToSend } from './copies.js';
import { describeRejection } from './describe-rejection.js';
import { expandSources } from './expand-sources.js';
import type { ZipLimits } from './expand-zip.js';
import { JobStore, type FileRow, type JobRow } from './job-store.js';
import { sniffFile } from './sniff.js';
import { backoffMs, etaSeconds, Throughput } from './throughput.js';

/** What the import service needs of a Slicebox client (the real one, or a fake in unit tests). */
export interface ImportClient {
  createImportSession(name: string): Promise<{ id: number }>;
  uploadFileToImportSession(sessionId: number, path: string): Promise<UploadResult>;
  queryImages(query: {
    startIndex: number;
    count: number;
    queryProperties: { propertyName: string; operator: string; propertyValue: string }[];
  }): Promise<unknown[]>;
  health(): Promise<void>;
}

export interface ImportConnections {
  client(connectionId: string): ImportClient;
  noteFailure(connectionId: string, error: unknown): void;
  noteSuccess?(connectionId: string): void;
}

export interface ImportServiceOptions {
  /** The cache DB the jobs are kept in; an in-memory one when absent (tests). */
  db?: CacheDb;
  /** Where each job keeps its staged copies and zip extractions (`<dataDir>/imports`). */
  jobsDir?: string;
  /** Files inside this folder are copies staged for the import (browser mode): a job adopts them. */
  stagingDir?: string;
  /** Uploads in flight per job. */
  concurrency?: number;
  /** Minimum time between two progress events of one job. */
  progressIntervalMs?: number;
  /** First wait after the server was lost, doubled each time up to retryMaxMs. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Look for each file on the server by SOP Instance UID before sending it. */
  checkServerFirst?: boolean;
  zipLimits?: ZipLimits;
  /** Resume unfinished jobs found in the DB (default true). */
  resume?: boolean;
}

const FINAL: ReadonlySet<ImportJobState> = new Set(['done', 'cancelled', 'failed']);
const SETTLED: ReadonlySet<ImportFileState> = new Set([
  'added',
  'present',
  'rejected',
  'failed',
  'skipped',
]);
const SNIFF_CONCURRENCY = 8;

interface LiveJob {
  row: JobRow;
  files: FileRow[];
  driving: boolean;
  sessionReady: boolean;
  /** false once the server answered that it has no image query (404/405): upload and let it say. */
  queryable: boolean | undefined;
  throughput: Throughput;
  /** Files that were being sent when the app closed: a 200 for them is our own earlier upload. */
  interrupted: Set<number>;
  waitAttempt: number;
  wake?: () => void;
  lastEmit: number;
  emitTimer?: NodeJS.Timeout;
}

type UploadOutcome = 'ok' | 'network' | 'stopped';

export class ImportService {
  private readonly jobs = new Map<string, LiveJob>();
  private readonly store: JobStore;
  private readonly ownsDb: CacheDb | undefined;
  private readonly jobsDir: string;
  private stopping = false;
  private revision = 0;

  constructor(
    private readonly connections: ImportConnections,
    private readonly emit: EmitEvent,
    private readonly options: ImportServiceOptions = {},
  ) {
    if (options.db) this.store = new JobStore(options.db);
    else {
      this.ownsDb = openCacheDb(':memory:');
      this.store = new JobStore(this.ownsDb);
    }
    this.jobsDir = options.jobsDir ?? mkdtempSync(join(tmpdir(), 'sbx-import-jobs-'));
    if (options.resume !== false) this.resumeSaved();
  }

  list(): ImportJob[] {
    return [...this.jobs.values()]
      .map((j) => this.snapshot(j))
      .sort((a, b) => b.created - a.created);
  }

  get(jobId: string): ImportJob {
    return this.snapshot(this.live(jobId));
  }

  /** Creates the job (adopting staged copies), persists it and starts it; answers at once. */
  async start(connectionId: string, name: string, files: FileRef[]): Promise<ImportJob> {
    this.connections.client(connectionId); // throws for an unknown connection
    const id = randomUUID();
    const workDir = join(this.jobsDir, id);
    await mkdir(workDir, { recursive: true, mode: 0o700 });
    const sources = await this.adoptStaged(files, workDir);
    const row: JobRow = {
      id,
      name,
      connectionId,
      state: 'preparing',
      created: Date.now(),
      workDir,
      sources,
    };
    this.store.insertJob(row);
    const live = this.track(row, []);
    this.publish(live, true);
    void this.drive(live);
    return this.snapshot(live);
  }

  pause(jobId: string): ImportJob {
    const live = this.live(jobId);
    const state = live.row.state;
    if (state === 'running' || state === 'waiting' || state === 'preparing') {
      this.setState(live, 'paused');
      live.throughput.stop();
      live.wake?.();
    }
    return this.snapshot(live);
  }

  resume(jobId: string): ImportJob {
    const live = this.live(jobId);
    if (live.row.state === 'paused') {
      live.waitAttempt = 0;
      this.setState(live, isPrepared(live) ? 'running' : 'preparing');
      void this.drive(live);
    }
    return this.snapshot(live);
  }

  cancel(jobId: string): ImportJob {
    const live = this.live(jobId);
    if (FINAL.has(live.row.state)) return this.snapshot(live);
    const changed: FileRow[] = [];
    for (const file of live.files) {
      if (file.state === 'pending') {
        file.state = 'skipped';
        file.reason = 'Cancelled before it was sent';
        changed.push(file);
        void this.discard(live, file);
      }
    }
    this.persist(() => this.store.updateFiles(live.row.id, changed));
    live.row.finished = Date.now();
    this.setState(live, 'cancelled');
    live.throughput.stop();
    live.wake?.();
    return this.snapshot(live);
  }

  retryFailed(jobId: string): ImportJob {
    const live = this.live(jobId);
    const failed = live.files.filter((f) => f.state === 'failed');
    if (failed.length === 0 && live.row.state !== 'failed') return this.snapshot(live);
    for (const file of failed) {
      file.state = 'pending';
      file.reason = undefined;
      file.hint = undefined;
      file.detail = undefined;
      file.attempts = 0;
    }
    this.persist(() => this.store.updateFiles(live.row.id, failed));
    if (FINAL.has(live.row.state) || live.row.state === 'paused') {
      live.row.finished = undefined;
      live.row.error = undefined;
      live.sessionReady = false;
      live.waitAttempt = 0;
      this.setState(live, isPrepared(live) ? 'running' : 'preparing');
      void this.drive(live);
    }
    return this.snapshot(live);
  }

  /** Forgets finished jobs (all, or those into one connection) and removes what they kept on disk. */
  async clearFinished(connectionId?: string): Promise<{ removed: number }> {
    let removed = 0;
    for (const live of [...this.jobs.values()]) {
      if (connectionId !== undefined && live.row.connectionId !== connectionId) continue;
      if (!FINAL.has(live.row.state) || live.driving) continue;
      if (live.files.some((f) => f.state === 'uploading')) continue;
      this.jobs.delete(live.row.id);
      this.persist(() => this.store.deleteJob(live.row.id));
      await rm(live.row.workDir, { recursive: true, force: true });
      removed += 1;
    }
    return { removed };
  }

  /** Waits for a job to end (done, cancelled, failed), or to be paused when `orPaused`. */
  async whenSettled(
    jobId: string,
    timeoutMs = 600_000,
    options: { orPaused?: boolean } = {},
  ): Promise<ImportJob> {
    const started = Date.now();
    for (;;) {
      const live = this.live(jobId);
      const state = live.row.state;
      const inFlight = live.files.some((f) => f.state === 'uploading');
      if (
        !live.driving &&
        !inFlight &&
        (FINAL.has(state) || (options.orPaused === true && state === 'paused'))
      )
        return this.snapshot(live);
      if (Date.now() - started > timeoutMs) throw new Error(`Import job ${jobId} still running`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Stops scheduling (at app exit): nothing more is written; unfinished jobs resume at next start. */
  stop(): void {
    this.stopping = true;
    for (const live of this.jobs.values()) {
      live.wake?.();
      if (live.emitTimer) clearTimeout(live.emitTimer);
    }
    this.ownsDb?.close();
  }

  // ── the job's life ─────────────────────────────────────────────────────────

  private resumeSaved(): void {
    for (const { job, files } of this.store.loadJobs()) {
      const live = this.track(job, files);
      const interrupted = files.filter((f) => f.state === 'uploading');
      for (const file of interrupted) {
        if (FINAL.has(job.state)) {
          file.state = job.state === 'cancelled' ? 'skipped' : 'failed';
          file.reason = 'It was being sent when the app closed; it may have reached the server';
        } else {
          file.state = 'pending';
          live.interrupted.add(file.seq);
        }
      }
      this.store.updateFiles(job.id, interrupted);
      if (FINAL.has(job.state) || job.state === 'paused') continue;
      if (job.state === 'waiting') this.setState(live, 'running');
      void this.drive(live);
    }
  }

  private track(row: JobRow, files: FileRow[]): LiveJob {
    const live: LiveJob = {
      row,
      files,
      driving: false,
      sessionReady: false,
      queryable: this.options.checkServerFirst === false ? false : undefined,
      throughput: new Throughput(),
      interrupted: new Set(),
      waitAttempt: 0,
      lastEmit: 0,
    };
    this.jobs.set(row.id, live);
    return live;
  }

  private async drive(live: LiveJob): Promise<void> {
    if (live.driving || this.stopping) return;
    live.driving = true;
    try {
      if (live.row.state === 'preparing') {
        await this.prepare(live);
        if (live.row.state === 'preparing') this.setState(live, 'running');
      }
      while (!this.stopping && (live.row.state === 'running' || live.row.state === 'waiting')) {
        const client = this.connections.client(live.row.connectionId);
        if (!live.sessionReady) {
          try {
            const session = await client.createImportSession(live.row.name);
            if (this.stopping) return;
            live.row.sessionId = session.id;
            live.sessionReady = true;
            if (live.row.state === 'waiting') this.leaveWaiting(live);
            this.persist(() => this.store.updateJob(live.row));
          } catch (error) {
            if (this.stopping) return;
            if (isNetworkError(error)) {
              await this.waitForServer(live, client, error);
              continue;
            }
            this.failJob(live, error);
            return;
          }
        }
        const outcome = await this.uploadPending(live, client);
        if (this.stopping) return;
        if (outcome.network) {
          await this.waitForServer(live, client, outcome.network);
          continue;
        }
        // Resumed while the last uploads were finishing: go on with what is left.
        if (live.row.state === 'running' && live.files.some((f) => f.state === 'pending')) continue;
        break;
      }
      if (this.stopping) return;
      if (live.row.state === 'running' && !live.files.some((f) => !SETTLED.has(f.state))) {
        live.row.finished = Date.now();
        live.throughput.stop();
        this.setState(live, 'done');
        if (!live.files.some((f) => f.state === 'failed')) {
          await rm(live.row.workDir, { recursive: true, force: true });
        }
      }
    } catch (error) {
      if (!this.stopping) this.failJob(live, error);
    } finally {
      live.driving = false;
      if (!this.stopping) this.publish(live, true);
    }
  }

  /** Expands the sources, sniffs every file and writes the job's file rows. */
  private async prepare(live: LiveJob): Promise<void> {
    const { workDir } = live.row;
    await rm(join(workDir, 'zip'), { recursive: true, force: true });
    const expanded = await expandSources(live.row.sources, {
      workDir,
      isStaged: (path) => isInside(path, workDir),
      zipLimits: this.options.zipLimits,
    });
    const rows: FileRow[] = expanded.map((file, seq) => ({
      seq,
      name: file.name,
      path: file.path,
      size: file.size,
      state: file.skipReason ? 'skipped' : 'pending',
      reason: file.skipReason,
      staged: file.staged,
      attempts: 0,
    }));
    let next = 0;
    const sniffOne = async (): Promise<void> => {
      while (next < rows.length) {
        const row = rows[next++]!;
        if (row.state !== 'pending') continue;
        try {
          const sniffed = await sniffFile(row.path, row.name, row.size);
          if (sniffed.kind === 'dicomdir') {
            row.state = 'skipped';
            row.reason = 'DICOMDIR index: the files it lists are imported instead';
          } else if (sniffed.kind === 'not-dicom') {
            row.state = 'skipped';
            row.reason = sniffed.reason;
          } else {
            row.sopInstanceUID = sniffed.sopInstanceUID;
            row.sopClassUID = sniffed.sopClassUID;
            row.transferSyntaxUID = sniffed.transferSyntaxUID;
          }
        } catch (error) {
          row.state = 'failed';
          row.reason = (error as Error).message;
        }
      }
    };
    await Promise.all(Array.from({ length: SNIFF_CONCURRENCY }, sniffOne));
    // Copies of one image (same SOP Instance UID) all stay pending: they are tried in turn when sent.
    if (this.stopping) return;
    this.store.replaceFiles(live.row.id, rows);
    live.files = rows;
    for (const row of rows) if (row.state === 'skipped') void this.discard(live, row);
  }

  /**
   * Sends every pending file with bounded concurrency (one image's copies one after the other, images
   * in parallel); stops early when the server is lost.
   */
  private async uploadPending(live: LiveJob, client: ImportClient): Promise<{ network?: unknown }> {
    const queue = groupsToSend(live.files);
    let network: unknown;
    const goOn = () => live.row.state === 'running' && !network && !this.stopping;
    live.throughput.start(Date.now());
    const worker = async (): Promise<void> => {
      while (queue.length > 0 && goOn()) {
        const copies = queue.shift()!;
        for (;;) {
          const stored = copies.find((f) => f.state === 'added' || f.state === 'present');
          if (stored) {
            this.settleCopies(live, copies, stored);
            break;
          }
          const next = copies.find((f) => f.state === 'pending');
          if (!next || !goOn()) break;
          const result = await this.uploadOne(live, client, next);
          if (result.outcome === 'network') network ??= result.error;
          if (result.outcome !== 'ok') break;
        }
      }
    };
    const limit = Math.max(1, Math.min(this.options.concurrency ?? 4, queue.length));
    await Promise.all(Array.from({ length: limit }, worker));
    return network ? { network } : {};
  }

  /**
   * One copy of an image is stored: the copies not sent are skipped, saying which one was stored; a
   * failed copy is moot (skipped the same way); a rejected copy keeps its reason and says where the
   * image came from instead. Written in one transaction.
   */
  private settleCopies(live: LiveJob, copies: readonly FileRow[], stored: FileRow): void {
    // Found on the server after a restart while it was being sent: our own upload stored it.
    const had = stored.state === 'present' && !live.interrupted.has(stored.seq);
    const changed: FileRow[] = [];
    for (const file of copies) {
      if (file === stored) continue;
      if (file.state === 'pending' || file.state === 'failed') {
        file.state = 'skipped';
        file.reason = had
          ? `Same image as ${stored.name}, which the server already has`
          : `Same image as ${stored.name}, which was stored`;
        file.hint = undefined;
        file.detail = undefined;
        changed.push(file);
        void this.discard(live, file);
      } else if (file.state === 'rejected') {
        const hint = had
          ? `The server already has this image (same as ${stored.name}).`
          : `The same image was stored from ${stored.name}.`;
        if (file.hint === hint) continue;
        file.hint = hint;
        changed.push(file);
      }
    }
    if (changed.length === 0) return;
    this.persist(() => this.store.updateFiles(live.row.id, changed));
    this.publish(live, false);
  }

  private async uploadOne(
    live: LiveJob,
    client: ImportClient,
    file: FileRow,
  ): Promise<{ outcome: UploadOutcome; error?: unknown }> {
    file.state = 'uploading';
    file.attempts += 1;
    this.persist(() => this.store.updateFile(live.row.id, file));
    this.publish(live, false);
    try {
      if (file.sopInstanceUID && live.queryable !== false) {
        const found = await this.findOnServer(live, client, file.sopInstanceUID);
        if (found) {
          if (typeof found.id === 'number') file.imageId = found.id;
          this.settle(
            live,
            file,
            'present',
            live.interrupted.has(file.seq)
              ? 'The server already had it: it was being sent when the app closed'
              : 'Already on the server (same SOP Instance UID): not sent',
          );
          return { outcome: 'ok' };
        }
      }
      const result = await client.uploadFileToImportSession(live.row.sessionId!, file.path);
      if (this.stopping) return { outcome: 'stopped' };
      live.throughput.add(file.size, Date.now());
      this.connections.noteSuccess?.(live.row.connectionId);
      file.imageId = result.image.id;
      const reason =
        result.outcome === 'present' && live.interrupted.has(file.seq)
          ? 'The server already had it: it was being sent when the app closed'
          : undefined;
      this.settle(live, file, result.outcome, reason);
      return { outcome: 'ok' };
    } catch (error) {
      if (this.stopping) return { outcome: 'stopped' };
      if (error instanceof SliceboxHttpError && error.status === 400) {
        const serverText = error.body || 'Rejected by the server';
        const { reason, hint } = describeRejection({
          serverText,
          sopClassUID: file.sopClassUID,
          transferSyntaxUID: file.transferSyntaxUID,
        });
        this.settle(live, file, 'rejected', reason, {
          hint,
          detail: reason === serverText ? undefined : serverText,
        });
        return { outcome: 'ok' };
      }
      if (isNetworkError(error)) {
        file.state = 'pending';
        this.persist(() => this.store.updateFile(live.row.id, file));
        this.connections.noteFailure(live.row.connectionId, error);
        return { outcome: 'network', error };
      }
      if (error instanceof SliceboxHttpError && error.status === 404) {
        // The import session is gone (deleted on the server): open it again and retry the file.
        live.sessionReady = false;
        file.state = 'pending';
        this.persist(() => this.store.updateFile(live.row.id, file));
        return { outcome: 'network', error };
      }
      this.settle(live, file, 'failed', (error as Error).message);
      return { outcome: 'ok' };
    }
  }

  /** Whether the server has an image with this SOP Instance UID; undefined when it cannot say. */
  private async findOnServer(
    live: LiveJob,
    client: ImportClient,
    uid: string,
  ): Promise<{ id?: unknown } | undefined> {
    try {
      const images = await client.queryImages({
        startIndex: 0,
        count: 1,
        queryProperties: [{ propertyName: 'sopInstanceUID', operator: '=', propertyValue: uid }],
      });
      live.queryable = true;
      return (images[0] as { id?: unknown } | undefined) ?? undefined;
    } catch (error) {
      if (isNetworkError(error)) throw error;
      // No such route (404/405/501) or it refused the query: upload, and the session says if present.
      live.queryable = false;
      return undefined;
    }
  }

  private async waitForServer(live: LiveJob, client: ImportClient, error: unknown): Promise<void> {
    const base = this.options.retryBaseMs ?? 1_000;
    const max = this.options.retryMaxMs ?? 30_000;
    live.throughput.stop();
    while (!this.stopping && (live.row.state === 'running' || live.row.state === 'waiting')) {
      const delay = backoffMs(live.waitAttempt++, base, max);
      live.row.error = `Server unreachable (${(error as Error).message}); trying again in ${Math.ceil(delay / 1000)} s`;
      this.setState(live, 'waiting');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        live.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      live.wake = undefined;
      if (this.stopping || live.row.state !== 'waiting') return;
      try {
        await client.health();
        this.leaveWaiting(live);
        return;
      } catch (next) {
        error = next;
      }
    }
  }

  private leaveWaiting(live: LiveJob): void {
    live.waitAttempt = 0;
    live.row.error = undefined;
    this.setState(live, 'running');
  }

  private failJob(live: LiveJob, error: unknown): void {
    live.row.error = (error as Error).message ?? String(error);
    live.row.finished = Date.now();
    this.connections.noteFailure(live.row.connectionId, error);
    const changed: FileRow[] = [];
    for (const file of live.files) {
      if (file.state === 'pending' || file.state === 'uploading') {
        file.state = 'failed';
        file.reason = live.row.error;
        changed.push(file);
      }
    }
    this.persist(() => this.store.updateFiles(live.row.id, changed));
    this.setState(live, 'failed');
  }

  private settle(
    live: LiveJob,
    file: FileRow,
    state: 'added' | 'present' | 'rejected' | 'failed',
    reason?: string,
    more: { hint?: string; detail?: string } = {},
  ): void {
    file.state = state;
    file.reason = reason;
    file.hint = more.hint;
    file.detail = more.detail;
    this.persist(() => this.store.updateFile(live.row.id, file));
    if (state !== 'failed') void this.discard(live, file);
    this.publish(live, false);
  }

  private setState(live: LiveJob, state: ImportJobState): void {
    live.row.state = state;
    this.persist(() => this.store.updateJob(live.row));
    this.publish(live, true);
  }

  // ── files on disk ──────────────────────────────────────────────────────────

  /** Moves browser-mode staged copies into the job's folder, so they outlive the staging folder. */
  private async adoptStaged(files: FileRef[], workDir: string): Promise<FileRef[]> {
    const staging = this.options.stagingDir;
    if (!staging) return files;
    const out: FileRef[] = [];
    for (const [index, file] of files.entries()) {
      if (!isInside(file.path, staging)) {
        out.push(file);
        continue;
      }
      const target = join(workDir, 'staged', String(index), basename(file.path));
      await mkdir(dirname(target), { recursive: true });
      try {
        await rename(file.path, target);
        await rmdir(dirname(file.path)).catch(() => undefined);
        out.push({ ...file, path: target });
      } catch {
        out.push(file); // reported as failed (missing) when the job reaches it
      }
    }
    return out;
  }

  /** Removes the job's own copy of a settled file (staged or extracted); the user's files stay. */
  private async discard(live: LiveJob, file: FileRow): Promise<void> {
    if (!file.staged || !isInside(file.path, live.row.workDir)) return;
    await rm(file.path, { force: true }).catch(() => undefined);
  }

  // ── what the renderer sees ─────────────────────────────────────────────────

  private publish(live: LiveJob, force: boolean): void {
    if (this.stopping) return;
    const now = Date.now();
    const interval = this.options.progressIntervalMs ?? 200;
    const wait = interval - (now - live.lastEmit);
    if (!force && wait > 0) {
      // Throttled, but the last change is never lost: one trailing event follows.
      live.emitTimer ??= setTimeout(() => {
        live.emitTimer = undefined;
        this.publish(live, true);
      }, wait);
      return;
    }
    if (live.emitTimer) {
      clearTimeout(live.emitTimer);
      live.emitTimer = undefined;
    }
    live.lastEmit = now;
    this.emit('imports.progress', this.snapshot(live));
  }

  private snapshot(live: LiveJob): ImportJob {
    const counts = { added: 0, present: 0, rejected: 0, failed: 0, skipped: 0 };
    let filesDone = 0;
    let bytesDone = 0;
    let bytesTotal = 0;
    // The copy stored of each image that has several in the drop.
    const storedCopy = new Map<string, FileRow>();
    for (const f of live.files) {
      if (f.sopInstanceUID && (f.state === 'added' || f.state === 'present'))
        storedCopy.set(f.sopInstanceUID, f);
    }
    const files: ImportFileResult[] = live.files.map((f) => {
      bytesTotal += f.size;
      if (SETTLED.has(f.state)) {
        counts[f.state as keyof typeof counts] += 1;
        filesDone += 1;
        bytesDone += f.size;
      }
      const out: ImportFileResult = { name: f.name, path: f.path, size: f.size, state: f.state };
      if (f.reason) out.reason = f.reason;
      if (f.hint) out.hint = f.hint;
      if (f.detail) out.detail = f.detail;
      const stored = f.sopInstanceUID ? storedCopy.get(f.sopInstanceUID) : undefined;
      if (stored && stored !== f) out.sameImageAs = stored.name;
      if (f.imageId !== undefined) out.imageId = f.imageId;
      return out;
    });
    if (live.files.length === 0) {
      bytesTotal = live.row.sources.reduce((sum, s) => sum + s.size, 0);
    }
    const job: ImportJob = {
      id: live.row.id,
      name: live.row.name,
      connectionId: live.row.connectionId,
      state: live.row.state,
      created: live.row.created,
      filesTotal: live.files.length || live.row.sources.length,
      filesDone,
      bytesTotal,
      bytesDone,
      counts,
      files,
      revision: ++this.revision,
    };
    if (live.row.sessionId !== undefined) job.sessionId = live.row.sessionId;
    if (live.row.error) job.error = live.row.error;
    if (live.row.finished) job.finished = live.row.finished;
    if (live.row.state === 'running') {
      const rate = live.throughput.rate(Date.now());
      if (rate) {
        job.bytesPerSecond = Math.round(rate);
        const eta = etaSeconds(bytesTotal - bytesDone, rate);
        if (eta !== undefined) job.etaSeconds = eta;
      }
    }
    return job;
  }

  private live(jobId: string): LiveJob {
    const live = this.jobs.get(jobId);
    if (!live) throw new ServiceError('not-found', `No import job ${jobId}`);
    return live;
  }

  private persist(write: () => void): void {
    if (!this.stopping) write();
  }
}

function isPrepared(live: LiveJob): boolean {
  return live.files.length > 0 || live.row.sources.length === 0;
}

/** Errors after which the same request may well succeed later: unreachable, gateway, overloaded. */
export function isNetworkError(error: unknown): boolean {
  if (error instanceof SliceboxUnreachableError) return true;
  return error instanceof SliceboxHttpError && [408, 429, 502, 503, 504].includes(error.status);
}

function isInside(path: string, folder: string): boolean {
  const rel = relative(folder, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}
