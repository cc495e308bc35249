/**
 * TagPath and TagTree JSON as read from requests (BEHAVIOR.md §5.3, §5.4): one schema for every route that reads
 * a tag path — modify, anonymization tag values (single, bulk, box send), filter tag paths.
 *
 * `{"tag": int?, "name": string?, "item": string?, "previous": TagPath?}`, leaf first. Slicebox reads every
 * field as nullable, so `null` means absent: its own web UI sends `{"tag":null,"name":"PatientAge","previous":null}`
 * and `{"tag":1052688,"name":null,"previous":null}`. Extra fields are ignored. The chain is walked without
 * recursion and is at most {@link MAX_TAG_PATH_DEPTH} steps long, so hostile nesting cannot exhaust the stack.
 * What a step must contain (a tag or a known keyword, an item where a sequence is crossed) is checked by each
 * consumer, which knows whether it reads a path to an element or a tree.
 */
import { z } from 'zod';

export interface TagPathJson {
  tag?: number;
  name?: string;
  item?: string;
  previous?: TagPathJson;
}

/** Longest accepted chain (DICOM nesting is shallow; this only bounds hostile input). */
export const MAX_TAG_PATH_DEPTH = 64;

const MIN_TAG = -0x80000000;
const MAX_TAG = 0xffffffff;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `previous.previous…` for the step at `depth` (0 = the leaf). */
function where(depth: number): string {
  return depth === 0 ? 'the tag path' : `tag path step ${'previous.'.repeat(depth).slice(0, -1)}`;
}

/** The path with nulls dropped, or a message saying what is wrong with it. */
export function readTagPathJson(value: unknown): TagPathJson | string {
  const steps: TagPathJson[] = [];
  let node: unknown = value;
  for (let depth = 0; node !== undefined && node !== null; depth++) {
    if (depth >= MAX_TAG_PATH_DEPTH)
      return `The tag path is nested deeper than ${MAX_TAG_PATH_DEPTH} steps`;
    if (!isObject(node)) return `${where(depth)} must be an object`;
    const { tag, name, item } = node;
    const step: TagPathJson = {};
    if (tag !== undefined && tag !== null) {
      if (typeof tag !== 'number' || !Number.isInteger(tag) || tag < MIN_TAG || tag > MAX_TAG)
        return `'tag' of ${where(depth)} must be a 32-bit integer, not ${JSON.stringify(tag)}`;
      step.tag = tag;
    }
    if (name !== undefined && name !== null) {
      if (typeof name !== 'string') return `'name' of ${where(depth)} must be a string`;
      step.name = name;
    }
    if (item !== undefined && item !== null) {
      if (typeof item !== 'string') return `'item' of ${where(depth)} must be a string`;
      step.item = item;
    }
    steps.push(step);
    node = node.previous;
  }
  if (steps.length === 0) return 'A tag path is required';
  // Relink leaf → root without recursion.
  for (let i = steps.length - 2; i >= 0; i--) (steps[i] as TagPathJson).previous = steps[i + 1];
  return steps[0] as TagPathJson;
}

/** Zod schema for a TagPath / TagTree field: nullable fields read as absent. */
export const TagPathJsonSchema = z.unknown().transform((value, ctx): TagPathJson => {
  const result = readTagPathJson(value);
  if (typeof result === 'string') {
    ctx.addIssue({ code: 'custom', message: result });
    return z.NEVER;
  }
  return result;
});

/** `{"tagPath": TagPath, "value": string}`: Slicebox's TagValue (anonymization) and TagMapping (modify). */
export const TagPathValueSchema = z.object({ tagPath: TagPathJsonSchema, value: z.string() });
