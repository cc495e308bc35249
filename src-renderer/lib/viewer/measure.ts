/**
 * The figures of the viewer's measurements, from points in an image's pixel grid (see contract `ImagePoint`) and
 * the frame's geometry: lengths and angles in the patient's plane (each axis scaled by its own spacing, so
 * non-square pixels measure right), areas of ellipse and rectangle ROIs, which pixels an ROI holds, and the
 * statistics of their modality values (stored values after Rescale Slope and Intercept, computed on the decoded
 * values, never on the 8-bit display).
 */
import type {
  ImagePoint,
  MeasurementKind,
  MeasurementValue,
} from '../../../src-preload/contract.js';
import { hasMillimetres, type FrameGeometry } from './geometry.js';

/** A measurement being drawn: its kind and the points so far. */
export interface DraftMeasurement {
  kind: MeasurementKind;
  points: ImagePoint[];
}

/** A distance in the patient's plane: mm when the image has a spacing, else image pixels. */
export function distance(a: ImagePoint, b: ImagePoint, g: FrameGeometry): number {
  const sx = hasMillimetres(g) ? g.columnSpacing : 1;
  const sy = hasMillimetres(g) ? g.rowSpacing : 1;
  return Math.hypot((b.x - a.x) * sx, (b.y - a.y) * sy);
}

/** The angle at `vertex` between the arms to `a` and `b`, degrees (0–180), in the patient's plane. */
export function angleDegrees(
  a: ImagePoint,
  vertex: ImagePoint,
  b: ImagePoint,
  g: FrameGeometry,
): number {
  // The shape of a pixel matters for angles even without a size (Pixel Aspect Ratio).
  const sx = g.columnSpacing;
  const sy = g.rowSpacing;
  const ux = (a.x - vertex.x) * sx;
  const uy = (a.y - vertex.y) * sy;
  const vx = (b.x - vertex.x) * sx;
  const vy = (b.y - vertex.y) * sy;
  const lu = Math.hypot(ux, uy);
  const lv = Math.hypot(vx, vy);
  if (lu === 0 || lv === 0) return 0;
  const cos = Math.min(1, Math.max(-1, (ux * vx + uy * vy) / (lu * lv)));
  return (Math.acos(cos) * 180) / Math.PI;
}

/** The box of two opposite corners: left, top, right, bottom. */
export function box(
  a: ImagePoint,
  b: ImagePoint,
): { x0: number; y0: number; x1: number; y1: number } {
  return {
    x0: Math.min(a.x, b.x),
    y0: Math.min(a.y, b.y),
    x1: Math.max(a.x, b.x),
    y1: Math.max(a.y, b.y),
  };
}

/** The area of an ellipse or rectangle ROI given by two opposite corners of its box: mm² (or pixels²). */
export function roiArea(
  kind: 'ellipse' | 'rectangle',
  a: ImagePoint,
  b: ImagePoint,
  g: FrameGeometry,
): number {
  const sx = hasMillimetres(g) ? g.columnSpacing : 1;
  const sy = hasMillimetres(g) ? g.rowSpacing : 1;
  const w = Math.abs(b.x - a.x) * sx;
  const h = Math.abs(b.y - a.y) * sy;
  return kind === 'ellipse' ? (Math.PI * w * h) / 4 : w * h;
}

export interface RoiShape {
  kind: 'ellipse' | 'rectangle';
  points: [ImagePoint, ImagePoint];
}

/**
 * Calls `visit(index)` for every pixel whose centre lies inside the ROI (on the edge counts), within a frame of
 * `width` × `height` pixels; `index` is row * width + column.
 */
export function forEachRoiPixel(
  shape: RoiShape,
  width: number,
  height: number,
  visit: (index: number) => void,
): void {
  const { x0, y0, x1, y1 } = box(shape.points[0], shape.points[1]);
  const c0 = Math.max(0, Math.ceil(x0 - 0.5));
  const c1 = Math.min(width - 1, Math.floor(x1 - 0.5));
  const r0 = Math.max(0, Math.ceil(y0 - 0.5));
  const r1 = Math.min(height - 1, Math.floor(y1 - 0.5));
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  const rx = (x1 - x0) / 2;
  const ry = (y1 - y0) / 2;
  for (let r = r0; r <= r1; r++) {
    const y = r + 0.5;
    for (let c = c0; c <= c1; c++) {
      if (shape.kind === 'ellipse') {
        if (rx <= 0 || ry <= 0) continue;
        const dx = (c + 0.5 - cx) / rx;
        const dy = (y - cy) / ry;
        if (dx * dx + dy * dy > 1 + 1e-9) continue;
      }
      visit(r * width + c);
    }
  }
}

export interface RoiStats {
  /** Pixels inside the ROI. */
  count: number;
  mean: number;
  /** Population standard deviation (of all the ROI's pixels). */
  sd: number;
  min: number;
  max: number;
}

/**
 * Statistics of the modality values (stored × slope + intercept) of the pixels inside an ROI, over one frame of
 * stored values (`values`, row by row). Undefined when no pixel centre lies inside.
 */
export function roiStats(
  values: ArrayLike<number>,
  width: number,
  height: number,
  shape: RoiShape,
  slope = 1,
  intercept = 0,
): RoiStats | undefined {
  let count = 0;
  let mean = 0;
  let m2 = 0;
  let min = Infinity;
  let max = -Infinity;
  forEachRoiPixel(shape, width, height, (i) => {
    const v = (values[i] ?? 0) * slope + intercept;
    count++;
    const delta = v - mean; // Welford: stable for large ROIs of large values
    mean += delta / count;
    m2 += delta * (v - mean);
    if (v < min) min = v;
    if (v > max) max = v;
  });
  if (count === 0) return undefined;
  return { count, mean, sd: Math.sqrt(Math.max(0, m2 / count)), min, max };
}

/** The modality value of the pixel under a point, or undefined outside the frame. */
export function probeValue(
  values: ArrayLike<number>,
  width: number,
  height: number,
  point: ImagePoint,
  slope = 1,
  intercept = 0,
): number | undefined {
  const c = Math.floor(point.x);
  const r = Math.floor(point.y);
  if (c < 0 || r < 0 || c >= width || r >= height) return undefined;
  return (values[r * width + c] ?? 0) * slope + intercept;
}

/** How many points each kind takes. */
export const POINTS_OF: Record<MeasurementKind, number> = {
  length: 2,
  angle: 3,
  ellipse: 2,
  rectangle: 2,
  probe: 1,
};

/** Figures of a measurement that need only its geometry (lengths, angles, areas). */
export function geometricValues(
  kind: MeasurementKind,
  points: readonly ImagePoint[],
  g: FrameGeometry,
): MeasurementValue[] {
  const mm = hasMillimetres(g);
  const [a, b, c] = points;
  if (kind === 'length' && a && b)
    return [{ name: 'length', value: distance(a, b, g), unit: mm ? 'mm' : 'px' }];
  if (kind === 'angle' && a && b && c)
    return [{ name: 'angle', value: angleDegrees(a, b, c, g), unit: '°' }];
  if ((kind === 'ellipse' || kind === 'rectangle') && a && b)
    return [{ name: 'area', value: roiArea(kind, a, b, g), unit: mm ? 'mm²' : 'px²' }];
  return [];
}

/** The figures of ROI statistics in a unit (e.g. `HU`). */
export function statsValues(stats: RoiStats, unit: string): MeasurementValue[] {
  return [
    { name: 'mean', value: stats.mean, unit },
    { name: 'sd', value: stats.sd, unit },
    { name: 'min', value: stats.min, unit },
    { name: 'max', value: stats.max, unit },
    { name: 'pixels', value: stats.count, unit: '' },
  ];
}

/** A figure as the panel and the drawing show it: `80.12 mm`, `90.0°`, `1256.6 mm²`, `200.0 HU`. */
export function formatValue(v: MeasurementValue): string {
  const digits =
    v.name === 'pixels'
      ? 0
      : v.name === 'length' || v.name === 'area'
        ? Math.abs(v.value) >= 1000
          ? 0
          : 2
        : 1;
  const number = v.value.toFixed(digits);
  if (v.unit === '°') return `${number}°`;
  return v.unit ? `${number} ${v.unit}` : number;
}

const LABELS: Record<string, string> = {
  length: '',
  angle: '',
  area: 'Area',
  mean: 'Mean',
  sd: 'SD',
  min: 'Min',
  max: 'Max',
  value: '',
  pixels: 'Pixels',
};

/** The short text drawn beside a measurement, e.g. `80.12 mm` or `Mean 200.0 HU · SD 0.0 HU`. */
export function summaryLines(kind: MeasurementKind, values: readonly MeasurementValue[]): string[] {
  const find = (name: string) => values.find((v) => v.name === name);
  const label = (v: MeasurementValue | undefined) =>
    v ? [LABELS[v.name], formatValue(v)].filter(Boolean).join(' ') : '';
  if (kind === 'length') return [label(find('length'))].filter(Boolean);
  if (kind === 'angle') return [label(find('angle'))].filter(Boolean);
  if (kind === 'probe') return [label(find('value'))].filter(Boolean);
  const lines = [label(find('area'))];
  const mean = find('mean');
  if (mean)
    lines.push(
      `${label(mean)} · ${label(find('sd'))}`,
      `${label(find('min'))} · ${label(find('max'))}`,
    );
  return lines.filter(Boolean);
}
