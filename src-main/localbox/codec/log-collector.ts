/**
 * Bounded log noise in the workers: the libraries log per element (dcmjs writes `Invalid vr type … - using UN`
 * for every element of a damaged file: 17.5 million lines for one hostile file), so in a worker every console
 * call is caught and counted per kind of message. A job reports at most MAX_KINDS kinds, each once with its
 * count; the main thread writes one line per image and kind (pool/worker-pool.ts).
 *
 * Import this module first in the worker entry: libraries that bind `console` methods when they load (loglevel,
 * used by dcmjs and dcmjs-imaging) then bind the collecting ones. {@link rebindLoggers} re-binds loggers built
 * before.
 */

export interface LogSummary {
  /** The message with numbers and non-printable bytes normalised (what makes two lines "the same kind"). */
  kind: string;
  /** The first message of this kind as logged (shortened). */
  example: string;
  count: number;
}

const MAX_KINDS = 10;
const MAX_TEXT = 200;

let kinds = new Map<string, LogSummary>();
let dropped = 0;
let calls = 0;
let flush: { handler: (log: LogSummary[]) => void; intervalMs: number; last: number } | undefined;

function text(args: unknown[]): string {
  return args
    .map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : safeString(a)))
    .join(' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .slice(0, MAX_TEXT);
}

function safeString(a: unknown): string {
  try {
    return typeof a === 'object' ? JSON.stringify(a) : String(a);
  } catch {
    return String(a);
  }
}

function collect(...args: unknown[]): void {
  const example = text(args);
  const kind = example.replace(/\d+/g, '#').replace(/\?+/g, '?');
  const known = kinds.get(kind);
  if (known) known.count++;
  else if (kinds.size < MAX_KINDS) kinds.set(kind, { kind, example, count: 1 });
  else dropped++;
  // A job that logs a lot reports what it has so far now and then (a worker stopped at the time limit cannot
  // report at its end). Checked every 1024 messages: cheap, and only busy loggers get here often.
  if (flush && (++calls & 1023) === 0 && Date.now() - flush.last >= flush.intervalMs) {
    flush.last = Date.now();
    flush.handler(takeLogSummary());
  }
}

/** Reports the messages so far to `handler` at most every `intervalMs` while a job keeps logging. */
export function onLogFlush(handler: (log: LogSummary[]) => void, intervalMs: number): void {
  flush = { handler, intervalMs, last: Date.now() };
}

/** Replaces the console of this thread by the collector. */
export function installLogCollector(): void {
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const)
    console[method] = collect;
}

/** A loglevel logger (dcmjs, dcmjs-imaging). */
export interface Logger {
  getLevel(): number;
  setLevel(level: number, persist?: boolean): void;
}

/** Loggers (loglevel) bind console methods when built: rebuild them so that they bind the collector. */
export function rebindLoggers(loggers: readonly Logger[]): void {
  for (const logger of loggers) logger.setLevel(logger.getLevel(), false);
}

/** The messages since the last call (one entry per kind), and resets the collector. */
export function takeLogSummary(): LogSummary[] {
  const out = [...kinds.values()];
  if (dropped > 0)
    out.push({ kind: 'other', example: `${dropped} more messages of other kinds`, count: dropped });
  kinds = new Map();
  dropped = 0;
  if (flush) flush.last = Date.now();
  return out;
}
