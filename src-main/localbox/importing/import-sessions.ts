/** Import sessions (BEHAVIOR.md §14): rows, counters, and the images recorded per session. */
import type { Database } from 'better-sqlite3';
import type { ApiUser, Image, ImportSession } from '../../slicebox/types.js';
import { toImage } from '../metadata/rows.js';
import type { ImageRow } from '../metadata/rows.js';
import { InvalidArgument } from '../system/errors.js';

interface ImportSessionRow {
  id: number;
  name: string;
  user_id: number;
  user: string;
  files_imported: number;
  files_added: number;
  files_rejected: number;
  created: number;
  last_updated: number;
}

const toSession = (r: ImportSessionRow): ImportSession => ({
  id: r.id,
  name: r.name,
  userId: r.user_id,
  user: r.user,
  filesImported: r.files_imported,
  filesAdded: r.files_added,
  filesRejected: r.files_rejected,
  created: r.created,
  lastUpdated: r.last_updated,
});

export class ImportSessionStore {
  constructor(private readonly db: Database) {}

  list(startIndex: number, count: number): ImportSession[] {
    return (
      this.db
        .prepare('SELECT * FROM import_sessions ORDER BY id LIMIT ? OFFSET ?')
        .all(count, startIndex) as ImportSessionRow[]
    ).map(toSession);
  }

  all(): ImportSession[] {
    return (
      this.db.prepare('SELECT * FROM import_sessions ORDER BY id').all() as ImportSessionRow[]
    ).map(toSession);
  }

  get(id: number): ImportSession | undefined {
    const r = this.db.prepare('SELECT * FROM import_sessions WHERE id = ?').get(id) as
      ImportSessionRow | undefined;
    return r && toSession(r);
  }

  /** Creates a session for `user`, or returns the caller's existing session with that name. */
  create(name: string, user: ApiUser, now = Date.now()): ImportSession {
    return this.db.transaction(() => {
      const existing = this.db.prepare('SELECT * FROM import_sessions WHERE name = ?').get(name) as
        ImportSessionRow | undefined;
      if (existing) {
        if (existing.user_id === user.id) return toSession(existing);
        throw new InvalidArgument(
          `An import session with name ${name} and user ${existing.user} already exists`,
        );
      }
      const id = Number(
        this.db
          .prepare(
            'INSERT INTO import_sessions (name, user_id, user, created, last_updated) VALUES (?, ?, ?, ?, ?)',
          )
          .run(name, user.id, user.user, now, now).lastInsertRowid,
      );
      return toSession(
        this.db.prepare('SELECT * FROM import_sessions WHERE id = ?').get(id) as ImportSessionRow,
      );
    })();
  }

  delete(id: number): void {
    this.db.prepare('DELETE FROM import_sessions WHERE id = ?').run(id);
  }

  /** Images recorded for the session that still exist. */
  images(id: number): Image[] {
    const rows = this.db
      .prepare(
        `SELECT i.* FROM import_session_images isi JOIN images i ON i.id = isi.image_id
         WHERE isi.import_session_id = ? ORDER BY i.id`,
      )
      .all(id) as ImageRow[];
    return rows.map(toImage);
  }

  /** Counts a stored file (call inside the storage transaction). */
  recordImported(id: number, imageId: number, added: boolean, now = Date.now()): void {
    this.db
      .prepare(
        `UPDATE import_sessions SET files_imported = files_imported + 1, files_added = files_added + ?, last_updated = ?
         WHERE id = ?`,
      )
      .run(added ? 1 : 0, now, id);
    this.db
      .prepare(
        'INSERT OR IGNORE INTO import_session_images (import_session_id, image_id) VALUES (?, ?)',
      )
      .run(id, imageId);
  }

  recordRejected(id: number, now = Date.now()): void {
    this.db
      .prepare(
        'UPDATE import_sessions SET files_rejected = files_rejected + 1, last_updated = ? WHERE id = ?',
      )
      .run(now, id);
  }
}
