/**
 * Browsing a connection's patients → studies → series → images. Pages are fetched with Slicebox's own
 * count+1 look-ahead: ask for one more row than shown; if it comes back, there is a next page.
 *
 * Every page fetched is kept in the metadata cache; when the server cannot be reached, the page is
 * answered from what was seen, with `fromCache: true` and `cachedAt` (see ../cache/README.md).
 */
import type {
  ImageItem,
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
import { toImageItem, toPatientItem, toSeriesItem, toStudyItem } from './to-items.js';

export class BrowseService {
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
    return this.page(request, 'patients', listKey, (client, count) =>
      client
        .patients({
          startindex: request.startIndex,
          count,
          filter: request.filter || undefined,
          orderby: request.orderBy,
          orderascending: request.orderBy ? (request.orderAscending ?? true) : undefined,
        })
        .then((rows) => rows.map(toPatientItem)),
    );
  }

  studies(request: PageRequest & { patientId: number }): Promise<Page<StudyItem>> {
    return this.page(request, 'studies', String(request.patientId), (client, count) =>
      client
        .studies(request.patientId, { startindex: request.startIndex, count })
        .then((rows) => rows.map(toStudyItem)),
    );
  }

  series(request: PageRequest & { studyId: number }): Promise<Page<SeriesItem>> {
    return this.page(request, 'series', String(request.studyId), (client, count) =>
      client
        .series(request.studyId, { startindex: request.startIndex, count })
        .then((rows) => rows.map(toSeriesItem)),
    );
  }

  images(request: PageRequest & { seriesId: number }): Promise<Page<ImageItem>> {
    return this.page(request, 'images', String(request.seriesId), (client, count) =>
      client
        .images(request.seriesId, { startindex: request.startIndex, count })
        .then((rows) => rows.map(toImageItem)),
    );
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
function serverGone(error: unknown): boolean {
  if (error instanceof SliceboxUnreachableError) return true;
  return error instanceof SliceboxHttpError && [502, 503, 504].includes(error.status);
}
