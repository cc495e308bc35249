/** Messages between the viewer and its decoding worker (decode.worker.ts). */
import type { ImagePoint } from '../../../src-preload/contract.js';
import type { FrameGeometry, Rescale } from './geometry.js';
import type { RoiShape, RoiStats } from './measure.js';
import type { ValueRange, VoiWindow } from './window-level.js';

export interface DecodedImageInfo {
  width: number;
  height: number;
  frames: number;
  photometric: string;
  /** MONOCHROME1/2: values have a window; colour images do not. */
  greyscale: boolean;
  /** Greyscale images only: the file's first window (top level or the frame VOI LUT of enhanced objects). */
  fileWindow?: VoiWindow;
  transferSyntaxUid: string;
  sopInstanceUid: string;
  /** Per frame (one entry per frame): spacing, orientation, position, thickness (see geometry.ts). */
  geometry: FrameGeometry[];
  /** Rescale of the first frame (the values' unit: HU for CT). */
  rescale: Rescale;
  /** Slice Location (0020,1041) and Slice Thickness (0018,0050), mm, when the dataset has them. */
  sliceLocation?: number;
  sliceThickness?: number;
  /** Worker time to parse the dataset, ms. */
  parseMs: number;
}

export type WorkerRequest =
  | { type: 'load'; id: number; key: string; bytes: ArrayBuffer }
  | { type: 'render'; id: number; key: string; frame: number; window?: VoiWindow }
  | { type: 'stats'; id: number; key: string; frame: number; shape: RoiShape }
  | { type: 'probe'; id: number; key: string; frame: number; point: ImagePoint }
  | { type: 'forget'; key: string };

export type WorkerReply =
  | { type: 'loaded'; id: number; info: DecodedImageInfo }
  | {
      type: 'rendered';
      id: number;
      width: number;
      height: number;
      bitmap: ImageBitmap;
      /** The window used (the image's default when none was asked for); greyscale only. */
      window?: VoiWindow;
      /** Greyscale only: modality value range of this frame, when it was computed for the default window. */
      range?: ValueRange;
      /** Worker time to decode the frame's pixels (0 when already decoded) and to window them to RGBA, ms. */
      decodeMs: number;
      renderMs: number;
    }
  | { type: 'stats'; id: number; stats: RoiStats | null }
  | { type: 'probed'; id: number; value: number | null; rgb?: [number, number, number] }
  | {
      type: 'error';
      id: number;
      message: string;
      decodeFailed: boolean;
      /** The dataset was read but holds no Pixel Data (7FE0,0010): nothing to draw, here or on the server. */
      noPixelData?: boolean;
      /** The worker no longer holds the image (pushed out of its LRU): load it again. */
      notLoaded?: boolean;
    };
