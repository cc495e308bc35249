/**
 * Messages between the pool (main thread, pool/worker-pool.ts) and a worker (codec/worker.ts).
 *
 * main → worker: {@link JobRequest}, one at a time per worker.
 * worker → main: `ready` once after start-up (modules loaded), `log` while a long job logs (so that the counts
 * survive a worker that is terminated at the time limit), and `done` with the output or the error.
 */
import type { Budgets } from './budgets.js';
import type { JobKind } from './jobs.js';
import type { LogSummary } from './log-collector.js';
import type { WireError } from './wire-errors.js';

export interface WorkerInit {
  budgets: Budgets;
}

export interface JobRequest {
  id: number;
  kind: JobKind;
  input: unknown;
}

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'log'; id: number; log: LogSummary[] }
  | { type: 'done'; id: number; ok: true; output: unknown; log: LogSummary[] }
  | { type: 'done'; id: number; ok: false; error: WireError; log: LogSummary[] };
