/**
 * Login throttling per user name and client address (issue 9; DECISIONS.md "HTTP hardening"). Failed password
 * checks — session logins and HTTP Basic alike — are remembered per (client IP, user name) for `windowMs`. Once
 * `maxFailures` of them fall within the window, every further attempt for that pair, right password or wrong,
 * is refused without a password check until the oldest failure leaves the window; the caller answers 429 with
 * `Retry-After`. A success forgets the pair's failures. Checks still running count too, so a burst of parallel
 * guesses gets no more checks than a sequence would (the caller shares one check among identical credentials, so
 * a client's parallel requests with the right password are not held back).
 *
 * Memory is bounded: at most `maxEntries` pairs are remembered; when full, expired pairs are dropped first, then
 * the pairs that failed longest ago.
 */

export interface LoginThrottleOptions {
  /** Failures within the window after which attempts are refused. Default 5. */
  maxFailures: number;
  /** How long a failure counts, in ms. Default 5 minutes. */
  windowMs: number;
  /** Pairs remembered at most. Default 10,000. */
  maxEntries?: number;
}

export const DEFAULT_LOGIN_THROTTLE: Required<LoginThrottleOptions> = {
  maxFailures: 5,
  windowMs: 5 * 60 * 1000,
  maxEntries: 10_000,
};

/** Retry-After while the remaining tries are taken by checks still running. */
const PENDING_RETRY_MS = 1000;

export class LoginThrottle {
  private readonly options: Required<LoginThrottleOptions>;
  /** Failure times (oldest first, at most maxFailures) per pair; Map order = order of last failure. */
  private readonly failures = new Map<string, number[]>();
  /** Password checks running per pair. */
  private readonly pending = new Map<string, number>();

  constructor(
    options: Partial<LoginThrottleOptions> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.options = { ...DEFAULT_LOGIN_THROTTLE, ...options };
    if (!(this.options.maxFailures >= 1) || !(this.options.windowMs > 0))
      throw new Error('login throttle: maxFailures must be ≥ 1 and windowMs > 0');
  }

  /** How long, in ms, attempts for this pair are still refused; 0 when an attempt may be made now. */
  retryAfterMs(client: string, user: string): number {
    const key = pairKey(client, user);
    const times = this.live(key);
    if (times.length >= this.options.maxFailures)
      return Math.max(1, (times[0] as number) + this.options.windowMs - this.now());
    // Checks still running could use up the remaining tries: wait for them.
    if (times.length + (this.pending.get(key) ?? 0) >= this.options.maxFailures)
      return PENDING_RETRY_MS;
    return 0;
  }

  /** A password check for the pair starts; call `settled` when it has finished. */
  started(client: string, user: string): void {
    const key = pairKey(client, user);
    this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
  }

  settled(client: string, user: string): void {
    const key = pairKey(client, user);
    const n = (this.pending.get(key) ?? 0) - 1;
    if (n > 0) this.pending.set(key, n);
    else this.pending.delete(key);
  }

  failed(client: string, user: string): void {
    const key = pairKey(client, user);
    const times = this.live(key);
    times.push(this.now());
    while (times.length > this.options.maxFailures) times.shift();
    this.failures.delete(key);
    this.makeRoom();
    this.failures.set(key, times);
  }

  succeeded(client: string, user: string): void {
    this.failures.delete(pairKey(client, user));
  }

  /** The pair's failures still inside the window (the stored list is pruned in place). */
  private live(key: string): number[] {
    const times = this.failures.get(key);
    if (!times) return [];
    const oldest = this.now() - this.options.windowMs;
    while (times.length > 0 && (times[0] as number) <= oldest) times.shift();
    if (times.length === 0) this.failures.delete(key);
    return times;
  }

  private makeRoom(): void {
    if (this.failures.size < this.options.maxEntries) return;
    for (const key of [...this.failures.keys()]) this.live(key);
    for (const key of this.failures.keys()) {
      if (this.failures.size < this.options.maxEntries) break;
      this.failures.delete(key);
    }
  }
}

function pairKey(client: string, user: string): string {
  return `${client}\u0000${user}`;
}
