/**
 * Where a frame lies in the patient and how big its pixels are, from the image's own dataset (dcmjs' naturalized
 * elements, as the decoding worker has them). Multi-frame enhanced objects keep these per frame in functional
 * groups: a frame's Per-Frame Functional Groups item wins over the Shared one, which wins over the top level
 * (PixelMeasuresSequence → Pixel Spacing and Slice Thickness, PlaneOrientationSequence → Image Orientation
 * (Patient), PlanePositionSequence → Image Position (Patient), PixelValueTransformationSequence → Rescale).
 *
 * Patient coordinates are DICOM's LPS: +x towards the patient's Left, +y Posterior, +z Head.
 */

export type Vec3 = [number, number, number];

/**
 * Where the millimetres come from: `pixel` Pixel Spacing (in the patient); `imager` Imager Pixel Spacing (at the
 * detector: not corrected for magnification, "uncalibrated"); `nominal` Nominal Scanned Pixel Spacing (a scanned
 * film); `aspect` Pixel Aspect Ratio only (a shape, no size); `none`.
 */
export type SpacingSource = 'pixel' | 'imager' | 'nominal' | 'aspect' | 'none';

export interface FrameGeometry {
  /** Millimetres between the centres of adjacent columns (across) and rows (down); 1 when unknown. */
  columnSpacing: number;
  rowSpacing: number;
  spacingSource: SpacingSource;
  /** Unit vector along a row (towards higher column numbers), Image Orientation (Patient) values 1–3. */
  rowDirection?: Vec3;
  /** Unit vector down a column (towards higher row numbers), Image Orientation (Patient) values 4–6. */
  columnDirection?: Vec3;
  /** Image Position (Patient): the centre of the first pixel, mm. */
  position?: Vec3;
  sliceThickness?: number;
  sliceLocation?: number;
  frameOfReferenceUid?: string;
}

/** How stored values become modality values (Rescale Slope/Intercept) and what those are called. */
export interface Rescale {
  slope: number;
  intercept: number;
  /** `HU` for CT, the Rescale Type or PET Units when given, else empty. */
  unit: string;
}

type Elements = Record<string, unknown>;

function numbers(value: unknown): number[] | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const list = Array.isArray(value)
    ? value
    : typeof value === 'string'
      ? value.split('\\')
      : [value];
  const out = list.map((v) => (typeof v === 'number' ? v : Number.parseFloat(String(v))));
  return out.length > 0 && out.every(Number.isFinite) ? out : undefined;
}

function firstNumber(value: unknown): number | undefined {
  return numbers(value)?.[0];
}

function text(value: unknown): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  return t === '' ? undefined : t;
}

/** The first item of a sequence (dcmjs gives an array of items; tolerate a lone item). */
function item(value: unknown): Elements | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v && typeof v === 'object' ? (v as Elements) : undefined;
}

/**
 * The value of `attribute` inside macro `sequence` for frame `frame`: Per-Frame item first, then Shared, then
 * the top level of the dataset.
 */
export function frameAttribute(
  elements: Elements,
  frame: number,
  sequence: string,
  attribute: string,
): unknown {
  const perFrame = Array.isArray(elements.PerFrameFunctionalGroupsSequence)
    ? (elements.PerFrameFunctionalGroupsSequence[frame] as Elements | undefined)
    : undefined;
  const shared = item(elements.SharedFunctionalGroupsSequence);
  for (const group of [perFrame, shared]) {
    const value = item(group?.[sequence])?.[attribute];
    if (value !== undefined && value !== null && value !== '') return value;
  }
  return elements[attribute];
}

function unit(v: number[]): Vec3 | undefined {
  const [x = 0, y = 0, z = 0] = v;
  const length = Math.hypot(x, y, z);
  return length > 1e-6 ? [x / length, y / length, z / length] : undefined;
}

function spacingPair(value: unknown): [number, number] | undefined {
  const v = numbers(value);
  return v && v.length >= 2 && v[0]! > 0 && v[1]! > 0 ? [v[0]!, v[1]!] : undefined;
}

/** The geometry of one frame (0-based) of an image. */
export function frameGeometry(elements: Elements, frame = 0): FrameGeometry {
  const g: FrameGeometry = { columnSpacing: 1, rowSpacing: 1, spacingSource: 'none' };
  // DICOM spacing pairs are (between rows = vertical, between columns = horizontal).
  const sources: [SpacingSource, unknown][] = [
    ['pixel', frameAttribute(elements, frame, 'PixelMeasuresSequence', 'PixelSpacing')],
    ['imager', elements.ImagerPixelSpacing],
    ['nominal', elements.NominalScannedPixelSpacing],
  ];
  for (const [source, value] of sources) {
    const pair = spacingPair(value);
    if (pair) {
      [g.rowSpacing, g.columnSpacing] = pair;
      g.spacingSource = source;
      break;
    }
  }
  if (g.spacingSource === 'none') {
    const ratio = spacingPair(elements.PixelAspectRatio);
    if (ratio && ratio[0] !== ratio[1]) {
      [g.rowSpacing, g.columnSpacing] = ratio;
      g.spacingSource = 'aspect';
    }
  }
  const orientation = numbers(
    frameAttribute(elements, frame, 'PlaneOrientationSequence', 'ImageOrientationPatient'),
  );
  if (orientation && orientation.length >= 6) {
    const row = unit(orientation.slice(0, 3));
    const column = unit(orientation.slice(3, 6));
    if (row && column) {
      g.rowDirection = row;
      g.columnDirection = column;
    }
  }
  const position = numbers(
    frameAttribute(elements, frame, 'PlanePositionSequence', 'ImagePositionPatient'),
  );
  if (position && position.length >= 3) g.position = [position[0]!, position[1]!, position[2]!];
  const thickness = firstNumber(
    frameAttribute(elements, frame, 'PixelMeasuresSequence', 'SliceThickness'),
  );
  if (thickness !== undefined) g.sliceThickness = thickness;
  const location = firstNumber(elements.SliceLocation);
  if (location !== undefined) g.sliceLocation = location;
  const forUid = text(elements.FrameOfReferenceUID);
  if (forUid) g.frameOfReferenceUid = forUid;
  return g;
}

/** The geometry of every frame; frames that share all of it share one object. */
export function imageGeometries(elements: Elements, frames: number): FrameGeometry[] {
  const out: FrameGeometry[] = [];
  const perFrame = Array.isArray(elements.PerFrameFunctionalGroupsSequence);
  const single = frameGeometry(elements, 0);
  for (let f = 0; f < Math.max(1, frames); f++)
    out.push(perFrame && f > 0 ? frameGeometry(elements, f) : single);
  return out;
}

/** Rescale of a frame (per-frame PixelValueTransformationSequence, shared, or top level). */
export function frameRescale(elements: Elements, frame = 0): Rescale {
  const get = (name: string) =>
    frameAttribute(elements, frame, 'PixelValueTransformationSequence', name);
  const slope = firstNumber(get('RescaleSlope'));
  const intercept = firstNumber(get('RescaleIntercept'));
  const type = text(get('RescaleType'));
  const modality = text(elements.Modality)?.toUpperCase();
  let unitName = '';
  if (type && type.toUpperCase() !== 'US') unitName = type;
  else if (modality === 'CT') unitName = 'HU';
  else if (modality === 'PT') unitName = text(elements.Units) ?? '';
  return {
    slope: slope !== undefined && slope !== 0 ? slope : 1,
    intercept: intercept ?? 0,
    unit: unitName,
  };
}

/** Whether lengths can be given in millimetres (Pixel, Imager or Nominal Scanned Pixel Spacing). */
export function hasMillimetres(g: FrameGeometry): boolean {
  return (
    g.spacingSource === 'pixel' || g.spacingSource === 'imager' || g.spacingSource === 'nominal'
  );
}

/** A short note for millimetres that are not in the patient's plane, or undefined. */
export function spacingNote(g: FrameGeometry): string | undefined {
  if (g.spacingSource === 'imager')
    return 'Uncalibrated: spacing at the detector (Imager Pixel Spacing)';
  if (g.spacingSource === 'nominal') return 'Uncalibrated: spacing of the scanned film';
  return undefined;
}

// ── orientation ────────────────────────────────────────────────────────────────

/** A component smaller than this (cos 75.5°) adds no letter: only the dominant directions are named. */
export const OBLIQUE_THRESHOLD = 0.25;

/**
 * The patient direction a unit vector points to, as radiology viewers letter it: `L`/`R`, `P`/`A`, `H`/`F`, the
 * largest component first, then any other component of at least OBLIQUE_THRESHOLD (an oblique direction reads
 * e.g. `LA`), at most three letters.
 */
export function directionLabel(v: Vec3): string {
  const letters: [number, string][] = [
    [v[0], v[0] > 0 ? 'L' : 'R'],
    [v[1], v[1] > 0 ? 'P' : 'A'],
    [v[2], v[2] > 0 ? 'H' : 'F'],
  ];
  letters.sort((a, b) => Math.abs(b[0]) - Math.abs(a[0]));
  return letters
    .filter(([c], i) => i === 0 || Math.abs(c) >= OBLIQUE_THRESHOLD)
    .map(([, l]) => l)
    .join('');
}

function negate(v: Vec3): Vec3 {
  return [-v[0], -v[1], -v[2]];
}

export interface EdgeMarkers {
  left: string;
  right: string;
  top: string;
  bottom: string;
}

/**
 * The letters at the four edges of the frame as drawn (no rotation or flip): the right edge is where the row
 * direction points, the bottom where the column direction points, left and top the opposite ones.
 */
export function edgeMarkers(g: FrameGeometry): EdgeMarkers | undefined {
  if (!g.rowDirection || !g.columnDirection) return undefined;
  return {
    right: directionLabel(g.rowDirection),
    left: directionLabel(negate(g.rowDirection)),
    bottom: directionLabel(g.columnDirection),
    top: directionLabel(negate(g.columnDirection)),
  };
}

// ── slice position ─────────────────────────────────────────────────────────────

export function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

export function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/** The normal of the frame's plane (row × column direction), if it has an orientation. */
export function sliceNormal(g: FrameGeometry): Vec3 | undefined {
  return g.rowDirection && g.columnDirection ? cross(g.rowDirection, g.columnDirection) : undefined;
}

/** The patient point at the centre of a frame of `columns` × `rows` pixels, if its plane is known. */
export function frameCentre(g: FrameGeometry, columns: number, rows: number): Vec3 | undefined {
  if (!g.position || !g.rowDirection || !g.columnDirection) return undefined;
  // Image Position is the centre of the first pixel; the frame's centre is (columns-1)/2, (rows-1)/2 from it.
  const across = ((columns - 1) / 2) * g.columnSpacing;
  const down = ((rows - 1) / 2) * g.rowSpacing;
  return [0, 1, 2].map(
    (i) => g.position![i]! + g.rowDirection![i]! * across + g.columnDirection![i]! * down,
  ) as Vec3;
}
