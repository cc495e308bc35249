/**
 * What an SCP association may receive, checked PDU by PDU before dcmjs-dimse sees it (PS3.8 §9.2 state machine,
 * reduced to what a storage SCP needs). dcmjs-dimse 0.3.3 trusts its peer: a P-DATA-TF before the association, a
 * PDV on a context that was never accepted, a dataset fragment without a command or the next C-STORE sent before
 * the last one was answered make it throw, write after the end of a stream (which ends the process) or mix
 * messages up. The guard reads only headers (PDV items, the small command set), never copies dataset bytes, and
 * answers each PDU with `undefined` (pass it on), `'drop'` (the association is ending) or the cause of an abort.
 *
 * Accepted: one A-ASSOCIATE-RQ first; then P-DATA-TF carrying C-ECHO-RQ (Verification context) and C-STORE-RQ (on
 * the context accepted for its SOP class, with a dataset on the same context, at most `maxDatasetBytes`),
 * A-RELEASE-RQ between messages, and A-ABORT at any time.
 */
import { checkAssociateRequest } from './associate-request-check.js';
import { VERIFICATION_SOP_CLASS } from './dimse-module.js';
import { AbortReason, AbortSource, PduType, pduName, protocolError } from './upper-layer.js';
import type { AbortCause } from './upper-layer.js';

const CommandField = { CStoreRq: 0x0001, CEchoRq: 0x0030 } as const;
/** CommandDataSetType value meaning "no dataset" (PS3.7 E.1). */
const NO_DATASET = 0x0101;
/** A command set is a few hundred bytes; anything near this is not one. */
const MAX_COMMAND_BYTES = 64 * 1024;

const COMMAND_NAMES: Record<number, string> = {
  0x0001: 'C-STORE-RQ',
  0x0010: 'C-GET-RQ',
  0x0020: 'C-FIND-RQ',
  0x0021: 'C-MOVE-RQ',
  0x0030: 'C-ECHO-RQ',
  0x0100: 'N-EVENT-REPORT-RQ',
  0x0110: 'N-GET-RQ',
  0x0120: 'N-SET-RQ',
  0x0130: 'N-ACTION-RQ',
  0x0140: 'N-CREATE-RQ',
  0x0150: 'N-DELETE-RQ',
  0x0fff: 'C-CANCEL-RQ',
};

export interface CommandFields {
  field: number | undefined;
  dataSetType: number | undefined;
  affectedSopClassUid: string;
  affectedSopInstanceUid: string;
}

function text(value: Buffer): string {
  return value
    .toString('latin1')
    .replace(/[\0 ]+$/, '')
    .trim();
}

/** The fields of a command set (group 0000, Implicit VR LE) the guard needs, or the problem. */
export function readCommandFields(bytes: Buffer): CommandFields | string {
  const out: CommandFields = {
    field: undefined,
    dataSetType: undefined,
    affectedSopClassUid: '',
    affectedSopInstanceUid: '',
  };
  for (let pos = 0; pos < bytes.length;) {
    if (pos + 8 > bytes.length) return 'the command set ends inside an element header';
    const group = bytes.readUInt16LE(pos);
    const element = bytes.readUInt16LE(pos + 2);
    const length = bytes.readUInt32LE(pos + 4);
    const end = pos + 8 + length;
    if (group !== 0x0000) return 'the command set has an element outside group 0000';
    if (end > bytes.length) return 'an element of the command set runs beyond its end';
    const value = bytes.subarray(pos + 8, end);
    const us = (): number | undefined => (length === 2 ? value.readUInt16LE(0) : undefined);
    if (element === 0x0100) out.field = us();
    else if (element === 0x0800) out.dataSetType = us();
    else if (element === 0x0002) out.affectedSopClassUid = text(value);
    else if (element === 0x1000) out.affectedSopInstanceUid = text(value);
    pos = end;
  }
  if (out.field === undefined) return 'the command set has no command field';
  return out;
}

type Phase = 'awaiting-request' | 'established' | 'closing';
/** Within an established association: between messages, inside a command, inside a dataset, or storing one. */
type Message = 'idle' | 'command' | 'dataset' | 'storing';

export class AssociationGuard {
  private phase: Phase = 'awaiting-request';
  private message: Message = 'idle';
  /** Accepted presentation context id → abstract syntax. */
  private accepted = new Map<number, string>();
  private messageContext = 0;
  private commandParts: Buffer[] = [];
  private commandBytes = 0;
  private datasetBytes = 0;
  private sopInstanceUid = '';

  constructor(private readonly maxDatasetBytes: number) {}

  /** The A-ASSOCIATE-RQ was answered with an A-ASSOCIATE-AC accepting these contexts (id → abstract syntax). */
  established(accepted: Map<number, string>): void {
    if (this.phase === 'closing') return;
    this.phase = 'established';
    this.accepted = accepted;
  }

  /** The association is ending (rejected, released, aborted, timed out): every further PDU is dropped. */
  close(): void {
    this.phase = 'closing';
  }

  get closing(): boolean {
    return this.phase === 'closing';
  }

  get isEstablished(): boolean {
    return this.phase === 'established';
  }

  /** A complete C-STORE is being stored; the next PDU must wait until its response was sent. */
  get storing(): boolean {
    return this.message === 'storing';
  }

  /** The response of the C-STORE being stored was sent. */
  stored(): void {
    if (this.message === 'storing') this.message = 'idle';
  }

  /** What was in progress when the association ended: a sentence fragment for the log, or undefined. */
  interrupted(): string | undefined {
    if (this.message === 'command') return 'while a DIMSE command was being received';
    if (this.message === 'dataset')
      return `during the C-STORE of ${this.sopInstanceUid || '(no UID)'}`;
    return undefined;
  }

  /** Checks one complete PDU (header included). */
  inspect(pdu: Buffer): AbortCause | 'drop' | undefined {
    if (this.phase === 'closing') return 'drop';
    const type = pdu[0]!;
    const body = pdu.subarray(6);
    if (type === PduType.Abort) return undefined;
    if (this.phase === 'awaiting-request') {
      if (type === PduType.AssociateRq) return checkAssociateRequest(body);
      return protocolError(
        `${pduName(type)} before the association was established`,
        AbortReason.UnexpectedPdu,
      );
    }
    if (type === PduType.PData) return this.pData(body);
    if (type === PduType.ReleaseRq) {
      const during = this.interrupted();
      if (during) return protocolError(`A-RELEASE-RQ ${during}`, AbortReason.UnexpectedPdu);
      return undefined;
    }
    return protocolError(`unexpected ${pduName(type)}`, AbortReason.UnexpectedPdu);
  }

  private pData(body: Buffer): AbortCause | undefined {
    const invalid = (message: string): AbortCause =>
      protocolError(message, AbortReason.InvalidPduParameterValue);
    if (body.length === 0) return invalid('a P-DATA-TF PDU without any PDV');
    for (let pos = 0; pos < body.length;) {
      if (pos + 6 > body.length)
        return invalid(`a P-DATA-TF PDU of ${body.length} bytes ends inside a PDV header`);
      const itemLength = body.readUInt32BE(pos);
      if (itemLength < 2) return invalid(`a PDV with an item length of ${itemLength}`);
      if (pos + 4 + itemLength > body.length) {
        return invalid(
          `a PDV of ${itemLength} bytes runs beyond the end of its P-DATA-TF PDU (${body.length - pos - 4} left)`,
        );
      }
      const contextId = body[pos + 4]!;
      const header = body[pos + 5]!;
      const abstractSyntax = this.accepted.get(contextId);
      if (abstractSyntax === undefined) {
        return protocolError(
          `a PDV on presentation context ${contextId}, which was not accepted in this association`,
          AbortReason.UnexpectedPduParameter,
        );
      }
      const value = body.subarray(pos + 6, pos + 4 + itemLength);
      const last = (header & 2) === 2;
      const problem =
        (header & 1) === 1
          ? this.commandFragment(contextId, abstractSyntax, value, last)
          : this.datasetFragment(contextId, value, last);
      if (problem) return problem;
      pos += 4 + itemLength;
    }
    return undefined;
  }

  private commandFragment(
    contextId: number,
    abstractSyntax: string,
    value: Buffer,
    last: boolean,
  ): AbortCause | undefined {
    const unexpected = (message: string): AbortCause =>
      protocolError(message, AbortReason.UnexpectedPduParameter);
    if (this.message === 'dataset') {
      return unexpected(
        `a command arrived before the dataset of ${this.sopInstanceUid || '(no UID)'} was complete`,
      );
    }
    if (this.message === 'command' && contextId !== this.messageContext) {
      return unexpected(
        `a command in fragments on presentation contexts ${this.messageContext} and ${contextId}`,
      );
    }
    if (this.message !== 'command') {
      this.message = 'command';
      this.messageContext = contextId;
      this.commandParts = [];
      this.commandBytes = 0;
    }
    this.commandBytes += value.length;
    if (this.commandBytes > MAX_COMMAND_BYTES)
      return unexpected(`a command set of more than ${MAX_COMMAND_BYTES} bytes`);
    // Command values are small; copied because the PDU may be a view of a socket chunk.
    this.commandParts.push(Buffer.from(value));
    if (!last) return undefined;

    const fields = readCommandFields(Buffer.concat(this.commandParts, this.commandBytes));
    this.commandParts = [];
    if (typeof fields === 'string')
      return protocolError(fields, AbortReason.InvalidPduParameterValue);
    const hasDataset = fields.dataSetType !== NO_DATASET;
    const name =
      COMMAND_NAMES[fields.field!] ??
      `DIMSE command 0x${fields.field!.toString(16).padStart(4, '0')}`;
    if (fields.field === CommandField.CEchoRq) {
      if (abstractSyntax !== VERIFICATION_SOP_CLASS)
        return unexpected(`C-ECHO-RQ on presentation context ${contextId} (${abstractSyntax})`);
      if (hasDataset) return unexpected('a C-ECHO-RQ with a dataset');
      this.message = 'idle';
      return undefined;
    }
    if (fields.field === CommandField.CStoreRq) {
      if (!hasDataset) return unexpected('a C-STORE-RQ without a dataset');
      if (fields.affectedSopClassUid !== abstractSyntax) {
        return unexpected(
          `a C-STORE-RQ for SOP class ${fields.affectedSopClassUid || '(none)'} on presentation context ${contextId}, accepted for ${abstractSyntax}`,
        );
      }
      this.message = 'dataset';
      this.sopInstanceUid = fields.affectedSopInstanceUid;
      this.datasetBytes = 0;
      return undefined;
    }
    return unexpected(`${name} is not supported by this SCP (C-ECHO and C-STORE only)`);
  }

  private datasetFragment(contextId: number, value: Buffer, last: boolean): AbortCause | undefined {
    const unexpected = (message: string): AbortCause =>
      protocolError(message, AbortReason.UnexpectedPduParameter);
    if (this.message !== 'dataset') {
      return unexpected(
        this.message === 'command'
          ? 'a dataset fragment arrived before its command was complete'
          : 'a dataset fragment arrived without a C-STORE-RQ',
      );
    }
    if (contextId !== this.messageContext) {
      return unexpected(
        `a dataset fragment on presentation context ${contextId}, its C-STORE-RQ on ${this.messageContext}`,
      );
    }
    this.datasetBytes += value.length;
    if (this.datasetBytes > this.maxDatasetBytes) {
      return {
        message: `the dataset of ${this.sopInstanceUid || '(no UID)'} exceeds the limit of ${this.maxDatasetBytes} bytes`,
        source: AbortSource.ServiceUser,
        reason: AbortReason.NotSpecified,
      };
    }
    if (last) this.message = 'storing';
    return undefined;
  }
}
