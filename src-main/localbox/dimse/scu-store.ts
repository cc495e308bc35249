/** The `scus` table (BEHAVIOR.md §17): DICOM peers that images can be sent to with C-STORE. */
import type { Database } from 'better-sqlite3';
import type { ScuData } from '../../slicebox/types.js';
import { InvalidArgument } from '../system/errors.js';
import { validateAeTitleAndPort } from './validation.js';

interface ScuRow {
  id: number;
  name: string;
  ae_title: string;
  host: string;
  port: number;
}

function toScu(r: ScuRow): ScuData {
  return { id: r.id, name: r.name, aeTitle: r.ae_title, host: r.host, port: r.port };
}

export class ScuStore {
  constructor(private readonly db: Database) {}

  list(startIndex: number, count: number): ScuData[] {
    const rows = this.db
      .prepare('SELECT * FROM scus ORDER BY id LIMIT ? OFFSET ?')
      .all(count, startIndex) as ScuRow[];
    return rows.map(toScu);
  }

  all(): ScuData[] {
    return (this.db.prepare('SELECT * FROM scus ORDER BY id').all() as ScuRow[]).map(toScu);
  }

  get(id: number): ScuData | undefined {
    const row = this.db.prepare('SELECT * FROM scus WHERE id = ?').get(id) as ScuRow | undefined;
    return row ? toScu(row) : undefined;
  }

  /**
   * §17: an existing name is returned as is (no validation, `created: false`); otherwise the AE title and port
   * are validated and (host, port) must not belong to another SCU.
   */
  add(input: { name: string; aeTitle: string; host: string; port: number }): {
    scu: ScuData;
    created: boolean;
  } {
    return this.db.transaction(() => {
      const row = this.db.prepare('SELECT * FROM scus WHERE name = ?').get(input.name) as
        ScuRow | undefined;
      if (row) return { scu: toScu(row), created: false };
      validateAeTitleAndPort(input.aeTitle, input.port);
      if (
        this.db
          .prepare('SELECT 1 FROM scus WHERE host = ? AND port = ?')
          .get(input.host, input.port) !== undefined
      ) {
        throw new InvalidArgument(`Host ${input.host} and port ${input.port} is already in use`);
      }
      const id = Number(
        this.db
          .prepare('INSERT INTO scus (name, ae_title, host, port) VALUES (?, ?, ?, ?)')
          .run(input.name, input.aeTitle, input.host, input.port).lastInsertRowid,
      );
      return { scu: { id, ...input }, created: true };
    })();
  }

  /**
   * Changes an SCU (a desktop extension, `PUT /api/x-desktop/scus/{id}`), validated as `add` validates a new
   * one; the name and the host and port must not belong to another SCU. Undefined when there is no such SCU.
   */
  update(
    id: number,
    input: { name: string; aeTitle: string; host: string; port: number },
  ): ScuData | undefined {
    return this.db.transaction(() => {
      if (!this.get(id)) return undefined;
      if (input.name.trim() === '') throw new InvalidArgument('Name must not be empty');
      if (input.host.trim() === '') throw new InvalidArgument('Host must not be empty');
      if (
        this.db.prepare('SELECT 1 FROM scus WHERE name = ? AND id <> ?').get(input.name, id) !==
        undefined
      )
        throw new InvalidArgument(`An SCU named ${input.name} already exists`);
      validateAeTitleAndPort(input.aeTitle, input.port);
      if (
        this.db
          .prepare('SELECT 1 FROM scus WHERE host = ? AND port = ? AND id <> ?')
          .get(input.host, input.port, id) !== undefined
      ) {
        throw new InvalidArgument(`Host ${input.host} and port ${input.port} is already in use`);
      }
      this.db
        .prepare('UPDATE scus SET name = ?, ae_title = ?, host = ?, port = ? WHERE id = ?')
        .run(input.name, input.aeTitle, input.host, input.port, id);
      return { id, name: input.name, aeTitle: input.aeTitle, host: input.host, port: input.port };
    })();
  }

  delete(id: number): boolean {
    return this.db.prepare('DELETE FROM scus WHERE id = ?').run(id).changes > 0;
  }
}
