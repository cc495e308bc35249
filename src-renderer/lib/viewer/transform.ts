/**
 * Fit/zoom/pan of the viewer: where an image of (width × height) pixels is drawn in a viewport of
 * (viewportWidth × viewportHeight) CSS pixels. `zoom` is relative to "fit" (1 = the whole image fits, centred);
 * `panX`/`panY` move the image in CSS pixels from that centred position.
 */

export interface Size {
  width: number;
  height: number;
}

export interface View {
  zoom: number;
  panX: number;
  panY: number;
}

export interface Placement {
  /** CSS pixels per image pixel. */
  scale: number;
  /** Where the image's top-left corner lands, in viewport CSS pixels. */
  x: number;
  y: number;
}

export const MIN_ZOOM = 0.1;
export const MAX_ZOOM = 40;
export const ZOOM_STEP = 1.25;

export const FIT: View = { zoom: 1, panX: 0, panY: 0 };

export function fitScale(image: Size, viewport: Size): number {
  if (image.width <= 0 || image.height <= 0) return 1;
  return Math.min(viewport.width / image.width, viewport.height / image.height);
}

export function placement(image: Size, viewport: Size, view: View): Placement {
  const scale = fitScale(image, viewport) * view.zoom;
  return {
    scale,
    x: (viewport.width - image.width * scale) / 2 + view.panX,
    y: (viewport.height - image.height * scale) / 2 + view.panY,
  };
}

export function clampZoom(zoom: number): number {
  return Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom));
}

/** Viewport point → image pixel coordinates (may lie outside the image). */
export function toImage(p: Placement, point: { x: number; y: number }): { x: number; y: number } {
  return { x: (point.x - p.x) / p.scale, y: (point.y - p.y) / p.scale };
}

/** Image pixel coordinates → viewport point. */
export function toViewport(
  p: Placement,
  point: { x: number; y: number },
): { x: number; y: number } {
  return { x: p.x + point.x * p.scale, y: p.y + point.y * p.scale };
}

/**
 * Zooms to `zoom` keeping the image point under `anchor` (viewport coordinates; default the viewport's
 * centre) where it is.
 */
export function zoomAt(
  image: Size,
  viewport: Size,
  view: View,
  zoom: number,
  anchor: { x: number; y: number } = { x: viewport.width / 2, y: viewport.height / 2 },
): View {
  const nextZoom = clampZoom(zoom);
  const before = placement(image, viewport, view);
  const fixed = toImage(before, anchor);
  const scale = fitScale(image, viewport) * nextZoom;
  return {
    zoom: nextZoom,
    panX: anchor.x - fixed.x * scale - (viewport.width - image.width * scale) / 2,
    panY: anchor.y - fixed.y * scale - (viewport.height - image.height * scale) / 2,
  };
}

export function pan(view: View, dx: number, dy: number): View {
  return { ...view, panX: view.panX + dx, panY: view.panY + dy };
}
