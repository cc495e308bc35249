/**
 * Login throttling per user name and client address (issue 9; DECISIONS.md "HTTP hardening"). Failed password
 * checks — session logins and HTTP Basic alike — are remembered per (client IP, user name) for `windowMs`, each
 * under a key that identifies the attempt (the caller derives it from the name, the password and the user's
 * current hash). Once `maxFailures` **different** wrong attempts fall within the window, every new attempt for
 * that pair, right password or wrong, is refused without a password check until the oldest failure leaves the
 * window; the caller answers 429 with `Retry-After`. A success forgets the pair's failures.
 *
 * An attempt that already failed within the window is known to be wrong: it is answered as wrong again without a
 * check and does not count again. So a client that keeps retrying a stale password (a desktop app whose stored
 * password was changed on the server) keeps getting 401 and never locks its user out, while guessing — which
 * needs different passwords — is held to `maxFailures` per window.
 *
 * Checks still running count as failures-to-be, so a burst of parallel guesses gets no more checks than a
 * sequence would (the caller shares one check among identical credentials, so a client's parallel requests with
 * the right password are not held back). Memory is bounded: at most `maxEntries` pairs are remembered; when full,
 * expired pairs are dropped first, then the pairs that failed longest ago.
 */

export interface LoginThrottleOptions {
  /** Different wrong attempts within the window after which new attempts are refused. Default 5. */
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

export type ThrottleDecision =
  | { kind: 'check' } // go ahead and check the password
  | { kind: 'known-wrong' } // this very attempt failed within the window: it is wrong
  | { kind: 'throttled'; retryAfterMs: number };

export class LoginThrottle {
  private readonly options: Required<LoginThrottleOptions>;
  /** Per pair: attempt key → time of its failure (insertion order = oldest first). Map order = last failure. */
  private readonly failures = new Map<string, Map<string, number>>();
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

  /** What to do with an attempt of `client` for `user`, identified by `attempt`. */
  decide(client: string, user: string, attempt: string): ThrottleDecision {
    const key = pairKey(client, user);
    const failed = this.live(key);
    if (failed.has(attempt)) return { kind: 'known-wrong' };
    if (failed.size >= this.options.maxFailures) {
      const oldest = failed.values().next().value as number;
      return {
        kind: 'throttled',
        retryAfterMs: Math.max(1, oldest + this.options.windowMs - this.now()),
      };
    }
    // Checks still running could use up the remaining tries: wait for them.
    if (failed.size + (this.pending.get(key) ?? 0) >= this.options.maxFailures)
      return { kind: 'throttled', retryAfterMs: PENDING_RETRY_MS };
    return { kind: 'check' };
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

  failed(client: string, user: string, attempt: string): void {
    const key = pairKey(client, user);
    const failed = this.live(key);
    if (!failed.has(attempt)) failed.set(attempt, this.now());
    while (failed.size > this.options.maxFailures)
      failed.delete(failed.keys().next().value as string);
    this.failures.delete(key);
    this.makeRoom();
    this.failures.set(key, failed);
  }

  succeeded(client: string, user: string): void {
    this.failures.delete(pairKey(client, user));
  }

  /** The pair's failures still inside the window (pruned in place). */
  private live(key: string): Map<string, number> {
    const failed = this.failures.get(key);
    if (!failed) return new Map();
    const oldest = this.now() - this.options.windowMs;
    for (const [attempt, at] of failed) {
      if (at > oldest) break;
      failed.delete(attempt);
    }
    if (failed.size === 0) this.failures.delete(key);
    return failed;
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
