/**
 * Checks the structure of an A-ASSOCIATE-RQ (PS3.8 §9.3.2) before dcmjs-dimse parses it. dcmjs-dimse 0.3.3 reads
 * the items with the lengths they announce but does not skip items it does not know (it then reads garbage), and
 * renumbers a presentation context id proposed twice, past 255 — writing that A-ASSOCIATE-AC throws inside an
 * event listener, which ends the process. So: every item and sub-item must lie inside the PDU and inside its
 * parent, item types must be known, presentation context ids odd, 1–255 and unique, the fixed-size sub-items the
 * library reads must have their size. Unknown user information sub-items are allowed (the library skips them).
 */
import { AbortReason, protocolError } from './upper-layer.js';
import type { AbortCause } from './upper-layer.js';

const FIXED_FIELDS = 68;
/** UIDs are at most 64 characters (PS3.5 §9.1). */
const MAX_UID_LENGTH = 64;

const ItemType = {
  ApplicationContext: 0x10,
  PresentationContext: 0x20,
  AbstractSyntax: 0x30,
  TransferSyntax: 0x40,
  UserInformation: 0x50,
  MaxLength: 0x51,
  AsyncOperations: 0x53,
  RoleSelection: 0x54,
  UserIdentity: 0x58,
} as const;

interface Item {
  type: number;
  value: Buffer;
}

function hex(type: number): string {
  return `0x${type.toString(16).padStart(2, '0')}`;
}

/** The items of `bytes` (type, reserved, 16-bit length, value), or the problem. */
function itemsOf(bytes: Buffer, where: string): Item[] | string {
  const items: Item[] = [];
  for (let pos = 0; pos < bytes.length;) {
    if (pos + 4 > bytes.length) return `${where} ends inside an item header`;
    const type = bytes[pos]!;
    const end = pos + 4 + bytes.readUInt16BE(pos + 2);
    if (end > bytes.length)
      return `${where} has an item of type ${hex(type)} that runs beyond its end`;
    items.push({ type, value: bytes.subarray(pos + 4, end) });
    pos = end;
  }
  return items;
}

function uidProblem(value: Buffer, what: string): string | undefined {
  if (value.length === 0) return `${what} is empty`;
  if (value.length > MAX_UID_LENGTH)
    return `${what} has ${value.length} characters (at most ${MAX_UID_LENGTH})`;
  return undefined;
}

function presentationContextProblem(value: Buffer, ids: Set<number>): string | undefined {
  if (value.length < 4) return 'a presentation context item is shorter than 4 bytes';
  const id = value[0]!;
  if (id % 2 === 0) return `presentation context id ${id} is not an odd number between 1 and 255`;
  if (ids.has(id)) return `presentation context id ${id} is proposed more than once`;
  ids.add(id);
  const subItems = itemsOf(value.subarray(4), `presentation context ${id}`);
  if (typeof subItems === 'string') return subItems;
  const abstract = subItems.filter((s) => s.type === ItemType.AbstractSyntax);
  const transfer = subItems.filter((s) => s.type === ItemType.TransferSyntax);
  if (subItems[0]?.type !== ItemType.AbstractSyntax || abstract.length !== 1)
    return `presentation context ${id} must start with its one abstract syntax`;
  if (transfer.length === 0) return `presentation context ${id} proposes no transfer syntax`;
  if (abstract.length + transfer.length !== subItems.length)
    return `presentation context ${id} has a sub-item of unknown type`;
  for (const s of subItems) {
    const problem = uidProblem(s.value, `a syntax UID of presentation context ${id}`);
    if (problem) return problem;
  }
  return undefined;
}

/** Sub-items dcmjs-dimse reads field by field: their declared length must match what it reads. */
function userItemProblem({ type, value }: Item): string | undefined {
  const wrong = `user information sub-item ${hex(type)} has a wrong length (${value.length})`;
  switch (type) {
    case ItemType.MaxLength:
    case ItemType.AsyncOperations:
      return value.length === 4 ? undefined : wrong;
    case ItemType.RoleSelection: {
      if (value.length < 2) return wrong;
      return value.length === 2 + value.readUInt16BE(0) + 2 ? undefined : wrong;
    }
    case ItemType.UserIdentity: {
      if (value.length < 4) return wrong;
      const primary = value.readUInt16BE(2);
      const at = 4 + primary;
      if (at + 2 > value.length) return wrong;
      return value.length === at + 2 + value.readUInt16BE(at) ? undefined : wrong;
    }
    default:
      return undefined;
  }
}

/** The problem with the A-ASSOCIATE-RQ `body` (the PDU without its 6-byte header), or undefined. */
export function checkAssociateRequest(body: Buffer): AbortCause | undefined {
  const invalid = (message: string): AbortCause =>
    protocolError(`A-ASSOCIATE-RQ: ${message}`, AbortReason.InvalidPduParameterValue);
  if (body.length < FIXED_FIELDS) {
    return invalid(`${body.length} bytes, shorter than its ${FIXED_FIELDS} fixed bytes`);
  }
  const items = itemsOf(body.subarray(FIXED_FIELDS), 'the request');
  if (typeof items === 'string') return invalid(items);
  const ids = new Set<number>();
  let applicationContexts = 0;
  let userInformation = 0;
  for (const item of items) {
    if (item.type === ItemType.ApplicationContext) {
      applicationContexts++;
      const problem = uidProblem(item.value, 'the application context name');
      if (problem) return invalid(problem);
    } else if (item.type === ItemType.PresentationContext) {
      const problem = presentationContextProblem(item.value, ids);
      if (problem) return invalid(problem);
    } else if (item.type === ItemType.UserInformation) {
      userInformation++;
      const subItems = itemsOf(item.value, 'the user information item');
      if (typeof subItems === 'string') return invalid(subItems);
      for (const s of subItems) {
        const problem = userItemProblem(s);
        if (problem) return invalid(problem);
      }
    } else {
      return protocolError(
        `A-ASSOCIATE-RQ: an item of unknown type ${hex(item.type)}`,
        AbortReason.UnrecognizedPduParameter,
      );
    }
  }
  if (applicationContexts !== 1)
    return invalid(`${applicationContexts} application context items (one is required)`);
  if (ids.size === 0) return invalid('no presentation context is proposed');
  // Required by PS3.8, but a request without one is still understood (the default maximum PDU length applies).
  if (userInformation > 1)
    return invalid(`${userInformation} user information items (one at most)`);
  return undefined;
}
