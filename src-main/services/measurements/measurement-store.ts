/**
 * The measurements table of the cache database (migration 005): add or replace, list by image, remove.
 * Rows are JSON where the shape varies (points, figures, context); every write is one SQLite statement, so a
 * crash leaves either the old or the new row.
 */
import type {
  ImagePoint,
  Measurement,
  MeasurementContext,
  MeasurementDraft,
  MeasurementKind,
  MeasurementValue,
} from '../../../src-preload/contract.js';
import type { CacheDb } from '../cache/cache-db.js';

interface Row {
  id: string;
  connection_id: string;
  sop_instance_uid: string;
  frame: number;
  kind: MeasurementKind;
  points: string;
  measured: string;
  note: string | null;
  context: string;
  created_at: number;
  updated_at: number;
}

/** SQLite's limit on bound parameters is far above this; lists are read in chunks of it. */
const CHUNK = 500;

function toMeasurement(row: Row): Measurement {
  const m: Measurement = {
    id: row.id,
    connectionId: row.connection_id,
    sopInstanceUid: row.sop_instance_uid,
    frame: row.frame,
    kind: row.kind,
    points: JSON.parse(row.points) as ImagePoint[],
    values: JSON.parse(row.measured) as MeasurementValue[],
    context: JSON.parse(row.context) as MeasurementContext,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.note) m.note = row.note;
  return m;
}

export class MeasurementStore {
  constructor(
    private readonly db: CacheDb,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Adds the measurement, or replaces the one with its id (keeping when it was created). Answers undefined when
   * the id belongs to a measurement of another image or connection (nothing is written then).
   */
  save(draft: MeasurementDraft): Measurement | undefined {
    const at = this.now();
    const result = this.db
      .prepare(
        `INSERT INTO measurements
           (id, connection_id, sop_instance_uid, frame, kind, points, measured, note, context,
            created_at, updated_at)
         VALUES (@id, @connectionId, @sopInstanceUid, @frame, @kind, @points, @measured, @note, @context,
                 @at, @at)
         ON CONFLICT (id) DO UPDATE SET
           points = excluded.points, measured = excluded.measured, note = excluded.note,
           context = excluded.context, updated_at = excluded.updated_at
         WHERE measurements.connection_id = excluded.connection_id
           AND measurements.sop_instance_uid = excluded.sop_instance_uid
           AND measurements.frame = excluded.frame
           AND measurements.kind = excluded.kind`,
      )
      .run({
        id: draft.id,
        connectionId: draft.connectionId,
        sopInstanceUid: draft.sopInstanceUid,
        frame: draft.frame,
        kind: draft.kind,
        points: JSON.stringify(draft.points),
        measured: JSON.stringify(draft.values),
        note: draft.note ?? null,
        context: JSON.stringify(draft.context),
        at,
      });
    if (result.changes === 0) return undefined;
    return this.get(draft.id);
  }

  get(id: string): Measurement | undefined {
    const row = this.db.prepare('SELECT * FROM measurements WHERE id = ?').get(id) as
      Row | undefined;
    return row ? toMeasurement(row) : undefined;
  }

  /** The measurements of these images (every frame), oldest first. */
  list(connectionId: string, sopInstanceUids: readonly string[]): Measurement[] {
    const out: Measurement[] = [];
    const unique = [...new Set(sopInstanceUids)];
    for (let start = 0; start < unique.length; start += CHUNK) {
      const chunk = unique.slice(start, start + CHUNK);
      const rows = this.db
        .prepare(
          `SELECT * FROM measurements
            WHERE connection_id = ? AND sop_instance_uid IN (${chunk.map(() => '?').join(',')})`,
        )
        .all(connectionId, ...chunk) as Row[];
      out.push(...rows.map(toMeasurement));
    }
    return out.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  /** Removes one measurement of the connection; answers whether there was one. */
  remove(connectionId: string, id: string): boolean {
    return (
      this.db
        .prepare('DELETE FROM measurements WHERE id = ? AND connection_id = ?')
        .run(id, connectionId).changes > 0
    );
  }
}
