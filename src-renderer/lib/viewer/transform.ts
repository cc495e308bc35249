/**
 * Fit/zoom/pan of the viewer: where an image of (width × height) pixels is drawn in a viewport of
 * (viewportWidth × viewportHeight) CSS pixels. `zoom` is relative to "fit" (1 = the whole image fits, centred);
 * `panX`/`panY` move the image in CSS pixels from that centred position.
 *
 * Pixels need not be square: `pixel` is the shape of one pixel (its width and height relative to the smaller of
 * the two, from Pixel Spacing), so a CT with 0.8 mm columns and 0.5 mm rows is drawn 1.6 times wider per pixel
 * than high, and a disc in the patient is a disc on screen.
 */

export interface Size {
  width: number;
  height: number;
}

/** The shape of one pixel: width and height relative to the smaller one (1 × 1 for square pixels). */
export interface PixelShape {
  x: number;
  y: number;
}

export const SQUARE: PixelShape = { x: 1, y: 1 };

export interface View {
  zoom: number;
  panX: number;
  panY: number;
}

export interface Placement {
  /** CSS pixels per image pixel, across (columns) and down (rows). */
  scaleX: number;
  scaleY: number;
  /** Where the image's top-left corner lands, in viewport CSS pixels. */
  x: number;
  y: number;
}

export const MIN_ZOOM = 0.1;
export const MAX_ZOOM = 40;
export const ZOOM_STEP = 1.25;

export const FIT: View = { zoom: 1, panX: 0, panY: 0 };

/** The pixel shape from the spacing between columns (across) and rows (down), in any one unit. */
export function pixelShape(columnSpacing: number, rowSpacing: number): PixelShape {
  if (!(columnSpacing > 0) || !(rowSpacing > 0)) return SQUARE;
  const unit = Math.min(columnSpacing, rowSpacing);
  return { x: columnSpacing / unit, y: rowSpacing / unit };
}

/** CSS pixels per pixel-shape unit at "fit". */
export function fitScale(image: Size, viewport: Size, pixel: PixelShape = SQUARE): number {
  if (image.width <= 0 || image.height <= 0) return 1;
  return Math.min(
    viewport.width / (image.width * pixel.x),
    viewport.height / (image.height * pixel.y),
  );
}

export function placement(
  image: Size,
  viewport: Size,
  view: View,
  pixel: PixelShape = SQUARE,
): Placement {
  const scale = fitScale(image, viewport, pixel) * view.zoom;
  const scaleX = scale * pixel.x;
  const scaleY = scale * pixel.y;
  return {
    scaleX,
    scaleY,
    x: (viewport.width - image.width * scaleX) / 2 + view.panX,
    y: (viewport.height - image.height * scaleY) / 2 + view.panY,
  };
}

/** CSS pixels per image pixel along the finer axis: what "zoom %" shows (100 % = one pixel per CSS pixel). */
export function displayScale(p: Placement): number {
  return Math.min(p.scaleX, p.scaleY);
}

export function clampZoom(zoom: number): number {
  return Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom));
}

/** Viewport point → image pixel coordinates (may lie outside the image). */
export function toImage(p: Placement, point: { x: number; y: number }): { x: number; y: number } {
  return { x: (point.x - p.x) / p.scaleX, y: (point.y - p.y) / p.scaleY };
}

/** Image pixel coordinates → viewport point. */
export function toViewport(
  p: Placement,
  point: { x: number; y: number },
): { x: number; y: number } {
  return { x: p.x + point.x * p.scaleX, y: p.y + point.y * p.scaleY };
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
  pixel: PixelShape = SQUARE,
): View {
  const nextZoom = clampZoom(zoom);
  const before = placement(image, viewport, view, pixel);
  const fixed = toImage(before, anchor);
  const next = placement(image, viewport, { zoom: nextZoom, panX: 0, panY: 0 }, pixel);
  return {
    zoom: nextZoom,
    panX: anchor.x - fixed.x * next.scaleX - next.x,
    panY: anchor.y - fixed.y * next.scaleY - next.y,
  };
}

export function pan(view: View, dx: number, dy: number): View {
  return { ...view, panX: view.panX + dx, panY: view.panY + dy };
}
