/**
 * The engine's worker pool: the CPU-heavy DICOM work (codec/jobs.ts) runs on worker threads, so the event loop
 * keeps only I/O, SQLite and routing (issue 9).
 *
 * - Size: `workers` threads (default: the cores, `os.availableParallelism()`, at most 8), started on demand and
 *   kept; each runs one job at a time; jobs wait in one FIFO queue for the first free worker.
 * - Budgets (codec/budgets.ts): every worker gets `resourceLimits.maxOldGenerationSizeMb` = `workerHeapMb` and
 *   the byte ceilings; a job that runs longer than `jobTimeoutMs` (time on a worker, not time queued) fails with
 *   a BudgetError and its worker is terminated and replaced. A worker that dies (out of memory, crash) fails its
 *   job and is replaced.
 * - Errors come back as `{name, code, message}` and are rebuilt as instances of the same class
 *   (codec/wire-errors.ts), so the routes' `instanceof` checks keep working.
 * - Log noise: what a job logged arrives counted per kind; `onLog` gets one line per kind and job.
 * - `close()` fails queued jobs, terminates the workers (running jobs fail at once) and resolves when they are
 *   gone: a SIGTERM never waits for a job.
 *
 * Why not piscina (checked on this machine with Node 20, v5.3.2): its cancellation is an AbortSignal that also
 * counts time spent queued, so a time limit on running time needs our own queue in front of it anyway; thrown
 * errors arrive with their name and code dropped (tested), so the `{name, code, message}` protocol is ours
 * anyway; and v5 brings an optional native dependency (@napi-rs/nice) into the Electron package. What remains —
 * start, dispatch, replace, terminate — is this file, on node:worker_threads.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { memoryLimitError, timeLimitError } from '../codec/budgets.js';
import type { Budgets } from '../codec/budgets.js';
import type { JobInput, JobKind, JobOutput } from '../codec/jobs.js';
import type { LogSummary } from '../codec/log-collector.js';
import type { JobRequest, WorkerInit, WorkerMessage } from '../codec/protocol.js';
import { transferablesOf } from '../codec/transfer.js';
import { fromWire } from '../codec/wire-errors.js';

export interface WorkerPoolOptions {
  /** The worker bundle (`localbox-worker.js`), see worker-file.ts. */
  workerFile: string | URL;
  /** Number of worker threads (≥ 1). */
  size: number;
  budgets: Budgets;
  /** One line per job and kind of logged message (default: stderr). */
  onLog?: (line: string) => void;
}

export interface RunOptions {
  /** What the job works on, for log lines (e.g. `image 12`). */
  label?: string;
  /** Move these buffers of the input to the worker instead of copying them. */
  transfer?: ArrayBuffer[];
}

export interface PoolStats {
  /** Workers alive now. */
  workers: number;
  /** Workers started since the pool was created. */
  started: number;
  /** Workers terminated because a job ran past the time limit. */
  timedOut: number;
  /** Workers that died by themselves (memory limit, crash). */
  died: number;
  queued: number;
  running: number;
}

/** Thrown to jobs still queued or running when the pool closes. */
export class PoolClosedError extends Error {
  override readonly name = 'PoolClosedError';
  constructor() {
    super('The engine is shutting down');
  }
}

/** The default number of workers: one per core (the main thread mostly waits on I/O), at most 8. */
export function defaultWorkerCount(): number {
  return Math.max(1, Math.min(availableParallelism(), 8));
}

interface Job {
  id: number;
  kind: JobKind;
  input: unknown;
  transfer: ArrayBuffer[];
  label: string;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  log: Map<string, LogSummary>;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  job?: Job;
  timer?: NodeJS.Timeout;
  /** Set once the pool has decided this worker's fate (terminated for time, closing). */
  ending?: 'time-limit' | 'closing';
}

export class WorkerPool {
  private readonly slots = new Set<Slot>();
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closing: Promise<void> | undefined;
  private readonly counters = { started: 0, timedOut: 0, died: 0 };
  private readonly onLog: (line: string) => void;

  constructor(private readonly options: WorkerPoolOptions) {
    if (!Number.isInteger(options.size) || options.size < 1)
      throw new Error(`the worker pool needs at least one worker, got ${options.size}`);
    this.onLog = options.onLog ?? ((line) => process.stderr.write(`localbox: ${line}\n`));
  }

  get size(): number {
    return this.options.size;
  }

  stats(): PoolStats {
    let running = 0;
    for (const s of this.slots) if (s.job) running++;
    return { workers: this.slots.size, ...this.counters, queued: this.queue.length, running };
  }

  /** Runs a job on a worker; rejects with the job's error (rebuilt in its class) or a BudgetError. */
  run<K extends JobKind>(
    kind: K,
    input: JobInput<K>,
    options: RunOptions = {},
  ): Promise<JobOutput<K>> {
    if (this.closing) return Promise.reject(new PoolClosedError());
    return new Promise<JobOutput<K>>((resolve, reject) => {
      this.queue.push({
        id: this.nextId++,
        kind,
        input,
        transfer: options.transfer ?? [],
        label: options.label ?? kind,
        resolve: resolve as (value: unknown) => void,
        reject,
        log: new Map(),
      });
      this.dispatch();
    });
  }

  /** Fails queued jobs, terminates every worker (running jobs fail) and resolves when all are gone. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const job of this.queue.splice(0)) job.reject(new PoolClosedError());
      const ends: Array<Promise<number>> = [];
      for (const slot of this.slots) {
        slot.ending = 'closing';
        if (slot.timer) clearTimeout(slot.timer);
        if (slot.job) this.settle(slot, slot.job, new PoolClosedError());
        ends.push(slot.worker.terminate());
      }
      this.slots.clear();
      await Promise.allSettled(ends);
    })();
    return this.closing;
  }

  private dispatch(): void {
    if (this.closing) return;
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.ready && !slot.job && !slot.ending) this.start(slot, this.queue.shift() as Job);
    }
    // Start workers for the jobs still waiting, up to the pool size (each takes a job once it is ready).
    let starting = 0;
    for (const slot of this.slots) if (!slot.ready) starting++;
    while (this.slots.size < this.options.size && starting < this.queue.length) {
      this.spawn();
      starting++;
    }
  }

  private spawn(): void {
    const init: WorkerInit = { budgets: this.options.budgets };
    const worker = new Worker(this.options.workerFile, {
      workerData: init,
      resourceLimits: { maxOldGenerationSizeMb: this.options.budgets.workerHeapMb },
      // The console of a worker is replaced by the log collector; anything else printed still goes to ours.
      stdout: false,
      stderr: false,
    });
    const slot: Slot = { worker, ready: false };
    this.slots.add(slot);
    this.counters.started++;
    worker.unref();
    worker.on('message', (message: WorkerMessage) => this.onMessage(slot, message));
    worker.on('error', (error: Error & { code?: string }) => {
      if (slot.ending) return;
      const job = slot.job;
      if (!slot.ready) {
        // The worker could not start (a missing or broken bundle): the jobs waiting fail instead of waiting for a
        // worker that is started again and again.
        const failure = new Error(`A worker of the engine could not start: ${error.message}`);
        for (const queued of this.queue.splice(0)) queued.reject(failure);
        return;
      }
      if (!job) return;
      this.settle(
        slot,
        job,
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? memoryLimitError(this.options.budgets.workerHeapMb)
          : new Error(`A worker failed: ${error.message}`),
      );
    });
    worker.on('exit', () => {
      if (slot.timer) clearTimeout(slot.timer);
      const known = this.slots.delete(slot);
      if (known && !slot.ending) {
        this.counters.died++;
        if (slot.job) this.settle(slot, slot.job, new Error('A worker stopped unexpectedly'));
      }
      this.dispatch();
    });
  }

  private start(slot: Slot, job: Job): void {
    slot.job = job;
    slot.worker.ref();
    const request: JobRequest = { id: job.id, kind: job.kind, input: job.input };
    try {
      slot.worker.postMessage(request, job.transfer);
    } catch (e) {
      // The input cannot be sent (not cloneable): a programming error, reported as the job's failure.
      this.settle(slot, job, e);
      this.release(slot);
      return;
    }
    const ms = this.options.budgets.jobTimeoutMs;
    slot.timer = setTimeout(() => this.timeOut(slot, job), ms);
  }

  /** The job ran past the time limit: fail it, terminate its worker and start another for the queue. */
  private timeOut(slot: Slot, job: Job): void {
    if (slot.job !== job) return;
    slot.ending = 'time-limit';
    this.counters.timedOut++;
    this.settle(slot, job, timeLimitError(this.options.budgets.jobTimeoutMs));
    this.slots.delete(slot);
    void slot.worker.terminate();
    this.dispatch();
  }

  private onMessage(slot: Slot, message: WorkerMessage): void {
    if (message.type === 'ready') {
      slot.ready = true;
      this.dispatch();
      return;
    }
    const job = slot.job;
    if (!job || job.id !== message.id) return;
    mergeLog(job.log, message.log);
    if (message.type === 'log') return;
    if (message.ok) this.settle(slot, job, undefined, message.output);
    else this.settle(slot, job, fromWire(message.error));
    this.release(slot);
  }

  private release(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.job = undefined;
    slot.worker.unref();
    this.dispatch();
  }

  /** Answers a job once (output or error) and writes what it logged. */
  private settle(slot: Slot, job: Job, error: unknown, output?: unknown): void {
    if (slot.job === job && error !== undefined) slot.job = undefined;
    for (const entry of job.log.values()) {
      this.onLog(
        `${job.label}: ${entry.example}${entry.count > 1 ? ` (${entry.count} times)` : ''}`,
      );
    }
    job.log.clear();
    if (error !== undefined) job.reject(error);
    else job.resolve(output);
  }
}

function mergeLog(into: Map<string, LogSummary>, log: readonly LogSummary[]): void {
  for (const entry of log) {
    const known = into.get(entry.kind);
    if (known) known.count += entry.count;
    else into.set(entry.kind, { ...entry });
  }
}

/** Buffers of an input worth moving rather than copying (see codec/transfer.ts). */
export { transferablesOf };

/** What the engine's services need of the pool: running jobs. */
export type CodecRunner = Pick<WorkerPool, 'run'>;
