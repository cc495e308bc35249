/** The `scps` table (BEHAVIOR.md §16): DICOM receivers, each listening on its own port for one AE title. */
import type { Database } from 'better-sqlite3';
import type { ScpData } from '../../slicebox/types.js';
import { validateAeTitleAndPort } from './validation.js';
import { InvalidArgument } from '../system/errors.js';

interface ScpRow {
  id: number;
  name: string;
  ae_title: string;
  port: number;
}

function toScp(r: ScpRow): ScpData {
  return { id: r.id, name: r.name, aeTitle: r.ae_title, port: r.port };
}

export class ScpStore {
  constructor(private readonly db: Database) {}

  list(startIndex: number, count: number): ScpData[] {
    const rows = this.db
      .prepare('SELECT * FROM scps ORDER BY id LIMIT ? OFFSET ?')
      .all(count, startIndex) as ScpRow[];
    return rows.map(toScp);
  }

  all(): ScpData[] {
    return (this.db.prepare('SELECT * FROM scps ORDER BY id').all() as ScpRow[]).map(toScp);
  }

  get(id: number): ScpData | undefined {
    const row = this.db.prepare('SELECT * FROM scps WHERE id = ?').get(id) as ScpRow | undefined;
    return row ? toScp(row) : undefined;
  }

  byName(name: string): ScpData | undefined {
    const row = this.db.prepare('SELECT * FROM scps WHERE name = ?').get(name) as
      ScpRow | undefined;
    return row ? toScp(row) : undefined;
  }

  /**
   * §16: an existing name is returned as is (no validation, `created: false`); otherwise the AE title and port
   * are validated, the port must not belong to another SCP, and the row is inserted with the AE title as given.
   */
  add(input: { name: string; aeTitle: string; port: number }): { scp: ScpData; created: boolean } {
    return this.db.transaction(() => {
      const existing = this.byName(input.name);
      if (existing) return { scp: existing, created: false };
      validateAeTitleAndPort(input.aeTitle, input.port);
      if (this.db.prepare('SELECT 1 FROM scps WHERE port = ?').get(input.port) !== undefined)
        throw new InvalidArgument(`Port ${input.port} is already in use`);
      const id = Number(
        this.db
          .prepare('INSERT INTO scps (name, ae_title, port) VALUES (?, ?, ?)')
          .run(input.name, input.aeTitle, input.port).lastInsertRowid,
      );
      return {
        scp: { id, name: input.name, aeTitle: input.aeTitle, port: input.port },
        created: true,
      };
    })();
  }

  /**
   * Changes an SCP (a desktop extension, `PUT /api/x-desktop/scps/{id}`), validated as `add` validates a new
   * one; the name and the port must not belong to another SCP. Undefined when there is no such SCP.
   */
  update(id: number, input: { name: string; aeTitle: string; port: number }): ScpData | undefined {
    return this.db.transaction(() => {
      if (!this.get(id)) return undefined;
      if (input.name.trim() === '') throw new InvalidArgument('Name must not be empty');
      const named = this.byName(input.name);
      if (named && named.id !== id)
        throw new InvalidArgument(`An SCP named ${input.name} already exists`);
      validateAeTitleAndPort(input.aeTitle, input.port);
      if (
        this.db.prepare('SELECT 1 FROM scps WHERE port = ? AND id <> ?').get(input.port, id) !==
        undefined
      )
        throw new InvalidArgument(`Port ${input.port} is already in use`);
      this.db
        .prepare('UPDATE scps SET name = ?, ae_title = ?, port = ? WHERE id = ?')
        .run(input.name, input.aeTitle, input.port, id);
      return { id, name: input.name, aeTitle: input.aeTitle, port: input.port };
    })();
  }

  /** Deletes the row (its tag-filter associations go with it, migration 006); false when there was none. */
  delete(id: number): boolean {
    return this.db.prepare('DELETE FROM scps WHERE id = ?').run(id).changes > 0;
  }
}
