/**
 * Synchronized scrolling by slice position (viewports showing series with the same Frame of Reference UID):
 * the other viewport goes to its slice nearest, along its own slice normal, to the centre of the slice shown in
 * the active one. Positions of a series' slices are learnt as images are loaded, so the nearest slice is found
 * by an interpolation search over the stack that loads only a few of them (slices ordered by instance number lie
 * along the normal in order in practice; a stack that does not is still searched, just less quickly).
 */

/** One slice's position along the target's normal (mm), by its place in the stack. */
export interface KnownPosition {
  index: number;
  along: number;
}

export type SyncStep = { done: number } | { probe: number };

/** Searches run at most this many probes before settling for the nearest slice known. */
export const MAX_PROBES = 16;

/** The nearest known slice to `target`. */
export function nearestKnown(known: readonly KnownPosition[], target: number): number | undefined {
  let best: KnownPosition | undefined;
  for (const k of known) {
    if (!best || Math.abs(k.along - target) < Math.abs(best.along - target)) best = k;
  }
  return best?.index;
}

/**
 * The next step of the search for the slice of a stack of `count` nearest to `target`: a slice whose position
 * must be learnt first (`probe`), or the answer (`done`).
 */
export function syncStep(
  known: readonly KnownPosition[],
  count: number,
  target: number,
  probes = 0,
): SyncStep {
  if (count <= 0) return { done: 0 };
  const byIndex = new Map(known.map((k) => [k.index, k.along]));
  if (!byIndex.has(0)) return { probe: 0 };
  if (!byIndex.has(count - 1)) return { probe: count - 1 };
  const sorted = [...byIndex.entries()]
    .map(([index, along]) => ({ index, along }))
    .sort((a, b) => a.index - b.index);
  if (probes >= MAX_PROBES) return { done: nearestKnown(sorted, target) ?? 0 };
  for (let i = 0; i + 1 < sorted.length; i++) {
    const lo = sorted[i]!;
    const hi = sorted[i + 1]!;
    const inside = (target - lo.along) * (target - hi.along) <= 0;
    if (!inside) continue;
    if (hi.index - lo.index <= 1) {
      return {
        done: Math.abs(target - lo.along) <= Math.abs(target - hi.along) ? lo.index : hi.index,
      };
    }
    const t = hi.along === lo.along ? 0.5 : (target - lo.along) / (hi.along - lo.along);
    const guess = Math.round(lo.index + t * (hi.index - lo.index));
    return { probe: Math.min(hi.index - 1, Math.max(lo.index + 1, guess)) };
  }
  // Outside every known pair: beyond one end of the stack (or a stack out of order), the nearest known one.
  return { done: nearestKnown(sorted, target) ?? 0 };
}
