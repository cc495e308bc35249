/**
 * Resolves the caller of a request (BEHAVIOR.md §3.1): a Basic `Authorization` header alone decides when present;
 * otherwise the session cookie. Verified Basic credentials are cached in memory under SHA-256(user:pass) together
 * with the hash they were verified against, so Basic auth does not pay bcrypt on every request and a changed or
 * deleted user invalidates the entry.
 */
import { createHash } from 'node:crypto';
import type { ApiUser } from '../../slicebox/types.js';
import { verifyPassword } from './passwords.js';
import type { SessionBinding, SessionStore } from './sessions.js';
import type { UserStore } from './user-store.js';

export type AuthResult =
  | { kind: 'user'; user: ApiUser }
  | { kind: 'missing' } // no credentials, or no valid session → 401 authMissing
  | { kind: 'invalid' }; // Basic credentials present but wrong → 401 authInvalid

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

export class Authenticator {
  private readonly cache = new Map<string, { userId: number; hashedPassword: string }>();

  constructor(
    private readonly users: UserStore,
    private readonly sessions: SessionStore,
  ) {}

  /** Checks a user name and password (login and Basic auth), using and filling the cache. */
  async checkPassword(name: string, password: string): Promise<ApiUser | undefined> {
    const key = createHash('sha256').update(`${name}:${password}`, 'utf8').digest('hex');
    const cached = this.cache.get(key);
    if (cached) {
      const user = this.users.byId(cached.userId);
      if (user && user.user === name && user.hashedPassword === cached.hashedPassword) return user;
      this.cache.delete(key);
    }
    const user = this.users.byName(name);
    if (!user || !(await verifyPassword(password, user.hashedPassword))) return undefined;
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
      const user = await this.checkPassword(basic.user, basic.pass);
      return user ? { kind: 'user', user } : { kind: 'invalid' };
    }
    const user = this.sessionUser(token, binding);
    return user ? { kind: 'user', user } : { kind: 'missing' };
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
