/**
 * Forwarding (BEHAVIOR.md §18): images added from a rule's source are queued, sent to the rule's destination (a
 * box or an SCU) once the queue has been idle for a while, and — for `keepImages = false` — deleted here once
 * delivered.
 *
 * State machine of one forwarding transaction (persisted in `forwarding_transactions`, migration 008):
 *
 *   image added from a matching source ─────────────► OPEN        (queued; `updated` = now; one OPEN per rule)
 *   OPEN, idle ≥ idleMs, at a dispatch tick ────────► ENROUTE
 *        box:  `send` with the box's default profile (BASIC_PROFILE prepended) and no tag values (§12.5); the
 *              outgoing transaction is created in the same database transaction and its id recorded
 *        SCU:  one C-STORE association (§17), in flight; other dispatches do not wait for it
 *   ENROUTE (SCU), send completed ──────────────────► DELIVERED
 *   ENROUTE, send failed / destination missing ─────► OPEN        (`updated` = now: retried after idleMs again;
 *                                                                    merged into the rule's newer OPEN one if any)
 *   ENROUTE (box), outgoing transaction finished ───► DELIVERED   ("images sent to box" event, and checked at
 *                                                                    every close tick, so a missed event or a
 *                                                                    restart does not lose it)
 *   ENROUTE (box), outgoing transaction FAILED or deleted ► removed (images kept: nothing was delivered)
 *   DELIVERED, at a close tick ─────────────────────► removed     (keepImages = true)
 *                                                   ► images deleted, then removed (keepImages = false; an image
 *                                                     still queued or en route in any transaction is deleted only
 *                                                     at a later close tick, after that one was delivered)
 *   engine start: ENROUTE without outgoing transaction (an SCU send cut off by shutdown) ► OPEN
 *
 * Deleted images leave every queue ("images deleted", §6.3); an OPEN transaction left empty is removed at the next
 * dispatch tick. Deleting a rule deletes its transactions (cascade), which stops forwarding for it; an outgoing
 * box transaction already created stays with the box. Each dispatch is independent: a failing or slow destination
 * never holds up another rule (slicebox#317).
 *
 * Ticks: dispatch every `dispatchMs` (30 s), close every `dispatchMs` offset by `closeOffsetMs` (15 s).
 */
import type { Database } from 'better-sqlite3';
import type { ForwardingRule, ScuData, Source } from '../../slicebox/types.js';
import { withBasicProfile } from '../anonymization/index.js';
import type { BoxService } from '../boxes/box-service.js';
import type { ScuService } from '../dimse/scu-sender.js';
import type { ScuStore } from '../dimse/scu-store.js';
import type { IngestService } from '../images/ingest.js';
import type { LogStore } from '../log/log-store.js';
import type { ImageDeletion } from '../modify/image-deletion.js';
import { RuleStore } from './rule-store.js';
import { ForwardingTransactionStore } from './transaction-store.js';
import type { ForwardingTransaction } from './transaction-store.js';

export interface ForwardingOptions {
  /** Dispatch tick; also the close tick's period. Default 30 s. */
  dispatchMs?: number;
  /** An OPEN transaction is dispatched once it was not updated for this long. Default 30 s. */
  idleMs?: number;
  /** Delay of the close tick after the dispatch tick. Default half of `dispatchMs` (15 s). */
  closeOffsetMs?: number;
}

/** The engine services used (the Engine itself satisfies this). */
export interface ForwardingDeps {
  log: LogStore;
  ingest: IngestService;
  imageDeletion: ImageDeletion;
  boxes: BoxService;
  scus: ScuStore;
  scuService: ScuService;
}

/** Failed dispatches of one transaction are logged the first time and then every this many attempts. */
const LOG_EVERY_ATTEMPTS = 10;

export class ForwardingService {
  readonly rules: RuleStore;
  readonly transactions: ForwardingTransactionStore;
  readonly options: Required<ForwardingOptions>;

  private dispatchTimer: NodeJS.Timeout | undefined;
  private closeTimer: NodeJS.Timeout | undefined;
  private started = false;
  private stopped = false;

  constructor(
    private readonly engine: () => ForwardingDeps,
    private readonly db: Database,
    options: ForwardingOptions = {},
  ) {
    const dispatchMs = options.dispatchMs ?? 30_000;
    this.options = {
      dispatchMs,
      idleMs: options.idleMs ?? 30_000,
      closeOffsetMs: options.closeOffsetMs ?? Math.floor(dispatchMs / 2),
    };
    this.rules = new RuleStore(db);
    this.transactions = new ForwardingTransactionStore(db);
  }

  private get deps(): ForwardingDeps {
    return this.engine();
  }

  /** Hooks into the events (§24), recovers interrupted SCU sends, starts the ticks. */
  start(): void {
    if (this.started) return;
    this.started = true;
    const deps = this.deps;
    deps.ingest.imageAddedListeners.push((result, source) =>
      this.imageAdded(result.image.id, source),
    );
    deps.imageDeletion.onImagesDeleted((ids) =>
      this.guard(() => this.transactions.removeImages(ids)),
    );
    deps.boxes.imagesSentListeners.push(() => this.guard(() => this.checkBoxDeliveries()));
    const now = Date.now();
    for (const t of this.transactions.inState('ENROUTE')) {
      if (t.outgoingTransactionId === null) this.transactions.reopen(t.id, now);
    }
    const { dispatchMs, closeOffsetMs } = this.options;
    this.dispatchTimer = setInterval(() => this.guard(() => this.dispatch()), dispatchMs);
    this.dispatchTimer.unref();
    this.closeTimer = setTimeout(() => {
      this.guard(() => this.close());
      this.closeTimer = setInterval(() => this.guard(() => this.close()), dispatchMs);
      this.closeTimer.unref();
    }, closeOffsetMs);
    this.closeTimer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.dispatchTimer);
    clearTimeout(this.closeTimer);
    clearInterval(this.closeTimer);
    this.dispatchTimer = undefined;
    this.closeTimer = undefined;
  }

  // ── rules (routes) ─────────────────────────────────────────────────────────

  list(startIndex: number, count: number): ForwardingRule[] {
    return this.rules.list(startIndex, count);
  }

  add(rule: Omit<ForwardingRule, 'id'>): ForwardingRule {
    return this.rules.add(rule).rule;
  }

  delete(id: number): void {
    this.rules.delete(id);
  }

  // ── events ─────────────────────────────────────────────────────────────────

  /** "image added" (§6.1 step 8): queue it for every rule of its source. */
  imageAdded(imageId: number, source: Source): void {
    this.guard(() => {
      const now = Date.now();
      for (const rule of this.rules.forSource(source.sourceType, source.sourceId)) {
        this.transactions.queue(rule.id, imageId, now);
      }
    });
  }

  // ── dispatch tick ──────────────────────────────────────────────────────────

  /** Sends every OPEN transaction that has been idle for `idleMs`. */
  dispatch(): void {
    if (this.stopped) return;
    const now = Date.now();
    for (const t of this.transactions.dueOpen(now - this.options.idleMs)) {
      const imageIds = this.transactions.imageIds(t.id);
      if (imageIds.length === 0) {
        // Every queued image was deleted meanwhile.
        this.transactions.delete(t.id);
        continue;
      }
      const rule = this.rules.get(t.ruleId);
      if (!rule) continue; // cascade-deleted with the rule
      try {
        this.dispatchOne(rule, t, imageIds, now);
      } catch (e) {
        // One transaction's failure must not keep the others from being dispatched (slicebox#317).
        this.guard(() => this.failed(rule, t.id, (e as Error).message));
      }
    }
  }

  private dispatchOne(
    rule: ForwardingRule,
    t: ForwardingTransaction,
    imageIds: number[],
    now: number,
  ): void {
    const { destination } = rule;
    const deps = this.deps;
    if (destination.destinationType === 'box') {
      const box = deps.boxes.boxes.get(destination.destinationId);
      if (!box) {
        this.failed(rule, t.id, `no box with id ${destination.destinationId}`);
        return;
      }
      this.db.transaction(() => {
        const outgoing = deps.boxes.send(
          box.id,
          withBasicProfile(box.defaultProfile),
          imageIds.map((imageId) => ({ imageId, tagValues: [] })),
        );
        this.transactions.markEnroute(t.id, now, outgoing.id);
      })();
      return;
    }
    if (destination.destinationType === 'scu') {
      const scu = deps.scus.get(destination.destinationId);
      if (!scu) {
        this.failed(rule, t.id, `no SCU with id ${destination.destinationId}`);
        return;
      }
      if (!this.transactions.markEnroute(t.id, now)) return;
      void this.sendToScu(rule, t.id, scu, imageIds);
      return;
    }
    this.failed(rule, t.id, `unknown destination type`);
  }

  private async sendToScu(
    rule: ForwardingRule,
    transactionId: number,
    scu: ScuData,
    imageIds: number[],
  ): Promise<void> {
    try {
      await this.deps.scuService.send(scu, imageIds);
    } catch (e) {
      if (this.stopped) return; // reopened at the next start
      this.guard(() => this.failed(rule, transactionId, (e as Error).message, true));
      return;
    }
    if (this.stopped) return; // the ENROUTE row is reopened and re-sent at the next start
    this.guard(() => this.transactions.markDelivered(transactionId, Date.now()));
  }

  /** A dispatch that did not happen or failed: back to OPEN (retried when idle again), logged sparingly. */
  private failed(
    rule: ForwardingRule,
    transactionId: number,
    reason: string,
    enroute = false,
  ): void {
    const now = Date.now();
    if (!enroute) this.transactions.markEnroute(transactionId, now);
    const attempts = this.transactions.reopen(transactionId, now);
    if (attempts === 1 || (attempts > 0 && attempts % LOG_EVERY_ATTEMPTS === 0)) {
      this.log(
        'WARN',
        `Forwarding from ${describeSource(rule)} to ${describeDestination(rule)} failed ` +
          `(attempt ${attempts}), will retry: ${reason}`,
      );
    }
  }

  // ── close tick ─────────────────────────────────────────────────────────────

  /** ENROUTE box transactions whose outgoing transaction finished become DELIVERED (failed ones are dropped). */
  checkBoxDeliveries(): void {
    const now = Date.now();
    for (const t of this.transactions.inState('ENROUTE')) {
      if (t.outgoingTransactionId === null) continue;
      const state = this.transactions.outgoingState(t.outgoingTransactionId);
      if (state === 'finished') this.transactions.markDelivered(t.id, now);
      else if (state === 'failed') {
        const rule = this.rules.get(t.ruleId);
        this.transactions.delete(t.id);
        if (rule) {
          this.log(
            'WARN',
            `Forwarding from ${describeSource(rule)} to ${describeDestination(rule)}: the box transaction ` +
              `${t.outgoingTransactionId} failed or was removed; its images were not forwarded and are kept`,
          );
        }
      }
    }
  }

  /** Closes DELIVERED transactions, deleting their images for `keepImages = false` rules. */
  close(): void {
    if (this.stopped) return;
    this.checkBoxDeliveries();
    for (const t of this.transactions.inState('DELIVERED')) {
      const rule = this.rules.get(t.ruleId);
      const imageIds = this.transactions.imageIds(t.id);
      if (!rule || rule.keepImages || imageIds.length === 0) {
        if (rule && imageIds.length > 0) this.logForwarded(rule, imageIds.length);
        this.transactions.delete(t.id);
        continue;
      }
      const pending = this.transactions.stillForwarding(imageIds);
      const deletable = imageIds.filter((id) => !pending.has(id));
      if (deletable.length > 0) {
        this.logForwarded(rule, deletable.length);
        // Emits "images deleted", which also removes them from this transaction's queue.
        this.deps.imageDeletion.delete(deletable);
      }
      if (pending.size === 0) this.transactions.delete(t.id);
    }
  }

  private logForwarded(rule: ForwardingRule, count: number): void {
    this.log(
      'INFO',
      `Forwarded ${count} images from ${describeSource(rule)} to ${describeDestination(rule)}` +
        (rule.keepImages ? '' : '; deleted them here'),
    );
  }

  private log(type: 'INFO' | 'WARN' | 'ERROR', message: string): void {
    try {
      this.deps.log.add(type, 'Forwarding', message);
    } catch {
      // The database is closing.
    }
  }

  /** Timer and event work must never throw into the caller (e.g. while the engine closes its database). */
  private guard(work: () => void): void {
    try {
      work();
    } catch (e) {
      if (!this.stopped) this.log('ERROR', `Forwarding failed: ${(e as Error).message}`);
    }
  }
}

function describeSource(rule: ForwardingRule): string {
  return `${rule.source.sourceType} ${rule.source.sourceName}`;
}

function describeDestination(rule: ForwardingRule): string {
  return `${rule.destination.destinationType} ${rule.destination.destinationName}`;
}
