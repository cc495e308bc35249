/** Users table access (BEHAVIOR.md §8). */
import type { Database } from 'better-sqlite3';
import type { ApiUser, Role, UserInfo } from '../../slicebox/types.js';

interface UserRow {
  id: number;
  user: string;
  role: Role;
  hashed_password: string;
}

const toApiUser = (r: UserRow): ApiUser => ({
  id: r.id,
  user: r.user,
  role: r.role,
  hashedPassword: r.hashed_password,
});

export function toUserInfo(u: ApiUser): UserInfo {
  return { id: u.id, user: u.user, role: u.role };
}

export class UserStore {
  constructor(private readonly db: Database) {}

  list(startIndex: number, count: number): ApiUser[] {
    return (
      this.db
        .prepare('SELECT * FROM users ORDER BY id LIMIT ? OFFSET ?')
        .all(count, startIndex) as UserRow[]
    ).map(toApiUser);
  }

  all(): ApiUser[] {
    return (this.db.prepare('SELECT * FROM users ORDER BY id').all() as UserRow[]).map(toApiUser);
  }

  byId(id: number): ApiUser | undefined {
    const r = this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
    return r && toApiUser(r);
  }

  byName(name: string): ApiUser | undefined {
    const r = this.db.prepare('SELECT * FROM users WHERE user = ?').get(name) as
      UserRow | undefined;
    return r && toApiUser(r);
  }

  firstSuperuser(): ApiUser | undefined {
    const r = this.db
      .prepare("SELECT * FROM users WHERE role = 'SUPERUSER' ORDER BY id LIMIT 1")
      .get() as UserRow | undefined;
    return r && toApiUser(r);
  }

  insert(name: string, role: Role, hashedPassword: string): ApiUser {
    const id = Number(
      this.db
        .prepare('INSERT INTO users (user, role, hashed_password) VALUES (?, ?, ?)')
        .run(name, role, hashedPassword).lastInsertRowid,
    );
    return { id, user: name, role, hashedPassword };
  }

  /** Deletes the user; its sessions go with it (foreign key cascade). */
  delete(id: number): void {
    this.db.prepare('DELETE FROM users WHERE id = ?').run(id);
  }

  deleteSuperusers(): void {
    this.db.prepare("DELETE FROM users WHERE role = 'SUPERUSER'").run();
  }
}
