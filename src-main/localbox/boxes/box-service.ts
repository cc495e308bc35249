/**
 * Boxes (BEHAVIOR.md §12) and the state behind the transfer protocol (§13): creating and deleting boxes, queueing
 * images, the PUSH boxes' workers, online status, the PROCESSING → WAITING reversion, and the clean-up when
 * images are deleted.
 *
 * Folder layout: box-store.ts (boxes table), transaction-store.ts (outgoing/incoming transactions),
 * box-worker.ts + loop.ts (active side, §13.3), online-status.ts (§12.7), zlib.ts (transfer bodies). The HTTP
 * routes are http/routes/boxes.ts (§12) and http/routes/transactions.ts (§13.2, the passive side).
 */
import { randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type { Box, OutgoingTransaction } from '../../slicebox/types.js';
import type { AnonymizationService } from '../anonymization-store/anonymization-service.js';
import type { IngestService } from '../images/ingest.js';
import type { LogStore } from '../log/log-store.js';
import type { ImageDeletion } from '../modify/image-deletion.js';
import type { FileStore } from '../storage/file-store.js';
import { InvalidArgument, NotFound } from '../system/errors.js';
import { BoxStore } from './box-store.js';
import type { BoxRecord } from './box-store.js';
import { BoxWorker } from './box-worker.js';
import { OnlineStatus } from './online-status.js';
import { TransactionStore, outgoingJson, profileJson } from './transaction-store.js';
import type { OutgoingTransactionRecord, SendItem } from './transaction-store.js';

export interface BoxOptions {
  /** Worker tick (§13.3). Default 15 s. */
  tickMs?: number;
  /** How often stale PROCESSING transactions are reverted (§12.7). Default 7 s. */
  statusCheckMs?: number;
  /** PROCESSING without progress for this long reverts to WAITING. Default 15 s. */
  staleMs?: number;
  /** A POLL box is online while its remote polled within this window. Default 15 s. */
  onlineWindowMs?: number;
  /** Images per push/poll run (§13.3). Default 200. */
  batchSize?: number;
  /** Parallel transfers per run (§13.3). Default 8. */
  parallelism?: number;
  /**
   * The most bytes a received transfer body may inflate to (one DICOM file); the inflate stream is cut there.
   * Default 2 GiB, the SCP's largest dataset (`dicomLimits.maxDatasetBytes`).
   */
  maxImageBytes?: number;
}

export const BOX_DEFAULTS: Required<BoxOptions> = {
  tickMs: 15_000,
  statusCheckMs: 7_000,
  staleMs: 15_000,
  onlineWindowMs: 15_000,
  batchSize: 200,
  parallelism: 8,
  maxImageBytes: 2 * 1024 ** 3,
};

/** The engine services used (the Engine itself satisfies this). */
export interface BoxServiceDeps {
  db: Database;
  files: FileStore;
  log: LogStore;
  ingest: IngestService;
  anonymization: AnonymizationService;
  imageDeletion: ImageDeletion;
}

/** "images sent to box" (§24): consumed by forwarding. */
export type ImagesSentListener = (
  box: { id: number; name: string },
  imageIds: readonly number[],
) => void;

/**
 * Java's `UUID.fromString` as Slicebox 2.0 uses it for box tokens: five hyphen-separated hex groups of at most
 * 8-4-4-4-12 digits.
 */
const UUID_LIKE =
  /^[0-9a-fA-F]{1,8}-[0-9a-fA-F]{1,4}-[0-9a-fA-F]{1,4}-[0-9a-fA-F]{1,4}-[0-9a-fA-F]{1,12}$/;

/** The token of a PUSH box's base URL: the last path segment after trimming spaces and one trailing `/` (§12.3). */
export function tokenOfBaseUrl(url: string): string {
  let trimmed = url.trim();
  if (trimmed.endsWith('/')) trimmed = trimmed.slice(0, -1);
  const token = trimmed.slice(trimmed.lastIndexOf('/') + 1);
  if (!UUID_LIKE.test(token)) throw new InvalidArgument(`Malformed box base url: ${url}`);
  return token;
}

export class BoxService {
  readonly options: Required<BoxOptions>;
  readonly boxes: BoxStore;
  readonly transactions: TransactionStore;
  readonly online: OnlineStatus;
  readonly imagesSentListeners: ImagesSentListener[] = [];
  /**
   * `<scheme>://<public host>[:port]/api`, the prefix of POLL boxes' base URLs (§12.2). The server sets it once
   * it listens (the port may be random); `--public-url` overrides it.
   */
  apiBaseUrl = 'http://127.0.0.1:5000/api';

  private readonly workers = new Map<number, BoxWorker>();
  private statusTimer: NodeJS.Timeout | undefined;
  private started = false;

  constructor(
    private readonly engine: () => BoxServiceDeps,
    db: Database,
    options: BoxOptions = {},
  ) {
    this.options = { ...BOX_DEFAULTS, ...options };
    this.boxes = new BoxStore(db);
    this.transactions = new TransactionStore(db);
    this.online = new OnlineStatus(this.options.onlineWindowMs);
  }

  private get deps(): BoxServiceDeps {
    return this.engine();
  }

  get files(): FileStore {
    return this.deps.files;
  }
  get ingest(): IngestService {
    return this.deps.ingest;
  }
  get anonymization(): AnonymizationService {
    return this.deps.anonymization;
  }

  warn(message: string): void {
    this.log('WARN', message);
  }

  error(message: string): void {
    this.log('ERROR', message);
  }

  private log(type: 'INFO' | 'WARN' | 'ERROR', message: string): void {
    try {
      this.deps.log.add(type, 'Box', message);
    } catch {
      // The database may be closing (engine shutdown while a worker finishes).
    }
  }

  /** Starts the workers of every PUSH box, the status reversion timer and the image-deletion hook. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.deps.imageDeletion.onImagesDeleted((ids) => this.transactions.removeOutgoingImagesOf(ids));
    for (const box of this.boxes.all()) if (box.sendMethod === 'PUSH') this.startWorker(box);
    this.statusTimer = setInterval(() => {
      try {
        this.transactions.revertStale(Date.now() - this.options.staleMs);
      } catch {
        // Closing database; the timer is cleared by stop().
      }
    }, this.options.statusCheckMs);
    this.statusTimer.unref();
  }

  stop(): void {
    clearInterval(this.statusTimer);
    this.statusTimer = undefined;
    for (const worker of this.workers.values()) worker.stop();
    this.workers.clear();
  }

  private startWorker(box: BoxRecord): void {
    if (!this.started || this.workers.has(box.id)) return;
    const worker = new BoxWorker(
      box,
      this,
      this.options.tickMs,
      this.options.batchSize,
      this.options.parallelism,
    );
    this.workers.set(box.id, worker);
    worker.start();
  }

  toJson(box: BoxRecord): Box {
    return {
      id: box.id,
      name: box.name,
      token: box.token,
      baseUrl: box.baseUrl,
      sendMethod: box.sendMethod,
      defaultProfile: profileJson(box.defaultProfile),
      online: this.online.isOnline(box),
    };
  }

  list(startIndex: number, count: number): Box[] {
    return this.boxes.list(startIndex, count).map((b) => this.toJson(b));
  }

  all(): BoxRecord[] {
    return this.boxes.all();
  }

  /** `POST /boxes/createconnection` (§12.2): a POLL box with a new token; an existing POLL box of that name is returned. */
  createConnection(name: string, defaultProfile: readonly string[]): Box {
    const existing = this.boxes.byName(name);
    if (existing) {
      if (existing.sendMethod === 'POLL') return this.toJson(existing);
      throw new InvalidArgument(`A box with name ${name} but with a different type already exists`);
    }
    const token = randomUUID();
    const box = this.boxes.insert({
      name,
      token,
      baseUrl: `${this.apiBaseUrl}/transactions/${token}`,
      sendMethod: 'POLL',
      defaultProfile: [...defaultProfile],
    });
    return this.toJson(box);
  }

  /** `POST /boxes/connect` (§12.3): a PUSH box; its workers start. */
  connect(name: string, baseUrl: string, defaultProfile: readonly string[]): Box {
    const token = tokenOfBaseUrl(baseUrl);
    const existing = this.boxes.byName(name);
    if (existing) {
      if (existing.sendMethod === 'PUSH' && existing.baseUrl === baseUrl)
        return this.toJson(existing);
      throw new InvalidArgument(
        `A box with name ${name} but with a different url and/or type already exists`,
      );
    }
    const box = this.boxes.insert({
      name,
      token,
      baseUrl,
      sendMethod: 'PUSH',
      defaultProfile: [...defaultProfile],
    });
    this.startWorker(box);
    return this.toJson(box);
  }

  /**
   * Renames a box and sets its default options (a desktop extension, `PUT /api/x-desktop/boxes/{id}`). The
   * name must not be empty nor another box's; the URL, token and type stay. A renamed PUSH box's workers
   * restart under the new name (a request in flight is retried, as after any interruption).
   */
  update(id: number, name: string, defaultProfile: readonly string[]): Box {
    const box = this.boxes.get(id);
    if (!box) throw new NotFound(`No box found for id ${id}`);
    if (name.trim() === '') throw new InvalidArgument('Name must not be empty');
    const named = this.boxes.byName(name);
    if (named && named.id !== id) throw new InvalidArgument(`A box named ${name} already exists`);
    const updated = this.boxes.update(id, name, defaultProfile)!;
    if (updated.name !== box.name && this.workers.has(id)) {
      this.workers.get(id)?.stop();
      this.workers.delete(id);
      this.startWorker(updated);
    }
    return this.toJson(updated);
  }

  /**
   * `DELETE /boxes/{id}` (§12.4): stops the workers (requests in flight are aborted), deletes the box; its
   * transactions remain.
   */
  delete(id: number): void {
    this.workers.get(id)?.stop();
    this.workers.delete(id);
    this.boxes.delete(id);
    this.online.forget(id);
  }

  /** `POST /boxes/{id}/send` (§12.5): queues the images (the caller prepends BASIC_PROFILE). */
  send(boxId: number, profile: readonly string[], items: readonly SendItem[]): OutgoingTransaction {
    const box = this.boxes.get(boxId);
    if (!box) throw new NotFound(`No box found for id ${boxId}`);
    const transaction = this.transactions.createOutgoing(box, profile, items);
    this.workers.get(box.id)?.kickPush();
    return outgoingJson(transaction);
  }

  /** An outgoing transaction became FINISHED (push worker or the remote's `outgoing/done`). */
  outgoingFinished(transaction: OutgoingTransactionRecord): void {
    this.log(
      'INFO',
      `Finished sending ${transaction.totalImageCount} images to box ${transaction.boxName}`,
    );
    const imageIds = this.transactions.outgoingImageIds(transaction.id);
    for (const listener of this.imagesSentListeners) {
      try {
        listener({ id: transaction.boxId, name: transaction.boxName }, imageIds);
      } catch {
        // A failing consumer must not fail the transfer.
      }
    }
  }
}
