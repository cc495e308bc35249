/**
 * Why a frame could not be rendered. Every rendering failure surfaces as a RenderError, never as a crash;
 * the HTTP layer answers 501 Not Implemented for all of them (BEHAVIOR §10.7).
 */
export type RenderErrorCode =
  /** The bytes are not DICOM that the image reader can open (no Part-10 header, no transfer syntax, ...). */
  | 'unreadable'
  /** The object has no Pixel Data (SR, RT structure set, presentation state, ...). */
  | 'no-pixel-data'
  /** framenumber < 1, > Number of Frames, or not an integer. */
  | 'frame-out-of-range'
  /** Native pixel data shorter than Rows × Columns × Samples × Bits Allocated × Frames says. */
  | 'truncated-pixel-data'
  /** Photometric interpretation, bit depth or compression the decoders do not handle. */
  | 'unsupported-pixel-data'
  /** The requested output size exceeds the safety limit. */
  | 'image-too-large';

export class RenderError extends Error {
  constructor(
    readonly code: RenderErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RenderError';
  }
}
