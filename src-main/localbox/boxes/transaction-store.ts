/**
 * Outgoing and incoming box transactions (BEHAVIOR.md §12.5-§12.7, §13). All counter updates are single SQL
 * statements inside short transactions, so the passive routes and the workers can update the same rows safely.
 *
 * Outgoing: `POST /boxes/{id}/send` creates a transaction with one image row per entry (and its tag values);
 * images are marked sent by the push worker (PUSH boxes) or by the remote's `outgoing/done` (POLL boxes).
 * Incoming: created on the first image received for (box, remote transaction id), by the `image` route (POLL
 * boxes) or the poll worker (PUSH boxes).
 */
import type { Database } from 'better-sqlite3';
import type {
  BoxTransactionStatusName,
  IncomingTransaction,
  OutgoingImage,
  OutgoingTransaction,
} from '../../slicebox/types.js';
import type { TagValue } from '../anonymization/index.js';
import { optionByName, toOptionJson } from '../anonymization/index.js';
import type { BoxRecord } from './box-store.js';

export const STATUSES: readonly BoxTransactionStatusName[] = [
  'WAITING',
  'PROCESSING',
  'FINISHED',
  'FAILED',
];

/** Status strings other than the four known ones read as UNKNOWN (§12). */
export function parseStatus(value: string): BoxTransactionStatusName {
  return (STATUSES as readonly string[]).includes(value)
    ? (value as BoxTransactionStatusName)
    : 'UNKNOWN';
}

/** An outgoing transaction with its profile as option names (for anonymization). */
export interface OutgoingTransactionRecord extends OutgoingTransaction {
  profileNames: string[];
}

export interface OutgoingTransactionImageRecord {
  transaction: OutgoingTransactionRecord;
  image: OutgoingImage;
}

export interface SendItem {
  imageId: number;
  tagValues: readonly TagValue[];
}

interface OutgoingTransactionRow {
  id: number;
  box_id: number;
  box_name: string;
  profile: string;
  sent_image_count: number;
  total_image_count: number;
  created: number;
  updated: number;
  status: string;
}

interface OutgoingImageRow {
  id: number;
  outgoing_transaction_id: number;
  image_id: number;
  sequence_number: number;
  sent: number;
}

interface IncomingTransactionRow {
  id: number;
  box_id: number;
  box_name: string;
  outgoing_transaction_id: number;
  received_image_count: number;
  added_image_count: number;
  total_image_count: number;
  created: number;
  updated: number;
  status: string;
}

/** A stored profile (option names) as the wire AnonymizationProfile with full option objects (§5.5). */
export function profileJson(names: readonly string[]): OutgoingTransaction['profile'] {
  return { options: names.map((n) => toOptionJson(optionByName(n))) };
}

function toOutgoing(row: OutgoingTransactionRow): OutgoingTransactionRecord {
  const profileNames = JSON.parse(row.profile) as string[];
  return {
    id: row.id,
    boxId: row.box_id,
    boxName: row.box_name,
    profile: profileJson(profileNames),
    sentImageCount: row.sent_image_count,
    totalImageCount: row.total_image_count,
    created: row.created,
    updated: row.updated,
    status: parseStatus(row.status),
    profileNames,
  };
}

/** The wire shape (without the internal `profileNames`), fields in §12 order. */
export function outgoingJson(t: OutgoingTransactionRecord): OutgoingTransaction {
  return {
    id: t.id,
    boxId: t.boxId,
    boxName: t.boxName,
    profile: t.profile,
    sentImageCount: t.sentImageCount,
    totalImageCount: t.totalImageCount,
    created: t.created,
    updated: t.updated,
    status: t.status,
  };
}

function toOutgoingImage(row: OutgoingImageRow): OutgoingImage {
  return {
    id: row.id,
    outgoingTransactionId: row.outgoing_transaction_id,
    imageId: row.image_id,
    sequenceNumber: row.sequence_number,
    sent: row.sent !== 0,
  };
}

function toIncoming(row: IncomingTransactionRow): IncomingTransaction {
  return {
    id: row.id,
    boxId: row.box_id,
    boxName: row.box_name,
    outgoingTransactionId: row.outgoing_transaction_id,
    receivedImageCount: row.received_image_count,
    addedImageCount: row.added_image_count,
    totalImageCount: row.total_image_count,
    created: row.created,
    updated: row.updated,
    status: parseStatus(row.status),
  };
}

/** Result of marking an outgoing image as sent. */
export interface MarkSentResult {
  /** The transaction after the update. */
  transaction: OutgoingTransactionRecord;
  /** True when this call made the transaction FINISHED. */
  finishedNow: boolean;
}

export class TransactionStore {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  // ── outgoing ──────────────────────────────────────────────────────────────

  /** `POST /boxes/{id}/send` (§12.5): one transaction, images numbered 1..n in request order, WAITING. */
  createOutgoing(
    box: BoxRecord,
    profile: readonly string[],
    items: readonly SendItem[],
  ): OutgoingTransactionRecord {
    return this.db.transaction(() => {
      const now = this.now();
      const info = this.db
        .prepare(
          `INSERT INTO outgoing_transactions
             (box_id, box_name, profile, sent_image_count, total_image_count, created, updated, status)
           VALUES (?, ?, ?, 0, ?, ?, ?, 'WAITING')`,
        )
        .run(box.id, box.name, JSON.stringify(profile), items.length, now, now);
      const transactionId = Number(info.lastInsertRowid);
      const insertImage = this.db.prepare(
        'INSERT INTO outgoing_images (outgoing_transaction_id, image_id, sequence_number, sent) VALUES (?, ?, ?, 0)',
      );
      const insertTagValue = this.db.prepare(
        'INSERT INTO outgoing_tag_values (outgoing_image_id, tag_path, value) VALUES (?, ?, ?)',
      );
      items.forEach((item, index) => {
        const imageRowId = Number(
          insertImage.run(transactionId, item.imageId, index + 1).lastInsertRowid,
        );
        for (const tv of item.tagValues)
          insertTagValue.run(imageRowId, JSON.stringify(tv.tagPath), tv.value);
      });
      return this.outgoing(transactionId) as OutgoingTransactionRecord;
    })();
  }

  outgoing(id: number): OutgoingTransactionRecord | undefined {
    const row = this.db.prepare('SELECT * FROM outgoing_transactions WHERE id = ?').get(id) as
      OutgoingTransactionRow | undefined;
    return row && toOutgoing(row);
  }

  /** Newest `updated` first (§12.6). */
  listOutgoing(startIndex: number, count: number): OutgoingTransactionRecord[] {
    return (
      this.db
        .prepare(
          'SELECT * FROM outgoing_transactions ORDER BY updated DESC, id DESC LIMIT ? OFFSET ?',
        )
        .all(count, startIndex) as OutgoingTransactionRow[]
    ).map(toOutgoing);
  }

  /** Cascades to its images and their tag values. */
  deleteOutgoing(id: number): void {
    this.db.prepare('DELETE FROM outgoing_transactions WHERE id = ?').run(id);
  }

  /** The transaction's image ids, by sequence number. */
  outgoingImageIds(transactionId: number): number[] {
    return (
      this.db
        .prepare(
          'SELECT image_id FROM outgoing_images WHERE outgoing_transaction_id = ? ORDER BY sequence_number, id',
        )
        .all(transactionId) as Array<{ image_id: number }>
    ).map((r) => r.image_id);
  }

  outgoingImages(transactionId: number): OutgoingImage[] {
    return (
      this.db
        .prepare(
          'SELECT * FROM outgoing_images WHERE outgoing_transaction_id = ? ORDER BY sequence_number, id',
        )
        .all(transactionId) as OutgoingImageRow[]
    ).map(toOutgoingImage);
  }

  /**
   * Up to `n` unsent images of the box whose transaction is not FAILED, oldest transaction first, then by sequence
   * number (§13.2 poll, §13.3 push step 1).
   */
  pendingOutgoing(boxId: number, n: number): OutgoingTransactionImageRecord[] {
    const rows = this.db
      .prepare(
        `SELECT i.*, t.id AS t_id FROM outgoing_images i
           JOIN outgoing_transactions t ON t.id = i.outgoing_transaction_id
          WHERE t.box_id = ? AND t.status <> 'FAILED' AND i.sent = 0
          ORDER BY t.created, t.id, i.sequence_number, i.id
          LIMIT ?`,
      )
      .all(boxId, n) as Array<OutgoingImageRow & { t_id: number }>;
    const transactions = new Map<number, OutgoingTransactionRecord>();
    return rows.flatMap((row) => {
      let t = transactions.get(row.t_id);
      if (!t) {
        t = this.outgoing(row.t_id);
        if (!t) return [];
        transactions.set(row.t_id, t);
      }
      return [{ transaction: t, image: toOutgoingImage(row) }];
    });
  }

  /** The outgoing image `outgoingImageId` of transaction `transactionId`, if the transaction belongs to the box. */
  outgoingTransactionImage(
    boxId: number,
    transactionId: number,
    outgoingImageId: number,
  ): OutgoingTransactionImageRecord | undefined {
    const transaction = this.outgoing(transactionId);
    if (!transaction || transaction.boxId !== boxId) return undefined;
    const row = this.db
      .prepare('SELECT * FROM outgoing_images WHERE id = ? AND outgoing_transaction_id = ?')
      .get(outgoingImageId, transactionId) as OutgoingImageRow | undefined;
    return row && { transaction, image: toOutgoingImage(row) };
  }

  /** The custom anonymized values stored for an outgoing image, in insertion order. */
  tagValues(outgoingImageId: number): TagValue[] {
    return (
      this.db
        .prepare(
          'SELECT tag_path, value FROM outgoing_tag_values WHERE outgoing_image_id = ? ORDER BY id',
        )
        .all(outgoingImageId) as Array<{ tag_path: string; value: string }>
    ).map((r) => ({ tagPath: JSON.parse(r.tag_path) as TagValue['tagPath'], value: r.value }));
  }

  /**
   * Marks an outgoing image of the box's transaction as sent (push worker, `outgoing/done`): sentImageCount =
   * min(total, sent + 1), updated = now, PROCESSING, or FINISHED when sent ≥ total. An image already marked sent
   * changes nothing (a repeated `done` is not counted twice). Undefined when nothing matched.
   */
  markOutgoingSent(
    boxId: number,
    transactionId: number,
    outgoingImageId: number,
  ): MarkSentResult | undefined {
    return this.db.transaction(() => {
      const transaction = this.outgoing(transactionId);
      if (!transaction || transaction.boxId !== boxId) return undefined;
      const changed = this.db
        .prepare(
          'UPDATE outgoing_images SET sent = 1 WHERE id = ? AND outgoing_transaction_id = ? AND sent = 0',
        )
        .run(outgoingImageId, transactionId).changes;
      if (changed === 0) return undefined;
      const sent = Math.min(transaction.totalImageCount, transaction.sentImageCount + 1);
      const finished = sent >= transaction.totalImageCount;
      // A FAILED transaction stays FAILED (it is no longer offered; a late confirmation only counts the image).
      const status =
        transaction.status === 'FAILED' ? 'FAILED' : finished ? 'FINISHED' : 'PROCESSING';
      this.db
        .prepare(
          'UPDATE outgoing_transactions SET sent_image_count = ?, updated = ?, status = ? WHERE id = ?',
        )
        .run(sent, this.now(), status, transactionId);
      return {
        transaction: this.outgoing(transactionId) as OutgoingTransactionRecord,
        finishedNow: status === 'FINISHED' && transaction.status !== 'FINISHED',
      };
    })();
  }

  /** Sets an outgoing transaction's status (`outgoing/failed` → FAILED, the box is not checked, §13.2). */
  setOutgoingStatus(transactionId: number, status: BoxTransactionStatusName): boolean {
    return (
      this.db
        .prepare('UPDATE outgoing_transactions SET status = ? WHERE id = ?')
        .run(status, transactionId).changes > 0
    );
  }

  /**
   * The quirk of `PUT /transactions/{token}/status` FINISHED (§13.2): the outgoing transaction with the same id,
   * of the same box, becomes FINISHED when all its images are sent. Returns it when that happened now.
   */
  maybeFinalizeOutgoing(
    boxId: number,
    transactionId: number,
  ): OutgoingTransactionRecord | undefined {
    return this.db.transaction(() => {
      const transaction = this.outgoing(transactionId);
      if (!transaction || transaction.boxId !== boxId || transaction.status === 'FINISHED')
        return undefined;
      const unsent = this.db
        .prepare(
          'SELECT COUNT(*) AS n FROM outgoing_images WHERE outgoing_transaction_id = ? AND sent = 0',
        )
        .get(transactionId) as { n: number };
      if (unsent.n > 0) return undefined;
      this.db
        .prepare("UPDATE outgoing_transactions SET status = 'FINISHED', updated = ? WHERE id = ?")
        .run(this.now(), transactionId);
      return this.outgoing(transactionId);
    })();
  }

  /** "images deleted" (§6.3): removes outgoing image rows (and their tag values) that point to the images. */
  removeOutgoingImagesOf(imageIds: readonly number[]): void {
    const remove = this.db.prepare('DELETE FROM outgoing_images WHERE image_id = ?');
    this.db.transaction(() => {
      for (const id of imageIds) remove.run(id);
    })();
  }

  // ── incoming ──────────────────────────────────────────────────────────────

  incoming(id: number): IncomingTransaction | undefined {
    const row = this.db.prepare('SELECT * FROM incoming_transactions WHERE id = ?').get(id) as
      IncomingTransactionRow | undefined;
    return row && toIncoming(row);
  }

  incomingFor(boxId: number, outgoingTransactionId: number): IncomingTransaction | undefined {
    const row = this.db
      .prepare(
        'SELECT * FROM incoming_transactions WHERE box_id = ? AND outgoing_transaction_id = ?',
      )
      .get(boxId, outgoingTransactionId) as IncomingTransactionRow | undefined;
    return row && toIncoming(row);
  }

  /** Newest `updated` first (§12.6). */
  listIncoming(startIndex: number, count: number): IncomingTransaction[] {
    return (
      this.db
        .prepare(
          'SELECT * FROM incoming_transactions ORDER BY updated DESC, id DESC LIMIT ? OFFSET ?',
        )
        .all(count, startIndex) as IncomingTransactionRow[]
    ).map(toIncoming);
  }

  /** Cascades to its image records. */
  deleteIncoming(id: number): void {
    this.db.prepare('DELETE FROM incoming_transactions WHERE id = ?').run(id);
  }

  /** The received image ids, by sequence number. */
  incomingImageIds(transactionId: number): number[] {
    return (
      this.db
        .prepare(
          'SELECT image_id FROM incoming_images WHERE incoming_transaction_id = ? ORDER BY sequence_number, id',
        )
        .all(transactionId) as Array<{ image_id: number }>
    ).map((r) => r.image_id);
  }

  /**
   * Records one received image (§13.2 image POST, §13.3 poll step 3). Creates the transaction for (box, remote
   * transaction id) when needed; receivedImageCount = min(total, received + 1); addedImageCount + 1 when the
   * image was new (at most total); totalImageCount = `total`; updated = now; PROCESSING, or FINISHED when
   * received ≥ total. `imageId` undefined = the image was rejected (counted, not recorded). Call inside the
   * ingest transaction so the counts commit with the image.
   */
  recordIncoming(
    box: BoxRecord,
    outgoingTransactionId: number,
    sequenceNumber: number,
    total: number,
    imageId: number | undefined,
    added: boolean,
  ): IncomingTransaction {
    return this.db.transaction(() => {
      const now = this.now();
      this.db
        .prepare(
          `INSERT INTO incoming_transactions
             (box_id, box_name, outgoing_transaction_id, received_image_count, added_image_count,
              total_image_count, created, updated, status)
           VALUES (?, ?, ?, 0, 0, ?, ?, ?, 'WAITING')
           ON CONFLICT (box_id, outgoing_transaction_id) DO NOTHING`,
        )
        .run(box.id, box.name, outgoingTransactionId, total, now, now);
      const current = this.incomingFor(box.id, outgoingTransactionId) as IncomingTransaction;
      const received = Math.min(total, current.receivedImageCount + 1);
      const addedCount = Math.min(
        total,
        current.addedImageCount + (imageId !== undefined && added ? 1 : 0),
      );
      const status = received >= total ? 'FINISHED' : 'PROCESSING';
      this.db
        .prepare(
          `UPDATE incoming_transactions
              SET received_image_count = ?, added_image_count = ?, total_image_count = ?, updated = ?, status = ?
            WHERE id = ?`,
        )
        .run(received, addedCount, total, now, status, current.id);
      if (imageId !== undefined) {
        this.db
          .prepare(
            `INSERT INTO incoming_images (incoming_transaction_id, image_id, sequence_number, overwrite)
             VALUES (?, ?, ?, ?)
             ON CONFLICT (incoming_transaction_id, sequence_number)
             DO UPDATE SET image_id = excluded.image_id, overwrite = excluded.overwrite`,
          )
          .run(current.id, imageId, sequenceNumber, added ? 0 : 1);
      }
      return this.incoming(current.id) as IncomingTransaction;
    })();
  }

  /**
   * `PUT /transactions/{token}/status` (§13.2): false when the box has no incoming transaction with that remote
   * id. FINISHED also sets receivedImageCount = totalImageCount.
   */
  setIncomingStatus(
    boxId: number,
    outgoingTransactionId: number,
    status: BoxTransactionStatusName,
  ): boolean {
    const sql =
      status === 'FINISHED'
        ? 'UPDATE incoming_transactions SET status = ?, received_image_count = total_image_count WHERE box_id = ? AND outgoing_transaction_id = ?'
        : 'UPDATE incoming_transactions SET status = ? WHERE box_id = ? AND outgoing_transaction_id = ?';
    return this.db.prepare(sql).run(status, boxId, outgoingTransactionId).changes > 0;
  }

  // ── both ──────────────────────────────────────────────────────────────────

  /** PROCESSING transactions (both directions) not updated since `before` revert to WAITING (§12.7). */
  revertStale(before: number): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          "UPDATE outgoing_transactions SET status = 'WAITING' WHERE status = 'PROCESSING' AND updated < ?",
        )
        .run(before);
      this.db
        .prepare(
          "UPDATE incoming_transactions SET status = 'WAITING' WHERE status = 'PROCESSING' AND updated < ?",
        )
        .run(before);
    })();
  }
}
