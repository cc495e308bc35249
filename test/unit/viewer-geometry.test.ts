/**
 * The viewer's geometry (issue 11): orientation letters at the edges for axial, sagittal, coronal and oblique
 * planes; pixel spacing (Pixel, Imager, Pixel Aspect Ratio) and per-frame functional groups of enhanced objects
 * (shared and per-frame, per-frame winning), read from a real Enhanced CT decoded by dcmjs-imaging; the display
 * aspect of non-square pixels; the scale bar; and the nearest-slice search of synchronized scrolling.
 */
import { DicomImage, NativePixelDecoder } from 'dcmjs-imaging';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  directionLabel,
  edgeMarkers,
  frameCentre,
  frameGeometry,
  frameRescale,
  hasMillimetres,
  imageGeometries,
  sliceNormal,
  spacingNote,
  type FrameGeometry,
} from '../../src-renderer/lib/viewer/geometry.js';
import { scaleBar } from '../../src-renderer/lib/viewer/scale-bar.js';
import {
  nearestKnown,
  syncStep,
  type KnownPosition,
} from '../../src-renderer/lib/viewer/slice-sync.js';
import {
  FIT,
  pixelShape,
  placement,
  toImage,
  toViewport,
  zoomAt,
} from '../../src-renderer/lib/viewer/transform.js';
import { ORIENTATIONS, enhancedPhantom, phantomSeries } from '../fixtures/phantom.js';

const geometryOf = (orientation: readonly number[]): FrameGeometry =>
  frameGeometry({ ImageOrientationPatient: [...orientation], PixelSpacing: [0.5, 0.8] });

function toArrayBuffer(bytes: Buffer): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

describe('orientation markers', () => {
  it('letters the four edges of axial, sagittal and coronal planes as radiology viewers do', () => {
    expect(edgeMarkers(geometryOf(ORIENTATIONS.axial))).toEqual({
      left: 'R',
      right: 'L',
      top: 'A',
      bottom: 'P',
    });
    expect(edgeMarkers(geometryOf(ORIENTATIONS.sagittal))).toEqual({
      left: 'A',
      right: 'P',
      top: 'H',
      bottom: 'F',
    });
    expect(edgeMarkers(geometryOf(ORIENTATIONS.coronal))).toEqual({
      left: 'R',
      right: 'L',
      top: 'H',
      bottom: 'F',
    });
  });

  it('names oblique directions by their dominant letters, largest first', () => {
    const c = Math.cos(Math.PI / 6);
    const s = Math.sin(Math.PI / 6);
    // Rows 30° from left towards anterior: "LA"; columns straight down the patient's back: "P".
    const oblique = edgeMarkers(geometryOf([c, -s, 0, 0, 0, -1]));
    expect(oblique).toEqual({ left: 'RP', right: 'LA', top: 'H', bottom: 'F' });
    // A 10° gantry tilt is still read as the main direction only (sin 10° < 0.25) ...
    const t = (10 * Math.PI) / 180;
    expect(directionLabel([0, Math.cos(t), Math.sin(t)])).toBe('P');
    // ... a 45° one as both, and a body diagonal as all three.
    expect(directionLabel([Math.SQRT1_2, 0, -Math.SQRT1_2])).toMatch(/^(LF|FL)$/);
    const d = 1 / Math.sqrt(3);
    expect(directionLabel([-d, -d * 1.01, d]).length).toBe(3);
    expect(directionLabel([-d, -d * 1.01, d])[0]).toBe('A');
  });

  it('has no markers without an orientation', () => {
    expect(edgeMarkers(frameGeometry({ PixelSpacing: [1, 1] }))).toBeUndefined();
  });
});

describe('pixel spacing and the display aspect', () => {
  it('takes Pixel Spacing as (rows, columns), then Imager Pixel Spacing (uncalibrated), then the aspect ratio', () => {
    const ct = frameGeometry({ PixelSpacing: [0.5, 0.8] });
    expect(ct).toMatchObject({ rowSpacing: 0.5, columnSpacing: 0.8, spacingSource: 'pixel' });
    expect(spacingNote(ct)).toBeUndefined();
    const dx = frameGeometry({ ImagerPixelSpacing: ['0.143', '0.143'] });
    expect(dx).toMatchObject({ rowSpacing: 0.143, columnSpacing: 0.143, spacingSource: 'imager' });
    expect(hasMillimetres(dx)).toBe(true);
    expect(spacingNote(dx)).toMatch(/^Uncalibrated/);
    const both = frameGeometry({ PixelSpacing: [0.2, 0.2], ImagerPixelSpacing: [0.25, 0.25] });
    expect(both.spacingSource).toBe('pixel');
    const us = frameGeometry({ PixelAspectRatio: [4, 3] });
    expect(us).toMatchObject({ rowSpacing: 4, columnSpacing: 3, spacingSource: 'aspect' });
    expect(hasMillimetres(us)).toBe(false);
    expect(frameGeometry({}).spacingSource).toBe('none');
    expect(frameGeometry({ PixelSpacing: [0, 1] }).spacingSource).toBe('none');
  });

  it('draws non-square pixels to the patient proportions: a 160 × 256 image of 0.8 × 0.5 mm pixels is square', () => {
    const shape = pixelShape(0.8, 0.5);
    expect(shape).toEqual({ x: 1.6, y: 1 });
    const image = { width: 160, height: 256 };
    const viewport = { width: 900, height: 600 };
    const p = placement(image, viewport, FIT, shape);
    expect(image.width * p.scaleX).toBeCloseTo(600);
    expect(image.height * p.scaleY).toBeCloseTo(600);
    expect(p.x).toBeCloseTo(150);
    expect(p.y).toBeCloseTo(0);
    const point = { x: 33.25, y: 201.5 };
    const back = toImage(p, toViewport(p, point));
    expect(back.x).toBeCloseTo(point.x);
    expect(back.y).toBeCloseTo(point.y);
    // Zoom keeps the point under the pointer with non-square pixels too.
    const anchor = { x: 400, y: 250 };
    const before = toImage(p, anchor);
    const zoomed = placement(
      image,
      viewport,
      zoomAt(image, viewport, FIT, 3, anchor, shape),
      shape,
    );
    expect(toImage(zoomed, anchor).x).toBeCloseTo(before.x);
    expect(toImage(zoomed, anchor).y).toBeCloseTo(before.y);
  });

  it('picks the longest round scale bar that fits', () => {
    expect(scaleBar(5, 200)).toEqual({ mm: 20, css: 100, label: '2 cm' });
    expect(scaleBar(5, 99)).toMatchObject({ mm: 10, label: '1 cm' });
    expect(scaleBar(40, 200)).toMatchObject({ mm: 5, css: 200, label: '5 mm' });
    expect(scaleBar(1, 120)).toMatchObject({ mm: 100, label: '10 cm' });
    expect(scaleBar(0, 100)).toBeUndefined();
  });
});

describe('per-frame functional groups of an Enhanced CT (decoded by dcmjs-imaging)', () => {
  beforeAll(async () => {
    await NativePixelDecoder.initializeAsync();
  });

  it('reads spacing, orientation, rescale and window from the shared group and positions per frame', () => {
    const series = enhancedPhantom({
      rows: 32,
      columns: 20,
      rowSpacing: 0.5,
      columnSpacing: 0.8,
      orientation: ORIENTATIONS.coronal,
      positions: [0, 5, 12.5],
      centre: [10, -20, 30],
      discDiameter: 8,
      discHu: 200,
      backgroundHu: 0,
      sliceThickness: 5,
    });
    const image = new DicomImage(toArrayBuffer(series.files[0]!));
    const elements = image.getElements() as Record<string, unknown>;
    expect(elements.PixelSpacing).toBeUndefined(); // nothing at the top level
    const frames = imageGeometries(elements, image.getNumberOfFrames());
    expect(frames).toHaveLength(3);
    for (const g of frames) {
      expect(g).toMatchObject({
        rowSpacing: 0.5,
        columnSpacing: 0.8,
        spacingSource: 'pixel',
        rowDirection: [1, 0, 0],
        columnDirection: [0, 0, -1],
        sliceThickness: 5,
        frameOfReferenceUid: series.frameOfReferenceUid,
      });
    }
    // Coronal: the normal is row × column = (1,0,0) × (0,0,-1) = (0,1,0), towards the patient's back.
    const normal = sliceNormal(frames[0]!)!;
    expect(normal.map((v) => v + 0)).toEqual([0, 1, 0]);
    const along = frames.map((g) => {
      const c = frameCentre(g, 20, 32)!;
      return c[0] * normal[0] + c[1] * normal[1] + c[2] * normal[2];
    });
    expect(along[0]).toBeCloseTo(-20);
    expect(along[1]).toBeCloseTo(-15);
    expect(along[2]).toBeCloseTo(-7.5);
    expect(frameCentre(frames[0]!, 20, 32)!.map((v) => Number(v.toFixed(6)))).toEqual([
      10, -20, 30,
    ]);
    expect(frameRescale(elements, 2)).toEqual({ slope: 1, intercept: -1024, unit: 'HU' });
    expect(edgeMarkers(frames[1]!)).toEqual({ left: 'R', right: 'L', top: 'H', bottom: 'F' });
  });

  it('lets a per-frame group win over the shared one, and the shared one over the top level', () => {
    const elements = {
      PixelSpacing: [9, 9],
      ImageOrientationPatient: [0, 1, 0, 0, 0, -1],
      SharedFunctionalGroupsSequence: [
        {
          PixelMeasuresSequence: [{ PixelSpacing: [0.5, 0.8] }],
          PixelValueTransformationSequence: [{ RescaleSlope: 2, RescaleIntercept: -10 }],
        },
      ],
      PerFrameFunctionalGroupsSequence: [
        { PlanePositionSequence: [{ ImagePositionPatient: [0, 0, 0] }] },
        {
          PlanePositionSequence: [{ ImagePositionPatient: [0, 0, 3] }],
          PixelMeasuresSequence: [{ PixelSpacing: [0.25, 0.4] }],
          PlaneOrientationSequence: [{ ImageOrientationPatient: [1, 0, 0, 0, 1, 0] }],
          PixelValueTransformationSequence: [{ RescaleSlope: 1, RescaleIntercept: 5 }],
        },
      ],
    };
    const [first, second] = imageGeometries(elements, 2);
    expect(first).toMatchObject({ rowSpacing: 0.5, columnSpacing: 0.8, position: [0, 0, 0] });
    expect(edgeMarkers(first!)?.right).toBe('P'); // the top-level (sagittal) orientation
    expect(second).toMatchObject({ rowSpacing: 0.25, columnSpacing: 0.4, position: [0, 0, 3] });
    expect(edgeMarkers(second!)?.right).toBe('L'); // its own (axial) orientation
    expect(frameRescale(elements, 0)).toMatchObject({ slope: 2, intercept: -10 });
    expect(frameRescale(elements, 1)).toMatchObject({ slope: 1, intercept: 5 });
  });

  it('reads a plain CT slice of the phantom the same way (top-level attributes)', () => {
    const series = phantomSeries({
      rows: 16,
      columns: 10,
      rowSpacing: 0.5,
      columnSpacing: 0.8,
      orientation: ORIENTATIONS.sagittal,
      positions: [7],
      discDiameter: 4,
      discHu: 100,
      backgroundHu: -50,
    });
    const image = new DicomImage(toArrayBuffer(series.files[0]!));
    const g = frameGeometry(image.getElements() as Record<string, unknown>, 0);
    expect(g).toMatchObject({ rowSpacing: 0.5, columnSpacing: 0.8, spacingSource: 'pixel' });
    expect(edgeMarkers(g)).toEqual({ left: 'A', right: 'P', top: 'H', bottom: 'F' });
    const c = frameCentre(g, 10, 16)!;
    // Sagittal: the normal is row × column = (0,1,0) × (0,0,-1) = (-1,0,0), towards the patient's right.
    expect(c.map((v) => Number(v.toFixed(6)) + 0)).toEqual([-7, 0, 0]);
  });
});

describe('synchronized scrolling: the nearest slice along the normal', () => {
  /** Runs the search against a stack whose positions are `at(i)`; answers the slice and the probes used. */
  function search(count: number, at: (i: number) => number, target: number) {
    const known: KnownPosition[] = [];
    const probed: number[] = [];
    for (let probes = 0; probes < 100; probes++) {
      const step = syncStep(known, count, target, probes);
      if ('done' in step) return { index: step.done, probed };
      probed.push(step.probe);
      known.push({ index: step.probe, along: at(step.probe) });
    }
    throw new Error('did not settle');
  }

  it('finds the nearest slice of a regular stack with a few loads', () => {
    const result = search(500, (i) => -100 + i * 0.625, 37.3);
    expect(result.index).toBe(220); // -100 + 220 × 0.625 = 37.5
    expect(result.probed.length).toBeLessThanOrEqual(5);
  });

  it('works for stacks ordered head to feet as well, and clamps beyond the ends', () => {
    const at = (i: number) => 46 - 4 * i; // 12 slices, 46 … 2 mm
    expect(search(12, at, 35).index).toBe(3); // 34 mm
    expect(search(12, at, 100).index).toBe(0);
    expect(search(12, at, -100).index).toBe(11);
    expect(search(1, () => 5, 0).index).toBe(0);
  });

  it('finds the nearest in an irregular stack too', () => {
    const positions = [0, 1, 2, 10, 11, 30, 31, 32, 60];
    expect(search(positions.length, (i) => positions[i]!, 24).index).toBe(5);
    expect(search(positions.length, (i) => positions[i]!, 5).index).toBe(2);
    expect(nearestKnown([{ index: 3, along: 1 }], 9)).toBe(3);
  });
});
