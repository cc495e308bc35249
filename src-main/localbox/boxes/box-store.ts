/**
 * The `boxes` table (BEHAVIOR.md §12): connections to other Slicebox servers. A box's default profile is stored
 * as a JSON array of option names (an empty list reads back as an empty profile, the 2.1.1 fix of quirk 13).
 */
import type { Database } from 'better-sqlite3';
import type { BoxSendMethod } from '../../slicebox/types.js';

export interface BoxRecord {
  id: number;
  name: string;
  token: string;
  baseUrl: string;
  sendMethod: BoxSendMethod;
  /** Option names, in the order given. */
  defaultProfile: string[];
}

interface BoxRow {
  id: number;
  name: string;
  token: string;
  base_url: string;
  send_method: BoxSendMethod;
  default_profile: string;
}

function toRecord(row: BoxRow): BoxRecord {
  return {
    id: row.id,
    name: row.name,
    token: row.token,
    baseUrl: row.base_url,
    sendMethod: row.send_method,
    defaultProfile: JSON.parse(row.default_profile) as string[],
  };
}

export class BoxStore {
  constructor(private readonly db: Database) {}

  /** Database (id) order. */
  list(startIndex: number, count: number): BoxRecord[] {
    return (
      this.db
        .prepare('SELECT * FROM boxes ORDER BY id LIMIT ? OFFSET ?')
        .all(count, startIndex) as BoxRow[]
    ).map(toRecord);
  }

  all(): BoxRecord[] {
    return (this.db.prepare('SELECT * FROM boxes ORDER BY id').all() as BoxRow[]).map(toRecord);
  }

  get(id: number): BoxRecord | undefined {
    const row = this.db.prepare('SELECT * FROM boxes WHERE id = ?').get(id) as BoxRow | undefined;
    return row && toRecord(row);
  }

  byName(name: string): BoxRecord | undefined {
    const row = this.db.prepare('SELECT * FROM boxes WHERE name = ?').get(name) as
      BoxRow | undefined;
    return row && toRecord(row);
  }

  /** The POLL box with this token (only POLL boxes' tokens open `/transactions/{token}`, §13.1). */
  pollBoxByToken(token: string): BoxRecord | undefined {
    const row = this.db
      .prepare("SELECT * FROM boxes WHERE token = ? AND send_method = 'POLL' ORDER BY id LIMIT 1")
      .get(token) as BoxRow | undefined;
    return row && toRecord(row);
  }

  insert(box: Omit<BoxRecord, 'id'>): BoxRecord {
    const info = this.db
      .prepare(
        'INSERT INTO boxes (name, token, base_url, send_method, default_profile) VALUES (?, ?, ?, ?, ?)',
      )
      .run(box.name, box.token, box.baseUrl, box.sendMethod, JSON.stringify(box.defaultProfile));
    return { id: Number(info.lastInsertRowid), ...box };
  }

  /** Changes the name and default profile (a desktop extension); undefined when there is no such box. */
  update(id: number, name: string, defaultProfile: readonly string[]): BoxRecord | undefined {
    const changed = this.db
      .prepare('UPDATE boxes SET name = ?, default_profile = ? WHERE id = ?')
      .run(name, JSON.stringify(defaultProfile), id).changes;
    return changed > 0 ? this.get(id) : undefined;
  }

  /** Returns whether a row was deleted. */
  delete(id: number): boolean {
    return this.db.prepare('DELETE FROM boxes WHERE id = ?').run(id).changes > 0;
  }
}
