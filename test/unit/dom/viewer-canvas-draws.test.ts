// @vitest-environment jsdom
/**
 * The viewer's canvas draws a frame when a frame arrives, not when the user merely steps to another slice
 * (while scrolling, the slice asked for is often not rendered yet: drawing the frame already on screen again at
 * every step cost the UI thread what it needed for the new frames).
 */
import { cleanup, render } from '@testing-library/svelte';
import { tick } from 'svelte';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import ViewerCanvasHarness from './ViewerCanvasHarness.svelte';
import { CanvasViewportState } from './viewer-canvas-state.svelte.js';

const drawn: unknown[] = [];

beforeAll(() => {
  class FakeBitmap {}
  Object.assign(globalThis, {
    ImageBitmap: FakeBitmap,
    ResizeObserver: class {
      observe() {}
      disconnect() {}
    },
  });
  const context = {
    setTransform() {},
    fillRect() {},
    drawImage(source: unknown) {
      drawn.push(source);
    },
  };
  HTMLCanvasElement.prototype.getContext = (() =>
    context) as unknown as HTMLCanvasElement['getContext'];
});

afterEach(() => {
  cleanup();
  drawn.length = 0;
});

const displayFrames = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => requestAnimationFrame(resolve));
  await tick();
};

describe('viewer canvas', () => {
  it('draws each frame put on screen once, and nothing when the user only steps on', async () => {
    const state = new CanvasViewportState();
    render(ViewerCanvasHarness, { state });
    const a = new (globalThis as unknown as { ImageBitmap: new () => ImageBitmap }).ImageBitmap();
    const b = new (globalThis as unknown as { ImageBitmap: new () => ImageBitmap }).ImageBitmap();
    state.current = { width: 4, height: 4, bitmap: a };
    await tick();
    expect(drawn).toEqual([a]);

    // Steps to slices 1 and 2, not rendered yet: the canvas keeps slice 0 without drawing it again.
    state.index = 1;
    await tick();
    state.index = 2;
    await displayFrames(3);
    expect(drawn).toEqual([a]);

    // Slice 1 arrives on the way (drawn at the next display frame), then slice 2, the one asked (at once).
    state.shownIndex = 1;
    state.current = { width: 4, height: 4, bitmap: b };
    await displayFrames(2);
    expect(drawn).toEqual([a, b]);
    state.shownIndex = 2;
    state.current = { width: 4, height: 4, bitmap: a };
    await tick();
    expect(drawn).toEqual([a, b, a]);
  });
});
