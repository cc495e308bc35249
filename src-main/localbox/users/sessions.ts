/**
 * Login sessions (BEHAVIOR.md §3.2-3.5): a random UUID token bound to the client IP and the MD5 hex digest of the
 * User-Agent, valid while used within the timeout (sliding). One session per (user, IP, User-Agent).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';

export interface SessionBinding {
  ip: string;
  userAgent: string;
}

export function md5Hex(s: string): string {
  return createHash('md5').update(s, 'utf8').digest('hex');
}

export class SessionStore {
  constructor(
    private readonly db: Database,
    private readonly timeoutMs: number,
  ) {}

  /** Returns the existing token for this user and binding (refreshed), or a new one. */
  login(userId: number, binding: SessionBinding, now = Date.now()): string {
    const uaHash = md5Hex(binding.userAgent);
    return this.db.transaction(() => {
      this.sweep(now);
      const existing = this.db
        .prepare(
          'SELECT id, token FROM sessions WHERE user_id = ? AND ip = ? AND user_agent_md5 = ? ORDER BY id LIMIT 1',
        )
        .get(userId, binding.ip, uaHash) as { id: number; token: string } | undefined;
      if (existing) {
        this.db.prepare('UPDATE sessions SET last_used = ? WHERE id = ?').run(now, existing.id);
        return existing.token;
      }
      const token = randomUUID();
      this.db
        .prepare(
          'INSERT INTO sessions (user_id, token, ip, user_agent_md5, last_used) VALUES (?, ?, ?, ?, ?)',
        )
        .run(userId, token, binding.ip, uaHash, now);
      return token;
    })();
  }

  /** The user id of a valid session for this token and binding; refreshes its timestamp. */
  resolve(token: string, binding: SessionBinding, now = Date.now()): number | undefined {
    const row = this.db
      .prepare(
        'SELECT id, user_id, last_used FROM sessions WHERE token = ? AND ip = ? AND user_agent_md5 = ?',
      )
      .get(token, binding.ip, md5Hex(binding.userAgent)) as
      { id: number; user_id: number; last_used: number } | undefined;
    if (!row) return undefined;
    if (now - row.last_used > this.timeoutMs) {
      this.db.prepare('DELETE FROM sessions WHERE id = ?').run(row.id);
      return undefined;
    }
    this.db.prepare('UPDATE sessions SET last_used = ? WHERE id = ?').run(now, row.id);
    return row.user_id;
  }

  /** Logout: deletes the user's sessions for this binding, whatever token was sent. */
  logout(userId: number, binding: SessionBinding): void {
    this.db
      .prepare('DELETE FROM sessions WHERE user_id = ? AND ip = ? AND user_agent_md5 = ?')
      .run(userId, binding.ip, md5Hex(binding.userAgent));
  }

  /** Deletes sessions unused for longer than the timeout. */
  sweep(now = Date.now()): number {
    return this.db.prepare('DELETE FROM sessions WHERE last_used < ?').run(now - this.timeoutMs)
      .changes;
  }
}
