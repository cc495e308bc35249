/**
 * Multi-selection in a list, as file managers do it: a click selects one row, Ctrl/Cmd-click toggles
 * one, Shift-click (or Shift+arrow) selects the range from the anchor, Ctrl+A selects every loaded row,
 * Escape goes back to the single focused row. Pure functions over the ids in display order.
 */

export interface SelectionState {
  /** The rows selected, or null when the selection is just the focused row (single selection). */
  marked: ReadonlySet<number> | null;
  /** Where a Shift range starts. */
  anchor: number | null;
}

export const SINGLE: SelectionState = { marked: null, anchor: null };

/** The selected ids: the marked set, or the focused row alone. */
export function selectedSet(state: SelectionState, focused: number | null): ReadonlySet<number> {
  if (state.marked) return state.marked;
  return focused === null ? new Set() : new Set([focused]);
}

/** The selected ids in display order (only rows that are loaded). */
export function selectedInOrder(
  ids: readonly number[],
  state: SelectionState,
  focused: number | null,
): number[] {
  const set = selectedSet(state, focused);
  return ids.filter((id) => set.has(id));
}

/** A plain click or arrow key: the row alone. */
export function selectOne(id: number): SelectionState {
  return { marked: null, anchor: id };
}

/** Ctrl/Cmd-click: add or remove one row, keeping the others. */
export function toggle(state: SelectionState, focused: number | null, id: number): SelectionState {
  const next = new Set(selectedSet(state, focused));
  if (next.has(id)) next.delete(id);
  else next.add(id);
  return { marked: next, anchor: id };
}

/**
 * Shift-click or Shift+arrow: the rows from the anchor to `id`.
 * With `additive` (Ctrl+Shift), the range is added to what was selected.
 */
export function selectRange(
  ids: readonly number[],
  state: SelectionState,
  focused: number | null,
  id: number,
  additive = false,
): SelectionState {
  // A single selection ranges from the focused row; a multi-selection from where it was anchored.
  const anchor = (state.marked ? state.anchor : null) ?? focused ?? id;
  let from = ids.indexOf(anchor);
  const to = ids.indexOf(id);
  if (to < 0) return state;
  if (from < 0) from = to;
  const [lo, hi] = from <= to ? [from, to] : [to, from];
  const next = additive ? new Set(selectedSet(state, focused)) : new Set<number>();
  for (let i = lo; i <= hi; i++) next.add(ids[i]!);
  return { marked: next, anchor: ids[from]! };
}

/** Ctrl+A: every loaded row. */
export function selectAll(ids: readonly number[], state: SelectionState): SelectionState {
  return { marked: new Set(ids), anchor: state.anchor ?? ids[0] ?? null };
}

/** Nothing selected (the header checkbox unticked), keeping where a range would start. */
export function selectNone(state: SelectionState): SelectionState {
  return { marked: new Set(), anchor: state.anchor };
}

/** After the rows changed (a refresh, a delete): forget ids that are gone. */
export function prune(state: SelectionState, ids: readonly number[]): SelectionState {
  const present = new Set(ids);
  const anchor = state.anchor !== null && present.has(state.anchor) ? state.anchor : null;
  if (!state.marked) return anchor === state.anchor ? state : { marked: null, anchor };
  const marked = new Set([...state.marked].filter((id) => present.has(id)));
  if (marked.size === state.marked.size && anchor === state.anchor) return state;
  return { marked, anchor };
}
