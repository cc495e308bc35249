/**
 * "Browse says what is inside" (issue 11, item 5) below the UI, against a real local box over HTTP:
 * - the local box's extension (`POST /api/x-desktop/metadata/contents`) counts a study's series and images,
 *   lists its modalities, and picks each series' middle image in slice order (not in order of arrival);
 * - a server without the extension (a proxy answering 404 for `/api/x-desktop/*`, as every Slicebox does)
 *   gets the same answers from Slicebox's standard routes, with at most COUNT_CONCURRENCY requests in
 *   flight, counted once per connection until the lists are reloaded;
 * - after an image is added and after images are deleted (a whole series too) the counts follow;
 * - with the server gone, the last counts are answered from the cache database, marked as cached.
 */
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowseContents } from '../../src-preload/contract.js';
import {
  COUNT_CONCURRENCY,
  ContentsService,
} from '../../src-main/services/browse/contents-service.js';
import { openCacheDb, type CacheDb } from '../../src-main/services/cache/cache-db.js';
import { ContentsCache } from '../../src-main/services/cache/contents-cache.js';
import { ConnectionService } from '../../src-main/services/connections/connection-service.js';
import type { SliceboxClient } from '../../src-main/slicebox/client.js';
import { startLocalbox } from '../../src-main/localbox/server.js';
import { pydicomFile } from '../fixtures/paths.js';
import {
  PETER_A,
  PETER_CT_INSTANCE_NUMBERS,
  PETER_CT_UPLOAD_ORDER,
  peterMrFiles,
  uidOf,
  withModality,
  withUidTail,
} from '../fixtures/study-contents.js';

const SOP_INSTANCE_UID = 'x00080018';
const SERIES_INSTANCE_UID = 'x0020000e';

interface Proxy {
  url: string;
  server: Server;
  /** Requests forwarded (x-desktop ones answered 404 here are counted apart). */
  forwarded: string[];
  refused: string[];
  maxInFlight: number;
}

/**
 * Forwards to `target` but has no `/api/x-desktop/*` routes (as a real Slicebox server). Each forwarded
 * answer is held back a little, so concurrent requests overlap and the most in flight can be seen.
 */
async function startPlainSliceboxProxy(target: string): Promise<Proxy> {
  let inFlight = 0;
  const proxy: Proxy = { url: '', server: undefined!, forwarded: [], refused: [], maxInFlight: 0 };
  proxy.server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '';
      if (url.startsWith('/api/x-desktop/')) {
        proxy.refused.push(url);
        res.writeHead(404, { 'content-type': 'text/plain; charset=UTF-8' });
        res.end('The requested resource could not be found.');
        return;
      }
      proxy.forwarded.push(`${req.method} ${url}`);
      inFlight++;
      proxy.maxInFlight = Math.max(proxy.maxInFlight, inFlight);
      const headers: Record<string, string> = {};
      for (const name of ['authorization', 'content-type']) {
        const value = req.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      fetch(`${target}${url}`, { method: req.method, headers, body })
        .then(async (answer) => {
          const bytes = Buffer.from(await answer.arrayBuffer());
          await new Promise((resolve) => setTimeout(resolve, 20));
          res.writeHead(answer.status, {
            'content-type': answer.headers.get('content-type') ?? 'application/octet-stream',
          });
          res.end(bytes);
        })
        .catch(() => {
          res.writeHead(502);
          res.end();
        })
        .finally(() => inFlight--);
    });
  });
  await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
  const address = proxy.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  proxy.url = `http://127.0.0.1:${address.port}`;
  return proxy;
}

/** The answer in a stable order, to compare the extension's with the fallback's. */
function sorted(answer: BrowseContents): BrowseContents {
  return {
    ...answer,
    studies: [...answer.studies].sort((a, b) => a.id - b.id),
    series: [...answer.series].sort((a, b) => a.id - b.id),
  };
}

describe('browse contents: what studies and series hold', () => {
  let dir: string;
  let box: Awaited<ReturnType<typeof startLocalbox>>;
  let proxy: Proxy;
  let cacheDb: CacheDb;
  let desk: SliceboxClient;
  let service: ContentsService;
  let peterStudy: number;
  let ctSeries: number;
  let mrSeries: number;
  /** Image id by instance number, series B (CT). */
  const ct: Record<string, number> = {};
  /** Image ids of series A (MR), instance 1 then 2. */
  const mr: number[] = [];
  let manySeriesStudy: number;

  const ask = (connectionId: string, extra: { refresh?: boolean } = {}) =>
    service.contents({
      connectionId,
      studyIds: [peterStudy],
      seriesIds: [ctSeries, mrSeries],
      ...extra,
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sbx-contents-'));
    box = await startLocalbox({ dataDir: join(dir, 'box'), port: 0 });
    proxy = await startPlainSliceboxProxy(box.url);
    const connections = new ConnectionService(() => undefined);
    for (const [id, url] of [
      ['desk', box.url],
      ['plain', proxy.url],
    ] as const) {
      connections.add({ id, name: id, url, kind: 'remote', user: 'admin', password: 'admin' });
    }
    desk = connections.client('desk');
    cacheDb = openCacheDb(join(dir, 'cache.sqlite'));
    service = new ContentsService(connections, new ContentsCache(cacheDb));

    // One at a time, so the ids follow this order (arrival ≠ slice order).
    for (const [i, path] of PETER_CT_UPLOAD_ORDER.entries()) {
      const { image } = await desk.uploadImage(await readFile(path));
      ct[PETER_CT_INSTANCE_NUMBERS[i]!] = image.id;
      ctSeries = image.seriesId;
    }
    for (const bytes of await peterMrFiles()) {
      const { image } = await desk.uploadImage(bytes);
      mr.push(image.id);
      mrSeries = image.seriesId;
    }
    peterStudy = (await desk.seriesById(ctSeries)).studyId;

    // CompressedSamples^CT1: one study with 12 series of one image each.
    const original = await readFile(pydicomFile('CT_small.dcm'));
    const seriesUid = uidOf(original, SERIES_INSTANCE_UID);
    const sopUid = uidOf(original, SOP_INSTANCE_UID);
    for (let i = 0; i < 12; i++) {
      const tail = String(900 + i);
      const copy = withUidTail(withUidTail(original, seriesUid, tail), sopUid, tail);
      const { image } = await desk.uploadImage(copy);
      manySeriesStudy = (await desk.seriesById(image.seriesId)).studyId;
    }
  });

  afterAll(async () => {
    if (proxy?.server.listening) await new Promise((resolve) => proxy.server.close(resolve));
    await box?.close();
    cacheDb?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('the local box counts in one request: CT + MR study, middle image in slice order', async () => {
    expect(ct['8']).toBeDefined();
    const answer = await ask('desk');
    expect(answer.fromCache).toBeUndefined();
    expect(answer.studies).toEqual([
      { id: peterStudy, seriesCount: 2, imageCount: 7, modalities: ['CT', 'MR'] },
    ]);
    expect(answer.series).toEqual([
      // instances 6..10 arrived as 10, 9, 6, 7, 8: the middle slice is 8 (by arrival it would be 6)
      { id: ctSeries, imageCount: 5, thumbnailImageId: ct['8'] },
      { id: mrSeries, imageCount: 2, thumbnailImageId: mr[1] },
    ]);
  });

  it('the extension route: unknown ids are left out, a bad body is a 400', async () => {
    const post = (body: unknown) =>
      fetch(`${box.url}/api/x-desktop/metadata/contents`, {
        method: 'POST',
        headers: {
          authorization: 'Basic ' + Buffer.from('admin:admin').toString('base64'),
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
      });
    const res = await post({ studyIds: [999_999, peterStudy], seriesIds: [999_999] });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      studies: [{ id: peterStudy, seriesCount: 2, imageCount: 7, modalities: ['CT', 'MR'] }],
      series: [],
    });
    const bad = await post({ studyIds: ['one'] });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('malformed');
    const anonymous = await fetch(`${box.url}/api/x-desktop/metadata/contents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(anonymous.status).toBe(401);
  });

  it('a server without the extension is counted with standard routes, the same answers', async () => {
    const fromBox = await ask('desk');
    const fromPlain = await ask('plain');
    expect(sorted(fromPlain)).toEqual(sorted(fromBox));
    // Asked once whether the extension exists (404), then only standard routes.
    expect(proxy.refused).toEqual(['/api/x-desktop/metadata/contents']);
    expect(proxy.forwarded.every((r) => r.startsWith('GET /api/metadata/'))).toBe(true);
    expect(proxy.forwarded.filter((r) => r.includes('/metadata/series?'))).toHaveLength(1);
    expect(proxy.forwarded.filter((r) => r.includes('/metadata/images?'))).toHaveLength(2);
  });

  it('counts once per connection, with bounded concurrency, until the lists are reloaded', async () => {
    proxy.forwarded.length = 0;
    proxy.maxInFlight = 0;
    const many = await service.contents({ connectionId: 'plain', studyIds: [manySeriesStudy] });
    expect(many.studies).toEqual([
      { id: manySeriesStudy, seriesCount: 12, imageCount: 12, modalities: ['CT'] },
    ]);
    // 1 series list + 12 image lists, never more than COUNT_CONCURRENCY at once
    expect(proxy.forwarded).toHaveLength(13);
    expect(proxy.maxInFlight).toBeGreaterThan(1);
    expect(proxy.maxInFlight).toBeLessThanOrEqual(COUNT_CONCURRENCY);

    proxy.forwarded.length = 0;
    const again = await service.contents({ connectionId: 'plain', studyIds: [manySeriesStudy] });
    expect(again).toEqual(many);
    expect(proxy.forwarded).toHaveLength(0);

    const reloaded = await service.contents({
      connectionId: 'plain',
      studyIds: [manySeriesStudy],
      refresh: true,
    });
    expect(reloaded).toEqual(many);
    expect(proxy.forwarded).toHaveLength(13);
  });

  it('follows an added image: the study, its MR series and the middle image', async () => {
    const extra = withModality(await readFile(PETER_A[1]!), 'MR');
    const bytes = withUidTail(extra, uidOf(extra, SOP_INSTANCE_UID), '4242');
    // instance number 2 again: slice order 1, 2, 2 (ties by id) → the middle is the first "2"
    const { image } = await desk.uploadImage(bytes);
    expect(image.seriesId).toBe(mrSeries);
    const expected = {
      studies: [{ id: peterStudy, seriesCount: 2, imageCount: 8, modalities: ['CT', 'MR'] }],
      series: [
        { id: ctSeries, imageCount: 5, thumbnailImageId: ct['8'] },
        { id: mrSeries, imageCount: 3, thumbnailImageId: mr[1] },
      ],
    };
    expect(await ask('desk')).toEqual(expected);
    expect(await ask('plain', { refresh: true })).toEqual(expected);
  });

  it('follows deleted images, and a deleted series is left out (no count of 0)', async () => {
    await desk.deleteImages([ct['8']!]);
    const withoutSlice = {
      studies: [{ id: peterStudy, seriesCount: 2, imageCount: 7, modalities: ['CT', 'MR'] }],
      series: [
        // slices 6, 7, 9, 10: the middle is 9
        { id: ctSeries, imageCount: 4, thumbnailImageId: ct['9'] },
        { id: mrSeries, imageCount: 3, thumbnailImageId: mr[1] },
      ],
    };
    expect(await ask('desk')).toEqual(withoutSlice);
    expect(await ask('plain', { refresh: true })).toEqual(withoutSlice);

    const mrImages = (await desk.images(mrSeries, { count: 100 })).map((i) => i.id);
    expect(mrImages).toHaveLength(3);
    await desk.deleteImages(mrImages);
    const ctOnly = {
      studies: [{ id: peterStudy, seriesCount: 1, imageCount: 4, modalities: ['CT'] }],
      series: [{ id: ctSeries, imageCount: 4, thumbnailImageId: ct['9'] }],
    };
    expect(await ask('desk')).toEqual(ctOnly);
    expect(await ask('plain', { refresh: true })).toEqual(ctOnly);
  });

  it('with the server gone, answers the last counts from the cache, marked as cached', async () => {
    await new Promise((resolve) => proxy.server.close(resolve));
    const offline = await ask('plain', { refresh: true });
    expect(offline.fromCache).toBe(true);
    expect(typeof offline.cachedAt).toBe('number');
    expect(offline.studies).toEqual([
      { id: peterStudy, seriesCount: 1, imageCount: 4, modalities: ['CT'] },
    ]);
    // the deleted MR series was dropped from the cache when it was found gone
    expect(offline.series).toEqual([{ id: ctSeries, imageCount: 4, thumbnailImageId: ct['9'] }]);
    // never counted on this connection: nothing to show
    const unknown = await service.contents({ connectionId: 'plain', seriesIds: [999_999] });
    expect(unknown).toMatchObject({ studies: [], series: [], fromCache: true });
  });
});
