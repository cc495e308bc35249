import { describe, expect, it } from 'vitest';
import {
  proportionalWidth,
  scaleBilinear,
} from '../../src-main/localbox/rendering/bilinear-scale.js';
import { isUsableFileWindow, requestedWindow } from '../../src-main/localbox/rendering/index.js';

describe('requested window (windowmin/windowmax)', () => {
  it('uses min..max with the midpoint as centre', () => {
    expect(requestedWindow(10, 100)).toEqual({ center: 55, width: 90 });
    expect(requestedWindow(-160, 240)).toEqual({ center: 40, width: 400 });
  });

  it('reproduces the original centre (max - min) / 2, integer division, on request', () => {
    expect(requestedWindow(10, 100, true)).toEqual({ center: 45, width: 90 });
    expect(requestedWindow(-160, 241, true)).toEqual({ center: 200, width: 401 });
  });

  it('applies only when windowmin < windowmax (defaults 0/0 mean none)', () => {
    expect(requestedWindow(0, 0)).toBeUndefined();
    expect(requestedWindow(100, 10)).toBeUndefined();
    expect(requestedWindow(undefined, 10)).toBeUndefined();
    expect(requestedWindow(Number.NaN, 10)).toBeUndefined();
  });
});

describe('file window sanity', () => {
  it("rejects test.dcm's WC 0 / WW 65536 for values 0..134", () => {
    expect(isUsableFileWindow({ center: 0, width: 65536 }, { min: 0, max: 134 })).toBe(false);
  });

  it('rejects missing and degenerate windows', () => {
    expect(isUsableFileWindow(undefined, { min: 0, max: 100 })).toBe(false);
    expect(isUsableFileWindow({ center: 10, width: 0 }, { min: 0, max: 100 })).toBe(false);
  });

  it('keeps real windows, including ones narrower than the data and ones that miss it', () => {
    expect(isUsableFileWindow({ center: 40, width: 400 }, { min: -1024, max: 3071 })).toBe(true);
    expect(isUsableFileWindow({ center: 600, width: 1600 }, { min: 0, max: 1000 })).toBe(true);
    expect(isUsableFileWindow({ center: 40, width: 400 }, { min: -1024, max: -900 })).toBe(true);
    expect(isUsableFileWindow({ center: 40, width: 400 }, { min: 7, max: 7 })).toBe(true);
  });
});

describe('bilinear scaling', () => {
  it('truncates the proportional width', () => {
    expect(proportionalWidth(1268, 1392, 400)).toBe(364);
    expect(proportionalWidth(3, 1000, 10)).toBe(1);
  });

  it('interpolates between neighbours and keeps edges', () => {
    const out = scaleBilinear(
      { width: 2, height: 1, channels: 1, data: Uint8Array.from([0, 200]) },
      4,
      1,
    );
    expect([...out.data]).toEqual([0, 50, 150, 200]);
  });

  it('scales every channel of RGB', () => {
    const out = scaleBilinear(
      { width: 1, height: 2, channels: 3, data: Uint8Array.from([0, 10, 20, 100, 110, 120]) },
      1,
      4,
    );
    expect([...out.data]).toEqual([0, 10, 20, 25, 35, 45, 75, 85, 95, 100, 110, 120]);
  });
});
