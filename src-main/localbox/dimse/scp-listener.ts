/**
 * DICOM receivers (BEHAVIOR.md §16): one TCP listener per SCP row, each accepting C-ECHO and C-STORE for the
 * image-data SOP classes × accepted transfer syntaxes from any calling AE, addressed to the SCP's AE title.
 *
 * * Listeners bind the engine's `dicomHost` (default 127.0.0.1, see DECISIONS.md) with our own
 *   `net.createServer`; dcmjs-dimse's `Server.listen` can only bind all interfaces.
 * * Received datasets are never decoded by dcmjs: `createStoreWritableStream` streams the raw PDV bytes to a temp
 *   file behind a Part 10 header (preamble, `DICM`, file meta with the negotiated transfer syntax), so private
 *   tags and compressed pixel data are stored byte-for-byte. The temp file then goes through the shared ingest
 *   (§6) with source `{scp, <name>, <id>}` and reverse anonymization on. A dataset that fits the upload memory
 *   budget (storage/receive-temp.ts) is also kept in memory, and is handed to the store as soon as its last PDV
 *   has arrived: the ingest validates those bytes while the temp file is still being written and flushed, as for
 *   HTTP uploads (nothing is stored before the flush has completed; temp-file-sink.ts).
 * * The C-STORE response is sent after the store attempt and is always Success (0000), also when storing failed
 *   (faithful to §16; the failure is logged with subject `SCP`).
 * * Bad input never ends or stalls the engine (DECISIONS.md, "SCP hardening"): every PDU is checked before
 *   dcmjs-dimse sees it (`association-guard.ts`), PDUs are bounded in size as their header arrives, each phase of an
 *   association has a timer (`association-timer.ts`), connections over `maxAssociations` get A-ASSOCIATE-RJ, a
 *   dataset over `maxDatasetBytes` is aborted as it arrives, and a dataset that does not match its request is not
 *   stored (`received-dataset.ts`). Each abort or refusal writes one `WARN` line; limits in `scp-limits.ts`.
 */
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { association } from 'dcmjs-dimse';
import type { ScpData, ScpListenerState, Source } from '../../slicebox/types.js';
import {
  ACCEPTED_TRANSFER_SYNTAXES,
  IMAGE_DATA_SOP_CLASSES,
  TransferSyntax,
} from '../dicom/uids.js';
import { AssociationGuard } from './association-guard.js';
import { AssociationTimer } from './association-timer.js';
import type { TimerPhase } from './association-timer.js';
import { dimse, VERIFICATION_SOP_CLASS } from './dimse-module.js';
import type { DimseModule } from './dimse-module.js';
import {
  disableLibraryTimers,
  installCommandStreamReset,
  installFastSend,
  installPduReader,
} from './fast-path.js';
import type { ReceivedTemp, UploadMemory } from '../storage/receive-temp.js';
import { fileMetaHeader } from './part10.js';
import { receivedDatasetProblem } from './received-dataset.js';
import { TempFileSink } from './temp-file-sink.js';
import { MAX_ASSOCIATE_RQ_BYTES, resolveScpLimits, seconds } from './scp-limits.js';
import type { ScpLimits } from './scp-limits.js';
import {
  AbortReason,
  AbortSource,
  abortPdu,
  localLimitRejectPdu,
  PduType,
  protocolError,
} from './upper-layer.js';
import type { AbortCause } from './upper-layer.js';

/** What a listener needs from the engine. */
export interface ScpListenerDeps {
  /** Address to bind (default 127.0.0.1). */
  host: string;
  /** Folder for files in flight (the file store's temp folder). */
  tmpDir: string;
  /**
   * Stores a received Part 10 temp file (consumes it), e.g. `engine.ingest.ingest`; its bytes come along when
   * they were kept in memory, and its flush may still be running (`written`).
   */
  store(received: ReceivedTemp, source: Source): Promise<unknown>;
  /** The budget for datasets kept in memory (the file store's); none: datasets are read back from their file. */
  memory?: UploadMemory;
  log(type: 'INFO' | 'WARN' | 'ERROR', message: string): void;
  /** Overrides of the default limits (scp-limits.ts). */
  limits?: Partial<ScpLimits>;
}

/**
 * Largest PDU length field accepted per PDU type: an A-ASSOCIATE-RQ up to MAX_ASSOCIATE_RQ_BYTES, a P-DATA-TF up to
 * the maximum this SCP announces (PS3.8 §9.3.5 forbids more), release and abort PDUs their fixed 4 bytes. The types
 * an SCP never receives get the A-ASSOCIATE-RQ bound, so that the guard can name them.
 */
function maxPduLength(type: number): number {
  if (type === PduType.PData) return dimse().Implementation.getMaxPduLength();
  if (type === PduType.ReleaseRq || type === PduType.ReleaseRp || type === PduType.Abort) return 4;
  return MAX_ASSOCIATE_RQ_BYTES;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Transfer syntaxes accepted for C-ECHO. */
const VERIFICATION_SYNTAXES = new Set<string>([
  TransferSyntax.ImplicitVrLittleEndian,
  TransferSyntax.ExplicitVrLittleEndian,
  TransferSyntax.ExplicitVrBigEndian,
]);

type Association = association.Association;
type PresentationContext = association.PresentationContext;
type ScpInstance = InstanceType<DimseModule['Scp']>;
type ScpConstructor = new (
  socket: Socket,
  scp: ScpData,
  deps: ScpListenerDeps,
  limits: ScpLimits,
) => ScpInstance;

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
      /** The whole Part 10 file, when it was kept in memory. */
      readonly bytes: Uint8Array | undefined,
      /** Settles when the temp file is flushed. */
      readonly written: Promise<void>,
      readonly failure: Error | undefined,
      /** The transfer syntax accepted for its presentation context (the one in the temp file's meta). */
      readonly acceptedSyntax: string,
      /** The first bytes of the dataset. */
      readonly head: Buffer,
    ) {
      super({});
    }
  }

  class ReceiverScp extends D.Scp {
    private sink: TempFileSink | undefined;
    private callingAe = '';
    /** `host:port` of the peer, kept for log lines written after the socket closed. */
    private readonly peerAddress: string;
    private readonly guard: AssociationGuard;
    private readonly timer: AssociationTimer;
    /** One log line per association at most. */
    private reported = false;
    private socketFailed = false;
    /** Settles when the C-STORE being stored has been answered (the next PDU waits for it). */
    private storeAnswered: { promise: Promise<void>; resolve: () => void } | undefined;

    constructor(
      private readonly socket: Socket,
      private readonly scp: ScpData,
      private readonly deps: ScpListenerDeps,
      limits: ScpLimits,
    ) {
      super(socket, {});
      this.peerAddress = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
      this.guard = new AssociationGuard(limits.maxDatasetBytes);
      this.timer = new AssociationTimer(limits, (phase) => this.expired(phase));
      // Our own timers (association-timer.ts) replace the library's.
      disableLibraryTimers(this);
      // PDUs reassembled without a copy per TCP chunk, checked by the guard and handed over one at a time,
      // responses written corked, a fresh command stream after every C-ECHO (fast-path.ts).
      installPduReader(this, {
        maxLength: maxPduLength,
        accept: (pdu) => this.accept(pdu),
        gate: () => this.gate(),
        onError: (e) => this.fail(protocolError(e.message, AbortReason.UnrecognizedPdu)),
      });
      installFastSend(this);
      installCommandStreamReset(this);
      // Runs before the library's own listener, which turns any socket error into a 'networkError'.
      socket.prependListener('error', () => {
        this.socketFailed = true;
      });
      this.on('networkError', (e: Error) => this.networkError(e));
      this.on('close', () => this.closed());
      this.timer.start('request');
    }

    /** Who is at the other end, for the log. */
    private get peer(): string {
      return this.callingAe ? `${this.callingAe} (${this.peerAddress})` : this.peerAddress;
    }

    private report(type: 'WARN' | 'ERROR', message: string): void {
      if (this.reported) return;
      this.reported = true;
      this.deps.log(type, `SCP ${this.scp.name}: ${message}`);
    }

    /** Every PDU passes here before the library sees it (guard: association-guard.ts). */
    private accept(pdu: Buffer): boolean {
      const verdict = this.guard.inspect(pdu);
      if (verdict === 'drop') return false;
      if (verdict) {
        this.fail(verdict);
        return false;
      }
      this.timer.touch();
      if (pdu[0] === PduType.Abort) {
        const during = this.guard.interrupted();
        if (during)
          this.report(
            'WARN',
            `association from ${this.peer} aborted by the peer ${during}; nothing was stored`,
          );
        this.guard.close();
      } else if (this.guard.storing) {
        // The last fragment of a C-STORE: the next PDU waits until it has been stored and answered.
        this.timer.stop();
        let resolve = (): void => undefined;
        const promise = new Promise<void>((r) => (resolve = r));
        this.storeAnswered = { promise, resolve };
      }
      return true;
    }

    private gate(): Promise<void> | undefined {
      if (this.storeAnswered) return this.storeAnswered.promise;
      const sink = this.sink;
      // The disk is slower than the peer: wait until the temp file has caught up (the socket pauses meanwhile).
      if (sink && sink.writableNeedDrain) {
        return new Promise((resolve) => {
          // Both listeners go when either fires: one left per wait piled up on a large dataset (found by the fuzz
          // test: MaxListenersExceededWarning after 11 waits).
          const done = (): void => {
            sink.off('drain', done);
            sink.off('close', done);
            resolve();
          };
          sink.once('drain', done);
          sink.once('close', done);
        });
      }
      return undefined;
    }

    /** Aborts the association: one log line, an A-ABORT to the peer, the partial temp file removed. */
    private fail(cause: AbortCause): void {
      if (this.guard.closing && this.reported) return;
      this.report('WARN', `association from ${this.peer} aborted: ${cause.message}`);
      this.guard.close();
      this.discardSink();
      this.releaseStoreGate();
      if (!this.socket.destroyed && this.socket.writable) {
        this.socket.end(abortPdu(cause.source, cause.reason));
        this.timer.start('release');
      } else {
        this.timer.stop();
        this.socket.destroy();
      }
    }

    private networkError(e: Error): void {
      if (this.socketFailed || this.socket.destroyed) {
        // The connection itself failed (e.g. reset by the peer): 'close' follows and reports what was lost.
        this.socket.destroy();
        return;
      }
      const message = e.message.replace(/^.*? -> /, '');
      this.fail(
        protocolError(`the request cannot be processed: ${message}`, AbortReason.NotSpecified),
      );
    }

    private expired(phase: TimerPhase): void {
      const time = seconds(this.timer.durationOf(phase));
      if (phase === 'request') {
        this.report(
          'WARN',
          `connection from ${this.peerAddress} closed: no A-ASSOCIATE-RQ within ${time}`,
        );
        this.guard.close();
        this.socket.destroy();
      } else if (phase === 'idle') {
        this.fail({
          message: `idle for ${time}`,
          source: AbortSource.ServiceProvider,
          reason: AbortReason.NotSpecified,
        });
      } else {
        // The peer did not close after a rejection, release or abort.
        this.socket.destroy();
      }
    }

    private closed(): void {
      this.timer.stop();
      const during = this.guard.closing ? undefined : this.guard.interrupted();
      if (during)
        this.report(
          'WARN',
          `association from ${this.peer} closed by the peer ${during}; nothing was stored`,
        );
      this.guard.close();
      this.releaseStoreGate();
      this.discardSink();
    }

    private releaseStoreGate(): void {
      const gate = this.storeAnswered;
      this.storeAnswered = undefined;
      gate?.resolve();
    }

    // The library calls the handlers below from its event emitter, which turns an exception into an uncaught
    // error (the process would end): each catches everything and aborts the association instead.

    override associationRequested(association: Association): void {
      try {
        this.callingAe = association.getCallingAeTitle().trim();
        const called = association.getCalledAeTitle().trim();
        if (called !== this.scp.aeTitle.trim()) {
          this.report(
            'WARN',
            `association from ${this.peer} rejected: called AE title ${called || '(empty)'} is not ${this.scp.aeTitle.trim()}`,
          );
          this.sendAssociationReject(
            RejectResult.Permanent,
            RejectSource.ServiceUser,
            RejectReason.CalledAeNotRecognized,
          );
          this.guard.close();
          this.timer.start('release');
          return;
        }
        const accepted = new Map<number, string>();
        for (const { id, context } of association.getPresentationContexts()) {
          if (acceptOrReject(context)) accepted.set(id, context.getAbstractSyntaxUid());
        }
        // Announce our own maximum PDU length whatever the requestor's: a requestor announcing 0 ("no maximum")
        // would otherwise be told that this SCP takes PDUs of any size. Ours are sent within the requestor's.
        const requestorMax = association.getMaxPduLength();
        association.setMaxPduLength(D.Implementation.getMaxPduLength());
        this.sendAssociationAccept();
        association.setMaxPduLength(requestorMax);
        this.guard.established(accepted);
        this.timer.start('idle');
      } catch (e) {
        this.fail(
          protocolError(
            `the A-ASSOCIATE-RQ cannot be answered: ${errorText(e)}`,
            AbortReason.NotSpecified,
          ),
        );
      }
    }

    override associationReleaseRequested(): void {
      try {
        this.sendAssociationReleaseResponse();
        this.guard.close();
        this.timer.start('release');
      } catch (e) {
        this.fail(
          protocolError(
            `the A-RELEASE-RQ cannot be answered: ${errorText(e)}`,
            AbortReason.NotSpecified,
          ),
        );
      }
    }

    override cEchoRequest(
      request: Parameters<ScpInstance['cEchoRequest']>[0],
      callback: Parameters<ScpInstance['cEchoRequest']>[1],
    ): void {
      try {
        const response = CEchoResponse.fromRequest(request);
        response.setStatus(Status.Success);
        callback(response);
      } catch (e) {
        this.fail(
          protocolError(
            `the C-ECHO-RQ cannot be answered: ${errorText(e)}`,
            AbortReason.NotSpecified,
          ),
        );
      }
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
      this.sink = new TempFileSink(
        join(this.deps.tmpDir, `${randomUUID()}.part`),
        header,
        this.deps.memory,
      );
      return this.sink;
    }

    override createDatasetFromStoreWritableStream(
      writable: Writable,
      context: PresentationContext,
      callback: (dataset: InstanceType<DimseModule['Dataset']>) => void,
    ): void {
      const sink = writable as TempFileSink;
      const done = (): void => {
        if (this.sink === sink) this.sink = undefined;
        callback(
          new ReceivedDataset(
            sink.path,
            sink.takeBytes(),
            sink.synced,
            sink.error,
            context.getAcceptedTransferSyntaxUid() ?? '',
            sink.datasetHead,
          ),
        );
      };
      if (sink.writableFinished) done();
      else sink.once('finish', done);
    }

    override cStoreRequest(
      request: Parameters<ScpInstance['cStoreRequest']>[0],
      callback: Parameters<ScpInstance['cStoreRequest']>[1],
    ): void {
      void this.store(request).finally(() => {
        try {
          const response = CStoreResponse.fromRequest(request);
          response.setStatus(Status.Success);
          callback(response);
        } catch (e) {
          this.fail(
            protocolError(
              `the C-STORE-RQ cannot be answered: ${errorText(e)}`,
              AbortReason.NotSpecified,
            ),
          );
        }
        this.guard.stored();
        this.releaseStoreGate();
        if (this.guard.isEstablished) this.timer.start('idle');
      });
    }

    /** Stores the received dataset (never rejects: failures are logged, §16 answers Success regardless). */
    private async store(request: Parameters<ScpInstance['cStoreRequest']>[0]): Promise<void> {
      const dataset = request.getDataset();
      const uid = request.getAffectedSopInstanceUid();
      const what = `${uid} from ${this.callingAe || '(no AE title)'}`;
      const failed = (reason: string): void =>
        this.deps.log('ERROR', `SCP ${this.scp.name}: could not store ${what}: ${reason}`);
      if (!(dataset instanceof ReceivedDataset)) return failed('no data received');
      try {
        if (dataset.failure) throw dataset.failure;
        const problem = receivedDatasetProblem(dataset.head, {
          sopClassUid: request.getAffectedSopClassUid(),
          sopInstanceUid: uid,
          transferSyntaxUid: dataset.acceptedSyntax,
        });
        if (problem) throw new Error(problem);
      } catch (e) {
        await dataset.written.catch(() => undefined);
        await rm(dataset.tempPath, { force: true }).catch(() => undefined);
        return failed(errorText(e));
      }
      try {
        const received: ReceivedTemp = { path: dataset.tempPath, written: dataset.written };
        if (dataset.bytes) received.bytes = dataset.bytes;
        await this.deps.store(received, {
          sourceType: 'scp',
          sourceName: this.scp.name,
          sourceId: this.scp.id,
        });
      } catch (e) {
        failed(errorText(e));
      }
    }

    /** The listener stops (SCP deleted, engine closing): the association ends without a log line. */
    shutDown(): void {
      this.guard.close();
      this.timer.stop();
      this.releaseStoreGate();
      this.discardSink();
      this.socket.destroy();
    }

    /** The peer sent A-ABORT (reported in `accept`). */
    override abort(): void {
      this.guard.close();
      this.discardSink();
      this.socket.destroy();
    }

    private discardSink(): void {
      const sink = this.sink;
      this.sink = undefined;
      if (sink && !sink.writableFinished) sink.destroy();
    }
  }

  /** Sets the context's result; true when it is accepted. */
  function acceptOrReject(context: PresentationContext): boolean {
    const abstractSyntax = context.getAbstractSyntaxUid();
    const proposed = context.getTransferSyntaxUids();
    let allowed: ReadonlySet<string>;
    if (abstractSyntax === VERIFICATION_SOP_CLASS) allowed = VERIFICATION_SYNTAXES;
    else if (IMAGE_DATA_SOP_CLASSES.has(abstractSyntax)) allowed = ACCEPTED_TRANSFER_SYNTAXES;
    else {
      context.setResult(PresentationContextResult.RejectAbstractSyntaxNotSupported);
      return false;
    }
    // As dcm4che: the first proposed transfer syntax that is supported.
    const chosen = proposed.find((ts) => allowed.has(ts));
    if (chosen === undefined) {
      context.setResult(PresentationContextResult.RejectTransferSyntaxesNotSupported);
      return false;
    }
    context.setResult(PresentationContextResult.Accept, chosen);
    return true;
  }

  receiverClass = ReceiverScp as unknown as ScpConstructor;
  return receiverClass;
}

/** Why a port could not be bound, in words. */
function listenFailure(e: NodeJS.ErrnoException, host: string, port: number): string {
  switch (e.code) {
    case 'EADDRINUSE':
      return `Port ${port} is already in use on ${host}`;
    case 'EACCES':
      return `No permission to listen on port ${port} of ${host}`;
    case 'EADDRNOTAVAIL':
      return `The address ${host} is not one of this computer's`;
    default:
      return e.message;
  }
}

interface RunningListener {
  scp: ScpData;
  server: Server;
  /** Every open connection (destroyed when the listener stops). */
  sockets: Set<Socket>;
  /** The receivers of those connections that were not refused. */
  receivers: Set<{ shutDown(): void }>;
  /** Connections handed to a receiver (counted against `maxAssociations`). */
  associations: number;
  /** Connections being refused (answered A-ASSOCIATE-RJ, waiting for the peer to close). */
  refusing: number;
  /** The limit was reached and that was logged; cleared when an association ends. */
  saturated: boolean;
}

/** Starts, tracks and stops the listeners of all SCPs. */
export class ScpListeners {
  private readonly running = new Map<number, RunningListener>();
  /** Why the last start of an SCP failed, until it is started again or stopped. */
  private readonly failures = new Map<number, string>();
  private closed = false;
  private readonly limits: ScpLimits;

  constructor(private readonly deps: ScpListenerDeps) {
    this.limits = resolveScpLimits(deps.limits);
  }

  /**
   * Starts the listener of `scp`. Never rejects: when the port cannot be bound the failure is logged (subject
   * `SCP`) and the promise resolves to false; the SCP row stays (§16: the API still answers 201).
   */
  start(scp: ScpData): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    this.stopNow(scp.id);
    this.failures.delete(scp.id);
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
      if (entry.associations >= this.limits.maxAssociations) {
        this.refuse(entry, socket);
        return;
      }
      entry.associations++;
      socket.once('close', () => {
        entry.associations--;
        entry.saturated = false;
      });
      const network = new Receiver(socket, scp, this.deps, this.limits) as ScpInstance & {
        connected: boolean;
        connectedTime: number;
        shutDown(): void;
      };
      entry.receivers.add(network);
      socket.once('close', () => entry.receivers.delete(network));
      // The socket is already connected (dcmjs-dimse's own Server sets these the same way).
      network.connected = true;
      network.connectedTime = Date.now();
    });
    const entry: RunningListener = {
      scp,
      server,
      sockets,
      receivers: new Set(),
      associations: 0,
      refusing: 0,
      saturated: false,
    };
    this.running.set(scp.id, entry);
    return new Promise<boolean>((resolve) => {
      const onError = (e: NodeJS.ErrnoException): void => {
        if (this.running.get(scp.id) === entry) {
          this.running.delete(scp.id);
          this.failures.set(scp.id, listenFailure(e, this.deps.host, scp.port));
        }
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

  /**
   * A connection over `maxAssociations`: answered at once with A-ASSOCIATE-RJ (transient, local limit exceeded),
   * its input discarded, closed when the peer closes or after the release timeout. Logged once until an
   * association ends; refusals beyond another `maxAssociations` are closed without an answer.
   */
  private refuse(entry: RunningListener, socket: Socket): void {
    socket.on('error', () => undefined);
    if (!entry.saturated) {
      entry.saturated = true;
      this.deps.log(
        'WARN',
        `SCP ${entry.scp.name}: refused an association from ${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}: the limit of ${this.limits.maxAssociations} simultaneous associations is reached (further refusals are not logged until an association ends)`,
      );
    }
    if (entry.refusing >= this.limits.maxAssociations) {
      socket.destroy();
      return;
    }
    entry.refusing++;
    const timer = setTimeout(() => socket.destroy(), this.limits.releaseTimeoutMs);
    timer.unref();
    socket.once('close', () => {
      entry.refusing--;
      clearTimeout(timer);
    });
    socket.resume();
    socket.end(localLimitRejectPdu());
  }

  /** Whether the listener of SCP `id` is accepting connections (a C-MOVE destination must be). */
  isListening(id: number): boolean {
    return this.running.get(id)?.server.listening ?? false;
  }

  /** Stops the listener of SCP `id` and drops its open associations; resolves when the port is free. */
  async stop(id: number): Promise<void> {
    this.failures.delete(id);
    const entry = this.running.get(id);
    if (!entry) return;
    this.running.delete(id);
    await closeListener(entry);
  }

  /** Whether SCP `id` listens, is binding its port, failed to (and why), or is not running. */
  state(id: number): ScpListenerState {
    const failure = this.failures.get(id);
    if (failure !== undefined) return { state: 'failed', reason: failure };
    const entry = this.running.get(id);
    if (!entry) return { state: 'stopped' };
    return entry.server.listening ? { state: 'listening' } : { state: 'starting' };
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
    for (const receiver of entry.receivers) receiver.shutDown();
    for (const socket of entry.sockets) socket.destroy();
    if (!entry.server.listening) return resolve();
    entry.server.close(() => resolve());
  });
}
