/**
 * Upload throughput over a sliding window, for an honest ETA: only bytes actually sent count (skipped
 * and already-present files do not), and the measurement restarts after a pause or a wait for the
 * server, so an idle stretch never drags the rate down.
 */
export class Throughput {
  private samples: { at: number; bytes: number }[] = [];
  private since: number | undefined;

  constructor(
    private readonly windowMs = 10_000,
    /** No rate is claimed before this much time was measured. */
    private readonly minSpanMs = 1_000,
  ) {}

  /** Starts (or restarts) measuring at `now`. */
  start(now: number): void {
    this.samples = [];
    this.since = now;
  }

  stop(): void {
    this.samples = [];
    this.since = undefined;
  }

  add(bytes: number, now: number): void {
    if (this.since === undefined) this.since = now;
    this.samples.push({ at: now, bytes });
    const from = now - this.windowMs;
    while (this.samples.length > 0 && this.samples[0]!.at < from) this.samples.shift();
  }

  /** Bytes per second, or undefined while too little is known. */
  rate(now: number): number | undefined {
    if (this.since === undefined) return undefined;
    const span = Math.min(now - this.since, this.windowMs);
    if (span < this.minSpanMs) return undefined;
    const from = now - span;
    let bytes = 0;
    for (const s of this.samples) if (s.at >= from) bytes += s.bytes;
    return bytes > 0 ? (bytes * 1000) / span : undefined;
  }
}

/** Seconds left at `bytesPerSecond`, rounded up; undefined when unknown. */
export function etaSeconds(remainingBytes: number, bytesPerSecond: number | undefined) {
  if (!bytesPerSecond || bytesPerSecond <= 0) return undefined;
  return Math.ceil(remainingBytes / bytesPerSecond);
}

/** Exponential backoff: base, 2×base, 4×base … capped. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
}
