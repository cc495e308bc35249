/**
 * Hand-made DICOM upper-layer bytes for the SCP hardening tests (PS3.8 §9.3): PDUs, PDVs and DIMSE command sets,
 * built field by field so that a test can break any one of them, and a raw peer on a `net.Socket` that reads what
 * the SCP answers (bounded waits only).
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';

export const PduType = {
  AssociateRq: 0x01,
  AssociateAc: 0x02,
  AssociateRj: 0x03,
  PData: 0x04,
  ReleaseRq: 0x05,
  ReleaseRp: 0x06,
  Abort: 0x07,
} as const;

export const APPLICATION_CONTEXT = '1.2.840.10008.3.1.1.1';
export const VERIFICATION = '1.2.840.10008.1.1';
export const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
export const MR_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.4';
export const IMPLICIT_LE = '1.2.840.10008.1.2';
export const EXPLICIT_LE = '1.2.840.10008.1.2.1';

/** A PDU: type, reserved byte, 32-bit big-endian length (of `body`, unless `length` says otherwise), body. */
export function pdu(type: number, body: Buffer, length = body.length): Buffer {
  const head = Buffer.alloc(6);
  head[0] = type;
  head.writeUInt32BE(length >>> 0, 2);
  return Buffer.concat([head, body]);
}

/** A variable item: type, reserved, 16-bit big-endian length, value. */
function item(type: number, value: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head[0] = type;
  head.writeUInt16BE(value.length, 2);
  return Buffer.concat([head, value]);
}

function ascii(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

function aeField(ae: string): Buffer {
  return ascii(ae.padEnd(16, ' ').slice(0, 16));
}

export interface ProposedContext {
  id: number;
  abstractSyntax: string;
  transferSyntaxes: string[];
}

export interface AssociateRqOptions {
  called: string;
  calling?: string;
  contexts: ProposedContext[];
  /** Maximum PDU length the requestor can receive (0: no maximum); default 16384. */
  maxPduLength?: number;
  /** Further user information sub-items, appended after max length and implementation class UID. */
  extraUserItems?: Buffer[];
}

/** A user information sub-item (e.g. type 0x58 user identity) with an arbitrary value. */
export function userItem(type: number, value: Buffer): Buffer {
  return item(type, value);
}

/** The body of an A-ASSOCIATE-RQ (without the PDU header). */
export function associateRqBody(o: AssociateRqOptions): Buffer {
  const fixed = Buffer.alloc(68);
  fixed.writeUInt16BE(1, 0); // protocol version
  aeField(o.called).copy(fixed, 4);
  aeField(o.calling ?? 'RAWPEER').copy(fixed, 20);
  const contexts = o.contexts.map((c) => {
    const head = Buffer.from([c.id, 0, 0, 0]);
    return item(
      0x20,
      Buffer.concat([
        head,
        item(0x30, ascii(c.abstractSyntax)),
        ...c.transferSyntaxes.map((ts) => item(0x40, ascii(ts))),
      ]),
    );
  });
  const max = Buffer.alloc(4);
  max.writeUInt32BE((o.maxPduLength ?? 16384) >>> 0, 0);
  const user = item(
    0x50,
    Buffer.concat([
      item(0x51, max),
      item(0x52, ascii('1.2.3.4.5.6.7')),
      ...(o.extraUserItems ?? []),
    ]),
  );
  return Buffer.concat([fixed, item(0x10, ascii(APPLICATION_CONTEXT)), ...contexts, user]);
}

export function associateRq(o: AssociateRqOptions): Buffer {
  return pdu(PduType.AssociateRq, associateRqBody(o));
}

export interface PdvSpec {
  pcId: number;
  value: Buffer;
  command?: boolean;
  last?: boolean;
  /** Overrides the item length field (normally value length + 2). */
  itemLength?: number;
}

/** One PDV item: 32-bit length, presentation context id, message control header, value. */
export function pdv(p: PdvSpec): Buffer {
  const head = Buffer.alloc(6);
  head.writeUInt32BE((p.itemLength ?? p.value.length + 2) >>> 0, 0);
  head[4] = p.pcId;
  head[5] = (p.last === false ? 0 : 2) + (p.command ? 1 : 0);
  return Buffer.concat([head, p.value]);
}

export function pData(...pdvs: PdvSpec[]): Buffer {
  return pdu(PduType.PData, Buffer.concat(pdvs.map(pdv)));
}

export function releaseRq(): Buffer {
  return pdu(PduType.ReleaseRq, Buffer.alloc(4));
}

export function abortPdu(): Buffer {
  return pdu(PduType.Abort, Buffer.alloc(4));
}

/** A command element value: UI values padded with NUL to even length. */
function uiValue(uid: string): Buffer {
  return ascii(uid.length % 2 === 1 ? `${uid}\0` : uid);
}

function us(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n, 0);
  return b;
}

/** A command set (group 0000, Implicit VR LE) with its group length, elements sorted by tag. */
export function commandSet(elements: Array<[number, Buffer]>): Buffer {
  const sorted = [...elements].sort((a, b) => a[0] - b[0]);
  const parts = sorted.map(([tag, value]) => {
    const head = Buffer.alloc(8);
    head.writeUInt16LE(0x0000, 0);
    head.writeUInt16LE(tag, 2);
    head.writeUInt32LE(value.length, 4);
    return Buffer.concat([head, value]);
  });
  const body = Buffer.concat(parts);
  const length = Buffer.alloc(12);
  length.writeUInt32LE(0, 0);
  length.writeUInt32LE(4, 4);
  length.writeUInt32LE(body.length, 8);
  return Buffer.concat([length, body]);
}

export function cEchoRq(messageId = 1): Buffer {
  return commandSet([
    [0x0002, uiValue(VERIFICATION)],
    [0x0100, us(0x0030)],
    [0x0110, us(messageId)],
    [0x0800, us(0x0101)],
  ]);
}

export function cStoreRq(o: { sopClass: string; sopInstance: string; messageId?: number }): Buffer {
  return commandSet([
    [0x0002, uiValue(o.sopClass)],
    [0x0100, us(0x0001)],
    [0x0110, us(o.messageId ?? 1)],
    [0x0700, us(0)],
    [0x0800, us(0x0000)],
    [0x1000, uiValue(o.sopInstance)],
  ]);
}

/** The elements of a command set (group 0000, Implicit VR LE): tag → value. */
export function readCommand(bytes: Buffer): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  for (let at = 0; at + 8 <= bytes.length;) {
    const tag = bytes.readUInt16LE(at + 2);
    const length = bytes.readUInt32LE(at + 4);
    out.set(tag, bytes.subarray(at + 8, at + 8 + length));
    at += 8 + length;
  }
  return out;
}

/** The DIMSE status of a response command set. */
export function statusOf(command: Buffer): number | undefined {
  return readCommand(command).get(0x0900)?.readUInt16LE(0);
}

export interface ReceivedPdu {
  type: number;
  body: Buffer;
}

/** PDV values of a P-DATA-TF body. */
export function pdvsOf(
  body: Buffer,
): Array<{ pcId: number; command: boolean; last: boolean; value: Buffer }> {
  const out = [];
  for (let at = 0; at + 6 <= body.length;) {
    const length = body.readUInt32BE(at);
    out.push({
      pcId: body[at + 4]!,
      command: (body[at + 5]! & 1) === 1,
      last: (body[at + 5]! & 2) === 2,
      value: body.subarray(at + 6, at + 4 + length),
    });
    at += 4 + length;
  }
  return out;
}

/** Presentation context results of an A-ASSOCIATE-AC body: id → { result, transfer syntax }, and its max PDU. */
export function readAssociateAc(body: Buffer): {
  contexts: Map<number, { result: number; transferSyntax: string }>;
  maxPduLength: number | undefined;
} {
  const contexts = new Map<number, { result: number; transferSyntax: string }>();
  let maxPduLength: number | undefined;
  for (let at = 68; at + 4 <= body.length;) {
    const type = body[at]!;
    const length = body.readUInt16BE(at + 2);
    const value = body.subarray(at + 4, at + 4 + length);
    if (type === 0x21) {
      const tsLength = value.readUInt16BE(6);
      contexts.set(value[0]!, {
        result: value[2]!,
        transferSyntax: value.toString('latin1', 8, 8 + tsLength).replace(/\0+$/, ''),
      });
    } else if (type === 0x50) {
      for (let u = 0; u + 4 <= value.length;) {
        const subLength = value.readUInt16BE(u + 2);
        if (value[u] === 0x51) maxPduLength = value.readUInt32BE(u + 4);
        u += 4 + subLength;
      }
    }
    at += 4 + length;
  }
  return { contexts, maxPduLength };
}

/** A raw TCP peer: writes whatever bytes a test gives it and splits what it receives into PDUs. */
export class RawPeer {
  private received = Buffer.alloc(0);
  private readonly pdus: ReceivedPdu[] = [];
  private waiters: Array<() => void> = [];
  closed = false;
  /** The socket error, if the connection ended with one (e.g. ECONNRESET). */
  error: Error | undefined;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      while (this.received.length >= 6) {
        const length = this.received.readUInt32BE(2);
        if (this.received.length < 6 + length) break;
        this.pdus.push({
          type: this.received[0]!,
          body: Buffer.from(this.received.subarray(6, 6 + length)),
        });
        this.received = this.received.subarray(6 + length);
      }
      this.wake();
    });
    socket.on('error', (e) => {
      this.error = e;
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static open(port: number, timeoutMs = 5000): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.setNoDelay(true);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`could not connect to 127.0.0.1:${port} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new RawPeer(socket));
      });
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private until<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const value = probe();
        if (value === undefined) return false;
        clearTimeout(timer);
        resolve(value);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== onWake);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const onWake = (): void => {
        if (!check()) this.waiters.push(onWake);
      };
      if (!check()) this.waiters.push(onWake);
    });
  }

  write(bytes: Buffer): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.write(bytes, () => resolve());
    });
  }

  /** The next PDU from the SCP, or `'closed'` when the connection closed first. */
  next(timeoutMs = 5000): Promise<ReceivedPdu | 'closed'> {
    return this.until<ReceivedPdu | 'closed'>(
      () => this.pdus.shift() ?? (this.closed ? 'closed' : undefined),
      timeoutMs,
      'a PDU from the SCP',
    );
  }

  /** Resolves when the SCP has closed the connection; the PDUs received until then. */
  async whenClosed(timeoutMs = 5000): Promise<ReceivedPdu[]> {
    await this.until(() => (this.closed ? true : undefined), timeoutMs, 'the SCP to close');
    return this.pdus.splice(0);
  }

  /** PDUs received so far (consumed). */
  take(): ReceivedPdu[] {
    return this.pdus.splice(0);
  }

  destroy(): void {
    this.socket.destroy();
  }
}
