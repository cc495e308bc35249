/**
 * Tag paths (BEHAVIOR.md §5.3): JSON linked list from leaf to root, and the string form.
 */
import { keywordOf, tagOfKeyword, tagString } from './dictionary.js';

export interface TagPath {
  tag: number;
  name: string;
  /** 1-based item index as a string, on sequence steps only. */
  item?: string;
  previous?: TagPath;
}

/** One step from root to leaf: the tag and, for sequence steps, the 1-based item index. */
export interface TagPathStep {
  tag: number;
  item?: number;
}

/** A root-level element path. */
export function rootTagPath(tag: number): TagPath {
  return { tag, name: keywordOf(tag) };
}

/** Builds the JSON form from root-to-leaf steps. */
export function tagPathFromSteps(steps: readonly TagPathStep[]): TagPath {
  let path: TagPath | undefined;
  for (const s of steps) {
    const node: TagPath = { tag: s.tag, name: keywordOf(s.tag) };
    if (s.item !== undefined) node.item = String(s.item);
    if (path) node.previous = path;
    path = node;
  }
  if (!path) throw new Error('Empty tag path');
  return path;
}

/**
 * Root-to-leaf steps of a JSON tag path (reading rules: `tag` wins over `name`; an unknown keyword without a
 * tag is an error; non-integer `item` strings are ignored).
 */
export function tagPathSteps(path: TagPath): TagPathStep[] {
  const steps: TagPathStep[] = [];
  for (let p: TagPath | undefined = path; p; p = p.previous) {
    let tag: number | undefined = typeof p.tag === 'number' ? p.tag >>> 0 : undefined;
    if (tag === undefined) tag = p.name ? tagOfKeyword(p.name) : undefined;
    if (tag === undefined) throw new Error(`Unknown tag path keyword: ${p.name}`);
    const item = p.item !== undefined && /^\d+$/.test(p.item) ? Number(p.item) : undefined;
    steps.unshift(item === undefined ? { tag } : { tag, item });
  }
  return steps;
}

/** String form: keywords joined with `.`, item indices in brackets, unknown tags as `(GGGG,EEEE)`. */
export function tagPathToString(path: TagPath): string {
  return tagPathSteps(path)
    .map(
      (s) => `${keywordOf(s.tag) || tagString(s.tag)}${s.item !== undefined ? `[${s.item}]` : ''}`,
    )
    .join('.');
}
