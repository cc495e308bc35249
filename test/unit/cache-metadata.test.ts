import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCacheDb } from '../../src-main/services/cache/cache-db.js';
import { MetadataCache, type PageKey } from '../../src-main/services/cache/metadata-cache.js';
import { CACHE_MIGRATIONS } from '../../src-main/services/cache/migrations/index.js';

async function freshCache(now: () => number = Date.now) {
  const path = join(await mkdtemp(join(tmpdir(), 'sbx-cache-')), 'cache.sqlite');
  const db = openCacheDb(path);
  return { db, cache: new MetadataCache(db, now), path };
}

const key = (startIndex: number, count: number, listKey = '7'): PageKey => ({
  connectionId: 'c1',
  level: 'studies',
  listKey,
  startIndex,
  count,
});

const rows = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => ({ id: from + i }));

describe('metadata cache', () => {
  it('is created by the numbered migrations, without gaps', async () => {
    const { db } = await freshCache();
    const versions = CACHE_MIGRATIONS.map((m) => m.version).sort((a, b) => a - b);
    expect(versions).toEqual(versions.map((_, i) => i + 1));
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
      .all()
      .map((r) => (r as { name: string }).name);
    expect(tables).toEqual(
      expect.arrayContaining(['connection_profiles', 'metadata_pages', 'image_store']),
    );
    db.close();
  });

  it('answers the exact page it stored, with the time it was fetched', async () => {
    const { cache, db } = await freshCache(() => 1_000);
    cache.store(key(0, 100), { items: rows(0, 100), hasMore: true });
    expect(cache.lookup(key(0, 100))).toEqual({
      items: rows(0, 100),
      startIndex: 0,
      hasMore: true,
      fetchedAt: 1_000,
    });
    db.close();
  });

  it('slices a larger snapshot for another count or start (a refresh asks for more rows)', async () => {
    const { cache, db } = await freshCache();
    cache.store(key(0, 200), { items: rows(0, 150), hasMore: false });
    expect(cache.lookup(key(0, 100))).toMatchObject({ items: rows(0, 100), hasMore: true });
    expect(cache.lookup(key(100, 100))).toMatchObject({ items: rows(100, 150), hasMore: false });
    expect(cache.lookup(key(150, 100))).toMatchObject({ items: [], hasMore: false });
    expect(cache.lookup(key(151, 100))).toBeUndefined();
    db.close();
  });

  it('keeps lists apart by connection, level and list key, and prefers the newest snapshot', async () => {
    let now = 1;
    const { cache, db } = await freshCache(() => now);
    cache.store(key(0, 100), { items: rows(0, 2), hasMore: false });
    now = 2;
    cache.store(key(0, 200), { items: rows(0, 3), hasMore: false });
    expect(cache.lookup(key(0, 100))).toMatchObject({ items: rows(0, 3), fetchedAt: 2 });
    expect(cache.lookup(key(0, 100, '8'))).toBeUndefined();
    expect(cache.lookup({ ...key(0, 100), level: 'series' })).toBeUndefined();
    expect(cache.lookup({ ...key(0, 100), connectionId: 'c2' })).toBeUndefined();
    db.close();
  });

  it('remembers an empty list, survives a restart, and forgets a connection', async () => {
    const { cache, db, path } = await freshCache();
    cache.store(key(0, 100), { items: [], hasMore: false });
    cache.store({ ...key(0, 100), connectionId: 'c2' }, { items: rows(0, 1), hasMore: false });
    db.close();
    const again = openCacheDb(path);
    const reopened = new MetadataCache(again);
    expect(reopened.lookup(key(0, 100))).toMatchObject({ items: [], hasMore: false });
    reopened.forget('c1');
    expect(reopened.lookup(key(0, 100))).toBeUndefined();
    expect(reopened.lookup({ ...key(0, 100), connectionId: 'c2' })).toBeDefined();
    again.close();
  });

  it('prunes snapshots older than an age', async () => {
    let now = 0;
    const { cache, db } = await freshCache(() => now);
    cache.store(key(0, 100), { items: rows(0, 1), hasMore: false });
    now = 10_000;
    cache.store(key(0, 100, '9'), { items: rows(0, 1), hasMore: false });
    expect(cache.prune(5_000)).toBe(1);
    expect(cache.lookup(key(0, 100))).toBeUndefined();
    expect(cache.lookup(key(0, 100, '9'))).toBeDefined();
    db.close();
  });
});
