/**
 * The active side of a PUSH box (BEHAVIOR.md §13.3): a push loop sending this server's queue to the remote and a
 * poll loop fetching what the remote queued for us. Both talk to `<baseUrl>/...` (the remote's
 * `/transactions/{token}` routes) with Node's fetch (keep-alive connection pool).
 *
 * Interrupted runs leave images unsent (push) or unconfirmed (poll): nothing is marked before the remote
 * answered, so the next run retries them; after a restart the workers are re-created from the database.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { IncomingTransaction, OutgoingTransactionImage } from '../../slicebox/types.js';
import { DicomError } from '../dicom/errors.js';
import { FileNotFound, InvalidArgument, NotFound } from '../system/errors.js';
import type { BoxRecord } from './box-store.js';
import type { BoxService } from './box-service.js';
import { TransferLoop, forEachParallel } from './loop.js';
import type { OutgoingTransactionImageRecord } from './transaction-store.js';
import { inflateToTemp, isZlibError, zlibDeflate } from './zlib.js';
import { PollAnswerSchema } from './wire.js';
import type { RemoteTransactionImage } from './wire.js';

/** One request's time limit (Slicebox: akka request timeout 600 s). */
const REQUEST_TIMEOUT_MS = 600_000;

/** An unexpected answer or a connection failure: the run fails and is retried on the next tick. */
class TransferError extends Error {}

export class BoxWorker {
  private readonly abort = new AbortController();
  private readonly push: TransferLoop;
  private readonly poll: TransferLoop;
  private lastFailureAt = { push: 0, poll: 0 };

  constructor(
    readonly box: BoxRecord,
    private readonly service: BoxService,
    private readonly tickMs: number,
    private readonly batchSize: number,
    private readonly parallelism: number,
  ) {
    this.push = new TransferLoop(
      () => this.pushRun(),
      tickMs,
      (e) => this.failed('push', e),
    );
    this.poll = new TransferLoop(
      () => this.pollRun(),
      tickMs,
      (e) => this.failed('poll', e),
    );
  }

  start(): void {
    this.push.start();
    this.poll.start();
  }

  /** Images were queued for this box: push now rather than at the next tick. */
  kickPush(): void {
    this.push.kick();
  }

  stop(): void {
    this.push.stop();
    this.poll.stop();
    this.abort.abort();
  }

  private get stopped(): boolean {
    return this.push.isStopped;
  }

  /** Connection-failure warnings at most once per 1.2 ticks (§13.3: "about once per 18 s"). */
  private failed(kind: 'push' | 'poll', e: unknown): void {
    const now = Date.now();
    const since = now - this.lastFailureAt[kind];
    this.lastFailureAt[kind] = now;
    if (since <= this.tickMs * 1.2) return;
    const cause = (e as { cause?: { message?: string } }).cause?.message;
    this.service.warn(
      `Connection to ${this.box.name} (${kind}) failed: ${(e as Error).message}${cause ? `, cause: ${cause}` : ''}. Retrying later.`,
    );
  }

  private async request(path: string, init: RequestInit = {}): Promise<Response> {
    const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]);
    return fetch(`${this.box.baseUrl}${path}`, { ...init, signal });
  }

  // ── push ──────────────────────────────────────────────────────────────────

  private async pushRun(): Promise<number> {
    const items = this.service.transactions.pendingOutgoing(this.box.id, this.batchSize);
    if (items.length === 0) return 0;
    let done = 0;
    await forEachParallel(items, this.parallelism, async (item) => {
      if (this.stopped) return;
      await this.pushOne(item);
      if (this.stopped) return;
      done++;
      await this.recordSent(item);
    });
    return done;
  }

  /** Sends one image; resolves when it counts as sent (2xx, rejected, removed); throws to fail the run. */
  private async pushOne(item: OutgoingTransactionImageRecord): Promise<void> {
    const { transaction, image } = item;
    let body: Buffer;
    try {
      const bytes = await this.service.anonymization.anonymizedCopy(
        image.imageId,
        transaction.profileNames,
        this.service.transactions.tagValues(image.id),
      );
      body = await zlibDeflate(bytes);
    } catch (e) {
      if (e instanceof NotFound || e instanceof FileNotFound) {
        this.service.warn(`${this.box.name} (push): Ignoring removed image ${image.imageId}`);
        return;
      }
      if (e instanceof DicomError || e instanceof InvalidArgument) {
        this.service.warn(
          `${this.box.name} (push): Ignoring rejected image ${image.imageId}: ${e.message}`,
        );
        return;
      }
      throw e;
    }
    const query = `transactionid=${transaction.id}&sequencenumber=${image.sequenceNumber}&totalimagecount=${transaction.totalImageCount}`;
    let response: Response;
    try {
      response = await this.request(`/image?${query}`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body,
      });
    } catch (e) {
      throw new TransferError(
        `Connection to ${this.box.name} (push) failed for image ${image.imageId}`,
        {
          cause: e,
        },
      );
    }
    await response.arrayBuffer().catch(() => undefined);
    this.checkStatus(response.status, 'push', image.imageId);
  }

  /** 2xx → ok; 400 → rejected, 404 → removed (both logged, counted as done); anything else fails the run. */
  private checkStatus(status: number, kind: 'push' | 'poll', imageId: number): 'ok' | 'skipped' {
    if (status >= 200 && status < 300) return 'ok';
    if (status === 400) {
      this.service.warn(`${this.box.name} (${kind}): Ignoring rejected image ${imageId}`);
      return 'skipped';
    }
    if (status === 404) {
      this.service.warn(`${this.box.name} (${kind}): Ignoring removed image ${imageId}`);
      return 'skipped';
    }
    throw new TransferError(
      `Connection to ${this.box.name} (${kind}) failed for image ${imageId}: HTTP ${status}`,
    );
  }

  private async recordSent(item: OutgoingTransactionImageRecord): Promise<void> {
    const result = this.service.transactions.markOutgoingSent(
      this.box.id,
      item.transaction.id,
      item.image.id,
    );
    if (!result?.finishedNow) return;
    await this.setRemoteStatus(item.transaction.id);
    this.service.outgoingFinished(result.transaction);
  }

  /** `PUT <baseUrl>/status?transactionid=<id>` FINISHED; errors ignored (logged). */
  private async setRemoteStatus(transactionId: number): Promise<void> {
    try {
      const response = await this.request(`/status?transactionid=${transactionId}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ status: 'FINISHED' }),
      });
      await response.arrayBuffer().catch(() => undefined);
    } catch {
      if (!this.stopped)
        this.service.warn(
          `Unable to set remote status of transaction ${transactionId} to FINISHED.`,
        );
    }
  }

  // ── poll ──────────────────────────────────────────────────────────────────

  private async pollRun(): Promise<number> {
    let entries: RemoteTransactionImage[];
    try {
      const response = await this.request(`/outgoing/poll?n=${this.batchSize}`);
      if (response.status === 404) {
        await response.arrayBuffer().catch(() => undefined);
        this.service.online.setPushOnline(this.box.id, true);
        return 0;
      }
      const text = await response.text();
      if (response.status < 200 || response.status >= 300)
        throw new TransferError(`poll answered HTTP ${response.status}: ${text}`);
      const parsed = PollAnswerSchema.safeParse(JSON.parse(text));
      if (!parsed.success)
        throw new TransferError('poll answer is not a list of transaction images');
      entries = parsed.data;
    } catch (e) {
      if (!this.stopped) this.service.online.setPushOnline(this.box.id, false);
      throw e;
    }
    this.service.online.setPushOnline(this.box.id, true);
    // Progress = entries the remote confirmed; if it keeps rejecting `done`, wait for the next tick instead of
    // fetching the same entries again at once.
    let confirmed = 0;
    await forEachParallel(entries, this.parallelism, async (entry) => {
      if (this.stopped) return;
      if (await this.pullOne(entry)) confirmed++;
    });
    return confirmed;
  }

  /** Fetches, stores and confirms one image the remote queued for us; true when the remote took the `done`. */
  private async pullOne(entry: RemoteTransactionImage): Promise<boolean> {
    const { transaction, image } = entry;
    let response: Response;
    try {
      response = await this.request(
        `/outgoing?transactionid=${transaction.id}&imageid=${image.id}`,
      );
    } catch (e) {
      throw new TransferError(
        `Connection to ${this.box.name} (poll) failed for image ${image.imageId}`,
        {
          cause: e,
        },
      );
    }
    let incoming: IncomingTransaction | undefined;
    if (this.checkStatus(response.status, 'poll', image.imageId) === 'skipped') {
      await response.arrayBuffer().catch(() => undefined);
    } else {
      incoming = await this.store(response, entry);
    }
    if (this.stopped) return false;
    // Rejected or removed: counted as received without an image record, as the image route does (§13.2).
    incoming ??= this.service.transactions.recordIncoming(
      this.box,
      transaction.id,
      image.sequenceNumber,
      transaction.totalImageCount,
      undefined,
      false,
    );
    const received = incoming.receivedImageCount;
    const confirmation: OutgoingTransactionImage = {
      transaction: {
        ...transaction,
        sentImageCount: received,
      } as OutgoingTransactionImage['transaction'],
      image: image as OutgoingTransactionImage['image'],
    };
    let doneResponse: Response;
    try {
      doneResponse = await this.request('/outgoing/done', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(confirmation),
      });
    } catch (e) {
      throw new TransferError(
        `Connection to ${this.box.name} (poll) failed for image ${image.imageId}`,
        {
          cause: e,
        },
      );
    }
    await doneResponse.arrayBuffer().catch(() => undefined);
    const confirmed = this.checkStatus(doneResponse.status, 'poll', image.imageId) === 'ok';
    if (received >= transaction.totalImageCount) await this.setRemoteStatus(transaction.id);
    return confirmed;
  }

  /**
   * Inflates and stores the body (source = this box, reverse anonymization on), recording the image in the
   * incoming transaction inside the storage transaction. Rejected data (bad DICOM or compression) → undefined.
   */
  private async store(
    response: Response,
    entry: RemoteTransactionImage,
  ): Promise<IncomingTransaction | undefined> {
    const { transaction, image } = entry;
    if (!response.body) return undefined;
    const source = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
    let incoming: IncomingTransaction | undefined;
    try {
      const tempPath = await inflateToTemp(
        this.service.files,
        source,
        this.service.options.maxImageBytes,
      );
      await this.service.ingest.ingest(tempPath, {
        source: { sourceType: 'box', sourceName: this.box.name, sourceId: this.box.id },
        sopClasses: 'image-data-and-extended',
        reverseAnonymization: true,
        withinTransaction: (r) => {
          incoming = this.service.transactions.recordIncoming(
            this.box,
            transaction.id,
            image.sequenceNumber,
            transaction.totalImageCount,
            r.image.id,
            r.added,
          );
        },
      });
      return incoming;
    } catch (e) {
      source.destroy();
      if (e instanceof DicomError || isZlibError(e)) {
        this.service.warn(
          `${this.box.name} (poll): Ignoring rejected image ${image.imageId}: ${(e as Error).message}`,
        );
        return undefined;
      }
      throw e;
    }
  }
}
