/**
 * The `forwarding_rules` table (BEHAVIOR.md §18): rules are unique on (source type, source id, destination type,
 * destination id); adding an equal rule returns the existing one unchanged, even when `keepImages` differs
 * (quirk 4). Names are stored as posted. Deleting a rule cascades to its transactions (migration 008).
 */
import type { Database } from 'better-sqlite3';
import type { DestinationType, ForwardingRule, SourceType } from '../../slicebox/types.js';
import { toSourceType } from '../metadata/rows.js';

interface RuleRow {
  id: number;
  source_type: string;
  source_name: string;
  source_id: number;
  destination_type: string;
  destination_name: string;
  destination_id: number;
  keep_images: number;
}

const DESTINATION_TYPES: readonly DestinationType[] = ['box', 'scu', 'unknown'];

/** Unknown destination type strings read as `unknown` (§5.2). */
export function toDestinationType(s: string): DestinationType {
  return (DESTINATION_TYPES as readonly string[]).includes(s) ? (s as DestinationType) : 'unknown';
}

function toRule(r: RuleRow): ForwardingRule {
  return {
    id: r.id,
    source: {
      sourceType: toSourceType(r.source_type),
      sourceName: r.source_name,
      sourceId: r.source_id,
    },
    destination: {
      destinationType: toDestinationType(r.destination_type),
      destinationName: r.destination_name,
      destinationId: r.destination_id,
    },
    keepImages: r.keep_images !== 0,
  };
}

export class RuleStore {
  constructor(private readonly db: Database) {}

  list(startIndex: number, count: number): ForwardingRule[] {
    return (
      this.db
        .prepare('SELECT * FROM forwarding_rules ORDER BY id LIMIT ? OFFSET ?')
        .all(count, startIndex) as RuleRow[]
    ).map(toRule);
  }

  get(id: number): ForwardingRule | undefined {
    const row = this.db.prepare('SELECT * FROM forwarding_rules WHERE id = ?').get(id) as
      RuleRow | undefined;
    return row && toRule(row);
  }

  /** The rules whose source is (type, id), in id order. */
  forSource(sourceType: SourceType, sourceId: number): ForwardingRule[] {
    return (
      this.db
        .prepare(
          'SELECT * FROM forwarding_rules WHERE source_type = ? AND source_id = ? ORDER BY id',
        )
        .all(sourceType, sourceId) as RuleRow[]
    ).map(toRule);
  }

  /** §18: an equal rule (same source and destination type + id) is returned unchanged (`created: false`). */
  add(input: Omit<ForwardingRule, 'id'>): { rule: ForwardingRule; created: boolean } {
    return this.db.transaction(() => {
      const { source, destination } = input;
      const existing = this.db
        .prepare(
          `SELECT * FROM forwarding_rules WHERE source_type = ? AND source_id = ?
             AND destination_type = ? AND destination_id = ?`,
        )
        .get(
          source.sourceType,
          source.sourceId,
          destination.destinationType,
          destination.destinationId,
        ) as RuleRow | undefined;
      if (existing) return { rule: toRule(existing), created: false };
      const id = Number(
        this.db
          .prepare(
            `INSERT INTO forwarding_rules (source_type, source_name, source_id, destination_type,
               destination_name, destination_id, keep_images) VALUES (?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            source.sourceType,
            source.sourceName,
            source.sourceId,
            destination.destinationType,
            destination.destinationName,
            destination.destinationId,
            input.keepImages ? 1 : 0,
          ).lastInsertRowid,
      );
      return { rule: this.get(id) as ForwardingRule, created: true };
    })();
  }

  /** Deletes the rule and (cascade) its queued and in-flight transactions. Unknown id → false. */
  delete(id: number): boolean {
    return this.db.prepare('DELETE FROM forwarding_rules WHERE id = ?').run(id).changes > 0;
  }
}
