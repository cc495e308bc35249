/**
 * Tag trees (BEHAVIOR.md §5.4): a tag path whose sequence steps may address any item (`"*"`) and whose leaf may be
 * a sequence (with or without item). Parsed from the JSON linked list (leaf → root) into root-to-leaf steps, and
 * the matching rules the tag filters of §19 use.
 */
import { keywordOf, tagOfKeyword } from '../rendering/dictionary.js';
import { InvalidArgument } from '../system/errors.js';

/** JSON form: like a TagPath, but `item` may be `"*"`. */
export interface TagTreeJson {
  tag?: number;
  name?: string;
  item?: string;
  previous?: TagTreeJson;
}

/** One root-to-leaf step; `item` undefined = every item (or, at the leaf, the element itself). */
export interface TreeStep {
  tag: number;
  item?: number | '*';
}

/** Root-to-leaf steps. Reading rules of §5.3: `tag` wins over `name`; non-integer items other than `*` are ignored. */
export function parseTagTree(json: TagTreeJson): TreeStep[] {
  const steps: TreeStep[] = [];
  let depth = 0;
  for (let p: TagTreeJson | undefined = json; p; p = p.previous) {
    if (++depth > 64) throw new InvalidArgument('Tag path is nested too deeply');
    let tag: number | undefined = typeof p.tag === 'number' ? p.tag >>> 0 : undefined;
    if (tag === undefined && typeof p.name === 'string' && p.name !== '') {
      const t = tagOfKeyword(p.name);
      tag = t === undefined ? undefined : t >>> 0;
    }
    if (tag === undefined) {
      throw new InvalidArgument(
        p.name ? `Unknown keyword in tag path: ${p.name}` : 'A tag path step needs a tag or a name',
      );
    }
    const item =
      p.item === '*'
        ? '*'
        : p.item !== undefined && /^\d+$/.test(p.item)
          ? Number(p.item)
          : undefined;
    steps.unshift(item === undefined ? { tag } : { tag, item });
  }
  return steps;
}

/** JSON form of steps: `name` always (keyword or ""), `item` only where set, `previous` omitted at the root. */
export function tagTreeJson(steps: readonly TreeStep[]): TagTreeJson {
  let node: TagTreeJson | undefined;
  for (const s of steps) {
    const next: TagTreeJson = { tag: s.tag | 0, name: keywordOf(s.tag) ?? '' };
    if (s.item !== undefined) next.item = String(s.item);
    if (node) next.previous = node;
    node = next;
  }
  if (!node) throw new Error('empty tag tree');
  return node;
}

/** A position in a dataset: enclosing items (with their 1-based index), then the element or item itself. */
export interface PathStep {
  tag: number;
  /** Set for items (and the enclosing items); undefined for the element itself. */
  item?: number;
}

function itemAllowed(tree: TreeStep, path: PathStep): boolean {
  if (tree.item === undefined || tree.item === '*') return true;
  return path.item !== undefined && path.item === tree.item;
}

/** Whether `path` is the tree's node or lies inside it. */
export function treeCovers(tree: readonly TreeStep[], path: readonly PathStep[]): boolean {
  if (tree.length > path.length) return false;
  for (let i = 0; i < tree.length; i++) {
    const t = tree[i] as TreeStep;
    const p = path[i] as PathStep;
    if (t.tag !== p.tag || !itemAllowed(t, p)) return false;
  }
  return true;
}

/** Whether `path` leads to the tree's node (an enclosing sequence or item of it, or the node itself). */
export function treeLeadsThrough(tree: readonly TreeStep[], path: readonly PathStep[]): boolean {
  if (path.length > tree.length) return false;
  for (let i = 0; i < path.length; i++) {
    const t = tree[i] as TreeStep;
    const p = path[i] as PathStep;
    if (t.tag !== p.tag) return false;
    if (p.item !== undefined && !itemAllowed(t, p)) return false;
  }
  return true;
}
