import { mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCacheDb } from '../../src-main/services/cache/cache-db.js';
import { ImageStore, type ImageKey } from '../../src-main/services/cache/image-store.js';

async function fresh(maxBytes: number) {
  const root = await mkdtemp(join(tmpdir(), 'sbx-images-'));
  const db = openCacheDb(join(root, 'cache.sqlite'));
  let now = 0;
  const clock = { tick: () => ++now };
  const dir = join(root, 'image-cache');
  const store = new ImageStore(db, dir, { maxBytes, now: () => now });
  return { db, dir, store, clock, root };
}

const img = (imageId: number, kind: ImageKey['kind'] = 'dicom'): ImageKey => ({
  connectionId: 'c1',
  imageId,
  kind,
});

describe('image store', () => {
  it('writes a file atomically, with mode 0600, and reads it back', async () => {
    const { store, db, dir } = await fresh(1000);
    const stored = await store.put(img(1), Buffer.from('DICM-bytes'));
    expect(await readFile(stored.path, 'utf8')).toBe('DICM-bytes');
    expect((await stat(stored.path)).mode & 0o777).toBe(0o600);
    expect(store.get(img(1))?.path).toBe(stored.path);
    expect(store.get(img(1, 'png'))).toBeUndefined();
    expect((await readdir(dir)).filter((f) => f.startsWith('.tmp'))).toEqual([]);
    db.close();
  });

  it('keeps PNG variants apart from the DICOM file', async () => {
    const { store, db } = await fresh(1000);
    await store.put({ ...img(1, 'png'), variant: 'w=100' }, Buffer.from('a'));
    await store.put({ ...img(1, 'png'), variant: 'w=200' }, Buffer.from('bb'));
    expect(store.get({ ...img(1, 'png'), variant: 'w=100' })?.size).toBe(1);
    expect(store.get({ ...img(1, 'png'), variant: 'w=200' })?.size).toBe(2);
    expect(store.totalBytes()).toBe(3);
    db.close();
  });

  it('evicts the least recently used images to stay within its bound', async () => {
    const { store, db, clock } = await fresh(250);
    clock.tick();
    await store.put(img(1), Buffer.alloc(100));
    clock.tick();
    await store.put(img(2), Buffer.alloc(100));
    clock.tick();
    expect(store.get(img(1))).toBeDefined(); // 1 is now more recent than 2
    clock.tick();
    await store.put(img(3), Buffer.alloc(100));
    expect(store.totalBytes()).toBe(200);
    expect(store.get(img(2))).toBeUndefined();
    expect(store.get(img(1))).toBeDefined();
    expect(store.get(img(3))).toBeDefined();
    db.close();
  });

  it('forgets a connection and cleans up after a crash at the next open', async () => {
    const { store, db, dir } = await fresh(1000);
    await store.put(img(1), Buffer.alloc(10));
    await store.put({ ...img(2), connectionId: 'c2' }, Buffer.alloc(10));
    await writeFile(join(dir, '.tmp-interrupted'), 'half');
    await store.forget('c1');
    expect(store.get(img(1))).toBeUndefined();
    const reopened = new ImageStore(db, dir, { maxBytes: 1000 });
    expect(await readdir(dir)).toHaveLength(1);
    expect(reopened.get({ ...img(2), connectionId: 'c2' })).toBeDefined();
    db.close();
  });
});
