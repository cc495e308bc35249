/**
 * Choosing the VOI window of a greyscale frame (BEHAVIOR §10.7). Values are modality values: stored pixel
 * values after Rescale Slope/Intercept, as the DICOM VOI LUT stage (and dcm4che's reader) defines them.
 */

export interface VoiWindow {
  center: number;
  width: number;
}

export interface ValueRange {
  min: number;
  max: number;
}

/**
 * The window asked for by `windowmin`/`windowmax`, or undefined when `windowMin < windowMax` does not hold
 * (then the default window applies).
 *
 * Decision: the original sets centre = (max − min) / 2 (integer division), i.e. half the width, not the
 * midpoint. A user who types Min −160 / Max 240 into the Slicebox UI's "Manual Intensity Window" then gets
 * the window 0..400: a wrong, much darker CT than asked for. The two agree whenever min is 0 — which is
 * what the UI pre-fills from imageinformation for most images — so by default we use the midpoint (what the
 * user asked for) and keep the original formula behind `legacyCentre` for byte-for-byte comparisons.
 */
export function requestedWindow(
  windowMin: number | undefined,
  windowMax: number | undefined,
  legacyCentre = false,
): VoiWindow | undefined {
  if (windowMin === undefined || windowMax === undefined) return undefined;
  if (!Number.isFinite(windowMin) || !Number.isFinite(windowMax) || !(windowMin < windowMax))
    return undefined;
  const width = windowMax - windowMin;
  const center = legacyCentre ? Math.trunc(width / 2) : (windowMin + windowMax) / 2;
  return { center, width };
}

/** Fewer output grey levels than this for the frame's data means the file's window is not a real window. */
const MIN_GREY_LEVELS = 16;

/**
 * Whether the file's own window (0028,1050/1051) is worth honouring for a frame whose modality values span
 * `range`. It is not when missing/invalid (width < 1) or absurd: so wide that the data would use fewer than
 * 16 of the 256 grey levels (test.dcm: WC 0 / WW 65536 for values 0..134 gives a flat grey image).
 * A window that misses the data entirely is kept: a CT slice of air under a soft-tissue window is
 * correctly black, and stretching its noise would mislead.
 */
export function isUsableFileWindow(
  window: VoiWindow | undefined,
  range: ValueRange,
): window is VoiWindow {
  if (
    !window ||
    !Number.isFinite(window.width) ||
    !Number.isFinite(window.center) ||
    window.width < 1
  )
    return false;
  const span = range.max - range.min;
  if (span <= 0) return true;
  const lo = window.center - window.width / 2;
  const hi = window.center + window.width / 2;
  const overlap = Math.min(range.max, hi) - Math.max(range.min, lo);
  if (overlap <= 0) return true;
  return (256 * overlap) / window.width >= MIN_GREY_LEVELS;
}
