import { describe, expect, it } from 'vitest';
import {
  FIT,
  fitScale,
  pan,
  placement,
  toImage,
  zoomAt,
} from '../../src-renderer/lib/viewer/transform.js';
import {
  defaultWindow,
  dragWindow,
  greyLevel,
  isUsableWindow,
  rangeWindow,
  windowBounds,
} from '../../src-renderer/lib/viewer/window-level.js';

describe('window/level', () => {
  it('ignores an absurd file window (test.dcm: WC 0 / WW 65536 over 0..134) and uses min/max', () => {
    const range = { min: 0, max: 134 };
    expect(isUsableWindow({ center: 0, width: 65536 }, range)).toBe(false);
    expect(defaultWindow({ center: 0, width: 65536 }, range)).toEqual({ center: 67, width: 134 });
  });

  it('keeps a real file window, even one that misses the data', () => {
    const range = { min: -1024, max: 1200 };
    expect(defaultWindow({ center: 40, width: 400 }, range)).toEqual({ center: 40, width: 400 });
    expect(isUsableWindow({ center: 3000, width: 100 }, range)).toBe(true);
    expect(defaultWindow(undefined, range)).toEqual(rangeWindow(range));
  });

  it('maps values linearly through the window (PS3.3 C.11.2.1.2)', () => {
    const w = { center: 40, width: 400 };
    expect(greyLevel(-1000, w)).toBe(0);
    expect(greyLevel(2000, w)).toBe(255);
    expect(greyLevel(40, w)).toBe(128);
    expect(greyLevel(-160, w)).toBe(0);
    expect(greyLevel(240, w)).toBe(255);
  });

  it('drags: right widens, down raises the centre, never below width 1', () => {
    expect(dragWindow({ center: 40, width: 400 }, 10, -5, 2)).toEqual({ center: 30, width: 420 });
    expect(dragWindow({ center: 40, width: 10 }, -100, 0, 1).width).toBe(1);
  });

  it('gives integer PNG bounds', () => {
    expect(windowBounds({ center: 40, width: 400 })).toEqual({ windowmin: -160, windowmax: 240 });
  });
});

describe('fit / zoom / pan', () => {
  const image = { width: 256, height: 128 };
  const viewport = { width: 800, height: 600 };

  it('fits and centres', () => {
    expect(fitScale(image, viewport)).toBeCloseTo(3.125);
    const p = placement(image, viewport, FIT);
    expect(p.x).toBeCloseTo(0);
    expect(p.y).toBeCloseTo((600 - 400) / 2);
  });

  it('zooms about the anchor: the image point under it stays put', () => {
    const anchor = { x: 123, y: 456 };
    const before = toImage(placement(image, viewport, FIT), anchor);
    const view = zoomAt(image, viewport, FIT, 3, anchor);
    expect(view.zoom).toBe(3);
    const after = toImage(placement(image, viewport, view), anchor);
    expect(after.x).toBeCloseTo(before.x);
    expect(after.y).toBeCloseTo(before.y);
  });

  it('clamps zoom and pans in CSS pixels', () => {
    expect(zoomAt(image, viewport, FIT, 1000).zoom).toBe(40);
    const moved = placement(image, viewport, pan(FIT, 10, -20));
    const base = placement(image, viewport, FIT);
    expect(moved.x - base.x).toBe(10);
    expect(moved.y - base.y).toBe(-20);
  });
});
