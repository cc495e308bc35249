/**
 * Window/level (VOI) math of the viewer, on modality values (stored values after Rescale Slope/Intercept).
 * A window is its centre and width, as DICOM's Window Center/Width (0028,1050/1051).
 */

export interface VoiWindow {
  center: number;
  width: number;
}

export interface ValueRange {
  min: number;
  max: number;
}

export interface WindowPreset extends VoiWindow {
  key: string;
  label: string;
}

/** Presets on the number keys 1–4 (CT, Hounsfield units). */
export const WINDOW_PRESETS: readonly WindowPreset[] = [
  { key: '1', label: 'Soft tissue', width: 400, center: 40 },
  { key: '2', label: 'Lung', width: 1500, center: -600 },
  { key: '3', label: 'Bone', width: 2000, center: 300 },
  { key: '4', label: 'Brain', width: 80, center: 40 },
];

/** The narrowest window: one modality unit. */
export const MIN_WIDTH = 1;

/** The window spanning a value range exactly (the "min/max" window). */
export function rangeWindow(range: ValueRange): VoiWindow {
  const width = Math.max(MIN_WIDTH, range.max - range.min);
  return { center: (range.max + range.min) / 2, width };
}

/** Fewer output grey levels than this for the image's values means the file's window is not a real one. */
const MIN_GREY_LEVELS = 16;

/**
 * Whether a file's own window is worth honouring for an image whose values span `range`: not when missing,
 * invalid, or so wide that the data would use fewer than 16 of the 256 grey levels (Slicebox's test.dcm has
 * WC 0 / WW 65536 for values 0..134: a flat grey image). A window that misses the data entirely is kept (a
 * slice of air under a soft-tissue window is correctly black).
 */
export function isUsableWindow(window: VoiWindow | undefined, range: ValueRange): boolean {
  if (!window || !Number.isFinite(window.width) || !Number.isFinite(window.center)) return false;
  if (window.width < MIN_WIDTH) return false;
  const span = range.max - range.min;
  if (span <= 0) return true;
  const lo = window.center - window.width / 2;
  const hi = window.center + window.width / 2;
  const overlap = Math.min(range.max, hi) - Math.max(range.min, lo);
  if (overlap <= 0) return true;
  return (256 * overlap) / window.width >= MIN_GREY_LEVELS;
}

/** The window an image opens with: the file's first window when usable, else its value range. */
export function defaultWindow(fileWindow: VoiWindow | undefined, range: ValueRange): VoiWindow {
  return fileWindow && isUsableWindow(fileWindow, range) ? fileWindow : rangeWindow(range);
}

/** How many modality units one pixel of mouse drag moves the window, for an image of this range. */
export function dragSensitivity(range: ValueRange): number {
  return Math.max(range.max - range.min, 1) / 512;
}

/**
 * The window after a drag of (dx, dy) CSS pixels from `start`: right widens (less contrast), left narrows;
 * down raises the centre (darker), up lowers it — the usual convention of radiology workstations.
 */
export function dragWindow(
  start: VoiWindow,
  dx: number,
  dy: number,
  sensitivity: number,
): VoiWindow {
  return {
    width: Math.max(MIN_WIDTH, start.width + dx * sensitivity),
    center: start.center + dy * sensitivity,
  };
}

/**
 * The grey level (0–255) of a modality value under a window: DICOM PS3.3 C.11.2.1.2 linear function
 * (what dcmjs-imaging applies); MONOCHROME1 is inverted afterwards by the caller.
 */
export function greyLevel(value: number, window: VoiWindow): number {
  const c = window.center - 0.5;
  const w = window.width - 1;
  if (w <= 0) return value <= c ? 0 : 255;
  if (value <= c - w / 2) return 0;
  if (value > c + w / 2) return 255;
  return Math.round(((value - c) / w + 0.5) * 255);
}

/** `windowmin`/`windowmax` integers for the server's PNG rendering (the fallback path). */
export function windowBounds(window: VoiWindow): { windowmin: number; windowmax: number } {
  const windowmin = Math.round(window.center - window.width / 2);
  return {
    windowmin,
    windowmax: Math.max(windowmin + 1, Math.round(window.center + window.width / 2)),
  };
}

export function formatWindow(window: VoiWindow): string {
  const round = (n: number) => (Math.abs(n) >= 10 ? Math.round(n) : Math.round(n * 10) / 10);
  return `W ${round(window.width)} / L ${round(window.center)}`;
}
