/**
 * The decoded stored values of a frame, as dcmjs-imaging decoded them: its grey pixel pipeline keeps them for the
 * frame rendered last. dcmjs-imaging has no public call for them; `pixelPipelineCache` is its own cache, pinned
 * with the exact version in package.json and checked here (and by a unit test on a real decode), so a change
 * shows as a clear error, never as wrong numbers.
 */
import { WindowLevel, type DicomImage } from 'dcmjs-imaging';

interface WithPipeline {
  pixelPipelineCache?: { get(frame: number): { data?: ArrayLike<number> } | undefined };
}

export function storedValues(image: DicomImage, frame: number): ArrayLike<number> {
  const cache = (image as unknown as WithPipeline).pixelPipelineCache;
  let pipeline = cache?.get(frame);
  if (!pipeline) {
    image.render({ frame, windowLevel: new WindowLevel(1, 0), renderOverlays: false });
    pipeline = cache?.get(frame);
  }
  const data = pipeline?.data;
  const size = image.getWidth() * image.getHeight();
  if (!data || typeof data.length !== 'number' || data.length < size) {
    throw new Error('The decoded values of this image are not available (dcmjs-imaging changed?)');
  }
  return data;
}
