/**
 * DICOM receivers (BEHAVIOR.md §16): one TCP listener per SCP row, each accepting C-ECHO and C-STORE for the
 * image-data SOP classes × accepted transfer syntaxes from any calling AE, addressed to the SCP's AE title.
 *
 * * Listeners bind the engine's `dicomHost` (default 127.0.0.1, see DECISIONS.md) with our own
 *   `net.createServer`; dcmjs-dimse's `Server.listen` can only bind all interfaces.
 * * Received datasets are never decoded by dcmjs: `createStoreWritableStream` streams the raw PDV bytes to a temp
 *   file behind a Part 10 header (preamble, `DICM`, file meta with the negotiated transfer syntax), so private
 *   tags and compressed pixel data are stored byte-for-byte. The temp file then goes through the shared ingest
 *   (§6) with source `{scp, <name>, <id>}` and reverse anonymization on.
 * * The C-STORE response is sent after the store attempt and is always Success (0000), also when storing failed
 *   (faithful to §16; the failure is logged with subject `SCP`).
 */
import { randomUUID } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { open, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { association } from 'dcmjs-dimse';
import type { ScpData, Source } from '../../slicebox/types.js';
import {
  ACCEPTED_TRANSFER_SYNTAXES,
  IMAGE_DATA_SOP_CLASSES,
  TransferSyntax,
} from '../dicom/uids.js';
import { dimse, VERIFICATION_SOP_CLASS } from './dimse-module.js';
import type { DimseModule } from './dimse-module.js';
import { installCommandStreamReset, installFastSend, installPduReader } from './fast-path.js';
import { fileMetaHeader } from './part10.js';

/** What a listener needs from the engine. */
export interface ScpListenerDeps {
  /** Address to bind (default 127.0.0.1). */
  host: string;
  /** Folder for files in flight (the file store's temp folder). */
  tmpDir: string;
  /** Stores a received Part 10 temp file (consumes it), e.g. `engine.ingest.ingest`. */
  store(tempPath: string, source: Source): Promise<unknown>;
  log(type: 'INFO' | 'WARN' | 'ERROR', message: string): void;
}

/** Transfer syntaxes accepted for C-ECHO. */
const VERIFICATION_SYNTAXES = new Set<string>([
  TransferSyntax.ImplicitVrLittleEndian,
  TransferSyntax.ExplicitVrLittleEndian,
  TransferSyntax.ExplicitVrBigEndian,
]);

/** Writes all of `buffers` at the file position (a short write is continued, never silently accepted). */
async function writeFully(handle: FileHandle, buffers: Buffer[]): Promise<void> {
  let rest = buffers;
  while (rest.length > 0) {
    const total = rest.reduce((n, b) => n + b.length, 0);
    const { bytesWritten } =
      rest.length === 1 ? await handle.write(rest[0]!) : await handle.writev(rest);
    if (bytesWritten >= total) return;
    if (bytesWritten <= 0) throw new Error('the temp file write wrote nothing');
    let skip = bytesWritten;
    const next: Buffer[] = [];
    for (const b of rest) {
      if (skip >= b.length) skip -= b.length;
      else {
        next.push(skip > 0 ? b.subarray(skip) : b);
        skip = 0;
      }
    }
    rest = next;
  }
}

/**
 * A writable that puts the Part 10 header and then every received PDV value into a temp file (fsynced on end).
 * It never emits 'error' (dcmjs-dimse does not listen for one): a write failure is recorded in `error`, later
 * bytes are discarded, and the store is reported as failed.
 */
export class TempFileSink extends Writable {
  error: Error | undefined;
  private handle: FileHandle | undefined;

  constructor(
    readonly path: string,
    header: Buffer,
  ) {
    // Not auto-destroyed on finish: the finished file is handed over to the ingest.
    super({ autoDestroy: false });
    this.write(header);
  }

  override _construct(callback: (error?: Error | null) => void): void {
    open(this.path, 'wx').then(
      (h) => {
        this.handle = h;
        callback();
      },
      (e: Error) => {
        this.error = e;
        callback();
      },
    );
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.writeAll([chunk], callback);
  }

  /** Values that arrived while the previous write was in flight go to the file in one `writev`. */
  override _writev(
    chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>,
    callback: () => void,
  ): void {
    this.writeAll(
      chunks.map((c) => c.chunk),
      callback,
    );
  }

  private writeAll(buffers: Buffer[], callback: () => void): void {
    const handle = this.handle;
    if (!handle || this.error) return callback();
    writeFully(handle, buffers).then(
      () => callback(),
      (e: Error) => {
        this.error = e;
        callback();
      },
    );
  }

  override _final(callback: () => void): void {
    const handle = this.handle;
    this.handle = undefined;
    if (!handle) return callback();
    handle
      .sync()
      .catch((e: Error) => {
        this.error ??= e;
      })
      .finally(() => handle.close().catch(() => undefined))
      .then(() => callback(), callback);
  }

  /** Destroyed before it finished (association aborted or closed mid-transfer): the partial file goes. */
  override _destroy(_error: Error | null, callback: (error?: Error | null) => void): void {
    const handle = this.handle;
    this.handle = undefined;
    const finished = this.writableFinished;
    void (async () => {
      await handle?.close().catch(() => undefined);
      if (!finished) await rm(this.path, { force: true });
    })().then(() => callback(null));
  }
}

type Association = association.Association;
type PresentationContext = association.PresentationContext;
type ScpInstance = InstanceType<DimseModule['Scp']>;
type ScpConstructor = new (socket: Socket, scp: ScpData, deps: ScpListenerDeps) => ScpInstance;

let receiverClass: ScpConstructor | undefined;

/** The Scp subclass, created on first use (dcmjs-dimse is loaded lazily). */
function receiver(): ScpConstructor {
  if (receiverClass) return receiverClass;
  const D = dimse();
  const { Status, PresentationContextResult, RejectResult, RejectSource, RejectReason } =
    D.constants;
  const { CEchoResponse, CStoreResponse } = D.responses;

  /** The dataset handed from the store stream to `cStoreRequest`: where the bytes are, or why they are not. */
  class ReceivedDataset extends D.Dataset {
    constructor(
      readonly tempPath: string,
      readonly failure: Error | undefined,
    ) {
      super({});
    }
  }

  class ReceiverScp extends D.Scp {
    private sink: TempFileSink | undefined;
    private callingAe = '';

    constructor(
      private readonly socket: Socket,
      private readonly scp: ScpData,
      private readonly deps: ScpListenerDeps,
    ) {
      super(socket, {});
      // PDUs reassembled without a copy per TCP chunk, responses written corked, a fresh command stream after
      // every C-ECHO (fast-path.ts).
      installPduReader(this);
      installFastSend(this);
      installCommandStreamReset(this);
      this.on('close', () => this.discardSink());
    }

    override associationRequested(association: Association): void {
      this.callingAe = association.getCallingAeTitle().trim();
      if (association.getCalledAeTitle().trim() !== this.scp.aeTitle.trim()) {
        this.sendAssociationReject(
          RejectResult.Permanent,
          RejectSource.ServiceUser,
          RejectReason.CalledAeNotRecognized,
        );
        return;
      }
      for (const { context } of association.getPresentationContexts()) {
        acceptOrReject(context);
      }
      this.sendAssociationAccept();
    }

    override associationReleaseRequested(): void {
      this.sendAssociationReleaseResponse();
    }

    override cEchoRequest(
      request: Parameters<ScpInstance['cEchoRequest']>[0],
      callback: Parameters<ScpInstance['cEchoRequest']>[1],
    ): void {
      const response = CEchoResponse.fromRequest(request);
      response.setStatus(Status.Success);
      callback(response);
    }

    override createStoreWritableStream(
      context: PresentationContext,
      request: Parameters<ScpInstance['createStoreWritableStream']>[1],
    ): Writable {
      const header = fileMetaHeader({
        sopClassUid: request.getAffectedSopClassUid(),
        sopInstanceUid: request.getAffectedSopInstanceUid(),
        transferSyntaxUid: context.getAcceptedTransferSyntaxUid() ?? '',
        sourceAeTitle: this.callingAe,
      });
      this.sink = new TempFileSink(join(this.deps.tmpDir, `${randomUUID()}.part`), header);
      return this.sink;
    }

    override createDatasetFromStoreWritableStream(
      writable: Writable,
      _context: PresentationContext,
      callback: (dataset: InstanceType<DimseModule['Dataset']>) => void,
    ): void {
      const sink = writable as TempFileSink;
      const done = (): void => {
        if (this.sink === sink) this.sink = undefined;
        callback(new ReceivedDataset(sink.path, sink.error));
      };
      if (sink.writableFinished) done();
      else sink.once('finish', done);
    }

    override cStoreRequest(
      request: Parameters<ScpInstance['cStoreRequest']>[0],
      callback: Parameters<ScpInstance['cStoreRequest']>[1],
    ): void {
      const response = CStoreResponse.fromRequest(request);
      response.setStatus(Status.Success);
      const dataset = request.getDataset();
      const what = `${request.getAffectedSopInstanceUid()} from ${this.callingAe || '(no AE title)'}`;
      void (async () => {
        if (!(dataset instanceof ReceivedDataset)) {
          this.deps.log('ERROR', `SCP ${this.scp.name}: no data received for ${what}`);
          return;
        }
        if (dataset.failure) {
          await rm(dataset.tempPath, { force: true }).catch(() => undefined);
          this.deps.log(
            'ERROR',
            `SCP ${this.scp.name}: could not store ${what}: ${dataset.failure.message}`,
          );
          return;
        }
        try {
          await this.deps.store(dataset.tempPath, {
            sourceType: 'scp',
            sourceName: this.scp.name,
            sourceId: this.scp.id,
          });
        } catch (e) {
          this.deps.log(
            'ERROR',
            `SCP ${this.scp.name}: could not store ${what}: ${e instanceof Error ? e.message : String(e)}`,
          );
        }
      })().finally(() => callback(response));
    }

    override abort(): void {
      this.discardSink();
      this.socket.destroy();
    }

    private discardSink(): void {
      const sink = this.sink;
      this.sink = undefined;
      if (sink && !sink.writableFinished) sink.destroy();
    }
  }

  function acceptOrReject(context: PresentationContext): void {
    const abstractSyntax = context.getAbstractSyntaxUid();
    const proposed = context.getTransferSyntaxUids();
    let allowed: ReadonlySet<string>;
    if (abstractSyntax === VERIFICATION_SOP_CLASS) allowed = VERIFICATION_SYNTAXES;
    else if (IMAGE_DATA_SOP_CLASSES.has(abstractSyntax)) allowed = ACCEPTED_TRANSFER_SYNTAXES;
    else {
      context.setResult(PresentationContextResult.RejectAbstractSyntaxNotSupported);
      return;
    }
    // As dcm4che: the first proposed transfer syntax that is supported.
    const chosen = proposed.find((ts) => allowed.has(ts));
    if (chosen === undefined)
      context.setResult(PresentationContextResult.RejectTransferSyntaxesNotSupported);
    else context.setResult(PresentationContextResult.Accept, chosen);
  }

  receiverClass = ReceiverScp as unknown as ScpConstructor;
  return receiverClass;
}

interface RunningListener {
  scp: ScpData;
  server: Server;
  sockets: Set<Socket>;
}

/** Starts, tracks and stops the listeners of all SCPs. */
export class ScpListeners {
  private readonly running = new Map<number, RunningListener>();
  private closed = false;

  constructor(private readonly deps: ScpListenerDeps) {}

  /**
   * Starts the listener of `scp`. Never rejects: when the port cannot be bound the failure is logged (subject
   * `SCP`) and the promise resolves to false; the SCP row stays (§16: the API still answers 201).
   */
  start(scp: ScpData): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    this.stopNow(scp.id);
    const Receiver = receiver();
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      if (this.closed) {
        socket.destroy();
        return;
      }
      socket.setNoDelay(true);
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      const network = new Receiver(socket, scp, this.deps) as ScpInstance & {
        connected: boolean;
        connectedTime: number;
      };
      // The socket is already connected (dcmjs-dimse's own Server sets these the same way).
      network.connected = true;
      network.connectedTime = Date.now();
      network.on('networkError', () => socket.destroy());
    });
    const entry: RunningListener = { scp, server, sockets };
    this.running.set(scp.id, entry);
    return new Promise<boolean>((resolve) => {
      const onError = (e: Error): void => {
        if (this.running.get(scp.id) === entry) this.running.delete(scp.id);
        this.deps.log(
          'ERROR',
          `SCP ${scp.name} (AE title ${scp.aeTitle.trim()}) could not listen on ${this.deps.host}:${scp.port}: ${e.message}`,
        );
        resolve(false);
      };
      server.once('error', onError);
      server.listen(scp.port, this.deps.host, () => {
        server.off('error', onError);
        if (this.running.get(scp.id) !== entry) {
          // Stopped (deleted, or the engine closed) while binding.
          server.close();
          resolve(false);
          return;
        }
        // Later server errors (rare: e.g. EMFILE on accept) are logged, never thrown.
        server.on('error', (e) =>
          this.deps.log('ERROR', `SCP ${scp.name} listener error: ${e.message}`),
        );
        resolve(true);
      });
    });
  }

  /** Whether the listener of SCP `id` is accepting connections (a C-MOVE destination must be). */
  isListening(id: number): boolean {
    return this.running.get(id)?.server.listening ?? false;
  }

  /** Stops the listener of SCP `id` and drops its open associations; resolves when the port is free. */
  async stop(id: number): Promise<void> {
    const entry = this.running.get(id);
    if (!entry) return;
    this.running.delete(id);
    await closeListener(entry);
  }

  /** Stops every listener (synchronously initiated; used by the engine's close()). */
  stopAll(): void {
    this.closed = true;
    for (const id of [...this.running.keys()]) this.stopNow(id);
  }

  private stopNow(id: number): void {
    const entry = this.running.get(id);
    if (!entry) return;
    this.running.delete(id);
    void closeListener(entry);
  }
}

function closeListener(entry: RunningListener): Promise<void> {
  return new Promise((resolve) => {
    for (const socket of entry.sockets) socket.destroy();
    if (!entry.server.listening) return resolve();
    entry.server.close(() => resolve());
  });
}
