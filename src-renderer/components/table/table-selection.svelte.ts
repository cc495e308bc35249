/**
 * The rows a table has selected, and its cursor (the active row: the one focused by the keyboard, which
 * drives detail panels). Built on the file-manager rules of `lib/selection.ts`: while nothing is marked,
 * the selection is the active row alone; Ctrl-click, Space, Shift-ranges and Ctrl+A mark rows.
 * A screen that needs the selection outside the table (buttons, stores) owns one and passes it in.
 */
import {
  SINGLE,
  prune,
  selectAll,
  selectOne,
  selectRange,
  selectedInOrder,
  selectNone,
  selectedSet,
  toggle,
  type SelectionState,
} from '../../lib/selection.js';

export class TableSelection {
  /** The row with the cursor, or null. */
  active = $state<number | null>(null);
  state = $state.raw<SelectionState>(SINGLE);

  /** The ids selected (including rows not on the current page). */
  ids = $derived(selectedSet(this.state, this.active));
  count = $derived(this.ids.size);

  has(id: number): boolean {
    return this.ids.has(id);
  }

  /** The selected ids in the order of `rows`. */
  inOrder(rows: readonly number[]): number[] {
    return selectedInOrder(rows, this.state, this.active);
  }

  /** A plain click or arrow key: this row alone (null: nothing). */
  select(id: number | null): void {
    this.active = id;
    this.state = id === null ? SINGLE : selectOne(id);
  }

  /** Ctrl-click, Space, a row's checkbox: add or remove one row, keeping the others. */
  toggle(id: number): void {
    this.state = toggle(this.state, this.active, id);
    this.active = id;
  }

  /** Shift-click or Shift+arrow: the rows from the anchor to `id` (added to the rest with `additive`). */
  extend(rows: readonly number[], id: number, additive = false): void {
    this.state = selectRange(rows, this.state, this.active, id, additive);
    this.active = id;
  }

  /** Ctrl+arrow: the cursor moves, the selection stays. */
  moveCursor(id: number): void {
    if (!this.state.marked) this.state = { marked: this.ids, anchor: this.state.anchor };
    this.active = id;
  }

  /** Ctrl+A: every row. */
  selectAll(rows: readonly number[]): void {
    this.state = selectAll(rows, this.state);
  }

  /** The header checkbox: every row; again (all selected): none. */
  toggleAll(rows: readonly number[]): void {
    if (rows.length > 0 && rows.every((id) => this.ids.has(id)))
      this.state = selectNone(this.state);
    else this.state = selectAll(rows, this.state);
  }

  /** Escape: back to the active row alone. */
  collapse(): void {
    this.state = this.active === null ? SINGLE : selectOne(this.active);
  }

  clear(): void {
    this.select(null);
  }

  /** After the rows changed (a reload, a delete): forget ids that are gone. */
  prune(rows: readonly number[]): void {
    if (this.active !== null && !rows.includes(this.active)) this.active = null;
    this.state = prune(this.state, rows);
  }
}
