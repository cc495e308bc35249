/**
 * Sending stored images to a DICOM peer with C-STORE (BEHAVIOR.md §17, `POST /scus/{id}/send`).
 *
 * One association per call: calling AE `SLICEBOX-SCU`, called AE = the SCU's AE title. For every image's SOP class
 * we propose its own transfer syntax plus Explicit and Implicit VR Little Endian (and Verification), then send the
 * images one by one. The bytes sent are the stored dataset bytes as they are (no dcmjs naturalize round trip,
 * which would drop private tags): `StoredDataset` hands dcmjs-dimse the raw bytes after the file meta. Only when
 * the peer accepted none of the file's own syntax is the dataset re-encoded (transcode.ts; uncompressed only).
 *
 * Failures reject with ScuSendError, whose message is Slicebox's (the route answers 502 with it).
 */
import { close, fstat, open, read, readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { association, requests as DimseRequests } from 'dcmjs-dimse';
import type { ScuData } from '../../slicebox/types.js';
import { TransferSyntax } from '../dicom/uids.js';
import { dimse, VERIFICATION_SOP_CLASS } from './dimse-module.js';
import type { DimseModule } from './dimse-module.js';
import {
  installCommandStreamReset,
  installFastSend,
  installFastStoreResponse,
} from './fast-path.js';
import type { AsyncEncodedDataset } from './fast-path.js';
import { readFileMeta } from './part10.js';
import type { StoredFileMeta } from './part10.js';
import { canConvert, convertDataset } from './transcode.js';

export const SCU_CALLING_AE_TITLE = 'SLICEBOX-SCU';

/** A send failure towards the peer (HTTP 502, §4.4). */
export class ScuSendError extends Error {
  override readonly name = 'ScuSendError';
}

export interface ScuSenderDeps {
  /** Path of the stored file of an image, or undefined when the image has no file. */
  storedPath(imageId: number): string | undefined;
  log(type: 'INFO' | 'WARN' | 'ERROR', message: string): void;
  /**
   * Reads the file meta information of stored files (undefined for one that cannot be read) off the event loop (the
   * engine's worker pool, codec/jobs.ts `fileMetas`); without it each is read here with `readFileMeta`.
   */
  readMetas?(paths: readonly string[]): Promise<(StoredFileMeta | undefined)[]>;
  /**
   * Re-encodes a stored file's dataset in `toTs` off the event loop (the engine's worker pool, codec/jobs.ts
   * `transcode`); without it the conversion runs here.
   */
  convert?(bytes: Buffer, meta: StoredFileMeta, toTs: string): Promise<Buffer>;
}

export interface ScuSendOptions {
  /** Connection / association / PDU timeouts in ms (defaults 30 s, 30 s, 60 s). */
  connectTimeoutMs?: number;
  associationTimeoutMs?: number;
  pduTimeoutMs?: number;
}

export interface ScuSendResult {
  /** Image ids a peer acknowledged (Success or an accepted warning status), in sending order. */
  sent: number[];
  /** Image ids without a stored file. */
  notFound: number[];
  /** Image ids skipped because their file meta lacks transfer syntax, SOP class or SOP instance UID. */
  skipped: number[];
}

interface Outgoing {
  imageId: number;
  path: string;
  meta: StoredFileMeta;
}

type Request = InstanceType<DimseModule['requests']['Request']>;
type CStoreRequest = DimseRequests.CStoreRequest;
type Association = association.Association;

/** C-STORE warning statuses Slicebox treats as sent: coercion, elements discarded, data set does not match SOP class. */
const ACCEPTED_WARNINGS = new Set([0xb000, 0xb006, 0xb007]);
/** Presentation context ids are odd numbers 1..255. */
const MAX_PRESENTATION_CONTEXTS = 128;

const hex4 = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');

interface StoredDatasetApi extends AsyncEncodedDataset {
  readonly outgoing: Outgoing;
  /** The syntax the dataset will be sent in (set once the association is accepted). */
  setTransferSyntaxUid(ts: string): void;
  /** The dataset sent after this one: its bytes are read while this one's C-STORE waits for its response. */
  next: StoredDatasetApi | undefined;
  /** Starts reading the bytes (in the syntax set) unless already started. */
  prefetch(): void;
  /** Starts reading the stored file, before the syntax is known (the first image, while the association opens). */
  preread(): void;
}

type StoredDatasetClass = new (
  outgoing: Outgoing,
  convert?: ScuSenderDeps['convert'],
) => InstanceType<DimseModule['Dataset']> & StoredDatasetApi;

let storedDatasetClass: StoredDatasetClass | undefined;

/**
 * A dcmjs-dimse Dataset whose encoded form is the stored file's dataset bytes. fast-path.ts asks for them with
 * `encodedBytes()` (read asynchronously, and the next dataset's read is started at the same time);
 * `getDenaturalizedDataset` stays as the synchronous fallback for any other caller.
 */
function storedDataset(): StoredDatasetClass {
  if (storedDatasetClass) return storedDatasetClass;
  const D = dimse();
  class StoredDataset extends D.Dataset implements StoredDatasetApi {
    next: StoredDatasetApi | undefined;
    private raw: Promise<Buffer> | undefined;
    private reading: Promise<Buffer> | undefined;

    constructor(
      readonly outgoing: Outgoing,
      private readonly convert?: ScuSenderDeps['convert'],
    ) {
      super(
        {
          SOPClassUID: outgoing.meta.sopClassUid,
          SOPInstanceUID: outgoing.meta.sopInstanceUid,
        },
        outgoing.meta.transferSyntaxUid,
      );
    }

    preread(): void {
      this.raw ??= readWholeFile(this.outgoing.path);
      // Reported when the bytes are asked for (prefetch); a read nobody asks for (no association) fails silently.
      this.raw.catch(() => undefined);
    }

    prefetch(): void {
      if (this.reading) return;
      this.preread();
      const raw = this.raw!;
      this.raw = undefined;
      this.reading = raw.then((bytes) => {
        const ts = this.getTransferSyntaxUid();
        if (ts !== this.outgoing.meta.transferSyntaxUid && this.convert)
          return this.convert(bytes, this.outgoing.meta, ts);
        return this.encode(bytes);
      });
      // Reported when the bytes are asked for; a prefetch nobody asks for (sending stopped) fails silently.
      this.reading.catch(() => undefined);
    }

    encodedBytes(): Promise<Buffer> {
      this.prefetch();
      const reading = this.reading!;
      // Sent once: drop the reference so that the bytes can be collected after the write.
      this.reading = undefined;
      this.next?.prefetch();
      return reading;
    }

    override getDenaturalizedDataset(): Buffer {
      return this.encode(readFileSync(this.outgoing.path));
    }

    private encode(bytes: Buffer): Buffer {
      const ts = this.getTransferSyntaxUid();
      if (ts !== this.outgoing.meta.transferSyntaxUid)
        return convertDataset(bytes, this.outgoing.meta, ts);
      const dataset = bytes.subarray(this.outgoing.meta.datasetOffset);
      // PDV values must have even length (dcmtk aborts on "Odd Fragment Length"). A deflated stream may be odd;
      // PS3.5 A.5 pads it with one trailing NUL, which inflating ignores.
      if (ts === TransferSyntax.DeflatedExplicitVrLittleEndian && dataset.length % 2 === 1)
        return Buffer.concat([dataset, Buffer.alloc(1)]);
      return dataset;
    }
  }
  storedDatasetClass = StoredDataset;
  return StoredDataset;
}

/** The most one `read` call returns: the largest stored file a send reads whole. */
const MAX_WHOLE_FILE_BYTES = 2 ** 31 - 1;

/**
 * The whole stored file: open, fstat, one read of its size, close, with callback `fs` (fs/promises' `readFile`
 * reads in 512 KiB chunks through a FileHandle: one more pool round trip for a 530 KB slice, and dearer ones).
 */
function readWholeFile(path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    open(path, 'r', (openError, fd) => {
      if (openError) return reject(openError);
      const done = (error: Error | null, bytes?: Buffer): void =>
        close(fd, () => (error ? reject(error) : resolve(bytes!)));
      fstat(fd, (statError, stats) => {
        if (statError) return done(statError);
        // As a stored file read whole anywhere else (codec/budgets.ts `fileSizeError`): one read call takes at most
        // 2 GiB. Refused here, not thrown out of this callback.
        if (stats.size > MAX_WHOLE_FILE_BYTES)
          return done(
            new Error(
              `the stored file (${(stats.size / 1024 ** 3).toFixed(1)} GiB) is larger than 2 GiB, the most that can be read whole to send it`,
            ),
          );
        let buffer: Buffer;
        try {
          buffer = Buffer.allocUnsafe(stats.size);
        } catch (e) {
          return done(e instanceof Error ? e : new Error(String(e)));
        }
        const readFrom = (offset: number): void => {
          if (offset === buffer.length) return done(null, buffer);
          read(fd, buffer, offset, buffer.length - offset, offset, (readError, bytesRead) => {
            if (readError) return done(readError);
            // The file is immutable once stored (storage/file-store.ts); a short read means it ended early.
            if (bytesRead === 0) return done(null, buffer.subarray(0, offset));
            readFrom(offset + bytesRead);
          });
        };
        readFrom(0);
      });
    });
  });
}

/** File metas read concurrently before the association is opened (the libuv pool queues the rest). */
const META_READS_IN_FLIGHT = 16;

/** `f` over `items` with at most `limit` calls in flight; the results in the order of `items`. */
async function mapInOrder<T, R>(
  items: readonly T[],
  limit: number,
  f: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await f(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Paths of a `readMetas` job: a few milliseconds of one worker for files in the page cache. */
const METAS_PER_JOB = 256;

/** The metas of `paths` read here, a few at a time (the thread pool overlaps the opens and reads), in order. */
function readEachMeta(paths: readonly string[]): Promise<(StoredFileMeta | undefined)[]> {
  return mapInOrder(paths, META_READS_IN_FLIGHT, (path) =>
    readFileMeta(path).catch(() => undefined),
  );
}

/** Each image's stored path and file meta (either undefined when missing), in the order of `imageIds`. */
async function readMetas(
  imageIds: readonly number[],
  deps: ScuSenderDeps,
): Promise<{ imageId: number; path?: string | undefined; meta?: StoredFileMeta | undefined }[]> {
  const located = imageIds.map((imageId) => ({ imageId, path: deps.storedPath(imageId) }));
  const paths = located.flatMap((l) => (l.path === undefined ? [] : [l.path]));
  const viaJobs = deps.readMetas;
  let metas: (StoredFileMeta | undefined)[];
  if (viaJobs) {
    const jobs: Promise<(StoredFileMeta | undefined)[]>[] = [];
    for (let i = 0; i < paths.length; i += METAS_PER_JOB) {
      const chunk = paths.slice(i, i + METAS_PER_JOB);
      // A job that fails as a whole (the pool stopping, a worker past its time limit on a very slow disk) does not
      // fail the send: its files are read here instead, one by one.
      jobs.push(viaJobs(chunk).catch(() => readEachMeta(chunk)));
    }
    metas = (await Promise.all(jobs)).flat();
  } else {
    metas = await readEachMeta(paths);
  }
  let next = 0;
  return located.map((l) => (l.path === undefined ? l : { ...l, meta: metas[next++] }));
}

/** Slicebox's words for a peer that cannot be reached at all (by socket error code); undefined for others. */
export function unreachableMessage(where: string, code: string | undefined): string | undefined {
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return `Unknown host ${where}`;
    case 'ECONNREFUSED':
      return `Connection refused on host ${where}`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `No route found to host ${where}`;
    default:
      return undefined;
  }
}

/** Where the first error of a send came from, for Slicebox's messages. */
function peerMessage(scu: ScuData, error: Error, socketError: NodeJS.ErrnoException | undefined) {
  const where = `${scu.aeTitle}@${scu.host}:${scu.port}`;
  return (
    unreachableMessage(where, socketError?.code) ??
    `Unable to send images to ${where}: ${error.message}`
  );
}

/** Sends `imageIds` to `scu`. Resolves when the association is released; rejects with ScuSendError. */
export async function sendToScu(
  scu: ScuData,
  imageIds: readonly number[],
  deps: ScuSenderDeps,
  options: ScuSendOptions = {},
): Promise<ScuSendResult> {
  const D = dimse();
  const { TransferSyntax: DimseTs, Status } = D.constants;
  const where = `${scu.aeTitle}@${scu.host}:${scu.port}`;

  const outgoing: Outgoing[] = [];
  const notFound: number[] = [];
  const skipped: number[] = [];
  const found = await readMetas(imageIds, deps);
  for (const { imageId, path, meta } of found) {
    if (path === undefined || meta === undefined) {
      notFound.push(imageId);
      continue;
    }
    if (!meta.transferSyntaxUid || !meta.sopClassUid || !meta.sopInstanceUid) {
      deps.log(
        'ERROR',
        `Image cannot be sent due to missing metainformation: transfer syntax = ${meta.transferSyntaxUid}, SOP class UID = ${meta.sopClassUid}, SOP instance UID = ${meta.sopInstanceUid}`,
      );
      skipped.push(imageId);
      continue;
    }
    outgoing.push({ imageId, path, meta });
  }

  const client = new D.Client();
  const StoredDataset = storedDataset();
  const storeRequests = outgoing.map((o) => {
    const dataset = new StoredDataset(o, deps.convert);
    return { outgoing: o, dataset, request: new D.requests.CStoreRequest(dataset) };
  });
  for (const { request } of storeRequests) client.addRequest(request);
  // The first image's file is read while the association is negotiated.
  storeRequests[0]?.dataset.preread();

  // Contexts: dcmjs-dimse adds, per SOP class, one context with Implicit + Explicit VR LE and, for any other file
  // syntax, one context with just that syntax. A file in Implicit or Explicit VR LE also gets a context with just
  // its own syntax, so that the peer can accept exactly it (dcm4che proposes one syntax per context likewise).
  const pairs = new Map<string, { sop: string; ts: string }>();
  for (const { sopClassUid: sop, transferSyntaxUid: ts } of outgoing.map((o) => o.meta))
    pairs.set(`${sop}|${ts}`, { sop, ts });
  const sopClasses = new Set(outgoing.map((o) => o.meta.sopClassUid));
  const ownSyntaxContexts = [...pairs.values()].filter(
    (p) => p.ts === DimseTs.ImplicitVRLittleEndian || p.ts === DimseTs.ExplicitVRLittleEndian,
  );
  const baseCount = sopClasses.size + (pairs.size - ownSyntaxContexts.length) + 1;
  if (baseCount > MAX_PRESENTATION_CONTEXTS) {
    throw new ScuSendError(
      `Unable to send images to ${where}: the images need ${baseCount} presentation contexts, more than the ${MAX_PRESENTATION_CONTEXTS} one association can carry`,
    );
  }
  if (baseCount + ownSyntaxContexts.length <= MAX_PRESENTATION_CONTEXTS) {
    for (const p of ownSyntaxContexts) {
      client.addAdditionalPresentationContext(
        new D.association.PresentationContext(0, p.sop, p.ts),
        true,
      );
    }
  }
  client.addAdditionalPresentationContext(
    new D.association.PresentationContext(
      0,
      VERIFICATION_SOP_CLASS,
      DimseTs.ImplicitVRLittleEndian,
    ),
    true,
  );
  // Without images the association is still opened and released (as Slicebox does); dcmjs-dimse needs one
  // request, so a C-ECHO verifies it.
  if (storeRequests.length === 0) client.addRequest(new D.requests.CEchoRequest());

  deps.log('INFO', `Sending ${imageIds.length} images using SCU ${scu.name}`);

  const sent: number[] = [];
  let failure: string | undefined;
  const fail = (message: string): void => {
    failure ??= message;
  };

  await new Promise<void>((resolve) => {
    let socketError: NodeJS.ErrnoException | undefined;
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      resolve();
    };
    type Network = {
      requests: Request[];
      socket: Socket;
      on(event: 'abort', listener: (a: { source: number; reason: number }) => void): void;
    };
    const network = (): Network | undefined => (client as unknown as { network?: Network }).network;
    const stopSending = (): void => {
      const n = network();
      if (n) n.requests.length = 0;
    };

    client.on('associationAccepted', (accepted: Association) => {
      const accepting = new Map<string, Set<string>>();
      for (const { context } of accepted.getPresentationContexts()) {
        if (context.getResult() !== D.constants.PresentationContextResult.Accept) continue;
        const ts = context.getAcceptedTransferSyntaxUid();
        if (ts === undefined) continue;
        const set = accepting.get(context.getAbstractSyntaxUid()) ?? new Set<string>();
        set.add(ts);
        accepting.set(context.getAbstractSyntaxUid(), set);
      }
      // Like Slicebox: the file's own syntax if accepted, else Explicit VR LE, else Implicit VR LE. Sending stops
      // at the first image that cannot go (as Slicebox's sequential send stops at the first failure).
      const keep: CStoreRequest[] = [];
      const kept: StoredDatasetApi[] = [];
      for (const { outgoing: o, dataset, request } of storeRequests) {
        const syntaxes = accepting.get(o.meta.sopClassUid);
        const own = o.meta.transferSyntaxUid;
        const chosen = syntaxes?.has(own)
          ? own
          : syntaxes?.has(TransferSyntax.ExplicitVrLittleEndian)
            ? TransferSyntax.ExplicitVrLittleEndian
            : syntaxes?.has(TransferSyntax.ImplicitVrLittleEndian)
              ? TransferSyntax.ImplicitVrLittleEndian
              : undefined;
        if (chosen === undefined) {
          fail(
            `No presentation context when sending to ${where}: no presentation context accepted for SOP class ${o.meta.sopClassUid} (image ${o.imageId})`,
          );
          break;
        }
        if (chosen !== own && !canConvert(own, chosen)) {
          fail(
            `Unable to send images to ${where}: image ${o.imageId} is stored in transfer syntax ${own}, which the peer did not accept, and cannot be converted to ${chosen}`,
          );
          break;
        }
        dataset.setTransferSyntaxUid(chosen);
        keep.push(request);
        kept.push(dataset);
      }
      // Each dataset starts reading the next one's bytes when it is sent; the first is read from here on.
      kept.forEach((d, i) => (d.next = kept[i + 1]));
      kept[0]?.prefetch();
      if (keep.length < storeRequests.length) {
        client.clearRequests();
        for (const r of keep) client.addRequest(r);
      }
    });

    for (const { outgoing: o, request } of storeRequests) {
      request.on('response', (response: { getStatus(): number }) => {
        const status = response.getStatus();
        if (status === Status.Success) {
          sent.push(o.imageId);
        } else if (ACCEPTED_WARNINGS.has(status)) {
          deps.log(
            'WARN',
            `SCU send file issues: SCU status ${hex4(status)}, image ID ${o.imageId}`,
          );
          sent.push(o.imageId);
        } else {
          deps.log(
            'ERROR',
            `SCU send file error: SCU status ${hex4(status)}, image ID ${o.imageId}`,
          );
          fail(`Unable to send images to ${where}: SCU send failed for image with ID ${o.imageId}`);
          stopSending();
        }
      });
    }

    client.on('associationRejected', (r: { result: number; source: number; reason: number }) => {
      fail(
        `Unable to send images to ${where}: association rejected (result ${r.result}, source ${r.source}, reason ${r.reason}${r.reason === D.constants.RejectReason.CalledAeNotRecognized && r.source === D.constants.RejectSource.ServiceUser ? ': called AE title not recognized' : ''})`,
      );
    });
    // dcmjs-dimse reports a timeout (e.g. a peer that accepts the connection and then says nothing) without
    // closing the socket, so 'closed' would never come: close it here, the outcome is known.
    client.on('networkError', (e: Error) => {
      fail(peerMessage(scu, e, socketError));
      network()?.socket.destroy();
      finish();
    });
    client.on('closed', () => finish());

    try {
      client.send(scu.host, scu.port, SCU_CALLING_AE_TITLE, scu.aeTitle.trim(), {
        connectTimeout: options.connectTimeoutMs ?? 30_000,
        associationTimeout: options.associationTimeoutMs ?? 30_000,
        pduTimeout: options.pduTimeoutMs ?? 60_000,
      });
    } catch (e) {
      fail(`Unable to send images to ${where}: ${e instanceof Error ? e.message : String(e)}`);
      finish();
      return;
    }
    const net = network();
    // Corked, copy-free P-DATA writes, asynchronously read datasets, and no re-parsing of earlier C-STORE
    // responses (fast-path.ts).
    if (net) {
      installFastSend(net);
      installCommandStreamReset(net);
      // Each C-STORE response handed on without dcmjs parsing its command (fast-path.ts).
      installFastStoreResponse(net, (elements) =>
        // The constructor's values are replaced whole by the received command, as dcmjs-dimse does.
        Object.assign(new D.responses.CStoreResponse(0, ''), {
          commandDataset: new D.Dataset(elements),
          dataset: undefined,
        }),
      );
    }
    // dcmjs-dimse's Client ignores an A-ABORT from the peer; end the association here.
    net?.on('abort', (a) => {
      fail(
        `Unable to send images to ${where}: the peer aborted the association (source ${a.source}, reason ${a.reason})`,
      );
      net.socket.destroy();
    });
    const socket = net?.socket;
    if (socket) {
      // dcmjs-dimse never sets TCP_NODELAY: without it every C-STORE waits ~40 ms for a delayed ACK.
      socket.setNoDelay(true);
      // Before dcmjs-dimse's own listener, which reports the error without its code.
      socket.prependListener('error', (e: NodeJS.ErrnoException) => {
        socketError ??= e;
      });
    }
  });

  if (failure === undefined && sent.length < storeRequests.length) {
    failure = `Unable to send images to ${where}: the association ended after ${sent.length} of ${storeRequests.length} images`;
  }
  if (failure !== undefined) throw new ScuSendError(failure);

  deps.log('INFO', `Finished sending ${imageIds.length} images using SCU ${scu.name}`);
  if (notFound.length > 0) {
    deps.log(
      'WARN',
      `${notFound.length} of ${imageIds.length} images could not be found and were not sent`,
    );
  }
  return { sent, notFound, skipped };
}

/** SCU sends with the "images sent to SCU" event (§17; forwarding, §18, listens to it). */
export class ScuService {
  /** Called after a successful send with the SCU and the requested image ids. */
  readonly imagesSentListeners: Array<(scu: ScuData, imageIds: readonly number[]) => void> = [];

  constructor(
    private readonly deps: ScuSenderDeps,
    private readonly options: ScuSendOptions = {},
  ) {}

  async send(scu: ScuData, imageIds: readonly number[]): Promise<ScuSendResult> {
    const result = await sendToScu(scu, imageIds, this.deps, this.options);
    for (const listener of this.imagesSentListeners) {
      try {
        listener(scu, imageIds);
      } catch {
        // A listener must not turn a completed send into a failure.
      }
    }
    return result;
  }
}
