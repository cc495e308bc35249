/**
 * The rendered-PNG cache (rendering/png-cache.ts, http/routes/images-render.ts): the same PNG asked for again is
 * answered without rendering it again, and never outlives the file version it was rendered from.
 */
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import type { Image } from '../../src-main/slicebox/types.js';
import { PngCache } from '../../src-main/localbox/rendering/png-cache.js';
import type { FileIdentity } from '../../src-main/localbox/rendering/png-cache.js';
import { renderPng } from '../../src-main/localbox/rendering/index.js';
import { PYDICOM, sha256, startTestBox, testFile } from './support.js';
import type { TestBox } from './support.js';
import { join } from 'node:path';

let t: TestBox;
beforeAll(async () => {
  t = await startTestBox();
});
afterAll(async () => {
  await t.stop();
});

const CT = testFile(join(PYDICOM, 'CT_small.dcm'));

/** CT_small.dcm with the upper half of its pixels set to the first pixel's value: same identity, new pixels. */
function ctWithNewPixels(): Buffer {
  const bytes = Buffer.from(CT);
  const tag = Buffer.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x57, 0x00, 0x00]);
  const at = bytes.indexOf(tag);
  expect(at).toBeGreaterThan(0);
  const start = at + 12;
  const half = (128 * 128 * 2) / 2;
  for (let o = start + 2; o < start + half; o += 2) bytes.copy(bytes, o, start, start + 2);
  return bytes;
}

async function upload(data: Uint8Array): Promise<Image> {
  const res = await t.upload('/api/images', data);
  expect([200, 201]).toContain(res.status);
  return (await res.json()) as Image;
}

async function png(id: number, query = ''): Promise<Buffer> {
  const res = await t.api(`/api/images/${id}/png${query}`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('image/png');
  return Buffer.from(await res.arrayBuffer());
}

function renders(): { count(): number } {
  const run = vi.spyOn(t.box.engine.codec, 'run');
  return { count: () => run.mock.calls.filter(([kind]) => kind === 'render.png').length };
}

test('the same PNG again is served from the cache; other parameters are rendered', async () => {
  const image = await upload(CT);
  const jobs = renders();
  const first = await png(image.id);
  const again = await png(image.id);
  expect(jobs.count()).toBe(1);
  expect(sha256(again)).toBe(sha256(first));
  // Exactly what the renderer makes of the stored file.
  expect(sha256(again)).toBe(sha256(await renderPng(new Uint8Array(CT))));
  await png(image.id, '?imageheight=64');
  await png(image.id, '?windowmin=-100&windowmax=300');
  expect(jobs.count()).toBe(3);
  await png(image.id, '?imageheight=64');
  expect(jobs.count()).toBe(3);
  vi.restoreAllMocks();
});

test('an overwritten image is rendered from its new file', async () => {
  const image = await upload(CT);
  const before = await png(image.id);
  const changed = ctWithNewPixels();
  const overwritten = await upload(changed);
  expect(overwritten.id).toBe(image.id);
  const after = await png(image.id);
  expect(sha256(after)).not.toBe(sha256(before));
  expect(sha256(after)).toBe(sha256(await renderPng(new Uint8Array(changed))));
  // And back: the first version's PNG again, rendered afresh from the file now stored.
  await upload(CT);
  expect(sha256(await png(image.id))).toBe(sha256(before));
});

test('a deleted image answers 404, not its cached PNG', async () => {
  const image = await upload(testFile('test.dcm'));
  await png(image.id);
  expect((await t.api(`/api/images/${image.id}`, { method: 'DELETE' })).status).toBe(204);
  expect((await t.api(`/api/images/${image.id}/png`)).status).toBe(404);
});

const version = (n: number): FileIdentity => ({
  ino: String(n),
  size: '100',
  mtimeNs: '1',
  ctimeNs: '1',
});

test('the cache is bounded by bytes, least recently used first, and forgets images', () => {
  const cache = new PngCache({ maxBytes: 1000, maxEntryBytes: 600 });
  const bytes = (n: number) => new Uint8Array(n);
  cache.set(1, version(1), 'a', bytes(400));
  cache.set(2, version(2), 'a', bytes(400));
  expect(cache.get(1, version(1), 'a')).toHaveLength(400); // 1 is now the most recent
  cache.set(3, version(3), 'a', bytes(400)); // over 1000: 2 goes
  expect(cache.get(2, version(2), 'a')).toBeUndefined();
  expect(cache.get(1, version(1), 'a')).toBeDefined();
  expect(cache.totalBytes).toBe(800);
  cache.set(4, version(4), 'a', bytes(700)); // larger than an entry may be: not kept
  expect(cache.get(4, version(4), 'a')).toBeUndefined();
  // Another version of the same image is another entry; forgetting the image drops both.
  cache.set(1, version(9), 'a', bytes(10));
  expect(cache.get(1, version(1), 'a')).toBeDefined();
  cache.forgetOtherVersions(1, version(9));
  expect(cache.get(1, version(1), 'a')).toBeUndefined();
  expect(cache.get(1, version(9), 'a')).toBeDefined();
  cache.forget([1, 3]);
  expect(cache.size).toBe(0);
  expect(cache.totalBytes).toBe(0);
});
