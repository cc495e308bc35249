/**
 * `GET /images/{id}/imageinformation` (BEHAVIOR §10.6).
 *
 * numberOfFrames = Number of Frames (0028,0008) or 1; minimum/maximumPixelValue = Smallest/Largest Image
 * Pixel Value (0028,0106/0107) or 0; frameIndex = max(InstanceNumber (0020,0013), 1).
 *
 * Quirk kept (decision): like the original, which reads the file only up to (0028,0107), Image Index
 * (0054,1330) is never consulted, so frameIndex is max(InstanceNumber, 1). The Slicebox UI only sorts frame
 * thumbnails by it, InstanceNumber is the meaningful order there, and answering as the original does keeps
 * clients' orderings identical. Reading stops after (0028,0107), so this is cheap for large files.
 */
import type { ImageInformation } from '../../slicebox/types.js';
import { formatValues } from './attribute-values.js';
import { readDicom } from './dicom-stream-reader.js';

const INSTANCE_NUMBER = 0x00200013;
const NUMBER_OF_FRAMES = 0x00280008;
const SMALLEST_IMAGE_PIXEL_VALUE = 0x00280106;
const LARGEST_IMAGE_PIXEL_VALUE = 0x00280107;

function firstInt(values: string[]): number | undefined {
  const v = values[0];
  if (v === undefined || v === '') return undefined;
  const n = Number.parseInt(v, 10);
  return Number.isFinite(n) ? n : undefined;
}

export function readImageInformation(bytes: Uint8Array): ImageInformation {
  let numberOfFrames: number | undefined;
  let instanceNumber: number | undefined;
  let minimum: number | undefined;
  let maximum: number | undefined;
  readDicom(bytes, {
    header(h) {
      if (h.path.length === 0 && h.tag > LARGEST_IMAGE_PIXEL_VALUE) return 'stop';
      if (h.path.length > 0) return 'skip';
    },
    element(h, value, bigEndian) {
      if (h.path.length > 0) return;
      const values = (): string[] => formatValues(h.vr, value, bigEndian, []);
      switch (h.tag) {
        case NUMBER_OF_FRAMES:
          numberOfFrames = firstInt(values());
          break;
        case INSTANCE_NUMBER:
          instanceNumber = firstInt(values());
          break;
        case SMALLEST_IMAGE_PIXEL_VALUE:
          minimum = firstInt(values());
          break;
        case LARGEST_IMAGE_PIXEL_VALUE:
          maximum = firstInt(values());
          break;
      }
    },
  });
  return {
    numberOfFrames: numberOfFrames ?? 1,
    frameIndex: Math.max(instanceNumber ?? 1, 1),
    minimumPixelValue: minimum ?? 0,
    maximumPixelValue: maximum ?? 0,
  };
}
