/**
 * Retrieve jobs and their items (tables `pacs_retrieves`, `pacs_retrieve_items`, migration 010), and what this box
 * holds of an item now (its study or series rows and their images), read fresh on every answer.
 */
import type { Database } from 'better-sqlite3';
import type {
  XPacsError,
  XRetrieveItem,
  XRetrieveItemRequest,
  XRetrieveItemStatus,
  XRetrieveJob,
  XRetrieveMethod,
  XRetrieveStatus,
} from '../../slicebox/types.js';

interface JobRow {
  id: number;
  scu_id: number;
  node_name: string;
  method: XRetrieveMethod;
  destination_ae_title: string | null;
  status: XRetrieveStatus;
  created: number;
  updated: number;
}

interface ItemRow {
  retrieve_id: number;
  position: number;
  level: 'STUDY' | 'SERIES';
  study_instance_uid: string;
  series_instance_uid: string | null;
  label: string | null;
  status: XRetrieveItemStatus;
  completed: number;
  remaining: number | null;
  failed: number;
  warning: number;
  received: number;
  dimse_status: number | null;
  error: string | null;
  started: number | null;
  finished: number | null;
}

/** The fields of an item a run writes. */
export interface ItemUpdate {
  status?: XRetrieveItemStatus;
  completed?: number;
  remaining?: number | null;
  failed?: number;
  warning?: number;
  received?: number;
  dimseStatus?: number | null;
  error?: XPacsError | null;
  started?: number | null;
  finished?: number | null;
}

const ITEM_COLUMNS: Record<keyof ItemUpdate, string> = {
  status: 'status',
  completed: 'completed',
  remaining: 'remaining',
  failed: 'failed',
  warning: 'warning',
  received: 'received',
  dimseStatus: 'dimse_status',
  error: 'error',
  started: 'started',
  finished: 'finished',
};

function parseError(text: string | null): XPacsError | null {
  if (!text) return null;
  try {
    return JSON.parse(text) as XPacsError;
  } catch {
    return null;
  }
}

/** Final statuses: the job is over and may be retried or deleted. */
export const FINISHED: ReadonlySet<XRetrieveStatus> = new Set([
  'completed',
  'partial',
  'failed',
  'cancelled',
  'interrupted',
]);

/** The status of a job whose run has ended, from its items. */
export function jobStatusOf(items: readonly { status: XRetrieveItemStatus }[]): XRetrieveStatus {
  const has = (s: XRetrieveItemStatus) => items.some((i) => i.status === s);
  if (has('interrupted')) return 'interrupted';
  if (has('cancelled')) return 'cancelled';
  if (has('failed')) return 'failed';
  if (has('partial')) return 'partial';
  if (has('pending') || has('running')) return 'interrupted';
  return 'completed';
}

export class RetrieveStore {
  constructor(private readonly db: Database) {}

  create(job: {
    scuId: number;
    nodeName: string;
    method: XRetrieveMethod;
    items: readonly XRetrieveItemRequest[];
    now: number;
  }): number {
    return this.db.transaction(() => {
      const id = Number(
        this.db
          .prepare(
            `INSERT INTO pacs_retrieves (scu_id, node_name, method, destination_ae_title, status, created, updated)
             VALUES (?, ?, ?, NULL, 'queued', ?, ?)`,
          )
          .run(job.scuId, job.nodeName, job.method, job.now, job.now).lastInsertRowid,
      );
      const insert = this.db.prepare(
        `INSERT INTO pacs_retrieve_items (retrieve_id, position, level, study_instance_uid, series_instance_uid, label, status)
         VALUES (?, ?, ?, ?, ?, ?, 'pending')`,
      );
      job.items.forEach((item, position) =>
        insert.run(
          id,
          position,
          item.level,
          item.studyInstanceUid,
          item.level === 'SERIES' ? (item.seriesInstanceUid ?? null) : null,
          item.label ?? null,
        ),
      );
      return id;
    })();
  }

  exists(id: number): boolean {
    return this.db.prepare('SELECT 1 FROM pacs_retrieves WHERE id = ?').get(id) !== undefined;
  }

  job(id: number): XRetrieveJob | undefined {
    const row = this.db.prepare('SELECT * FROM pacs_retrieves WHERE id = ?').get(id) as
      JobRow | undefined;
    return row ? this.toJob(row) : undefined;
  }

  /** Newest first. */
  list(startIndex: number, count: number): XRetrieveJob[] {
    const rows = this.db
      .prepare('SELECT * FROM pacs_retrieves ORDER BY id DESC LIMIT ? OFFSET ?')
      .all(count, startIndex) as JobRow[];
    return rows.map((r) => this.toJob(r));
  }

  /** Jobs waiting to run, oldest first. */
  queued(): Array<{ id: number; scuId: number }> {
    return (
      this.db
        .prepare("SELECT id, scu_id FROM pacs_retrieves WHERE status = 'queued' ORDER BY id")
        .all() as Array<{ id: number; scu_id: number }>
    ).map((r) => ({ id: r.id, scuId: r.scu_id }));
  }

  setJob(
    id: number,
    fields: {
      status?: XRetrieveStatus;
      scuId?: number;
      nodeName?: string;
      destinationAeTitle?: string | null;
    },
    now: number,
  ): void {
    const sets: string[] = ['updated = ?'];
    const args: unknown[] = [now];
    const set = (column: string, value: unknown): void => {
      sets.push(`${column} = ?`);
      args.push(value);
    };
    if (fields.status !== undefined) set('status', fields.status);
    if (fields.scuId !== undefined) set('scu_id', fields.scuId);
    if (fields.nodeName !== undefined) set('node_name', fields.nodeName);
    if (fields.destinationAeTitle !== undefined)
      set('destination_ae_title', fields.destinationAeTitle);
    this.db.prepare(`UPDATE pacs_retrieves SET ${sets.join(', ')} WHERE id = ?`).run(...args, id);
  }

  setItem(jobId: number, position: number, update: ItemUpdate, now: number): void {
    const sets: string[] = [];
    const args: unknown[] = [];
    for (const [key, column] of Object.entries(ITEM_COLUMNS) as [keyof ItemUpdate, string][]) {
      if (update[key] === undefined) continue;
      sets.push(`${column} = ?`);
      args.push(
        key === 'error' ? (update.error ? JSON.stringify(update.error) : null) : update[key],
      );
    }
    if (sets.length === 0) return;
    this.db.transaction(() => {
      this.db
        .prepare(
          `UPDATE pacs_retrieve_items SET ${sets.join(', ')} WHERE retrieve_id = ? AND position = ?`,
        )
        .run(...args, jobId, position);
      this.db.prepare('UPDATE pacs_retrieves SET updated = ? WHERE id = ?').run(now, jobId);
    })();
  }

  /** Items back to `pending` with their results cleared: those in `statuses`, or all. */
  resetItems(jobId: number, statuses: readonly XRetrieveItemStatus[]): number {
    return this.db
      .prepare(
        `UPDATE pacs_retrieve_items SET status = 'pending', completed = 0, remaining = NULL, failed = 0, warning = 0,
           received = 0, dimse_status = NULL, error = NULL, started = NULL, finished = NULL
         WHERE retrieve_id = ? AND status IN (${statuses.map(() => '?').join(', ')})`,
      )
      .run(jobId, ...statuses).changes;
  }

  /** Items still `pending` become `status` (a cancelled or failed run ends them). */
  endPendingItems(
    jobId: number,
    status: XRetrieveItemStatus,
    error: XPacsError | null,
    now: number,
  ): void {
    this.db
      .prepare(
        `UPDATE pacs_retrieve_items SET status = ?, error = ?, finished = ?
         WHERE retrieve_id = ? AND status = 'pending'`,
      )
      .run(status, error ? JSON.stringify(error) : null, now, jobId);
  }

  /**
   * Start-up: runs cut off by the previous shutdown. A running job becomes `interrupted` (its running item too; its
   * pending items stay pending and run on retry); a job being cancelled becomes `cancelled`.
   */
  markInterrupted(now: number): number {
    return this.db.transaction(() => {
      this.db
        .prepare(
          `UPDATE pacs_retrieve_items SET status = 'cancelled', finished = ?
           WHERE status IN ('running', 'pending')
             AND retrieve_id IN (SELECT id FROM pacs_retrieves WHERE status = 'cancelling')`,
        )
        .run(now);
      this.db
        .prepare(
          "UPDATE pacs_retrieves SET status = 'cancelled', updated = ? WHERE status = 'cancelling'",
        )
        .run(now);
      this.db
        .prepare(
          `UPDATE pacs_retrieve_items SET status = 'interrupted', finished = ?,
             error = json_object('code', 'interrupted',
               'peer', (SELECT node_name FROM pacs_retrieves r WHERE r.id = retrieve_id),
               'message', 'The local box stopped while this was being retrieved: retry to get the rest.')
           WHERE status = 'running'`,
        )
        .run(now);
      return this.db
        .prepare(
          "UPDATE pacs_retrieves SET status = 'interrupted', updated = ? WHERE status = 'running'",
        )
        .run(now).changes;
    })();
  }

  delete(id: number): void {
    this.db.prepare('DELETE FROM pacs_retrieves WHERE id = ?').run(id);
  }

  /** The study UID and series UID of a stored series (for counting what arrives). */
  seriesUids(seriesId: number): { study: string; series: string } | undefined {
    return this.db
      .prepare(
        `SELECT st.study_instance_uid AS study, se.series_instance_uid AS series
         FROM series se JOIN studies st ON st.id = se.study_id WHERE se.id = ?`,
      )
      .get(seriesId) as { study: string; series: string } | undefined;
  }

  private toJob(row: JobRow): XRetrieveJob {
    const items = (
      this.db
        .prepare('SELECT * FROM pacs_retrieve_items WHERE retrieve_id = ? ORDER BY position')
        .all(row.id) as ItemRow[]
    ).map((r) => this.toItem(r));
    const totals = { completed: 0, remaining: 0, failed: 0, warning: 0, received: 0 };
    for (const i of items) {
      totals.completed += i.completed;
      totals.remaining += i.remaining ?? 0;
      totals.failed += i.failed;
      totals.warning += i.warning;
      totals.received += i.received;
    }
    return {
      id: row.id,
      scuId: row.scu_id,
      nodeName: row.node_name,
      method: row.method,
      destinationAeTitle: row.destination_ae_title,
      status: row.status,
      created: row.created,
      updated: row.updated,
      items,
      totals,
      error: items.find((i) => i.error)?.error ?? null,
    };
  }

  private toItem(r: ItemRow): XRetrieveItem {
    return {
      index: r.position,
      level: r.level,
      studyInstanceUid: r.study_instance_uid,
      seriesInstanceUid: r.series_instance_uid,
      label: r.label,
      status: r.status,
      completed: r.completed,
      remaining: r.remaining,
      failed: r.failed,
      warning: r.warning,
      received: r.received,
      dimseStatus: r.dimse_status,
      error: parseError(r.error),
      started: r.started,
      finished: r.finished,
      local: this.local(r),
    };
  }

  /** What this box holds of the item: study rows (all patients) or series rows, and their image count. */
  private local(r: ItemRow): XRetrieveItem['local'] {
    if (r.level === 'SERIES' && r.series_instance_uid) {
      const series = this.db
        .prepare(
          `SELECT se.id, se.study_id FROM series se JOIN studies st ON st.id = se.study_id
           WHERE se.series_instance_uid = ? AND st.study_instance_uid = ? ORDER BY se.id`,
        )
        .all(r.series_instance_uid, r.study_instance_uid) as Array<{
        id: number;
        study_id: number;
      }>;
      const images = series.reduce(
        (n, s) =>
          n +
          (
            this.db.prepare('SELECT COUNT(*) AS n FROM images WHERE series_id = ?').get(s.id) as {
              n: number;
            }
          ).n,
        0,
      );
      return {
        studyIds: [...new Set(series.map((s) => s.study_id))],
        seriesIds: series.map((s) => s.id),
        images,
      };
    }
    const studies = this.db
      .prepare('SELECT id FROM studies WHERE study_instance_uid = ? ORDER BY id')
      .all(r.study_instance_uid) as Array<{ id: number }>;
    const series = studies.flatMap(
      (st) =>
        this.db
          .prepare('SELECT id FROM series WHERE study_id = ? ORDER BY id')
          .all(st.id) as Array<{
          id: number;
        }>,
    );
    const images = series.reduce(
      (n, s) =>
        n +
        (
          this.db.prepare('SELECT COUNT(*) AS n FROM images WHERE series_id = ?').get(s.id) as {
            n: number;
          }
        ).n,
      0,
    );
    return { studyIds: studies.map((s) => s.id), seriesIds: series.map((s) => s.id), images };
  }
}
