/**
 * The scale bar: the longest "round" length (1, 2 or 5 × 10ⁿ mm) that fits in `maxCss` CSS pixels at the current
 * magnification, drawn with its length written beside it.
 */

export interface ScaleBar {
  /** Its length in mm. */
  mm: number;
  /** Its length on screen, CSS pixels. */
  css: number;
  label: string;
}

/** `cssPerMm`: CSS pixels per millimetre across the screen; undefined when nothing sensible fits. */
export function scaleBar(cssPerMm: number, maxCss: number): ScaleBar | undefined {
  if (!(cssPerMm > 0) || !(maxCss > 0)) return undefined;
  const longest = maxCss / cssPerMm;
  let best: number | undefined;
  for (let exp = -2; exp <= 4; exp++) {
    for (const m of [1, 2, 5]) {
      const mm = m * 10 ** exp;
      if (mm <= longest + 1e-9) best = mm;
    }
  }
  if (best === undefined) return undefined;
  const mm = Number(best.toPrecision(3));
  const label = mm >= 10 && mm % 10 === 0 ? `${mm / 10} cm` : `${mm} mm`;
  return { mm, css: mm * cssPerMm, label };
}
