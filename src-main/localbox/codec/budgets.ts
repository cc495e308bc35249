/**
 * Budgets of the CPU work on DICOM data (issue 9): hostile input becomes a clear error, never a stall.
 *
 * - `maxInflatedBytes`: a deflated dataset (Deflated Explicit VR Little Endian) is inflated by a zlib stream cut
 *   at this many bytes (zlib's `maxOutputLength`: nothing beyond the ceiling is ever produced).
 * - `maxDecodedBytes`: one frame decoded for rendering (Rows × Columns × Samples × bytes per sample), and its
 *   RGBA rendering (Rows × Columns × 4), must fit.
 * - `jobTimeoutMs`: one job in a worker (time running, not time queued); past it the worker is terminated and
 *   replaced (pool/worker-pool.ts).
 * - `workerHeapMb`: the V8 heap of a worker (`resourceLimits.maxOldGenerationSizeMb`).
 *
 * Every budget failure is a {@link BudgetError}; it names the limit and the CLI flag that changes it. It is a
 * DicomError, so the routes answer 400 `Invalid DICOM data: …` at ingest and for rewrites, and the PNG route
 * answers 501 (the rendering-failure status, BEHAVIOR.md §10.7) with the same text (DECISIONS.md).
 *
 * The limits of the current thread live here (a worker sets them once from its `workerData`); code on the main
 * thread and unit tests get the defaults.
 */
import { inflateRawSync } from 'node:zlib';
import { DicomError } from '../dicom/errors.js';

export interface Budgets {
  maxInflatedBytes: number;
  maxDecodedBytes: number;
  jobTimeoutMs: number;
  workerHeapMb: number;
}

const MIB = 1024 * 1024;

export const DEFAULT_BUDGETS: Readonly<Budgets> = {
  maxInflatedBytes: 128 * MIB,
  maxDecodedBytes: 256 * MIB,
  jobTimeoutMs: 60_000,
  workerHeapMb: 1024,
};

/** The CLI flag of each budget (named in error messages). */
export const BUDGET_FLAGS: Readonly<Record<keyof Budgets, string>> = {
  maxInflatedBytes: '--max-inflated-mb',
  maxDecodedBytes: '--max-decoded-mb',
  jobTimeoutMs: '--job-timeout-s',
  workerHeapMb: '--worker-heap-mb',
};

export type BudgetErrorCode =
  'inflated-size' | 'decoded-size' | 'time-limit' | 'memory-limit' | 'file-size';

/** A budget was exceeded; the message names the limit. */
export class BudgetError extends DicomError {
  override readonly name: string = 'BudgetError';
  constructor(
    readonly code: BudgetErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function mib(bytes: number): string {
  const v = bytes / MIB;
  return `${Number.isInteger(v) ? v : v.toFixed(1)} MiB`;
}

let current: Budgets = { ...DEFAULT_BUDGETS };

/** The budgets of this thread. */
export function budgets(): Readonly<Budgets> {
  return current;
}

/** Sets the budgets of this thread (a worker, from its workerData). */
export function setBudgets(next: Partial<Budgets>): void {
  current = { ...current, ...next };
}

/** Merges and checks budgets given by a caller (engine config, CLI): positive numbers only. */
export function resolveBudgets(given: Partial<Budgets> | undefined): Budgets {
  const out: Budgets = { ...DEFAULT_BUDGETS, ...given };
  for (const [key, value] of Object.entries(out) as Array<[keyof Budgets, number]>) {
    if (!Number.isFinite(value) || value <= 0)
      throw new Error(`budget ${key} must be a positive number, got ${String(value)}`);
  }
  return out;
}

/**
 * Inflates a raw deflate stream (the dataset of a Deflated Explicit VR Little Endian file), cut at
 * `maxInflatedBytes`: zlib stops producing output at the ceiling and the call fails with a BudgetError.
 * Bad compressed data throws zlib's error (the callers turn it into their own parse error).
 */
export function inflateDataset(deflated: Uint8Array): Buffer {
  const max = current.maxInflatedBytes;
  try {
    return inflateRawSync(deflated, { maxOutputLength: max });
  } catch (e) {
    if ((e as { code?: unknown } | null)?.code === 'ERR_BUFFER_TOO_LARGE') {
      throw new BudgetError(
        'inflated-size',
        `the inflated dataset is larger than the limit of ${mib(max)} (${BUDGET_FLAGS.maxInflatedBytes})`,
      );
    }
    throw e;
  }
}

/** Checks the decoded size of one frame before it is decoded (rendering). */
export function checkDecodedFrame(
  rows: number,
  columns: number,
  samplesPerPixel: number,
  bitsAllocated: number,
): void {
  const max = current.maxDecodedBytes;
  const pixels = rows * columns;
  const decoded = pixels * samplesPerPixel * Math.ceil(bitsAllocated / 8);
  const rgba = pixels * 4;
  const needed = Math.max(decoded, rgba);
  if (needed > max) {
    throw new BudgetError(
      'decoded-size',
      `a decoded frame of ${columns} × ${rows} pixels needs ${mib(needed)}, more than the limit of ${mib(max)} (${BUDGET_FLAGS.maxDecodedBytes})`,
    );
  }
}

export function timeLimitError(ms: number): BudgetError {
  const s = ms / 1000;
  return new BudgetError(
    'time-limit',
    `processing was stopped at the time limit of ${Number.isInteger(s) ? s : s.toFixed(1)} s (${BUDGET_FLAGS.jobTimeoutMs})`,
  );
}

/**
 * A stored file over 2 GiB, the most Node reads into one buffer (`fs.readFile`): rendering and rewriting read the
 * whole file, so they stop with this error; the attributes and image information read only the head.
 */
export function fileSizeError(bytes: number): BudgetError {
  return new BudgetError(
    'file-size',
    `the stored file (${(bytes / 1024 ** 3).toFixed(1)} GiB) is larger than 2 GiB, the most that can be read whole to render or rewrite it`,
  );
}

export function memoryLimitError(heapMb: number): BudgetError {
  return new BudgetError(
    'memory-limit',
    `processing was stopped at the worker memory limit of ${heapMb} MiB (${BUDGET_FLAGS.workerHeapMb})`,
  );
}
