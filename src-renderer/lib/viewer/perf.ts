/**
 * The viewer's speed figures, as User Timing marks (the browser's own performance timeline, nothing global of
 * ours): `sbx-viewer-open` when a series is asked for, `sbx-viewer-paint` for every frame put on screen,
 * `sbx-viewer-parse` and `sbx-viewer-render` for the worker's time per image and per frame (`detail` holds the
 * milliseconds). `npm run bench` reads them in Chromium. The timeline is bounded: old marks go.
 */

export const MARKS = {
  open: 'sbx-viewer-open',
  paint: 'sbx-viewer-paint',
  parse: 'sbx-viewer-parse',
  render: 'sbx-viewer-render',
} as const;

const LIMIT = 5000;
let count = 0;

export function mark(
  name: (typeof MARKS)[keyof typeof MARKS],
  detail?: Record<string, unknown>,
): void {
  if (typeof performance === 'undefined' || typeof performance.mark !== 'function') return;
  if (++count > LIMIT) {
    for (const n of Object.values(MARKS)) performance.clearMarks(n);
    count = 1;
  }
  performance.mark(name, detail ? { detail } : undefined);
}
