/**
 * `TagMapping` bodies of `PUT /images/{id}/modify` (BEHAVIOR.md §10.8, §5.3): validated without recursion (a
 * deeply nested `previous` chain cannot exhaust the stack) into root-to-leaf steps.
 */
import { InvalidArgument } from '../system/errors.js';
import { tagOfKeyword } from '../rendering/index.js';

export interface MappingStep {
  /** Unsigned 32-bit tag. */
  tag: number;
  /** 1-based item index; set on every step but the last. */
  item?: number;
}

export interface ResolvedMapping {
  steps: MappingStep[];
  value: string;
}

/** Longest accepted tag path (DICOM nesting is shallow; this only bounds hostile input). */
const MAX_DEPTH = 64;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stepOf(node: Record<string, unknown>, at: string): { tag: number; item?: string } {
  const { tag, name, item } = node;
  let resolved: number | undefined;
  if (tag !== undefined) {
    if (typeof tag !== 'number' || !Number.isInteger(tag) || tag < -0x80000000 || tag > 0xffffffff)
      throw new InvalidArgument(`Invalid tag at ${at}: ${JSON.stringify(tag)}`);
    resolved = tag >>> 0;
  } else if (typeof name === 'string' && name !== '') {
    const t = tagOfKeyword(name);
    if (t === undefined) throw new InvalidArgument(`Unknown keyword at ${at}: ${name}`);
    resolved = t >>> 0;
  } else {
    throw new InvalidArgument(`A tag path step needs a tag or a keyword (name) at ${at}`);
  }
  if (item !== undefined && typeof item !== 'string')
    throw new InvalidArgument(`Item index must be a string at ${at}`);
  return item === undefined ? { tag: resolved } : { tag: resolved, item };
}

/** Parses one tag path pointing to an element: every enclosing step must name a 1-based item. */
export function parseElementTagPath(json: unknown, at: string): MappingStep[] {
  if (!isObject(json)) throw new InvalidArgument(`Tag path expected at ${at}`);
  const leaf = stepOf(json, at);
  if (json.item !== undefined)
    throw new InvalidArgument(
      `The tag path at ${at} must point to an element, not a sequence item`,
    );
  const steps: MappingStep[] = [{ tag: leaf.tag }];
  let node: unknown = json.previous;
  let depth = 1;
  while (node !== undefined) {
    const where = `${at}${'.previous'.repeat(depth)}`;
    if (++depth > MAX_DEPTH) throw new InvalidArgument(`Tag path too deep at ${at}`);
    if (!isObject(node)) throw new InvalidArgument(`Tag path expected at ${where}`);
    const s = stepOf(node, where);
    const item = s.item !== undefined && /^\d+$/.test(s.item) ? Number(s.item) : Number.NaN;
    if (!Number.isSafeInteger(item) || item < 1)
      throw new InvalidArgument(`A sequence step needs a 1-based item index at ${where}`);
    steps.unshift({ tag: s.tag, item });
    node = node.previous;
  }
  return steps;
}

/** Validates the JSON body: an array of `{"tagPath": TagPath, "value": string}`. */
export function parseTagMappings(body: unknown): ResolvedMapping[] {
  if (!Array.isArray(body)) throw new InvalidArgument('A JSON array of tag mappings expected');
  return body.map((m: unknown, i) => {
    const at = `[${i}]`;
    if (!isObject(m)) throw new InvalidArgument(`Tag mapping expected at ${at}`);
    if (typeof m.value !== 'string') throw new InvalidArgument(`String 'value' expected at ${at}`);
    if (m.tagPath === undefined) throw new InvalidArgument(`'tagPath' expected at ${at}`);
    return { steps: parseElementTagPath(m.tagPath, `${at}.tagPath`), value: m.value };
  });
}
