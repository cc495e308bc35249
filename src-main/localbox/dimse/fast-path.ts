/**
 * Leaner byte paths inside dcmjs-dimse 0.3.3's `Network` (the base of its `Client` and `Scp`). This is the one file
 * that touches the library's internals; everything is installed per network instance (no prototype is changed),
 * and the installed version is checked when this module loads.
 *
 * * Send (`installFastSend`): dcmjs-dimse's `_sendPDataTF` slices the dataset into PDVs and builds every P-DATA-TF
 *   PDU through two growing `SmartBuffer`s (several copies of every byte) with one `socket.write` per PDU. The
 *   replacement writes, per message, the PDU/PDV headers and `subarray` views of the dataset in one corked write
 *   (the bytes are never copied in JavaScript). Fragments respect the negotiated maximum PDU length exactly as
 *   dcmjs-dimse does (PDU length field = max PDU length), rounded down to an even value length. A dataset may
 *   supply its bytes asynchronously (`AsyncEncodedDataset`): the message is then written once they are read.
 *   The command set is encoded by `encodeCommand` (group 0000, Implicit VR LE) instead of dcmjs's denaturalize +
 *   write (~0.4 ms per command); elements it does not know fall back to dcmjs.
 * * Commands (`installCommandStreamReset`): after a command without a dataset (every C-STORE response the client
 *   receives) dcmjs-dimse keeps its command stream, so the next command's bytes are appended to it and every
 *   response parses all earlier ones again (quadratic in the images of one association; an element of an earlier
 *   response, e.g. an Error Comment, would also leak into later ones). The stream is dropped once the command
 *   has been handed on.
 * * Receive (`installPduReader`): dcmjs-dimse's PDU accumulator concatenates the partial PDU with every TCP chunk
 *   (a PDU larger than a chunk is copied again and again) and waits for whatever length a PDU header announces.
 *   The replacement keeps the chunks in a list, hands out PDUs that lie inside one chunk as views and copies a PDU
 *   spanning chunks once, refuses a PDU over the receiver's limit as soon as its header is read, and calls the
 *   library's own `_processPdu` one PDU at a time, after the receiver's hooks (the SCP's guard and gate).
 * * Timers (`disableLibraryTimers`): the SCP keeps its own per-phase timers (association-timer.ts).
 */
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { pduName } from './upper-layer.js';

/** The dcmjs-dimse version whose internals this file was written against (and tested with). */
export const SUPPORTED_DIMSE_VERSION = '0.3.3';

/** Throws when `version` is not the dcmjs-dimse version whose internals this file patches. */
export function assertSupportedDimseVersion(version: string): void {
  if (version !== SUPPORTED_DIMSE_VERSION) {
    throw new Error(
      `dcmjs-dimse ${version} is installed, but src-main/localbox/dimse/fast-path.ts replaces internals of ` +
        `dcmjs-dimse ${SUPPORTED_DIMSE_VERSION} (Network._sendPDataTF, _performDimse, its PDU accumulator). Install ` +
        `dcmjs-dimse@${SUPPORTED_DIMSE_VERSION}, or re-check fast-path.ts against the new version and update it.`,
    );
  }
}

assertSupportedDimseVersion(
  (createRequire(import.meta.url)('dcmjs-dimse/package.json') as { version: string }).version,
);

/** A dataset whose encoded bytes are read asynchronously (e.g. a stored file); called once per send. */
export interface AsyncEncodedDataset {
  encodedBytes(): Promise<Buffer>;
}

function isAsyncEncoded(dataset: unknown): dataset is AsyncEncodedDataset {
  return (
    typeof dataset === 'object' &&
    dataset !== null &&
    typeof (dataset as Partial<AsyncEncodedDataset>).encodedBytes === 'function'
  );
}

interface DimseCommand {
  getCommandDataset(): {
    getElements(): Record<string, unknown>;
    getDenaturalizedCommandDataset(): Buffer;
  };
  getDataset():
    undefined | { getDenaturalizedDataset(options?: unknown, nameMap?: unknown): Buffer };
}

/** The parts of dcmjs-dimse 0.3.3's `Network` used here (see its `_sendPDataTF` and `_wrapSocket`). */
interface NetworkInternals {
  socket: Socket;
  statistics: { addBytesSent(n: number): void; addBytesReceived(n: number): void };
  datasetWriteOptions: unknown;
  datasetNameMap: unknown;
  logId: string;
  lastPduTime: number | undefined;
  _sendPDataTF(command: DimseCommand, presentationContextId: number, maxPduLength: number): void;
  _processPdu(pdu: Buffer): Promise<void>;
  _performDimse(context: unknown, dimse: { hasDataset(): boolean }): void;
  dimseStream: unknown;
  _reset(): void;
  emit(event: string, ...args: unknown[]): unknown;
  timeoutIntervalId: NodeJS.Timeout | undefined;
}

function internals(network: unknown, needs: readonly (keyof NetworkInternals)[]): NetworkInternals {
  const n = network as Partial<Record<keyof NetworkInternals, unknown>> | undefined;
  for (const key of needs) {
    if (n?.[key] === undefined) {
      throw new Error(
        `dcmjs-dimse network has no '${key}': fast-path.ts does not match the installed dcmjs-dimse`,
      );
    }
  }
  return network as NetworkInternals;
}

/** Command elements (PS3.7 E.1) `encodeCommand` writes: dcmjs's keyword → tag and VR. */
const COMMAND_ELEMENTS: Record<string, { tag: number; vr: 'UI' | 'US' | 'AE' | 'LO' }> = {
  AffectedSOPClassUID: { tag: 0x0002, vr: 'UI' },
  RequestedSOPClassUID: { tag: 0x0003, vr: 'UI' },
  CommandField: { tag: 0x0100, vr: 'US' },
  MessageID: { tag: 0x0110, vr: 'US' },
  MessageIDBeingRespondedTo: { tag: 0x0120, vr: 'US' },
  MoveDestination: { tag: 0x0600, vr: 'AE' },
  Priority: { tag: 0x0700, vr: 'US' },
  CommandDataSetType: { tag: 0x0800, vr: 'US' },
  Status: { tag: 0x0900, vr: 'US' },
  ErrorComment: { tag: 0x0902, vr: 'LO' },
  ErrorID: { tag: 0x0903, vr: 'US' },
  AffectedSOPInstanceUID: { tag: 0x1000, vr: 'UI' },
  RequestedSOPInstanceUID: { tag: 0x1001, vr: 'UI' },
  EventTypeID: { tag: 0x1002, vr: 'US' },
  ActionTypeID: { tag: 0x1008, vr: 'US' },
  NumberOfRemainingSuboperations: { tag: 0x1020, vr: 'US' },
  NumberOfCompletedSuboperations: { tag: 0x1021, vr: 'US' },
  NumberOfFailedSuboperations: { tag: 0x1022, vr: 'US' },
  NumberOfWarningSuboperations: { tag: 0x1023, vr: 'US' },
  MoveOriginatorApplicationEntityTitle: { tag: 0x1030, vr: 'AE' },
  MoveOriginatorMessageID: { tag: 0x1031, vr: 'US' },
};

/**
 * The command set `elements` (dcmjs-dimse's naturalized command dataset) in Implicit VR LE with its group length,
 * as dcmjs writes it; undefined when an element or value is one this encoder does not handle (the caller then
 * uses dcmjs).
 */
export function encodeCommand(elements: Record<string, unknown>): Buffer | undefined {
  const parts: Array<{ tag: number; value: Buffer }> = [];
  for (const [keyword, raw] of Object.entries(elements)) {
    // dcmjs leaves out elements without a value (e.g. a response's unset ErrorComment).
    if (keyword === 'CommandGroupLength' || raw === undefined) continue;
    const spec = COMMAND_ELEMENTS[keyword];
    if (!spec) return undefined;
    const v = Array.isArray(raw) && raw.length === 1 ? (raw[0] as unknown) : raw;
    let value: Buffer;
    if (spec.vr === 'US') {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffff) return undefined;
      value = Buffer.allocUnsafe(2);
      value.writeUInt16LE(v);
    } else {
      if (typeof v !== 'string' || !/^[ -~]*$/.test(v)) return undefined;
      // UI values are padded with NUL, text values with a space (even length).
      value = Buffer.from(v.length % 2 === 1 ? v + (spec.vr === 'UI' ? '\0' : ' ') : v, 'latin1');
    }
    parts.push({ tag: spec.tag, value });
  }
  parts.sort((a, b) => a.tag - b.tag);
  const length = parts.reduce((n, p) => n + 8 + p.value.length, 0);
  const out = Buffer.allocUnsafe(12 + length);
  // (0000,0000) UL CommandGroupLength
  out.writeUInt32LE(0, 0);
  out.writeUInt32LE(4, 4);
  out.writeUInt32LE(length, 8);
  let at = 12;
  for (const { tag, value } of parts) {
    out.writeUInt16LE(0x0000, at);
    out.writeUInt16LE(tag, at + 2);
    out.writeUInt32LE(value.length, at + 4);
    value.copy(out, at + 8);
    at += 8 + value.length;
  }
  return out;
}

/** P-DATA-TF PDU type. */
const P_DATA_TF = 0x04;
/** dcmjs-dimse's cap on PDU length (used when the peer announces 0, "no maximum"). */
const MAX_PDU_CAP = 4194304;
/** PDU header (type, reserved, length) + PDV item header (length, context id, message control header). */
const HEADERS = 12;

/** Writes a PDU + PDV header for one PDV of `valueLength` bytes at `offset` of `into`. */
function writeHeaders(
  into: Buffer,
  offset: number,
  presentationContextId: number,
  valueLength: number,
  command: boolean,
  last: boolean,
): void {
  into[offset] = P_DATA_TF;
  into[offset + 1] = 0;
  into.writeUInt32BE(valueLength + 6, offset + 2);
  into.writeUInt32BE(valueLength + 2, offset + 6);
  into[offset + 10] = presentationContextId;
  into[offset + 11] = (last ? 2 : 0) + (command ? 1 : 0);
}

/** Largest (even) PDV value length that fits a PDU of `maxPduLength` (0: no maximum), as dcmjs-dimse counts. */
export function fragmentLength(maxPduLength: number): number {
  const max = maxPduLength === 0 ? MAX_PDU_CAP : Math.min(maxPduLength, MAX_PDU_CAP);
  return Math.max(2, (max - 6) & ~1);
}

/**
 * The buffers of one DIMSE message: the command in one PDU, then the dataset in PDUs of at most `maxPduLength`
 * (PDU length field), each a header and a view of `dataset`.
 */
export function messageBuffers(
  presentationContextId: number,
  command: Buffer,
  dataset: Buffer | undefined,
  maxPduLength: number,
): Buffer[] {
  const fragment = fragmentLength(maxPduLength);
  const fragments = dataset === undefined ? 0 : Math.max(1, Math.ceil(dataset.length / fragment));
  const headers = Buffer.allocUnsafe(HEADERS * (1 + fragments));
  writeHeaders(headers, 0, presentationContextId, command.length, true, true);
  const out = [headers.subarray(0, HEADERS), command];
  if (dataset === undefined) return out;
  for (let i = 0; i < fragments; i++) {
    const start = i * fragment;
    const value = dataset.subarray(start, Math.min(start + fragment, dataset.length));
    const at = HEADERS * (1 + i);
    writeHeaders(headers, at, presentationContextId, value.length, false, i === fragments - 1);
    out.push(headers.subarray(at, at + HEADERS), value);
  }
  return out;
}

/** Replaces `network._sendPDataTF` (dcmjs-dimse 0.3.3) with the corked, copy-free writer described above. */
export function installFastSend(network: unknown): void {
  const net = internals(network, ['socket', 'statistics', '_sendPDataTF', 'emit']);
  const write = (pcId: number, command: Buffer, dataset: Buffer | undefined, max: number): void => {
    const socket = net.socket;
    // The association ended while an asynchronous dataset was read: nothing to send it on.
    if (socket.destroyed || !socket.writable) return;
    const buffers = messageBuffers(pcId, command, dataset, max);
    let bytes = 0;
    socket.cork();
    for (const b of buffers) {
      socket.write(b);
      bytes += b.length;
    }
    socket.uncork();
    net.statistics.addBytesSent(bytes);
  };
  net._sendPDataTF = (command, presentationContextId, maxPduLength) => {
    // Errors thrown here reach dcmjs-dimse's `_sendDimse`, which reports them as 'networkError' (as before).
    const commandSet = command.getCommandDataset();
    const commandBytes =
      encodeCommand(commandSet.getElements()) ?? commandSet.getDenaturalizedCommandDataset();
    const dataset = command.getDataset();
    if (isAsyncEncoded(dataset)) {
      dataset.encodedBytes().then(
        (bytes) => write(presentationContextId, commandBytes, bytes, maxPduLength),
        (e: unknown) => net.emit('networkError', e instanceof Error ? e : new Error(String(e))),
      );
      return;
    }
    const bytes = dataset?.getDenaturalizedDataset(net.datasetWriteOptions, net.datasetNameMap);
    write(presentationContextId, commandBytes, bytes, maxPduLength);
  };
}

/** Command field of a C-STORE-RSP, and the Command Data Set Type of a command without a dataset (PS3.7 E.1). */
const C_STORE_RSP = 0x8001;
const NO_DATASET = 0x0101;

/** The command elements `encodeCommand` knows, by tag. */
const COMMAND_KEYWORDS = new Map(
  Object.entries(COMMAND_ELEMENTS).map(([keyword, spec]) => [spec.tag, { keyword, vr: spec.vr }]),
);

/**
 * The command of a P-DATA-TF PDU that carries exactly one PDV, a whole command (last fragment), in dcmjs's
 * naturalized form (keyword → number or string, `CommandGroupLength` included), with its presentation context
 * id; undefined for any other PDU or a command with an element `encodeCommand` does not know.
 */
export function parseWholeCommandPdu(
  pdu: Buffer,
): { presentationContextId: number; elements: Record<string, number | string> } | undefined {
  if (pdu.length < 12 || pdu[0] !== P_DATA_TF) return undefined;
  if (pdu.readUInt32BE(2) !== pdu.length - 6 || pdu.readUInt32BE(6) !== pdu.length - 10)
    return undefined;
  if (pdu[11] !== 0x03) return undefined;
  const elements: Record<string, number | string> = {};
  let at = 12;
  while (at < pdu.length) {
    if (at + 8 > pdu.length || pdu.readUInt16LE(at) !== 0x0000) return undefined;
    const tag = pdu.readUInt16LE(at + 2);
    const length = pdu.readUInt32LE(at + 4);
    const start = at + 8;
    if (start + length > pdu.length) return undefined;
    if (tag === 0x0000) {
      if (length !== 4) return undefined;
      elements.CommandGroupLength = pdu.readUInt32LE(start);
    } else {
      const spec = COMMAND_KEYWORDS.get(tag);
      if (!spec) return undefined;
      if (spec.vr === 'US') {
        if (length !== 2) return undefined;
        elements[spec.keyword] = pdu.readUInt16LE(start);
      } else {
        // dcmjs strips a UI value's NUL padding and a text value's trailing spaces.
        elements[spec.keyword] = pdu
          .toString('latin1', start, start + length)
          .replace(spec.vr === 'UI' ? /\0+$/ : / +$/, '');
      }
    }
    at = start + length;
  }
  return { presentationContextId: pdu[10]!, elements };
}

/**
 * Hands a C-STORE-RSP that arrives whole in one PDU straight to the library's `_performDimse` (which finds the
 * request it answers and raises its events), as a response built by `makeResponse` from the parsed elements,
 * instead of dcmjs-dimse's path: a PDU object, a command stream, a dcmjs parse of the command dataset
 * (~0.1 ms) and a log string built whether logging is on or not. An SCU send receives one per image, on the critical
 * path: the next image goes out only after it. Anything else (other PDUs, other commands, a command in
 * fragments, a message in progress) takes the library's own path.
 */
export function installFastStoreResponse(
  network: unknown,
  makeResponse: (elements: Record<string, number | string>) => { hasDataset(): boolean },
): void {
  const net = internals(network, ['_processPdu', '_performDimse']) as NetworkInternals & {
    dimse?: unknown;
    association?: { getPresentationContext(id: number): unknown };
  };
  const processPdu = net._processPdu.bind(net);
  net._processPdu = (pdu) => {
    const parsed =
      net.dimse === undefined && net.dimseStream === undefined && parseWholeCommandPdu(pdu);
    const context = parsed && net.association?.getPresentationContext(parsed.presentationContextId);
    if (
      !parsed ||
      !context ||
      parsed.elements.CommandField !== C_STORE_RSP ||
      parsed.elements.CommandDataSetType !== NO_DATASET
    )
      return processPdu(pdu);
    try {
      net._performDimse(context, makeResponse(parsed.elements));
    } catch (e) {
      // As the library's `_processPdu` reports a failure while processing a PDU.
      net.emit('networkError', e instanceof Error ? e : new Error(String(e)));
    }
    return Promise.resolve();
  };
}

/**
 * Makes `network` (dcmjs-dimse 0.3.3) start a new command stream after every command without a dataset, as it
 * already does after commands with one (see the file comment).
 */
export function installCommandStreamReset(network: unknown): void {
  const net = internals(network, ['_performDimse']);
  const perform = net._performDimse.bind(net);
  net._performDimse = (context, dimse) => {
    // `_processPDataTf` has parsed the command from the stream before calling this; with a dataset it drops the
    // stream itself after this call.
    if (!dimse.hasDataset()) net.dimseStream = undefined;
    perform(context, dimse);
  };
}

/** PDU types dcmjs-dimse 0.3.3's accumulator accepts. */
const PDU_TYPES = new Set([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07]);

/**
 * Splits a byte stream into PDUs (6-byte header: type, reserved, 32-bit big-endian length). With `maxLength`, a PDU
 * whose length field is larger than `maxLength(type)` is an error as soon as its header is read: nothing of it is
 * buffered (a length of 0xFFFFFFFF must not make the receiver wait for, or collect, 4 GiB).
 */
export class PduReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Length (header included) of the PDU being received, or -1 before its header is complete. */
  private expected = -1;
  private failed = false;

  constructor(
    private readonly onPdu: (pdu: Buffer) => void,
    private readonly onError: (error: Error) => void,
    private readonly maxLength?: (type: number) => number,
  ) {}

  push(chunk: Buffer): void {
    if (this.failed || chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    for (;;) {
      if (this.expected < 0) {
        if (this.buffered < 6) return;
        if (this.chunks[0]!.length < 6) this.chunks = [Buffer.concat(this.chunks, this.buffered)];
        const head = this.chunks[0]!;
        const type = head[0]!;
        const length = head.readUInt32BE(2);
        if (!PDU_TYPES.has(type)) return this.fail(new Error(`Unknown PDU type: ${type}`));
        const max = this.maxLength?.(type);
        if (max !== undefined && length > max) {
          return this.fail(
            new Error(
              `${pduName(type)} of ${length} bytes is more than the ${max} bytes this receiver accepts`,
            ),
          );
        }
        this.expected = 6 + length;
      }
      if (this.buffered < this.expected) return;
      const pdu = this.take(this.expected);
      this.expected = -1;
      this.onPdu(pdu);
      if (this.failed) return;
    }
  }

  /** Stops reading: later bytes are ignored. */
  stop(): void {
    this.failed = true;
    this.chunks = [];
    this.buffered = 0;
  }

  private fail(error: Error): void {
    this.stop();
    this.onError(error);
  }

  /** Removes the first `n` buffered bytes: a view when they lie in the first chunk, else one copy. */
  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0]!;
    if (first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0]!;
      const used = Math.min(c.length, n - filled);
      c.copy(out, filled, 0, used);
      filled += used;
      if (used === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(used);
    }
    return out;
  }
}

/** What a receiver adds to the PDU reader (all optional). */
export interface PduReaderHooks {
  /** Largest PDU length field accepted for `type` (see PduReader). */
  maxLength?(type: number): number;
  /** Sees every PDU before dcmjs-dimse does, in order; false drops it (the hook has dealt with it). */
  accept?(pdu: Buffer): boolean;
  /** While this returns a promise, the next PDU waits for it (e.g. until a stored C-STORE has been answered). */
  gate?(): Promise<void> | undefined;
  /** A framing error (unknown PDU type, a PDU over `maxLength`); default: dcmjs-dimse's reset + 'networkError'. */
  onError?(error: Error): void;
}

/** PDUs waiting to be processed above which the socket is paused, and below which it resumes. */
const QUEUE_HIGH = 32;
const QUEUE_LOW = 8;

/**
 * Replaces dcmjs-dimse 0.3.3's socket 'data' listener (its PDU accumulator) on `network` with a `PduReader` that
 * feeds the library's `_processPdu`, as the accumulator did, but one PDU at a time: the next PDU is handed over
 * only once the previous one has been processed (dcmjs-dimse awaits the store stream's 'drain' inside a P-DATA-TF
 * with several PDVs; processing the next PDU meanwhile reordered dataset bytes or wrote after the end of the
 * stream, which throws). PDUs queue while one is processed or the gate is closed; the socket is paused when many
 * are waiting. Call right after constructing the network.
 */
export function installPduReader(network: unknown, hooks: PduReaderHooks = {}): void {
  const net = internals(network, ['socket', 'statistics', '_processPdu', '_reset', 'emit']);
  const listeners = net.socket.listeners('data');
  if (listeners.length !== 1) {
    throw new Error(
      `dcmjs-dimse network socket has ${listeners.length} 'data' listeners, expected its one accumulator: fast-path.ts does not match the installed dcmjs-dimse`,
    );
  }
  net.socket.removeListener('data', listeners[0] as (chunk: Buffer) => void);
  const queue: Buffer[] = [];
  let pumping = false;
  let paused = false;
  const pump = async (): Promise<void> => {
    pumping = true;
    try {
      while (queue.length > 0) {
        const wait = hooks.gate?.();
        if (wait) await wait;
        const pdu = queue.shift()!;
        if (paused && queue.length <= QUEUE_LOW) {
          paused = false;
          net.socket.resume();
        }
        if (hooks.accept && !hooks.accept(pdu)) continue;
        net.lastPduTime = Date.now();
        await net._processPdu(pdu);
      }
    } finally {
      pumping = false;
    }
  };
  const reader = new PduReader(
    (pdu) => {
      queue.push(pdu);
      if (!paused && queue.length >= QUEUE_HIGH) {
        paused = true;
        net.socket.pause();
      }
      if (!pumping) void pump();
    },
    (e) => {
      queue.length = 0;
      if (hooks.onError) return hooks.onError(e);
      net._reset();
      net.emit('networkError', new Error(`${net.logId} -> Connection error: ${e.message}`));
    },
    hooks.maxLength,
  );
  net.socket.on('data', (chunk: Buffer) => {
    reader.push(chunk);
    net.statistics.addBytesReceived(chunk.length);
  });
  net.socket.once('close', () => {
    reader.stop();
    queue.length = 0;
  });
}

/**
 * Stops dcmjs-dimse 0.3.3's own timers on `network` (its socket idle timeout and its once-a-second check of the
 * association and PDU timeouts), for a receiver that keeps its own (scp-listener.ts).
 */
export function disableLibraryTimers(network: unknown): void {
  const net = internals(network, ['socket']);
  net.socket.setTimeout(0);
  if (net.timeoutIntervalId !== undefined) clearInterval(net.timeoutIntervalId);
  net.timeoutIntervalId = undefined;
}
