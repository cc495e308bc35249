/**
 * The C-STORE sub-operations of a C-GET: the PACS sends each image on the association the request went out on,
 * and this box answers each one, as its SCP answers a C-STORE, except that the answer tells the truth.
 *
 * * The dataset bytes go straight to a temp file behind a Part 10 header (the SCP's `TempFileSink`): the
 *   negotiated transfer syntax, the PACS's AE title as Source AE Title, never decoded, so private tags and
 *   compressed pixel data are stored as sent.
 * * The file then takes the SCP's ingest path (`store`): same validation, the SOP classes of image data, series
 *   source the destination SCP, reverse anonymization on receipt, tag filters of that SCP.
 * * Unlike the SCP (which answers Success whatever happened, as Slicebox does), the answer is 0000 only when the
 *   image was stored: C000 (cannot understand) when the data was refused, A700 (out of resources) when storing
 *   failed. The PACS then counts the sub-operation as failed, and so does the retrieve job.
 *
 * Only image-data SOP classes are proposed (`storageContexts`), each in three contexts with one transfer syntax
 * each (Explicit VR LE, Implicit VR LE, JPEG Baseline): 120 contexts, plus the C-GET one, of the 128 an
 * association can carry. A PACS sends an image in its stored syntax when it is one of those, so the bytes arrive
 * as the PACS holds them; Big Endian and Deflated images are converted by the PACS (losslessly) to little endian.
 */
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { ReceivedTemp } from '../storage/receive-temp.js';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { association, requests as DimseRequests } from 'dcmjs-dimse';
import { DicomError } from '../dicom/errors.js';
import { IMAGE_DATA_SOP_CLASSES, TransferSyntax } from '../dicom/uids.js';
import { dimse } from '../dimse/dimse-module.js';
import type { DimseModule } from '../dimse/dimse-module.js';
import { fileMetaHeader } from '../dimse/part10.js';
import { TempFileSink } from '../dimse/temp-file-sink.js';
import type { StoreHooks } from './qr-association.js';

type Dataset = InstanceType<DimseModule['Dataset']>;
type PresentationContext = association.PresentationContext;
type CStoreRequest = DimseRequests.CStoreRequest;

/** Transfer syntaxes proposed for each image-data SOP class, one context each. */
const GET_SYNTAXES = [
  TransferSyntax.ExplicitVrLittleEndian,
  TransferSyntax.ImplicitVrLittleEndian,
  TransferSyntax.JpegBaseline,
];

/** The storage presentation contexts of a C-GET association (with the SCP role). */
export function getStorageContexts(): Array<{ sopClassUid: string; transferSyntaxUid: string }> {
  const out: Array<{ sopClassUid: string; transferSyntaxUid: string }> = [];
  for (const sopClassUid of IMAGE_DATA_SOP_CLASSES)
    for (const transferSyntaxUid of GET_SYNTAXES) out.push({ sopClassUid, transferSyntaxUid });
  return out;
}

/** C-STORE status: success, refused data (cannot understand), storing failed (out of resources). */
const SUCCESS = 0x0000;
const CANNOT_UNDERSTAND = 0xc000;
const OUT_OF_RESOURCES = 0xa700;

export interface GetStoreDeps {
  /** The file store's temp folder. */
  tmpDir: string;
  /** The PACS's AE title, written as Source AE Title. */
  sourceAeTitle: string;
  /** Stores a received Part 10 temp file (consumes it, once `written` has settled): the SCP's ingest. */
  store(received: ReceivedTemp): Promise<void>;
  /** Logs a refused or failed image (subject `SCP`, as the SCP does). */
  logFailure(sopInstanceUid: string, reason: string): void;
}

let receivedClass:
  | (new (path: string, written: Promise<void>, failure: Error | undefined) => Dataset & Received)
  | undefined;

interface Received {
  readonly tempPath: string;
  /** Settles when the temp file is flushed to disk (rejects when the flush failed). */
  readonly written: Promise<void>;
  readonly failure: Error | undefined;
}

function receivedDataset(): new (
  path: string,
  written: Promise<void>,
  failure: Error | undefined,
) => Dataset & Received {
  if (receivedClass) return receivedClass;
  const D = dimse();
  class ReceivedDataset extends D.Dataset implements Received {
    constructor(
      readonly tempPath: string,
      readonly written: Promise<void>,
      readonly failure: Error | undefined,
    ) {
      super({});
    }
  }
  receivedClass = ReceivedDataset;
  return ReceivedDataset;
}

/** The store hooks of one C-GET association; `discard()` removes a half-received file after it ended. */
export function getStoreHooks(deps: GetStoreDeps): StoreHooks & { discard(): void } {
  const Received = receivedDataset();
  let current: TempFileSink | undefined;
  return {
    createWritable(context: PresentationContext, request: CStoreRequest): Writable {
      const header = fileMetaHeader({
        sopClassUid: request.getAffectedSopClassUid(),
        sopInstanceUid: request.getAffectedSopInstanceUid(),
        transferSyntaxUid: context.getAcceptedTransferSyntaxUid() ?? '',
        sourceAeTitle: deps.sourceAeTitle,
      });
      // No memory budget: the file is flushed, then stored from disk (`written` below).
      current = new TempFileSink(join(deps.tmpDir, `${randomUUID()}.part`), header, undefined);
      return current;
    },
    datasetFrom(writable: Writable, _context: PresentationContext, done: (d: Dataset) => void) {
      const sink = writable as TempFileSink;
      const finish = (): void => {
        if (current === sink) current = undefined;
        done(new Received(sink.path, sink.synced, sink.error));
      };
      if (sink.writableFinished) finish();
      else sink.once('finish', finish);
    },
    onStore(request: CStoreRequest, respond: (status: number) => void) {
      const dataset = request.getDataset() as unknown;
      const uid = request.getAffectedSopInstanceUid();
      if (!(dataset instanceof Received)) {
        deps.logFailure(uid, 'no data received');
        return respond(OUT_OF_RESOURCES);
      }
      if (dataset.failure) {
        void rm(dataset.tempPath, { force: true }).catch(() => undefined);
        deps.logFailure(uid, dataset.failure.message);
        return respond(OUT_OF_RESOURCES);
      }
      // The ingest stores it only once the temp file is on disk (and removes it when the flush failed): a C-STORE
      // answered Success is durable, as the SCP's.
      deps.store({ path: dataset.tempPath, written: dataset.written }).then(
        () => respond(SUCCESS),
        (e: unknown) => {
          deps.logFailure(uid, e instanceof Error ? e.message : String(e));
          respond(e instanceof DicomError ? CANNOT_UNDERSTAND : OUT_OF_RESOURCES);
        },
      );
    },
    discard() {
      const sink = current;
      current = undefined;
      if (sink && !sink.writableFinished) sink.destroy();
    },
  };
}
