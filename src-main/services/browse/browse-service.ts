/**
 * Browsing a connection's patients → studies → series → images. Pages are fetched with Slicebox's own
 * count+1 look-ahead: ask for one more row than shown; if it comes back, there is a next page.
 *
 * Every page fetched is kept in the metadata cache; when the server cannot be reached, the page is
 * answered from what was seen, with `fromCache: true` and `cachedAt` (see ../cache/README.md).
 */
import type {
  AdvancedFilter,
  FilterOptions,
  FlatSeriesItem,
  FlatSeriesRequest,
  ImageItem,
  ImagesRequest,
  Page,
  PatientItem,
  PatientsRequest,
  PageRequest,
  SeriesItem,
  StudyItem,
} from '../../../src-preload/contract.js';
import {
  SliceboxHttpError,
  SliceboxUnreachableError,
  type SliceboxClient,
} from '../../slicebox/client.js';
import type { MetadataCache, MetadataLevel } from '../cache/metadata-cache.js';
import type { ConnectionService } from '../connections/connection-service.js';
import {
  toFlatSeriesItem,
  toImageItem,
  toPatientItem,
  toSeriesItem,
  toStudyItem,
} from './to-items.js';
import { sortImages } from './image-order.js';

/** Rows per request when a whole series is read to be sorted here. */
const SERIES_READ_PAGE = 1000;
/** Sorted series kept for the pages after the first (one per recently opened series). */
const SORTED_SERIES_KEPT = 8;

interface SeriesImages {
  items: ImageItem[];
  fromCache: boolean;
  cachedAt?: number;
}

/** The advanced filter as Slicebox's query parameters (empty groups are left out). */
export function advancedParams(filter: AdvancedFilter): {
  sources?: string;
  seriestypes?: string;
  seriestags?: string;
} {
  const join = (values: readonly (string | number)[] | undefined) =>
    values && values.length > 0 ? values.join(',') : undefined;
  return {
    sources: join(filter.sources),
    seriestypes: join(filter.seriesTypeIds),
    seriestags: join(filter.seriesTagIds),
  };
}

/**
 * The part of a list's cache key that the advanced filter adds: nothing when no filter is set, so the
 * keys of unfiltered lists stay what they were.
 */
function advancedKey(filter: AdvancedFilter): string {
  const p = advancedParams(filter);
  if (!p.sources && !p.seriestypes && !p.seriestags) return '';
  return '|' + JSON.stringify([p.sources ?? '', p.seriestypes ?? '', p.seriestags ?? '']);
}

export class BrowseService {
  /** The images of recently listed series, read whole for sorting (see `images`). */
  private readonly seriesImages = new Map<string, SeriesImages>();

  constructor(
    private readonly connections: ConnectionService,
    private readonly cache?: MetadataCache,
  ) {}

  patients(request: PatientsRequest): Promise<Page<PatientItem>> {
    const listKey = JSON.stringify([
      request.filter || '',
      request.orderBy ?? '',
      request.orderBy ? (request.orderAscending ?? true) : '',
    ]);
    return this.page(request, 'patients', listKey + advancedKey(request), (client, count) =>
      client
        .patients({
          ...advancedParams(request),
          startindex: request.startIndex,
          count,
          filter: request.filter || undefined,
          orderby: request.orderBy,
          orderascending: request.orderBy ? (request.orderAscending ?? true) : undefined,
        })
        .then((rows) => rows.map(toPatientItem)),
    );
  }

  studies(request: PageRequest & AdvancedFilter & { patientId: number }): Promise<Page<StudyItem>> {
    const listKey = String(request.patientId) + advancedKey(request);
    return this.page(request, 'studies', listKey, (client, count) =>
      client
        .studies(request.patientId, {
          ...advancedParams(request),
          startindex: request.startIndex,
          count,
        })
        .then((rows) => rows.map(toStudyItem)),
    );
  }

  series(request: PageRequest & AdvancedFilter & { studyId: number }): Promise<Page<SeriesItem>> {
    const listKey = String(request.studyId) + advancedKey(request);
    return this.page(request, 'series', listKey, (client, count) =>
      client
        .series(request.studyId, {
          ...advancedParams(request),
          startindex: request.startIndex,
          count,
        })
        .then((rows) => rows.map(toSeriesItem)),
    );
  }

  /**
   * The flat series list (every series with its study and patient). Its pages are cached at the
   * `series` level under a `flat:`-prefixed list key, which never collides with a study id.
   */
  flatSeries(request: FlatSeriesRequest): Promise<Page<FlatSeriesItem>> {
    const listKey =
      'flat:' +
      JSON.stringify([
        request.filter || '',
        request.orderBy ?? '',
        request.orderBy ? (request.orderAscending ?? true) : '',
      ]) +
      advancedKey(request);
    return this.page(request, 'series', listKey, (client, count) =>
      client
        .flatSeries({
          ...advancedParams(request),
          startindex: request.startIndex,
          count,
          filter: request.filter || undefined,
          orderby: request.orderBy,
          orderascending: request.orderBy ? (request.orderAscending ?? true) : undefined,
        })
        .then((rows) => rows.map(toFlatSeriesItem)),
    );
  }

  /**
   * What the advanced filter offers, as Slicebox's own UI preloads it (`/sources`, `/seriestypes`,
   * `/metadata/seriestags?count=100000`). Offline this answers empty lists: filters need the server.
   */
  async filterOptions(connectionId: string): Promise<FilterOptions> {
    const client = this.connections.client(connectionId);
    try {
      const [sources, seriesTypes, seriesTags] = await Promise.all([
        client.sources(),
        client.seriesTypes({ startindex: 0, count: 100_000 }),
        client.seriesTags({ startindex: 0, count: 100_000, orderby: 'name' }),
      ]);
      this.connections.noteSuccess(connectionId);
      return {
        sources: sources.map(({ sourceType, sourceName, sourceId }) => ({
          sourceType,
          sourceName,
          sourceId,
        })),
        seriesTypes: seriesTypes.map(({ id, name }) => ({ id, name })),
        seriesTags: seriesTags.map(({ id, name }) => ({ id, name })),
      };
    } catch (error) {
      this.connections.noteFailure(connectionId, error);
      if (serverGone(error)) return { sources: [], seriesTypes: [], seriesTags: [] };
      throw error;
    }
  }

  /**
   * The images of a series. Without `orderBy`, pages in the server's own order. With it, in that order
   * for any server (image-order.ts: Slicebox orders instance numbers as text, and its database order is
   * the order of arrival): the first page reads the whole series (pages of 1000, each kept in the
   * metadata cache) and sorts it; the pages after it are cut from that read, so scrolling on costs nothing
   * and a page boundary never moves while one list is shown. A reload starts at the first page again.
   */
  async images(request: ImagesRequest): Promise<Page<ImageItem>> {
    const orderBy = request.orderBy;
    if (orderBy === undefined) return this.rawImages(request, request.startIndex, request.count);
    const key = `${request.connectionId}|${request.seriesId}`;
    let series = request.startIndex > 0 ? this.seriesImages.get(key) : undefined;
    if (!series) {
      series = await this.wholeSeries(request);
      this.seriesImages.delete(key);
      this.seriesImages.set(key, series);
      while (this.seriesImages.size > SORTED_SERIES_KEPT) {
        const oldest = this.seriesImages.keys().next().value;
        if (oldest === undefined) break;
        this.seriesImages.delete(oldest);
      }
    }
    const sorted = sortImages(series.items, orderBy, request.orderAscending ?? true);
    const end = request.startIndex + request.count;
    const page: Page<ImageItem> = {
      items: sorted.slice(request.startIndex, end),
      startIndex: request.startIndex,
      hasMore: end < sorted.length,
    };
    if (series.fromCache) {
      page.fromCache = true;
      if (series.cachedAt !== undefined) page.cachedAt = series.cachedAt;
    }
    return page;
  }

  private rawImages(
    request: ImagesRequest,
    startIndex: number,
    count: number,
  ): Promise<Page<ImageItem>> {
    return this.page(
      { connectionId: request.connectionId, startIndex, count },
      'images',
      String(request.seriesId),
      (client, n) =>
        client
          .images(request.seriesId, { startindex: startIndex, count: n })
          .then((rows) => rows.map(toImageItem)),
    );
  }

  private async wholeSeries(request: ImagesRequest): Promise<SeriesImages> {
    const out: SeriesImages = { items: [], fromCache: false };
    for (let start = 0; ; start += SERIES_READ_PAGE) {
      const page = await this.rawImages(request, start, SERIES_READ_PAGE);
      out.items.push(...page.items);
      if (page.fromCache) {
        out.fromCache = true;
        if (page.cachedAt !== undefined)
          out.cachedAt = Math.min(out.cachedAt ?? page.cachedAt, page.cachedAt);
      }
      if (!page.hasMore) return out;
    }
  }

  private async page<T>(
    request: PageRequest,
    level: MetadataLevel,
    listKey: string,
    fetchRows: (client: SliceboxClient, count: number) => Promise<T[]>,
  ): Promise<Page<T>> {
    const client = this.connections.client(request.connectionId);
    const key = {
      connectionId: request.connectionId,
      level,
      listKey,
      startIndex: request.startIndex,
      count: request.count,
    };
    let page: Page<T>;
    try {
      const rows = await fetchRows(client, request.count + 1);
      this.connections.noteSuccess(request.connectionId);
      page = {
        items: rows.slice(0, request.count),
        startIndex: request.startIndex,
        hasMore: rows.length > request.count,
      };
    } catch (error) {
      this.connections.noteFailure(request.connectionId, error);
      const cached = serverGone(error) ? this.cache?.lookup<T>(key) : undefined;
      if (!cached) throw error;
      return {
        items: cached.items,
        startIndex: cached.startIndex,
        hasMore: cached.hasMore,
        fromCache: true,
        cachedAt: cached.fetchedAt,
      };
    }
    try {
      this.cache?.store(key, page);
    } catch (error) {
      // A full disk must not break browsing; the page is just not kept.
      console.error(`Caching a ${level} page failed: ${String(error)}`);
    }
    return page;
  }
}

/** The server could not be reached (or a proxy in front of it says it is down). */
export function serverGone(error: unknown): boolean {
  if (error instanceof SliceboxUnreachableError) return true;
  return error instanceof SliceboxHttpError && [502, 503, 504].includes(error.status);
}
