/**
 * The browse service's flat series, advanced filter parameters and filter options, over a fake client:
 * the parameters Slicebox expects, the count+1 look-ahead, and cached pages answered when the server
 * is gone (flat pages kept apart from a study's series pages).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BrowseService, advancedParams } from '../../src-main/services/browse/browse-service.js';
import { openCacheDb } from '../../src-main/services/cache/cache-db.js';
import { MetadataCache } from '../../src-main/services/cache/metadata-cache.js';
import type { ConnectionService } from '../../src-main/services/connections/connection-service.js';
import { SliceboxUnreachableError, type SliceboxClient } from '../../src-main/slicebox/client.js';
import type { ListParams } from '../../src-main/slicebox/types.js';

const v = (value: string) => ({ value });
const flat = (id: number) => ({
  id,
  patient: {
    id: 1,
    patientName: v('Doe^Jane'),
    patientID: v('P1'),
    patientBirthDate: v(''),
    patientSex: v('F'),
  },
  study: {
    id: 2,
    patientId: 1,
    studyInstanceUID: v('1.2'),
    studyDescription: v('Head'),
    studyDate: v('20240101'),
    studyID: v('S1'),
    accessionNumber: v('A1'),
    patientAge: v('040Y'),
  },
  series: {
    id,
    studyId: 2,
    seriesInstanceUID: v(`1.2.${id}`),
    seriesDescription: v(`Series ${id}`),
    seriesDate: v(''),
    modality: v('CT'),
    protocolName: v(''),
    bodyPartExamined: v('HEAD'),
    manufacturer: v(''),
    stationName: v(''),
    frameOfReferenceUID: v(''),
  },
});

/** A series of 2,500 images that arrived out of order: instance numbers 2500, 1, 2499, 2, … */
const seriesImages = Array.from({ length: 2500 }, (_, k) => ({
  id: k + 1,
  instanceNumber: String(k % 2 === 0 ? 2500 - k / 2 : (k + 1) / 2),
}));

async function setup() {
  const calls: { op: string; params: ListParams }[] = [];
  let down = false;
  const client = {
    flatSeries: async (params: ListParams) => {
      calls.push({ op: 'flatSeries', params });
      if (down) throw new SliceboxUnreachableError('list flat series', new Error('ECONNREFUSED'));
      return [1, 2, 3].map(flat).slice(0, params.count);
    },
    patients: async (params: ListParams) => {
      calls.push({ op: 'patients', params });
      return [];
    },
    images: async (seriesId: number, params: ListParams) => {
      calls.push({ op: 'images', params });
      if (down) throw new SliceboxUnreachableError('list images', new Error('ECONNREFUSED'));
      const start = params.startindex ?? 0;
      return seriesImages.slice(start, start + (params.count ?? 20)).map((i) => ({
        id: i.id,
        seriesId,
        sopInstanceUID: v(`1.2.3.${i.id}`),
        imageType: v('ORIGINAL'),
        instanceNumber: v(i.instanceNumber),
      }));
    },
    sources: async () => [{ sourceType: 'user', sourceName: 'admin', sourceId: 1 }],
    seriesTypes: async () => [{ id: 3, name: 'CT head' }],
    seriesTags: async () => [{ id: 7, name: 'study-A' }],
  } as unknown as SliceboxClient;
  const connections = {
    client: () => client,
    noteSuccess: () => {},
    noteFailure: () => {},
  } as unknown as ConnectionService;
  const db = openCacheDb(join(await mkdtemp(join(tmpdir(), 'sbx-browse-')), 'cache.sqlite'));
  const browse = new BrowseService(connections, new MetadataCache(db));
  return { browse, calls, goDown: () => (down = true) };
}

describe('browse service: flat series and advanced filters', () => {
  it('joins the advanced filter groups as Slicebox parameters, leaving out empty ones', () => {
    expect(
      advancedParams({ sources: ['box:2', 'user:1'], seriesTypeIds: [3, 7], seriesTagIds: [] }),
    ).toEqual({ sources: 'box:2,user:1', seriestypes: '3,7', seriestags: undefined });
    expect(advancedParams({})).toEqual({
      sources: undefined,
      seriestypes: undefined,
      seriestags: undefined,
    });
  });

  it('pages flat series with count+1, the bare orderby and the filters', async () => {
    const { browse, calls } = await setup();
    const page = await browse.flatSeries({
      connectionId: 'local',
      startIndex: 0,
      count: 2,
      filter: 'jane',
      orderBy: 'seriesDescription',
      orderAscending: false,
      seriesTagIds: [7],
    });
    expect(page.hasMore).toBe(true);
    expect(page.items.map((i) => i.id)).toEqual([1, 2]);
    expect(page.items[0]).toMatchObject({
      patient: { patientName: 'Doe^Jane' },
      study: { studyDescription: 'Head' },
      series: { modality: 'CT', seriesDescription: 'Series 1' },
    });
    expect(calls[0]).toEqual({
      op: 'flatSeries',
      params: {
        startindex: 0,
        count: 3,
        filter: 'jane',
        orderby: 'seriesDescription',
        orderascending: false,
        sources: undefined,
        seriestypes: undefined,
        seriestags: '7',
      },
    });
  });

  it('passes the advanced filter on patients too', async () => {
    const { browse, calls } = await setup();
    await browse.patients({ connectionId: 'local', startIndex: 0, count: 10, sources: ['user:1'] });
    expect(calls[0]?.params).toMatchObject({ sources: 'user:1', count: 11 });
  });

  it('answers a flat page from the cache when the server is gone, per filter', async () => {
    const { browse, goDown } = await setup();
    const request = { connectionId: 'local', startIndex: 0, count: 5, filter: 'x' };
    await browse.flatSeries(request);
    goDown();
    const cached = await browse.flatSeries(request);
    expect(cached).toMatchObject({ fromCache: true, hasMore: false });
    expect(cached.items).toHaveLength(3);
    // A list never seen with this filter is not answered from another one's pages.
    await expect(browse.flatSeries({ ...request, filter: 'y' })).rejects.toThrow();
  });

  it('lists the filter options', async () => {
    const { browse } = await setup();
    expect(await browse.filterOptions('local')).toEqual({
      sources: [{ sourceType: 'user', sourceName: 'admin', sourceId: 1 }],
      seriesTypes: [{ id: 3, name: 'CT head' }],
      seriesTags: [{ id: 7, name: 'study-A' }],
    });
  });
});

describe('browse service: the images of a series', () => {
  const request = { connectionId: 'local', seriesId: 9, count: 100 };

  it("without an order: the server's pages as they come (count+1)", async () => {
    const { browse, calls } = await setup();
    const page = await browse.images({ ...request, startIndex: 0 });
    expect(page.items.map((i) => i.instanceNumber).slice(0, 4)).toEqual(['2500', '1', '2499', '2']);
    expect(calls).toEqual([{ op: 'images', params: { startindex: 0, count: 101 } }]);
  });

  it('in instance-number order: the whole series is read once, sorted, and paged from that read', async () => {
    const { browse, calls } = await setup();
    const first = await browse.images({ ...request, startIndex: 0, orderBy: 'instanceNumber' });
    expect(first.items.map((i) => Number(i.instanceNumber))).toEqual(
      Array.from({ length: 100 }, (_, k) => k + 1),
    );
    expect(first.hasMore).toBe(true);
    // Pages of 1000 (+1 look-ahead) until the end.
    expect(calls.map((c) => c.params)).toEqual([
      { startindex: 0, count: 1001 },
      { startindex: 1000, count: 1001 },
      { startindex: 2000, count: 1001 },
    ]);
    const last = await browse.images({ ...request, startIndex: 2400, orderBy: 'instanceNumber' });
    expect(last.items.map((i) => Number(i.instanceNumber))).toEqual(
      Array.from({ length: 100 }, (_, k) => 2401 + k),
    );
    expect(last.hasMore).toBe(false);
    expect(calls).toHaveLength(3); // the later page came from the same read
    const descending = await browse.images({
      ...request,
      startIndex: 0,
      orderBy: 'instanceNumber',
      orderAscending: false,
    });
    expect(descending.items[0]?.instanceNumber).toBe('2500');
    expect(calls).toHaveLength(6); // a first page reads the series again (a reload sees new images)
  });

  it('answers a sorted list from the cache when the server is gone', async () => {
    const { browse, goDown } = await setup();
    await browse.images({ ...request, startIndex: 0, orderBy: 'instanceNumber' });
    goDown();
    const cached = await browse.images({ ...request, startIndex: 0, orderBy: 'instanceNumber' });
    expect(cached.fromCache).toBe(true);
    expect(cached.items[0]?.instanceNumber).toBe('1');
    expect(cached.items).toHaveLength(100);
  });
});
