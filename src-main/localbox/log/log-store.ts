import type { Database } from 'better-sqlite3';
import type { WalSync } from '../db/wal-sync.js';

export type LogEntryType = 'DEFAULT' | 'INFO' | 'WARN' | 'ERROR';

export interface LogEntry {
  id: number;
  created: number;
  entryType: LogEntryType;
  subject: string;
  message: string;
}

export const LOG_ENTRY_TYPES: readonly LogEntryType[] = ['DEFAULT', 'INFO', 'WARN', 'ERROR'];

interface LogRow {
  id: number;
  created: number;
  entry_type: LogEntryType;
  subject: string;
  message: string;
}

/** The server's own log (BEHAVIOR.md §21), written by the engine, read through `/log`. */
export class LogStore {
  private walSync: WalSync | undefined;

  constructor(private readonly db: Database) {}

  /**
   * From now on a log line commits without its own WAL flush on the event loop: the flush runs on the libuv pool
   * (db/wal-sync.ts). A log line is a record, not data a caller is told is safe, so nothing waits for that flush;
   * a power loss before it may drop the last lines, never corrupt the database (DECISIONS.md, "Log lines").
   */
  flushWith(walSync: WalSync): void {
    this.walSync = walSync;
  }

  add(entryType: LogEntryType, subject: string, message: string): void {
    const insert = (): void => {
      this.db
        .prepare('INSERT INTO log (created, entry_type, subject, message) VALUES (?, ?, ?, ?)')
        .run(Date.now(), entryType, subject, message);
    };
    if (!this.walSync) return insert();
    // A failed flush is not this line's to report: the next FULL commit of the connection flushes the WAL again.
    this.walSync.commitThenSync(insert).synced.catch(() => undefined);
  }

  /** Newest first. */
  list(startIndex: number, count: number, subject?: string, entryType?: LogEntryType): LogEntry[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (subject !== undefined) {
      where.push('subject = ?');
      params.push(subject);
    }
    if (entryType !== undefined) {
      where.push('entry_type = ?');
      params.push(entryType);
    }
    const sql = `SELECT * FROM log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created DESC, id DESC LIMIT ? OFFSET ?`;
    const rows = this.db.prepare(sql).all(...params, count, startIndex) as LogRow[];
    return rows.map((r) => ({
      id: r.id,
      created: r.created,
      entryType: r.entry_type,
      subject: r.subject,
      message: r.message,
    }));
  }

  delete(id: number): void {
    this.db.prepare('DELETE FROM log WHERE id = ?').run(id);
  }

  clear(): void {
    this.db.prepare('DELETE FROM log').run();
  }
}
