import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  RenderError,
  renderPng,
  type RenderErrorCode,
} from '../../src-main/localbox/rendering/index.js';
import {
  allTestFiles,
  decodePng,
  greyLevels,
  replaceAscii,
  testFile,
  upscaledCt,
} from './rendering-test-helpers.js';

async function renderError(p: Promise<unknown>): Promise<RenderError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(RenderError);
    return e as RenderError;
  }
  throw new Error('expected a RenderError');
}

/** Timings are printed (see README) — the first render pays for the WASM decoder initialisation. */
describe('PNG rendering of test.dcm (BEHAVIOR §10.7)', () => {
  it('renders a 256×256 greyscale PNG with visible contrast despite the file window WC 0 / WW 65536', async () => {
    const started = performance.now();
    const png = decodePng(await renderPng(testFile('test.dcm')));
    console.log(
      `first render in this worker (incl. WASM init): ${(performance.now() - started).toFixed(1)} ms`,
    );
    expect([png.width, png.height]).toEqual([256, 256]);
    expect(greyLevels(png)).toBeGreaterThan(20);
    // Background (corner) dark, kidneys bright: MONOCHROME2, not inverted.
    expect(png.data[0]).toBeLessThan(40);
    expect(Math.max(...png.data.filter((_, i) => i % 4 === 0))).toBeGreaterThan(200);
  });

  it('is a greyscale PNG (colour type 0)', async () => {
    const bytes = await renderPng(testFile('test.dcm'));
    expect(bytes[25]).toBe(0); // IHDR colour type
  });

  it('gives different bytes for windowmin=10&windowmax=100 than the default', async () => {
    const def = await renderPng(testFile('test.dcm'));
    const windowed = await renderPng(testFile('test.dcm'), { windowMin: 10, windowMax: 100 });
    expect(windowed.equals(def)).toBe(false);
    // windowMin >= windowMax means "no window given".
    expect(
      (await renderPng(testFile('test.dcm'), { windowMin: 100, windowMax: 100 })).equals(def),
    ).toBe(true);
  });

  it('uses the midpoint as window centre unless the legacy centre is asked for; both agree when min is 0', async () => {
    const f = testFile('test.dcm');
    const mid = await renderPng(f, { windowMin: 10, windowMax: 100 });
    const legacy = await renderPng(f, { windowMin: 10, windowMax: 100, legacyWindowCentre: true });
    expect(legacy.equals(mid)).toBe(false);
    const a = await renderPng(f, { windowMin: 0, windowMax: 134 });
    const b = await renderPng(f, { windowMin: 0, windowMax: 134, legacyWindowCentre: true });
    expect(a.equals(b)).toBe(true);
    // Window 10..100: values ≤ 10 black, ≥ 100 white.
    const png = decodePng(mid);
    expect(png.data[0]).toBe(0);
  });

  it('scales to imageHeight with proportional width, bilinear', async () => {
    const png = decodePng(await renderPng(testFile('test.dcm'), { imageHeight: 400 }));
    expect([png.width, png.height]).toEqual([400, 400]);
    expect(greyLevels(png)).toBeGreaterThan(20);
    const sc = decodePng(await renderPng(testFile('sc.dcm'), { imageHeight: 400 }));
    expect([sc.width, sc.height]).toEqual([Math.trunc((1268 * 400) / 1392), 400]);
    const same = await renderPng(testFile('test.dcm'), { imageHeight: 256 });
    expect(same.equals(await renderPng(testFile('test.dcm')))).toBe(true);
  });

  it('refuses frame numbers outside 1..frames with a RenderError', async () => {
    for (const frameNumber of [2, 0, -1, 1.5]) {
      expect((await renderError(renderPng(testFile('test.dcm'), { frameNumber }))).code).toBe(
        'frame-out-of-range',
      );
    }
  });

  it('refuses an absurd output size instead of exhausting memory', async () => {
    expect(
      (await renderError(renderPng(testFile('test.dcm'), { imageHeight: 1_000_000 }))).code,
    ).toBe('image-too-large');
  });
});

describe('PNG rendering of other images', () => {
  it('renders both frames of the 2-frame RLE RGB image in colour, and they differ', async () => {
    const f = testFile('pydicom/SC_rgb_rle_2frame.dcm');
    const one = await renderPng(f, { frameNumber: 1 });
    const two = await renderPng(f, { frameNumber: 2 });
    expect(two.equals(one)).toBe(false);
    expect(two[25]).toBe(2); // RGB
    const png = decodePng(two);
    expect([png.width, png.height]).toEqual([100, 100]);
    let coloured = 0;
    for (let i = 0; i < png.data.length; i += 4)
      if (png.data[i] !== png.data[i + 1] || png.data[i + 1] !== png.data[i + 2]) coloured++;
    expect(coloured).toBeGreaterThan(1000);
    expect((await renderError(renderPng(f, { frameNumber: 3 }))).code).toBe('frame-out-of-range');
    // The RLE frames decode to the same pixels as their uncompressed re-encoding.
    const explicit = testFile('pydicom/derived/SC_rgb_2frame_explicitLE.dcm');
    expect((await renderPng(explicit, { frameNumber: 2 })).equals(two)).toBe(true);
  });

  it('inverts MONOCHROME1', async () => {
    const mono1 = testFile('pydicom/dicomdir_77654033_CR1_6154.dcm');
    const mono2 = replaceAscii(mono1, 'MONOCHROME1', 'MONOCHROME2');
    expect(mono2.equals(mono1)).toBe(false);
    const a = decodePng(await renderPng(mono1));
    const b = decodePng(await renderPng(mono2));
    expect(greyLevels(a)).toBeGreaterThan(5);
    for (let i = 0; i < a.data.length; i += 4) {
      expect(Math.abs((a.data[i] as number) + (b.data[i] as number) - 255)).toBeLessThanOrEqual(1);
    }
  });

  it('decodes the lossless compressed MR variants to the same picture as the uncompressed MR', async () => {
    const reference = await renderPng(testFile('pydicom/MR_small.dcm'));
    for (const f of [
      'MR_small_RLE.dcm',
      'MR_small_jp2klossless.dcm',
      'MR_small_jpeg_ls_lossless.dcm',
      'MR_small_bigendian.dcm',
      'MR_small_implicit.dcm',
    ]) {
      expect((await renderPng(testFile(`pydicom/${f}`))).equals(reference), f).toBe(true);
    }
  });

  it('reports truncated pixel data instead of rendering garbage', async () => {
    expect((await renderError(renderPng(testFile('pydicom/MR_truncated.dcm')))).code).toBe(
      'truncated-pixel-data',
    );
  });

  it('writes sample renderings to /tmp for a visual check', async () => {
    const samples: Array<[string, string, number]> = [
      ['test.dcm', 'sbx-render-nm-kidneys.png', 512],
      ['pydicom/CT_small.dcm', 'sbx-render-ct.png', 512],
      ['pydicom/MR_small.dcm', 'sbx-render-mr.png', 256],
      ['pydicom/JPGExtended.dcm', 'sbx-render-nm-jpeg-extended.png', 0],
      ['pydicom/dicomdir_77654033_CR1_6154.dcm', 'sbx-render-cr-monochrome1.png', 128],
      ['pydicom/SC_rgb_rle_2frame.dcm', 'sbx-render-rgb-rle.png', 200],
    ];
    for (const [file, out, imageHeight] of samples) {
      writeFileSync(`/tmp/${out}`, await renderPng(testFile(file), { imageHeight }));
    }
  });
});

/**
 * Every shared test file: the ones with renderable pixel data give a valid PNG of their size; the others
 * fail with exactly the RenderError listed here — never another exception.
 */
const CANNOT_RENDER: Record<string, RenderErrorCode> = {
  'invalid.dcm': 'unreadable', // text, not DICOM
  'pydicom/no_meta.dcm': 'unreadable', // no preamble/meta and a stray leading byte: dcmjs cannot open it
  'pydicom/meta_missing_tsyntax.dcm': 'unreadable', // meta without Transfer Syntax UID
  'pydicom/ExplVR_LitEndNoMeta.dcm': 'no-pixel-data', // RT Ion Plan
  'pydicom/UN_sequence.dcm': 'no-pixel-data', // header only (STACK.md's "unsupported LUT pipeline" is this)
  'pydicom/chrJapMulti.dcm': 'no-pixel-data', // charset sample: header only
  'pydicom/chrKoreanMulti.dcm': 'no-pixel-data',
  'pydicom/chrSQEncoding.dcm': 'no-pixel-data',
  'pydicom/empty_charset_LEI.dcm': 'no-pixel-data',
  'pydicom/nested_priv_SQ.dcm': 'no-pixel-data', // a 2-byte Pixel Data without any image pixel module
  'pydicom/priv_SQ.dcm': 'no-pixel-data',
  'pydicom/rtstruct.dcm': 'no-pixel-data',
  'pydicom/test-SR.dcm': 'no-pixel-data',
  'pydicom/MR_truncated.dcm': 'truncated-pixel-data',
};

describe('every shared test file', () => {
  const files = allTestFiles();

  it('covers the expected files', () => {
    expect(files.length).toBe(54);
    for (const f of Object.keys(CANNOT_RENDER)) expect(files).toContain(f);
  });

  it.each(files)('%s renders to a valid PNG or fails with the listed RenderError', async (file) => {
    const bytes = testFile(file);
    const expected = CANNOT_RENDER[file];
    if (expected) {
      expect((await renderError(renderPng(bytes))).code).toBe(expected);
      return;
    }
    const png = decodePng(await renderPng(bytes));
    expect(png.width).toBeGreaterThan(0);
    expect(png.height).toBeGreaterThan(0);
    const scaled = decodePng(await renderPng(bytes, { imageHeight: 50 }));
    expect(scaled.height).toBe(50);
  });
});

describe('512×512 16-bit CT (rendering speed is measured by `npm run bench`, not here)', () => {
  it('renders at full size, and scaled to 1024 px high', async () => {
    const ct = upscaledCt(4);
    const png = decodePng(await renderPng(ct));
    expect([png.width, png.height]).toEqual([512, 512]);
    const scaled = decodePng(await renderPng(ct, { imageHeight: 1024 }));
    expect([scaled.width, scaled.height]).toEqual([1024, 1024]);
  });
});
