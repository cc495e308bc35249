/** A stand-in for the viewer's Viewport with what ViewerCanvas reads (reactive, as the real one is). */
export class CanvasViewportState {
  slot = 0;
  size = $state({ width: 100, height: 100 });
  current = $state.raw<{ width: number; height: number; bitmap: ImageBitmap } | null>(null);
  placement = $state.raw({ x: 0, y: 0, scaleX: 1, scaleY: 1 });
  index = $state(0);
  frame = $state(0);
  shownIndex = $state(0);
  shownFrame = $state(0);
}
