/**
 * Where a popup menu goes so that it never opens under the pointer (which would hover one item while the
 * keyboard focus is on the first) and stays inside the window.
 *
 * - At a button (`rect`): above it, right edges aligned, with a small gap; below it when there is no room
 *   above. The pointer that clicked the button is on the button, so it is off the menu.
 * - At a point (right-click, or the focused row for Shift+F10): the menu's corner `GAP` pixels beside the
 *   point, below-right; flipped to the left and/or above when it would leave the window. The point is
 *   never inside the menu.
 */
export interface MenuPlacement {
  left: number;
  top: number;
}

export interface Size {
  width: number;
  height: number;
}

export type MenuAnchor =
  | { kind: 'point'; x: number; y: number }
  | { kind: 'rect'; rect: { left: number; top: number; right: number; bottom: number } };

/** Space kept between the menu and its anchor, and between the menu and the window's edges. */
export const GAP = 4;

function clamp(value: number, min: number, max: number): number {
  return Math.max(min, Math.min(value, Math.max(min, max)));
}

export function placeMenu(anchor: MenuAnchor, menu: Size, viewport: Size): MenuPlacement {
  const maxLeft = viewport.width - menu.width - GAP;
  const maxTop = viewport.height - menu.height - GAP;
  if (anchor.kind === 'rect') {
    const { rect } = anchor;
    const left = clamp(rect.right - menu.width, GAP, maxLeft);
    const above = rect.top - GAP - menu.height;
    const below = rect.bottom + GAP;
    const top = above >= GAP || below + menu.height > viewport.height - GAP ? above : below;
    return { left, top: clamp(top, GAP, maxTop) };
  }
  const right = anchor.x + GAP;
  const left = right + menu.width <= viewport.width - GAP ? right : anchor.x - GAP - menu.width;
  const down = anchor.y + GAP;
  const top = down + menu.height <= viewport.height - GAP ? down : anchor.y - GAP - menu.height;
  return { left: clamp(left, GAP, maxLeft), top: clamp(top, GAP, maxTop) };
}
