/**
 * Anonymization keys in the engine database (BEHAVIOR.md §11.5, §11.6, §11.8): the `KeyLookup` the
 * anonymization library uses for harmonization and reverse anonymization, key insertion, the list/get/delete/
 * query routes' reads, the CSV export rows, and the purge of keys whose image was deleted.
 *
 * Everything is synchronous (better-sqlite3), so a caller can anonymize and insert the key without yielding.
 */
import type { Database } from 'better-sqlite3';
import type {
  KeyLevel,
  KeyLookup,
  KeyMatch,
  KeyValueData,
  NewKeyData,
  StoredKey,
  TagPath,
} from '../anonymization/index.js';
import { InvalidArgument } from '../system/errors.js';

/** `AnonymizationKey` JSON (§11.5), fields in wire order. */
export interface AnonymizationKey {
  id: number;
  created: number;
  imageId: number;
  patientName: string;
  anonPatientName: string;
  patientID: string;
  anonPatientID: string;
  studyInstanceUID: string;
  anonStudyInstanceUID: string;
  seriesInstanceUID: string;
  anonSeriesInstanceUID: string;
  sopInstanceUID: string;
  anonSOPInstanceUID: string;
}

/** `AnonymizationKeyValue` JSON (§11.5), fields in wire order. */
export interface AnonymizationKeyValue {
  id: number;
  anonymizationKeyId: number;
  tagPath: TagPath;
  value: string;
  anonymizedValue: string;
}

interface KeyRow {
  id: number;
  created: number;
  image_id: number;
  patient_name: string;
  anon_patient_name: string;
  patient_id: string;
  anon_patient_id: string;
  study_instance_uid: string;
  anon_study_instance_uid: string;
  series_instance_uid: string;
  anon_series_instance_uid: string;
  sop_instance_uid: string;
  anon_sop_instance_uid: string;
}

interface KeyValueRow {
  id: number;
  anonymization_key_id: number;
  tag_path: string;
  value: string;
  anonymized_value: string;
}

/** JSON property → column; the whitelist for `orderby`, query properties and query ordering (§11.8). */
export const KEY_COLUMNS: Readonly<Record<string, string>> = {
  id: 'id',
  created: 'created',
  imageId: 'image_id',
  patientName: 'patient_name',
  anonPatientName: 'anon_patient_name',
  patientID: 'patient_id',
  anonPatientID: 'anon_patient_id',
  studyInstanceUID: 'study_instance_uid',
  anonStudyInstanceUID: 'anon_study_instance_uid',
  seriesInstanceUID: 'series_instance_uid',
  anonSeriesInstanceUID: 'anon_series_instance_uid',
  sopInstanceUID: 'sop_instance_uid',
  anonSOPInstanceUID: 'anon_sop_instance_uid',
};

/** The ten name/ID/UID columns the `filter` parameter matches (case-insensitive prefix). */
const FILTER_COLUMNS = Object.values(KEY_COLUMNS).filter(
  (c) => c !== 'id' && c !== 'created' && c !== 'image_id',
);

/** Columns compared at each level, real side (§11.4 step 4); the anonymized side prefixes `anon_`. */
const LEVEL_COLUMNS: Record<KeyLevel, readonly string[]> = {
  PATIENT: ['patient_name', 'patient_id'],
  STUDY: ['patient_name', 'patient_id', 'study_instance_uid'],
  SERIES: ['patient_name', 'patient_id', 'study_instance_uid', 'series_instance_uid'],
  IMAGE: [
    'patient_name',
    'patient_id',
    'study_instance_uid',
    'series_instance_uid',
    'sop_instance_uid',
  ],
};

function matchValues(match: KeyMatch): string[] {
  const all = [
    match.patientName,
    match.patientID,
    match.studyInstanceUID,
    match.seriesInstanceUID,
    match.sopInstanceUID,
  ];
  return all.slice(0, LEVEL_COLUMNS[match.level].length);
}

export function toKeyJson(r: KeyRow): AnonymizationKey {
  return {
    id: r.id,
    created: r.created,
    imageId: r.image_id,
    patientName: r.patient_name,
    anonPatientName: r.anon_patient_name,
    patientID: r.patient_id,
    anonPatientID: r.anon_patient_id,
    studyInstanceUID: r.study_instance_uid,
    anonStudyInstanceUID: r.anon_study_instance_uid,
    seriesInstanceUID: r.series_instance_uid,
    anonSeriesInstanceUID: r.anon_series_instance_uid,
    sopInstanceUID: r.sop_instance_uid,
    anonSOPInstanceUID: r.anon_sop_instance_uid,
  };
}

function toKeyValueJson(r: KeyValueRow): AnonymizationKeyValue {
  return {
    id: r.id,
    anonymizationKeyId: r.anonymization_key_id,
    tagPath: JSON.parse(r.tag_path) as TagPath,
    value: r.value,
    anonymizedValue: r.anonymized_value,
  };
}

/** Tag path JSON in the §5.3 writing form: name always, item on sequence steps only, previous omitted at root. */
function canonicalTagPath(p: TagPath): TagPath {
  const out: TagPath = { tag: p.tag >>> 0, name: p.name };
  if (p.item !== undefined) out.item = p.item;
  if (p.previous) out.previous = canonicalTagPath(p.previous);
  return out;
}

const BATCH = 1000;

/**
 * Deletes every key (values cascade) whose `imageId` is one of `imageIds` — the `purge-empty-keys` reaction to
 * deleted images (§6.3, §11.6). Safe inside an enclosing transaction (it is the caller's to open).
 */
export function purgeKeysForImages(db: Database, imageIds: readonly number[]): number {
  let deleted = 0;
  for (let i = 0; i < imageIds.length; i += BATCH) {
    const batch = imageIds.slice(i, i + BATCH);
    deleted += db
      .prepare(
        `DELETE FROM anonymization_keys WHERE image_id IN (${batch.map(() => '?').join(', ')})`,
      )
      .run(...batch).changes;
  }
  return deleted;
}

/** A condition of `POST /anonymization/keys/query` (§9.7 operator semantics). */
export interface KeyQueryProperty {
  propertyName: string;
  operator: string;
  propertyValue: string;
}

export interface KeyQuery {
  startIndex: number;
  count: number;
  order?: { orderBy: string; orderAscending: boolean };
  queryProperties: readonly KeyQueryProperty[];
}

export interface KeyListOptions {
  startIndex: number;
  count: number;
  orderBy?: string;
  orderAscending: boolean;
  filter?: string;
}

/** SQL LIKE pattern (`%`, `_`) → GLOB pattern, so the query's `like` is case-sensitive as on H2 (§9.7). */
export function likeToGlob(pattern: string): string {
  let out = '';
  for (const ch of pattern) {
    if (ch === '%') out += '*';
    else if (ch === '_') out += '?';
    else if (ch === '*' || ch === '?' || ch === '[') out += `[${ch}]`;
    else out += ch;
  }
  return out;
}

function column(property: string): string {
  const c = Object.hasOwn(KEY_COLUMNS, property) ? KEY_COLUMNS[property] : undefined;
  if (c === undefined) throw new InvalidArgument(`Property ${property} does not exist`);
  return c;
}

export class AnonymizationKeyStore implements KeyLookup {
  constructor(private readonly db: Database) {}

  // --- KeyLookup ------------------------------------------------------------------------------------------

  findNewestByRealValues(match: KeyMatch): StoredKey | undefined {
    return this.findNewest(LEVEL_COLUMNS[match.level], matchValues(match));
  }

  findNewestByAnonymizedValues(match: KeyMatch): StoredKey | undefined {
    return this.findNewest(
      LEVEL_COLUMNS[match.level].map((c) => `anon_${c}`),
      matchValues(match),
    );
  }

  private findNewest(columns: readonly string[], values: readonly string[]): StoredKey | undefined {
    const row = this.db
      .prepare(
        `SELECT * FROM anonymization_keys WHERE ${columns.map((c) => `${c} = ?`).join(' AND ')}
         ORDER BY id DESC LIMIT 1`,
      )
      .get(...values) as KeyRow | undefined;
    if (!row) return undefined;
    const values_: KeyValueData[] = this.keyValues(row.id).map((v) => ({
      tagPath: v.tagPath,
      value: v.value,
      anonymizedValue: v.anonymizedValue,
    }));
    const { id, created, imageId, ...main } = toKeyJson(row);
    return { ...main, values: values_, id, created, imageId };
  }

  // --- writes ---------------------------------------------------------------------------------------------

  /** Inserts a key and its extra values (one transaction, nested in the caller's if there is one). */
  insert(key: NewKeyData, imageId: number, created = Date.now()): AnonymizationKey {
    return this.db.transaction(() => {
      const id = Number(
        this.db
          .prepare(
            `INSERT INTO anonymization_keys (created, image_id, patient_name, anon_patient_name, patient_id,
             anon_patient_id, study_instance_uid, anon_study_instance_uid, series_instance_uid,
             anon_series_instance_uid, sop_instance_uid, anon_sop_instance_uid)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            created,
            imageId,
            key.patientName,
            key.anonPatientName,
            key.patientID,
            key.anonPatientID,
            key.studyInstanceUID,
            key.anonStudyInstanceUID,
            key.seriesInstanceUID,
            key.anonSeriesInstanceUID,
            key.sopInstanceUID,
            key.anonSOPInstanceUID,
          ).lastInsertRowid,
      );
      const insertValue = this.db.prepare(
        `INSERT INTO anonymization_key_values (anonymization_key_id, tag_path, value, anonymized_value)
         VALUES (?, ?, ?, ?)`,
      );
      for (const v of key.values) {
        insertValue.run(
          id,
          JSON.stringify(canonicalTagPath(v.tagPath)),
          v.value,
          v.anonymizedValue,
        );
      }
      return this.get(id) as AnonymizationKey;
    })();
  }

  /** `DELETE /anonymization/keys/{id}`: idempotent; values cascade. */
  delete(id: number): void {
    this.db.prepare('DELETE FROM anonymization_keys WHERE id = ?').run(id);
  }

  purgeForImages(imageIds: readonly number[]): number {
    return purgeKeysForImages(this.db, imageIds);
  }

  // --- reads ----------------------------------------------------------------------------------------------

  get(id: number): AnonymizationKey | undefined {
    const row = this.db.prepare('SELECT * FROM anonymization_keys WHERE id = ?').get(id) as
      KeyRow | undefined;
    return row && toKeyJson(row);
  }

  /** Extra values of a key in insertion order (`[]` for unknown keys). */
  keyValues(keyId: number): AnonymizationKeyValue[] {
    return (
      this.db
        .prepare(
          'SELECT * FROM anonymization_key_values WHERE anonymization_key_id = ? ORDER BY id',
        )
        .all(keyId) as KeyValueRow[]
    ).map(toKeyValueJson);
  }

  /**
   * `GET /anonymization/keys`: `filter` is a case-insensitive prefix match on the ten name/ID/UID fields.
   * Negative `startIndex`/`count` are not rejected (the route parses plain signed integers): SQLite treats a
   * negative OFFSET as 0 and a negative LIMIT as "no limit".
   */
  list(o: KeyListOptions): AnonymizationKey[] {
    const params: unknown[] = [];
    let where = '';
    if (o.filter !== undefined && o.filter !== '') {
      where = `WHERE ${FILTER_COLUMNS.map((c) => `sbx_lower(${c}) LIKE ?`).join(' OR ')}`;
      const pattern = `${o.filter.toLowerCase()}%`;
      for (let i = 0; i < FILTER_COLUMNS.length; i++) params.push(pattern);
    }
    const order =
      o.orderBy === undefined
        ? 'ORDER BY id'
        : `ORDER BY ${column(o.orderBy)} ${o.orderAscending ? 'ASC' : 'DESC'}, id`;
    const rows = this.db
      .prepare(`SELECT * FROM anonymization_keys ${where} ${order} LIMIT ? OFFSET ?`)
      .all(...params, o.count, o.startIndex) as KeyRow[];
    return rows.map(toKeyJson);
  }

  /**
   * `POST /anonymization/keys/query`: AND of the properties; `=` exact, `like` = SQL LIKE over `%value%` with the
   * value's wildcards active; both case-sensitive (§9.7). Unknown property or order names → InvalidArgument.
   */
  query(q: KeyQuery): AnonymizationKey[] {
    const conditions: string[] = [];
    const params: unknown[] = [];
    for (const p of q.queryProperties) {
      const c = column(p.propertyName);
      if (p.operator === '=') {
        conditions.push(`CAST(${c} AS TEXT) = ?`);
        params.push(p.propertyValue);
      } else if (p.operator === 'like') {
        conditions.push(`CAST(${c} AS TEXT) GLOB ?`);
        params.push(likeToGlob(`%${p.propertyValue}%`));
      } else {
        throw new InvalidArgument(`No such query operator: ${p.operator}`);
      }
    }
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const order = q.order
      ? `ORDER BY ${column(q.order.orderBy)} ${q.order.orderAscending ? 'ASC' : 'DESC'}, id`
      : 'ORDER BY id';
    const rows = this.db
      .prepare(`SELECT * FROM anonymization_keys ${where} ${order} LIMIT ? OFFSET ?`)
      .all(...params, q.count, q.startIndex) as KeyRow[];
    return rows.map(toKeyJson);
  }

  /** Every key with its values (none → `values: []`), database order — for the CSV export. */
  *allWithValues(): Generator<{ key: AnonymizationKey; values: AnonymizationKeyValue[] }> {
    const keys = (
      this.db.prepare('SELECT * FROM anonymization_keys ORDER BY id').all() as KeyRow[]
    ).map(toKeyJson);
    const values = this.db
      .prepare('SELECT * FROM anonymization_key_values ORDER BY anonymization_key_id, id')
      .all() as KeyValueRow[];
    const byKey = new Map<number, AnonymizationKeyValue[]>();
    for (const v of values) {
      const list = byKey.get(v.anonymization_key_id) ?? [];
      list.push(toKeyValueJson(v));
      byKey.set(v.anonymization_key_id, list);
    }
    for (const key of keys) yield { key, values: byKey.get(key.id) ?? [] };
  }
}
