/**
 * The viewer's measurement math (issue 11): lengths and angles in the patient's plane with non-square pixels,
 * ROI areas, which pixels an ellipse or rectangle holds, ROI statistics in modality units on the decoded values of
 * a real phantom (dcmjs-imaging, as the worker decodes it: stored values, then Rescale Slope/Intercept, never the
 * 8-bit display), the pixel probe, picking and moving measurements on screen, and the key table (every action has
 * a key, no key does two things).
 */
import { DicomImage, NativePixelDecoder, WindowLevel } from 'dcmjs-imaging';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Measurement } from '../../src-preload/contract.js';
import { frameGeometry, frameRescale } from '../../src-renderer/lib/viewer/geometry.js';
import { VIEWER_KEYS, actionFor, type KeyPress } from '../../src-renderer/lib/viewer/keymap.js';
import {
  handleAt,
  isOnMeasurement,
  measurementAt,
  moved,
  withHandle,
} from '../../src-renderer/lib/viewer/measure-edit.js';
import {
  angleDegrees,
  distance,
  forEachRoiPixel,
  formatValue,
  geometricValues,
  probeValue,
  roiArea,
  roiStats,
  summaryLines,
} from '../../src-renderer/lib/viewer/measure.js';
import { storedValues } from '../../src-renderer/lib/viewer/stored-values.js';
import { FIT, pixelShape, placement } from '../../src-renderer/lib/viewer/transform.js';
import { pydicomFile } from '../fixtures/paths.js';
import { ORIENTATIONS, phantomSeries } from '../fixtures/phantom.js';

const CT = frameGeometry({ PixelSpacing: [0.5, 0.8] }); // rows 0.5 mm apart, columns 0.8 mm
const PLAIN = frameGeometry({});

function toArrayBuffer(bytes: Buffer): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

describe('lengths, angles and areas with non-square pixels', () => {
  it('measures each axis with its own spacing', () => {
    expect(distance({ x: 10, y: 10 }, { x: 110, y: 10 }, CT)).toBeCloseTo(80); // 100 columns × 0.8
    expect(distance({ x: 10, y: 10 }, { x: 10, y: 170 }, CT)).toBeCloseTo(80); // 160 rows × 0.5
    expect(distance({ x: 0, y: 0 }, { x: 30, y: 32 }, CT)).toBeCloseTo(Math.hypot(24, 16));
    expect(distance({ x: 0, y: 0 }, { x: 3, y: 4 }, PLAIN)).toBe(5); // pixels when there is no spacing
    expect(
      geometricValues(
        'length',
        [
          { x: 0, y: 0 },
          { x: 3, y: 4 },
        ],
        PLAIN,
      ),
    ).toEqual([{ name: 'length', value: 5, unit: 'px' }]);
  });

  it('measures angles in the patient, not in pixels', () => {
    // 50 columns across (40 mm) and 80 rows down (40 mm): 45° in the patient, though not in pixels.
    expect(angleDegrees({ x: 50, y: 0 }, { x: 0, y: 0 }, { x: 50, y: 80 }, CT)).toBeCloseTo(45);
    expect(angleDegrees({ x: 1, y: 0 }, { x: 0, y: 0 }, { x: 0, y: 5 }, CT)).toBeCloseTo(90);
    expect(angleDegrees({ x: 1, y: 0 }, { x: 0, y: 0 }, { x: -1, y: 0 }, CT)).toBeCloseTo(180);
    expect(angleDegrees({ x: 0, y: 0 }, { x: 0, y: 0 }, { x: 1, y: 1 }, CT)).toBe(0);
  });

  it('gives ROI areas in mm²', () => {
    expect(roiArea('rectangle', { x: 0, y: 0 }, { x: 50, y: 80 }, CT)).toBeCloseTo(1600);
    expect(roiArea('ellipse', { x: 50, y: 80 }, { x: 0, y: 0 }, CT)).toBeCloseTo(Math.PI * 400);
    expect(
      geometricValues(
        'ellipse',
        [
          { x: 0, y: 0 },
          { x: 2, y: 2 },
        ],
        PLAIN,
      )[0]?.unit,
    ).toBe('px²');
  });
});

describe('ROI pixels and statistics', () => {
  it('takes the pixels whose centres lie inside, clipped to the frame', () => {
    const inside: number[] = [];
    forEachRoiPixel(
      {
        kind: 'rectangle',
        points: [
          { x: 1, y: 1 },
          { x: 3, y: 2 },
        ],
      },
      4,
      4,
      (i) => inside.push(i),
    );
    expect(inside).toEqual([5, 6]); // centres (1.5, 1.5) and (2.5, 1.5)
    let disc = 0;
    forEachRoiPixel(
      {
        kind: 'ellipse',
        points: [
          { x: 0, y: 0 },
          { x: 200, y: 200 },
        ],
      },
      200,
      200,
      () => disc++,
    );
    expect(disc / (Math.PI * 100 * 100)).toBeCloseTo(1, 2);
  });

  it('computes mean, population SD, min and max in modality units', () => {
    const values = Int16Array.from([10, 20, 30, 40]);
    const stats = roiStats(
      values,
      2,
      2,
      {
        kind: 'rectangle',
        points: [
          { x: 0, y: 0 },
          { x: 2, y: 2 },
        ],
      },
      2,
      -100,
    );
    expect(stats).toEqual({ count: 4, mean: -50, sd: Math.sqrt(500), min: -80, max: -20 });
    expect(
      roiStats(values, 2, 2, {
        kind: 'ellipse',
        points: [
          { x: 5, y: 5 },
          { x: 6, y: 6 },
        ],
      }),
    ).toBeUndefined();
    expect(probeValue(values, 2, 2, { x: 1.9, y: 0.2 }, 2, -100)).toBe(-60);
    expect(probeValue(values, 2, 2, { x: 2, y: 0 })).toBeUndefined();
  });

  it('reads the decoded values of a real phantom: a uniform 200 HU disc measures 200 HU with SD 0', async () => {
    await NativePixelDecoder.initializeAsync();
    const options = {
      rows: 256,
      columns: 160,
      rowSpacing: 0.5,
      columnSpacing: 0.8,
      orientation: ORIENTATIONS.axial,
      positions: [0],
      discDiameter: 80,
      discHu: 200,
      backgroundHu: -1000,
      rescaleSlope: 0.5,
      rescaleIntercept: -1024,
    };
    const image = new DicomImage(toArrayBuffer(phantomSeries(options).files[0]!));
    // As the viewer does: the display is rendered under a narrow window (8-bit), the statistics are not.
    image.render({ frame: 0, windowLevel: new WindowLevel(10, 195) });
    const values = storedValues(image, 0);
    const rescale = frameRescale(image.getElements() as Record<string, unknown>, 0);
    expect(rescale).toEqual({ slope: 0.5, intercept: -1024, unit: 'HU' });
    // An ellipse well inside the disc (centre 80, 128; radii 30 columns = 24 mm, 40 rows = 20 mm).
    const stats = roiStats(
      values,
      160,
      256,
      {
        kind: 'ellipse',
        points: [
          { x: 50, y: 88 },
          { x: 110, y: 168 },
        ],
      },
      rescale.slope,
      rescale.intercept,
    )!;
    expect(stats.mean).toBe(200);
    expect(stats.sd).toBe(0);
    expect([stats.min, stats.max]).toEqual([200, 200]);
    // A rectangle over the whole frame: the disc's share of the area, at 200 and -1000 HU.
    const all = roiStats(
      values,
      160,
      256,
      {
        kind: 'rectangle',
        points: [
          { x: 0, y: 0 },
          { x: 160, y: 256 },
        ],
      },
      rescale.slope,
      rescale.intercept,
    )!;
    expect([all.min, all.max, all.count]).toEqual([-1000, 200, 160 * 256]);
    const discShare = (Math.PI * 40 * 40) / (128 * 128);
    expect(all.mean).toBeCloseTo(-1000 + 1200 * discShare, -1);
    expect(probeValue(values, 160, 256, { x: 80, y: 128 }, 0.5, -1024)).toBe(200);
    expect(probeValue(values, 160, 256, { x: 1, y: 1 }, 0.5, -1024)).toBe(-1000);
  });

  it('reads the stored values of a real CT file as its pixel data holds them', async () => {
    await NativePixelDecoder.initializeAsync();
    const bytes = readFileSync(pydicomFile('CT_small.dcm'));
    const image = new DicomImage(toArrayBuffer(bytes));
    const raw = new Int16Array((image.getElements() as { PixelData: ArrayBuffer[] }).PixelData[0]!);
    const values = storedValues(image, 0);
    expect(values.length).toBe(128 * 128);
    for (const i of [0, 77, 8191, 16383]) expect(values[i]).toBe(raw[i]);
  });
});

describe('picking and moving measurements on screen', () => {
  const p = placement(
    { width: 160, height: 256 },
    { width: 600, height: 600 },
    FIT,
    pixelShape(0.8, 0.5),
  );
  const m = (kind: Measurement['kind'], points: Measurement['points'], id = kind): Measurement => ({
    id,
    connectionId: 'local',
    sopInstanceUid: '1.2.3',
    frame: 0,
    kind,
    points,
    values: [],
    context: {
      patientName: '',
      patientID: '',
      studyDate: '',
      studyDescription: '',
      seriesDescription: '',
      modality: '',
      instanceNumber: '',
      imageId: 1,
    },
    createdAt: 0,
    updatedAt: 0,
  });
  const line = m('length', [
    { x: 10, y: 10 },
    { x: 110, y: 10 },
  ]);
  const ellipse = m('ellipse', [
    { x: 40, y: 100 },
    { x: 120, y: 200 },
  ]);

  it('grabs the nearest handle and picks lines and outlines, not empty space', () => {
    // Screen: x = column × 3.75, y = row × 2.34375 (the 256 × 256 mm image fills the 600 px box).
    expect(handleAt([line, ellipse], p, { x: 110 * 3.75 + 3, y: 10 * 2.34375 - 2 })).toEqual({
      id: 'length',
      handle: 1,
    });
    expect(handleAt([line], p, { x: 300, y: 300 })).toBeUndefined();
    expect(isOnMeasurement(line, p, { x: 60 * 3.75, y: 10 * 2.34375 + 4 })).toBe(true);
    expect(isOnMeasurement(line, p, { x: 60 * 3.75, y: 10 * 2.34375 + 12 })).toBe(false);
    // The ellipse's leftmost point is on it; its centre is not.
    expect(measurementAt([line, ellipse], p, { x: 40 * 3.75, y: 150 * 2.34375 })?.id).toBe(
      'ellipse',
    );
    expect(measurementAt([line, ellipse], p, { x: 80 * 3.75, y: 150 * 2.34375 })).toBeUndefined();
  });

  it('moves a handle or the whole measurement in image pixels', () => {
    expect(withHandle(line.points, 0, { x: 0, y: 5 })).toEqual([
      { x: 0, y: 5 },
      { x: 110, y: 10 },
    ]);
    expect(moved(line.points, 1, -1)).toEqual([
      { x: 11, y: 9 },
      { x: 111, y: 9 },
    ]);
  });

  it('writes figures the way the panel shows them', () => {
    expect(formatValue({ name: 'length', value: 80.004, unit: 'mm' })).toBe('80.00 mm');
    expect(formatValue({ name: 'angle', value: 44.96, unit: '°' })).toBe('45.0°');
    expect(
      summaryLines('ellipse', [
        { name: 'area', value: 1507.96, unit: 'mm²' },
        { name: 'mean', value: 200, unit: 'HU' },
        { name: 'sd', value: 0, unit: 'HU' },
        { name: 'min', value: 200, unit: 'HU' },
        { name: 'max', value: 200, unit: 'HU' },
      ]),
    ).toEqual(['Area 1508 mm²', 'Mean 200.0 HU · SD 0.0 HU', 'Min 200.0 HU · Max 200.0 HU']);
  });
});

describe('the viewer keys', () => {
  it('gives every action at least one key, and no key two actions', () => {
    const seen = new Map<string, string>();
    for (const binding of VIEWER_KEYS) {
      expect(binding.keys.length, binding.action).toBeGreaterThan(0);
      expect(binding.label && binding.description, binding.action).toBeTruthy();
      for (const spec of binding.keys) {
        const id = JSON.stringify([spec.key?.toLowerCase(), spec.code, !!spec.shift, !!spec.alt]);
        expect(seen.get(id), `${id} of ${binding.action}`).toBeUndefined();
        seen.set(id, binding.action);
      }
    }
  });

  it('maps presses to actions, leaving Ctrl and Cmd combinations alone', () => {
    const press = (key: string, extra: Partial<KeyPress> = {}) =>
      actionFor({
        key,
        code: '',
        shiftKey: false,
        altKey: false,
        ctrlKey: false,
        metaKey: false,
        ...extra,
      });
    expect(press('l')).toBe('toolLength');
    expect(press('L')).toBe('toolLength');
    expect(press('n')).toBe('nextViewport');
    expect(press('N', { shiftKey: true })).toBe('previousViewport');
    expect(press('!', { code: 'Digit1', shiftKey: true })).toBe('layout1x1');
    expect(press('1', { code: 'Digit1' })).toBe('preset');
    expect(press('ArrowDown')).toBe('next');
    expect(press('ArrowDown', { altKey: true })).toBe('nudgeMeasurement');
    expect(press('?', { shiftKey: true })).toBe('help');
    expect(press('Delete')).toBe('deleteMeasurement');
    expect(press('o')).toBe('overlays');
    expect(press('l', { ctrlKey: true })).toBeUndefined();
    expect(press('q')).toBeUndefined();
  });
});
