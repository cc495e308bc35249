/**
 * Resolves the caller of a request (BEHAVIOR.md §3.1): a Basic `Authorization` header alone decides when present;
 * otherwise the session cookie. Verified Basic credentials are cached in memory under SHA-256(user:pass) together
 * with the hash they were verified against, so Basic auth does not pay bcrypt on every request and a changed or
 * deleted user invalidates the entry.
 *
 * Password checks (login and Basic) are throttled per client address and user name (users/login-throttle.ts),
 * and a name without a user is checked against a dummy hash of the same cost, so a wrong password takes as long
 * for an unknown name as for a real one and names cannot be told apart by timing.
 */
import { createHash } from 'node:crypto';
import type { ApiUser } from '../../slicebox/types.js';
import { LoginThrottle } from './login-throttle.js';
import { DUMMY_HASH, LOCAL_PASSWORDS } from './passwords.js';
import type { PasswordHasher } from './passwords.js';
import type { SessionBinding, SessionStore } from './sessions.js';
import type { UserStore } from './user-store.js';

export type AuthResult =
  | { kind: 'user'; user: ApiUser; via: 'basic' | 'session' }
  | { kind: 'missing' } // no credentials, or no valid session → 401 authMissing
  | { kind: 'invalid' } // Basic credentials present but wrong → 401 authInvalid
  | { kind: 'throttled'; retryAfterMs: number }; // too many failures for this name and client → 429

export type PasswordCheck =
  | { kind: 'user'; user: ApiUser }
  | { kind: 'invalid' }
  | { kind: 'throttled'; retryAfterMs: number };

const CACHE_LIMIT = 1000;

export function parseBasic(
  header: string | undefined,
): { user: string; pass: string } | undefined | null {
  if (header === undefined) return undefined;
  const m = /^Basic\s+(\S*)\s*$/i.exec(header);
  if (!m) return undefined; // not Basic: ignored like any other scheme
  const decoded = Buffer.from(m[1] ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), pass: decoded.slice(colon + 1) };
}

function credentialKey(name: string, password: string): string {
  return createHash('sha256').update(`${name}:${password}`, 'utf8').digest('hex');
}

export class Authenticator {
  private readonly cache = new Map<string, { userId: number; hashedPassword: string }>();
  private readonly running = new Map<string, Promise<ApiUser | undefined>>();
  /** Replaceable so the HTTP app can apply its configured limits (tests use a short window). */
  throttle = new LoginThrottle();

  constructor(
    private readonly users: UserStore,
    private readonly sessions: SessionStore,
    /** Where bcrypt runs: the engine passes its worker pool (pooled-passwords.ts). */
    private readonly passwords: PasswordHasher = LOCAL_PASSWORDS,
  ) {}

  /**
   * Checks a user name and password from `client` (login and Basic auth), using and filling the cache. While
   * the pair is throttled nothing is checked, so a right password cannot be told from a wrong one; an attempt
   * that failed within the throttle window is wrong again without a check.
   */
  async checkPassword(client: string, name: string, password: string): Promise<PasswordCheck> {
    const key = credentialKey(name, password);
    // The attempt as the throttle knows it: these credentials against the user's current hash (a new password
    // makes an attempt that failed before a new one).
    const attempt = createHash('sha256')
      .update(`${key}\u0000${this.users.byName(name)?.hashedPassword ?? ''}`, 'utf8')
      .digest('hex');
    const decision = this.throttle.decide(client, name, attempt);
    if (decision.kind === 'known-wrong') return { kind: 'invalid' };
    if (decision.kind === 'throttled') return decision;
    const user = await this.sharedVerify(client, key, name, password);
    if (!user) {
      this.throttle.failed(client, name, attempt);
      return { kind: 'invalid' };
    }
    this.throttle.succeeded(client, name);
    return { kind: 'user', user };
  }

  /** Identical credentials checked at the same time share one check (and count once for the throttle). */
  private sharedVerify(
    client: string,
    key: string,
    name: string,
    password: string,
  ): Promise<ApiUser | undefined> {
    const running = this.running.get(key);
    if (running) return running;
    this.throttle.started(client, name);
    const check = this.verify(key, name, password).finally(() => {
      this.running.delete(key);
      this.throttle.settled(client, name);
    });
    this.running.set(key, check);
    return check;
  }

  private async verify(key: string, name: string, password: string): Promise<ApiUser | undefined> {
    const cached = this.cache.get(key);
    if (cached) {
      const user = this.users.byId(cached.userId);
      if (user && user.user === name && user.hashedPassword === cached.hashedPassword) return user;
      this.cache.delete(key);
    }
    const user = this.users.byName(name);
    if (!user) {
      // Same cost as a real check, so the answer time does not tell whether the name exists.
      await this.passwords.verify(password, DUMMY_HASH);
      return undefined;
    }
    if (!(await this.passwords.verify(password, user.hashedPassword))) return undefined;
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(key, { userId: user.id, hashedPassword: user.hashedPassword });
    return user;
  }

  async authenticate(
    authorization: string | undefined,
    token: string | undefined,
    binding: SessionBinding,
  ): Promise<AuthResult> {
    const basic = parseBasic(authorization);
    if (basic === null) return { kind: 'invalid' };
    if (basic !== undefined) {
      const check = await this.checkPassword(binding.ip, basic.user, basic.pass);
      return check.kind === 'user' ? { ...check, via: 'basic' } : check;
    }
    const user = this.sessionUser(token, binding);
    return user ? { kind: 'user', user, via: 'session' } : { kind: 'missing' };
  }

  /** The user of a valid session cookie (refreshing it), for `/users/current` and cookie auth. */
  sessionUser(token: string | undefined, binding: SessionBinding): ApiUser | undefined {
    if (!token || !binding.userAgent || !binding.ip) return undefined;
    const userId = this.sessions.resolve(token, binding);
    return userId === undefined ? undefined : this.users.byId(userId);
  }

  forgetUser(userId: number): void {
    for (const [k, v] of this.cache) if (v.userId === userId) this.cache.delete(k);
  }
}
