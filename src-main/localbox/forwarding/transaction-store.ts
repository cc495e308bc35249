/**
 * Forwarding transactions and their queued images (BEHAVIOR.md §18, migration 008). Every method is a single
 * statement or one database transaction, so the persisted state is always one of the states described in
 * forwarding-service.ts and survives an engine restart.
 */
import type { Database } from 'better-sqlite3';

export type ForwardingState = 'OPEN' | 'ENROUTE' | 'DELIVERED';

export interface ForwardingTransaction {
  id: number;
  ruleId: number;
  state: ForwardingState;
  created: number;
  updated: number;
  /** The box outgoing transaction created by a box dispatch (§12.5). */
  outgoingTransactionId: number | null;
  /** Failed dispatches so far. */
  attempts: number;
}

interface TransactionRow {
  id: number;
  rule_id: number;
  state: ForwardingState;
  created: number;
  updated: number;
  outgoing_transaction_id: number | null;
  attempts: number;
}

function toTransaction(r: TransactionRow): ForwardingTransaction {
  return {
    id: r.id,
    ruleId: r.rule_id,
    state: r.state,
    created: r.created,
    updated: r.updated,
    outgoingTransactionId: r.outgoing_transaction_id,
    attempts: r.attempts,
  };
}

export class ForwardingTransactionStore {
  constructor(private readonly db: Database) {}

  get(id: number): ForwardingTransaction | undefined {
    const row = this.db.prepare('SELECT * FROM forwarding_transactions WHERE id = ?').get(id) as
      TransactionRow | undefined;
    return row && toTransaction(row);
  }

  /**
   * Queues an image in the rule's OPEN transaction (created if none, else its `updated` refreshed). An image is
   * queued once per transaction.
   */
  queue(ruleId: number, imageId: number, now: number): void {
    this.db.transaction(() => {
      const open = this.db
        .prepare("SELECT id FROM forwarding_transactions WHERE rule_id = ? AND state = 'OPEN'")
        .get(ruleId) as { id: number } | undefined;
      let id: number;
      if (open) {
        id = open.id;
        this.db.prepare('UPDATE forwarding_transactions SET updated = ? WHERE id = ?').run(now, id);
      } else {
        id = Number(
          this.db
            .prepare(
              "INSERT INTO forwarding_transactions (rule_id, state, created, updated) VALUES (?, 'OPEN', ?, ?)",
            )
            .run(ruleId, now, now).lastInsertRowid,
        );
      }
      this.db
        .prepare(
          'INSERT OR IGNORE INTO forwarding_transaction_images (transaction_id, image_id) VALUES (?, ?)',
        )
        .run(id, imageId);
    })();
  }

  /** OPEN transactions not updated since `before` (inclusive), oldest first. */
  dueOpen(before: number): ForwardingTransaction[] {
    return (
      this.db
        .prepare(
          "SELECT * FROM forwarding_transactions WHERE state = 'OPEN' AND updated <= ? ORDER BY updated, id",
        )
        .all(before) as TransactionRow[]
    ).map(toTransaction);
  }

  inState(state: ForwardingState): ForwardingTransaction[] {
    return (
      this.db
        .prepare('SELECT * FROM forwarding_transactions WHERE state = ? ORDER BY id')
        .all(state) as TransactionRow[]
    ).map(toTransaction);
  }

  imageIds(transactionId: number): number[] {
    return (
      this.db
        .prepare(
          'SELECT image_id FROM forwarding_transaction_images WHERE transaction_id = ? ORDER BY image_id',
        )
        .all(transactionId) as Array<{ image_id: number }>
    ).map((r) => r.image_id);
  }

  /** OPEN → ENROUTE (only from OPEN: false when the transaction is gone or was dispatched already). */
  markEnroute(id: number, now: number, outgoingTransactionId: number | null = null): boolean {
    return (
      this.db
        .prepare(
          `UPDATE forwarding_transactions SET state = 'ENROUTE', updated = ?, outgoing_transaction_id = ?
             WHERE id = ? AND state = 'OPEN'`,
        )
        .run(now, outgoingTransactionId, id).changes > 0
    );
  }

  /** ENROUTE → DELIVERED. */
  markDelivered(id: number, now: number): boolean {
    return (
      this.db
        .prepare(
          "UPDATE forwarding_transactions SET state = 'DELIVERED', updated = ? WHERE id = ? AND state = 'ENROUTE'",
        )
        .run(now, id).changes > 0
    );
  }

  /**
   * ENROUTE → OPEN after a failed dispatch (retried once it has been idle again). When the rule got a new OPEN
   * transaction meanwhile, the images move into that one instead (one OPEN transaction per rule). Returns the
   * number of failed attempts, or 0 when the transaction no longer exists (its rule was deleted).
   */
  reopen(id: number, now: number): number {
    return this.db.transaction(() => {
      const t = this.get(id);
      if (!t || t.state !== 'ENROUTE') return 0;
      const attempts = t.attempts + 1;
      const open = this.db
        .prepare("SELECT id FROM forwarding_transactions WHERE rule_id = ? AND state = 'OPEN'")
        .get(t.ruleId) as { id: number } | undefined;
      if (open) {
        this.db
          .prepare(
            `INSERT OR IGNORE INTO forwarding_transaction_images (transaction_id, image_id)
               SELECT ?, image_id FROM forwarding_transaction_images WHERE transaction_id = ?`,
          )
          .run(open.id, id);
        this.db
          .prepare('UPDATE forwarding_transactions SET attempts = MAX(attempts, ?) WHERE id = ?')
          .run(attempts, open.id);
        this.db.prepare('DELETE FROM forwarding_transactions WHERE id = ?').run(id);
      } else {
        this.db
          .prepare(
            `UPDATE forwarding_transactions SET state = 'OPEN', updated = ?, attempts = ?,
               outgoing_transaction_id = NULL WHERE id = ?`,
          )
          .run(now, attempts, id);
      }
      return attempts;
    })();
  }

  /**
   * Of `imageIds`, those still waiting in an OPEN or ENROUTE transaction of any rule (they must not be deleted
   * yet, even by a `keepImages = false` rule whose own transaction was delivered).
   */
  stillForwarding(imageIds: readonly number[]): Set<number> {
    const stmt = this.db.prepare(
      `SELECT 1 FROM forwarding_transaction_images i JOIN forwarding_transactions t ON t.id = i.transaction_id
         WHERE i.image_id = ? AND t.state <> 'DELIVERED' LIMIT 1`,
    );
    return new Set(imageIds.filter((id) => stmt.get(id) !== undefined));
  }

  /** Removes the images from every queue ("images deleted", §6.3). */
  removeImages(imageIds: readonly number[]): void {
    const stmt = this.db.prepare('DELETE FROM forwarding_transaction_images WHERE image_id = ?');
    this.db.transaction(() => {
      for (const id of imageIds) stmt.run(id);
    })();
  }

  delete(id: number): void {
    this.db.prepare('DELETE FROM forwarding_transactions WHERE id = ?').run(id);
  }

  /**
   * The delivery state of a box outgoing transaction (boxes/transaction-store.ts owns the table): `finished` when
   * it is FINISHED or every image it still has was sent (images deleted meanwhile leave the list, §12.6);
   * `failed` when it is FAILED or was deleted; otherwise `pending`.
   */
  outgoingState(outgoingTransactionId: number): 'finished' | 'failed' | 'pending' {
    const row = this.db
      .prepare(
        `SELECT t.status AS status,
           (SELECT COUNT(*) FROM outgoing_images i WHERE i.outgoing_transaction_id = t.id AND i.sent = 0) AS unsent
         FROM outgoing_transactions t WHERE t.id = ?`,
      )
      .get(outgoingTransactionId) as { status: string; unsent: number } | undefined;
    if (!row || row.status === 'FAILED') return 'failed';
    return row.status === 'FINISHED' || row.unsent === 0 ? 'finished' : 'pending';
  }
}
