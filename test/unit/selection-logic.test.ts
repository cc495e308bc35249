import { describe, expect, it } from 'vitest';
import {
  SINGLE,
  prune,
  selectAll,
  selectOne,
  selectRange,
  selectedInOrder,
  selectedSet,
  toggle,
} from '../../src-renderer/lib/selection.js';

const ids = [10, 11, 12, 13, 14, 15];
const sorted = (set: ReadonlySet<number>) => [...set].sort((a, b) => a - b);

describe('multi-selection', () => {
  it('is the focused row alone until something is marked', () => {
    expect(sorted(selectedSet(SINGLE, 12))).toEqual([12]);
    expect(sorted(selectedSet(SINGLE, null))).toEqual([]);
    expect(selectOne(13)).toEqual({ marked: null, anchor: 13 });
  });

  it('Ctrl-click toggles rows on top of the focused one', () => {
    let state = toggle(selectOne(11), 11, 13);
    expect(sorted(selectedSet(state, 13))).toEqual([11, 13]);
    state = toggle(state, 13, 11);
    expect(sorted(selectedSet(state, 11))).toEqual([13]);
    expect(state.anchor).toBe(11);
  });

  it('Shift-click selects the range from the anchor, in either direction', () => {
    const state = selectRange(ids, selectOne(11), 11, 14);
    expect(sorted(selectedSet(state, 14))).toEqual([11, 12, 13, 14]);
    // Shift-click again moves the far end, from the same anchor.
    const back = selectRange(ids, state, 14, 10);
    expect(sorted(selectedSet(back, 10))).toEqual([10, 11]);
    expect(back.anchor).toBe(11);
  });

  it('Ctrl+Shift-click adds the range to what was selected', () => {
    const first = toggle(selectOne(10), 10, 15);
    const added = selectRange(ids, first, 15, 13, true);
    expect(sorted(selectedSet(added, 13))).toEqual([10, 13, 14, 15]);
  });

  it('Shift+arrows extend from the row where extending started', () => {
    // Focused 12 (single selection), Shift+Down twice, then Shift+Up once.
    let state = selectRange(ids, SINGLE, 12, 13);
    state = selectRange(ids, state, 13, 14);
    expect(sorted(selectedSet(state, 14))).toEqual([12, 13, 14]);
    state = selectRange(ids, state, 14, 13);
    expect(sorted(selectedSet(state, 13))).toEqual([12, 13]);
  });

  it('Ctrl+A selects every loaded row; the order follows the list', () => {
    const state = selectAll(ids, SINGLE);
    expect(selectedInOrder(ids, state, 12)).toEqual(ids);
    expect(selectedInOrder([15, 10], state, null)).toEqual([15, 10]);
  });

  it('forgets rows that are gone after a reload', () => {
    const state = selectRange(ids, selectOne(10), 10, 13);
    const pruned = prune(state, [10, 12, 14]);
    expect(sorted(selectedSet(pruned, 10))).toEqual([10, 12]);
    expect(prune(SINGLE, ids)).toBe(SINGLE);
    expect(prune(selectOne(99), ids)).toEqual({ marked: null, anchor: null });
  });

  it('ignores a range to a row that is not loaded', () => {
    const state = selectOne(10);
    expect(selectRange(ids, state, 10, 99)).toBe(state);
  });
});
