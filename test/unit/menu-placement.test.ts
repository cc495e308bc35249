/** Popup menus never open under the pointer and stay inside the window (src-renderer/lib/menu-placement.ts). */
import { describe, expect, it } from 'vitest';
import { GAP, placeMenu } from '../../src-renderer/lib/menu-placement.js';

const viewport = { width: 1400, height: 860 };
const menu = { width: 200, height: 250 };
const inside = (p: { left: number; top: number }, x: number, y: number) =>
  x >= p.left && x <= p.left + menu.width && y >= p.top && y <= p.top + menu.height;

describe('placeMenu', () => {
  it('puts a button menu right above the button, right edges aligned', () => {
    const rect = { left: 1300, top: 780, right: 1388, bottom: 804 };
    const p = placeMenu({ kind: 'rect', rect }, menu, viewport);
    expect(p).toEqual({ left: 1188, top: 780 - GAP - 250 });
    expect(inside(p, 1344, 792)).toBe(false); // the click on the button's centre
  });

  it('puts it below the button when there is no room above', () => {
    const rect = { left: 10, top: 40, right: 98, bottom: 64 };
    expect(placeMenu({ kind: 'rect', rect }, menu, viewport)).toEqual({ left: GAP, top: 64 + GAP });
  });

  it('opens a context menu beside the point, flipped at the window edges, never over the point', () => {
    for (const [x, y] of [
      [300, 200],
      [1390, 200],
      [300, 850],
      [1390, 850],
      [0, 0],
    ] as const) {
      const p = placeMenu({ kind: 'point', x, y }, menu, viewport);
      expect(inside(p, x, y), `${x},${y}`).toBe(false);
      expect(p.left).toBeGreaterThanOrEqual(GAP);
      expect(p.top).toBeGreaterThanOrEqual(GAP);
      expect(p.left + menu.width).toBeLessThanOrEqual(viewport.width - GAP);
      expect(p.top + menu.height).toBeLessThanOrEqual(viewport.height - GAP);
    }
    expect(placeMenu({ kind: 'point', x: 300, y: 200 }, menu, viewport)).toEqual({
      left: 300 + GAP,
      top: 200 + GAP,
    });
  });
});
