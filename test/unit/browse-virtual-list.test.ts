import { describe, expect, it } from 'vitest';
import {
  nearEnd,
  renderedIndices,
  scrollToReveal,
  visibleWindow,
} from '../../src-renderer/lib/virtual-list.js';

describe('virtual list math', () => {
  it('renders the visible rows plus the overscan', () => {
    // 26 px rows, a 260 px viewport at the top: rows 0..10 visible (+1 partial), 5 below.
    expect(visibleWindow(0, 260, 26, 10_000, 5)).toEqual({ start: 0, end: 16 });
    // Scrolled to row 100.
    expect(visibleWindow(2600, 260, 26, 10_000, 5)).toEqual({ start: 95, end: 116 });
  });

  it('clamps at the end and for short or empty lists', () => {
    expect(visibleWindow(26 * 9_995, 260, 26, 10_000, 5)).toEqual({ start: 9_990, end: 10_000 });
    expect(visibleWindow(0, 600, 26, 3, 5)).toEqual({ start: 0, end: 3 });
    expect(visibleWindow(0, 600, 26, 0, 5)).toEqual({ start: 0, end: 0 });
    // A stale scroll position beyond a list that shrank still yields a valid window.
    const w = visibleWindow(26 * 5_000, 260, 26, 50, 5);
    expect(w.start).toBeLessThanOrEqual(w.end);
    expect(w.end).toBeLessThanOrEqual(50);
  });

  it('keeps the focused row rendered even when it is scrolled away', () => {
    const window = { start: 100, end: 120 };
    expect(renderedIndices(window, 3, 500)).toEqual([3, ...range(100, 120)]);
    expect(renderedIndices(window, 400, 500)).toEqual([...range(100, 120), 400]);
    expect(renderedIndices(window, 110, 500)).toEqual(range(100, 120));
    expect(renderedIndices(window, -1, 500)).toEqual(range(100, 120));
  });

  it('scrolls just enough to reveal a row', () => {
    expect(scrollToReveal(5, 0, 260, 26)).toBeNull();
    expect(scrollToReveal(20, 0, 260, 26)).toBe(21 * 26 - 260);
    expect(scrollToReveal(2, 520, 260, 26)).toBe(52);
  });

  it('asks for the next page when the window nears the end of what is loaded', () => {
    expect(nearEnd({ start: 0, end: 40 }, 100, 20)).toBe(false);
    expect(nearEnd({ start: 60, end: 85 }, 100, 20)).toBe(true);
    expect(nearEnd({ start: 0, end: 0 }, 0, 20)).toBe(false);
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}
