/**
 * The order of a series' slices from what Slicebox stores: InstanceNumber is kept as text (BEHAVIOR.md §9.5
 * orders it as text, `10` before `6`), so it is compared here as a number; values that are not numbers
 * come after every number (as text), and ties fall back to the image id, the order of arrival. Shared by
 * the app's browser (services/browse/image-order.ts) and the local box's contents extension, so both pick
 * the same "middle image" of a series.
 */

/** What the order needs of an image: its id and its InstanceNumber as stored. */
export interface NumberedImage {
  id: number;
  instanceNumber: string;
}

function numberOf(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : undefined;
}

/** Ascending by instance number as a number, then non-numbers as text, then by id. */
export function compareInstanceNumbers(a: NumberedImage, b: NumberedImage): number {
  const na = numberOf(a.instanceNumber);
  const nb = numberOf(b.instanceNumber);
  if (na !== undefined && nb !== undefined && na !== nb) return na - nb;
  if (na === undefined && nb !== undefined) return 1;
  if (nb === undefined && na !== undefined) return -1;
  if (na === undefined && nb === undefined && a.instanceNumber !== b.instanceNumber)
    return a.instanceNumber < b.instanceNumber ? -1 : 1;
  return a.id - b.id;
}

/**
 * The image shown for a whole series: the middle one in slice order (index ⌊n/2⌋: the 3rd of 5, the 2nd
 * of 2), or undefined for an empty series.
 */
export function middleImage<T extends NumberedImage>(images: readonly T[]): T | undefined {
  if (images.length === 0) return undefined;
  const sorted = [...images].sort(compareInstanceNumbers);
  return sorted[Math.floor(sorted.length / 2)];
}
