/**
 * Windowing math for long lists with a fixed row height: which rows to render for a scroll position
 * (the visible ones plus an overscan on both sides), and where to scroll to bring a row into view.
 */

export interface RowWindow {
  /** First rendered index (inclusive). */
  start: number;
  /** Last rendered index + 1 (exclusive). */
  end: number;
}

export function visibleWindow(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  count: number,
  overscan = 8,
): RowWindow {
  if (count <= 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const visible = Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1;
  const start = Math.max(0, Math.min(count - 1, first) - overscan);
  const end = Math.min(count, first + visible + overscan);
  return { start, end: Math.max(start, end) };
}

/** The rendered indices: the window, plus `keep` (e.g. the focused row) when it lies outside. */
export function renderedIndices(window: RowWindow, keep: number, count: number): number[] {
  const out: number[] = [];
  if (keep >= 0 && keep < window.start && keep < count) out.push(keep);
  for (let i = window.start; i < window.end; i++) out.push(i);
  if (keep >= window.end && keep < count) out.push(keep);
  return out;
}

/** The scrollTop that shows row `index` entirely ("nearest"), or null when it already is. */
export function scrollToReveal(
  index: number,
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
): number | null {
  const top = index * rowHeight;
  const bottom = top + rowHeight;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewportHeight) return Math.max(0, bottom - viewportHeight);
  return null;
}

/** Whether the window reaches close enough to the end of what is loaded to fetch the next page. */
export function nearEnd(window: RowWindow, count: number, threshold = 20): boolean {
  return count > 0 && window.end >= count - threshold;
}
