/** Messages between the viewer and its decoding worker (decode.worker.ts). */
import type { ValueRange, VoiWindow } from './window-level.js';

export interface DecodedImageInfo {
  width: number;
  height: number;
  frames: number;
  photometric: string;
  /** Greyscale images only: the file's first window, if any. */
  fileWindow?: VoiWindow;
  /** Greyscale images only: the modality value range of the first frame. */
  range?: ValueRange;
  transferSyntaxUid: string;
  /** Slice Location (0020,1041) and Slice Thickness (0018,0050), mm, when the dataset has them. */
  sliceLocation?: number;
  sliceThickness?: number;
}

export type WorkerRequest =
  | { type: 'load'; id: number; key: string; url: string }
  | { type: 'render'; id: number; key: string; frame: number; window?: VoiWindow }
  | { type: 'forget'; key: string };

export type WorkerReply =
  | { type: 'loaded'; id: number; info: DecodedImageInfo }
  | { type: 'rendered'; id: number; width: number; height: number; pixels: ArrayBuffer }
  | {
      type: 'error';
      id: number;
      message: string;
      decodeFailed: boolean;
      /** The dataset was read but holds no Pixel Data (7FE0,0010): nothing to draw, here or on the server. */
      noPixelData?: boolean;
    };
