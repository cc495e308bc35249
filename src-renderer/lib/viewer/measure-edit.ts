/**
 * Pointing at measurements on screen: which handle or which measurement is under the pointer (in viewport CSS
 * pixels, through the frame's placement), and moving a handle or a whole measurement in the image's pixel grid.
 */
import type { ImagePoint, Measurement } from '../../../src-preload/contract.js';
import { box } from './measure.js';
import { toViewport, type Placement } from './transform.js';

/** How near (CSS pixels) the pointer must be to grab a handle or pick a measurement. */
export const HANDLE_RADIUS = 8;
export const PICK_DISTANCE = 6;

function distanceToSegment(
  p: { x: number; y: number },
  a: { x: number; y: number },
  b: { x: number; y: number },
): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const length2 = dx * dx + dy * dy;
  const t =
    length2 === 0 ? 0 : Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / length2));
  return Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

/** The handle (point index) of a measurement under `at`, the nearest within HANDLE_RADIUS; selected first. */
export function handleAt(
  measurements: readonly Measurement[],
  p: Placement,
  at: { x: number; y: number },
  selectedId: string | null = null,
): { id: string; handle: number } | undefined {
  let best: { id: string; handle: number; distance: number } | undefined;
  const ordered = [...measurements].sort(
    (a, b) => Number(b.id === selectedId) - Number(a.id === selectedId),
  );
  for (const m of ordered) {
    m.points.forEach((point, handle) => {
      const s = toViewport(p, point);
      const distance = Math.hypot(s.x - at.x, s.y - at.y);
      if (distance <= HANDLE_RADIUS && (!best || distance < best.distance - 0.5)) {
        best = { id: m.id, handle, distance };
      }
    });
  }
  return best ? { id: best.id, handle: best.handle } : undefined;
}

/** Whether `at` is on the measurement's drawing (its lines, outline or probe point). */
export function isOnMeasurement(
  m: Measurement,
  p: Placement,
  at: { x: number; y: number },
): boolean {
  const s = m.points.map((point) => toViewport(p, point));
  if (m.kind === 'probe') return Math.hypot(s[0]!.x - at.x, s[0]!.y - at.y) <= HANDLE_RADIUS;
  if (m.kind === 'length') return distanceToSegment(at, s[0]!, s[1]!) <= PICK_DISTANCE;
  if (m.kind === 'angle')
    return (
      distanceToSegment(at, s[0]!, s[1]!) <= PICK_DISTANCE ||
      distanceToSegment(at, s[1]!, s[2]!) <= PICK_DISTANCE
    );
  const { x0, y0, x1, y1 } = box(s[0]!, s[1]!);
  if (m.kind === 'rectangle') {
    const corners = [
      { x: x0, y: y0 },
      { x: x1, y: y0 },
      { x: x1, y: y1 },
      { x: x0, y: y1 },
    ];
    return corners.some((c, i) => distanceToSegment(at, c, corners[(i + 1) % 4]!) <= PICK_DISTANCE);
  }
  // Ellipse: near its outline (radial distance, in CSS pixels).
  const rx = (x1 - x0) / 2;
  const ry = (y1 - y0) / 2;
  if (rx <= 0 || ry <= 0) return false;
  const dx = at.x - (x0 + x1) / 2;
  const dy = at.y - (y0 + y1) / 2;
  const r = Math.hypot(dx / rx, dy / ry);
  return Math.abs(r - 1) * Math.min(rx, ry) <= PICK_DISTANCE;
}

/** The topmost (newest) measurement under `at`. */
export function measurementAt(
  measurements: readonly Measurement[],
  p: Placement,
  at: { x: number; y: number },
): Measurement | undefined {
  for (let i = measurements.length - 1; i >= 0; i--) {
    if (isOnMeasurement(measurements[i]!, p, at)) return measurements[i];
  }
  return undefined;
}

/** The points with handle `handle` moved to `to`. */
export function withHandle(
  points: readonly ImagePoint[],
  handle: number,
  to: ImagePoint,
): ImagePoint[] {
  return points.map((point, i) => (i === handle ? { x: to.x, y: to.y } : { ...point }));
}

/** The points moved by (dx, dy) image pixels. */
export function moved(points: readonly ImagePoint[], dx: number, dy: number): ImagePoint[] {
  return points.map((point) => ({ x: point.x + dx, y: point.y + dy }));
}
