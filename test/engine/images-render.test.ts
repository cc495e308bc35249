/** GET /api/images/{id}/attributes, /imageinformation and /png (BEHAVIOR.md §10.5-10.7). */
import { basename } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Image, ImageAttribute } from '../../src-main/slicebox/types.js';
import { expectedOutcomes, startTestBox, testFile } from './support.js';
import type { TestBox } from './support.js';

let t: TestBox;
let image: Image;
beforeAll(async () => {
  t = await startTestBox();
  image = (await (await t.upload('/api/images', testFile('test.dcm'))).json()) as Image;
});
afterAll(async () => {
  await t.stop();
});

const PNG_SIGNATURE = '89504e470d0a1a0a';

function pngSize(png: Uint8Array): { width: number; height: number } {
  expect(Buffer.from(png.subarray(0, 8)).toString('hex')).toBe(PNG_SIGNATURE);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

async function png(query = '', id = image.id): Promise<Response> {
  return t.api(`/api/images/${id}/png${query}`);
}

describe('attributes', () => {
  test('test.dcm → 200, non-empty list with meta, private and nested elements, no pixel data', async () => {
    const res = await t.api(`/api/images/${image.id}/attributes`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const attrs = (await res.json()) as ImageAttribute[];
    expect(attrs.length).toBeGreaterThan(50);
    const byName = (n: string) => attrs.find((a) => a.namePath.at(-1) === n);
    expect(byName('TransferSyntaxUID')?.values).toEqual(['1.2.840.10008.1.2.1']);
    expect(byName('PatientAge')).toMatchObject({ vr: 'AS', length: 4, values: ['011Y'] });
    const upper = byName('EnergyWindowUpperLimit');
    expect(upper?.namePath).toEqual([
      'EnergyWindowInformationSequence',
      'EnergyWindowRangeSequence',
      'EnergyWindowUpperLimit',
    ]);
    expect(attrs.some((a) => a.tagPath.tag === 0x00191021)).toBe(true);
    expect(attrs.some((a) => a.tagPath.tag === 0x7fe00010)).toBe(false);
  });

  test('unknown → 404, non-numeric → 404, no credentials → 401', async () => {
    expect((await t.api('/api/images/666/attributes')).status).toBe(404);
    expect((await t.api('/api/images/x/attributes')).status).toBe(404);
    expect((await t.api(`/api/images/${image.id}/attributes`, { auth: null })).status).toBe(401);
  });
});

describe('imageinformation', () => {
  test('test.dcm → the documented values', async () => {
    const res = await t.api(`/api/images/${image.id}/imageinformation`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(
      '{"numberOfFrames":1,"frameIndex":8,"minimumPixelValue":0,"maximumPixelValue":134}',
    );
  });

  test('unknown → 404', async () => {
    expect((await t.api('/api/images/666/imageinformation')).status).toBe(404);
  });
});

describe('png', () => {
  test('default → 200 image/png of the native size', async () => {
    const res = await png();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(pngSize(new Uint8Array(await res.arrayBuffer()))).toEqual({ width: 256, height: 256 });
  });

  test('imageheight=400 → height 400, width proportional', async () => {
    const res = await png('?imageheight=400');
    expect(res.status).toBe(200);
    expect(pngSize(new Uint8Array(await res.arrayBuffer()))).toEqual({ width: 400, height: 400 });
  });

  test('windowmin=10&windowmax=100 differs from the default rendering', async () => {
    const a = Buffer.from(await (await png()).arrayBuffer());
    const res = await png('?windowmin=10&windowmax=100');
    expect(res.status).toBe(200);
    const b = Buffer.from(await res.arrayBuffer());
    expect(b.length).toBeGreaterThan(0);
    expect(a.equals(b)).toBe(false);
  });

  test('explicit defaults equal the default rendering', async () => {
    const a = Buffer.from(await (await png()).arrayBuffer());
    const b = Buffer.from(
      await (await png('?framenumber=1&windowmin=0&windowmax=0&imageheight=0')).arrayBuffer(),
    );
    expect(a.equals(b)).toBe(true);
  });

  test('frame out of range → 501', async () => {
    for (const q of ['?framenumber=2', '?framenumber=0', '?framenumber=-1']) {
      const res = await png(q);
      expect(res.status, q).toBe(501);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    }
  });

  test('non-integer parameters → 400', async () => {
    for (const q of [
      '?framenumber=a',
      '?framenumber=1.5',
      '?windowmin=x',
      '?windowmax=1e3',
      '?imageheight=',
      '?imageheight=99999999999',
    ]) {
      expect((await png(q)).status, q).toBe(400);
    }
  });

  test('unknown → 404', async () => {
    expect((await png('', 666)).status).toBe(404);
    expect((await png('?framenumber=x', 666)).status).toBe(400);
  });
});

/** Accepted files without pixel data (header-only objects): rendering fails → 501. */
const NO_PIXEL_DATA = new Set([
  'chrJapMulti.dcm',
  'chrKoreanMulti.dcm',
  'chrSQEncoding.dcm',
  'priv_SQ.dcm',
]);

describe('every accepted shared test file through the routes', () => {
  const accepted = expectedOutcomes().filter((o) => o.upload === 201);

  test.each(accepted.map((o) => [basename(o.file), o.file]))(
    '%s: png, attributes, imageinformation',
    async (name, file) => {
      const res = await t.upload('/api/images', testFile(file));
      expect(res.status).toBeLessThan(300);
      const { id } = (await res.json()) as Image;
      const p = await png('', id);
      if (NO_PIXEL_DATA.has(name)) {
        expect(p.status).toBe(501);
      } else {
        expect(p.status).toBe(200);
        const size = pngSize(new Uint8Array(await p.arrayBuffer()));
        expect(size.width).toBeGreaterThan(0);
        const scaled = await png('?imageheight=50', id);
        expect(scaled.status).toBe(200);
        expect(pngSize(new Uint8Array(await scaled.arrayBuffer())).height).toBe(50);
      }
      const attrs = await t.api(`/api/images/${id}/attributes`);
      expect(attrs.status).toBe(200);
      expect(((await attrs.json()) as unknown[]).length).toBeGreaterThan(0);
      expect((await t.api(`/api/images/${id}/imageinformation`)).status).toBe(200);
    },
  );
});
