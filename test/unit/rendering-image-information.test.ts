import { describe, expect, it } from 'vitest';
import { DicomReadError, readImageInformation } from '../../src-main/localbox/rendering/index.js';
import { ExplicitLeBuilder, testFile, u16 } from './rendering-test-helpers.js';

describe('imageinformation (BEHAVIOR §10.6)', () => {
  it('reads test.dcm as the original tests expect', () => {
    expect(readImageInformation(testFile('test.dcm'))).toEqual({
      numberOfFrames: 1,
      frameIndex: 8,
      minimumPixelValue: 0,
      maximumPixelValue: 134,
    });
  });

  it('reads Number of Frames, and the same values from implicit and big-endian encodings', () => {
    expect(readImageInformation(testFile('pydicom/rtdose.dcm')).numberOfFrames).toBe(15);
    expect(readImageInformation(testFile('pydicom/SC_rgb_rle_2frame.dcm')).numberOfFrames).toBe(2);
    const explicit = readImageInformation(testFile('pydicom/MR_small.dcm'));
    expect(explicit).toEqual({
      numberOfFrames: 1,
      frameIndex: 1,
      minimumPixelValue: 0,
      maximumPixelValue: 4000,
    });
    expect(readImageInformation(testFile('pydicom/MR_small_implicit.dcm'))).toEqual(explicit);
    expect(readImageInformation(testFile('pydicom/MR_small_bigendian.dcm'))).toEqual(explicit);
    expect(readImageInformation(testFile('pydicom/JPEG2000.dcm')).frameIndex).toBe(3);
  });

  it('defaults to 1 frame, frame index 1 and 0/0 when the attributes are absent', () => {
    expect(readImageInformation(testFile('pydicom/SC_rgb_small_odd.dcm'))).toEqual({
      numberOfFrames: 1,
      frameIndex: 1,
      minimumPixelValue: 0,
      maximumPixelValue: 0,
    });
  });

  it('keeps the quirk: Image Index is never consulted, and frameIndex is at least 1', () => {
    const withImageIndex = new ExplicitLeBuilder()
      .text(0x00200013, 'IS', '2')
      .element(0x00280106, 'SS', Buffer.from([0xfb, 0xff]))
      .element(0x00280107, 'SS', u16(300))
      .element(0x00541330, 'US', u16(9))
      .file();
    expect(readImageInformation(withImageIndex)).toEqual({
      numberOfFrames: 1,
      frameIndex: 2,
      minimumPixelValue: -5,
      maximumPixelValue: 300,
    });
    const negative = new ExplicitLeBuilder().text(0x00200013, 'IS', '-3').file();
    expect(readImageInformation(negative).frameIndex).toBe(1);
  });

  it('rejects bytes that are not DICOM', () => {
    expect(() => readImageInformation(testFile('invalid.dcm'))).toThrow(DicomReadError);
  });
});
