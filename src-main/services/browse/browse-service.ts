/**
 * Browsing a connection's patients → studies → series → images. Pages are fetched with Slicebox's own
 * count+1 look-ahead: ask for one more row than shown; if it comes back, there is a next page.
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
import type { SliceboxClient } from '../../slicebox/client.js';
import type { ConnectionService } from '../connections/connection-service.js';
import { toImageItem, toPatientItem, toSeriesItem, toStudyItem } from './to-items.js';

export class BrowseService {
  constructor(private readonly connections: ConnectionService) {}

  patients(request: PatientsRequest): Promise<Page<PatientItem>> {
    return this.page(request, (client, count) =>
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
    return this.page(request, (client, count) =>
      client
        .studies(request.patientId, { startindex: request.startIndex, count })
        .then((rows) => rows.map(toStudyItem)),
    );
  }

  series(request: PageRequest & { studyId: number }): Promise<Page<SeriesItem>> {
    return this.page(request, (client, count) =>
      client
        .series(request.studyId, { startindex: request.startIndex, count })
        .then((rows) => rows.map(toSeriesItem)),
    );
  }

  images(request: PageRequest & { seriesId: number }): Promise<Page<ImageItem>> {
    return this.page(request, (client, count) =>
      client
        .images(request.seriesId, { startindex: request.startIndex, count })
        .then((rows) => rows.map(toImageItem)),
    );
  }

  private async page<T>(
    request: PageRequest,
    fetchRows: (client: SliceboxClient, count: number) => Promise<T[]>,
  ): Promise<Page<T>> {
    const client = this.connections.client(request.connectionId);
    try {
      const rows = await fetchRows(client, request.count + 1);
      this.connections.noteSuccess(request.connectionId);
      return {
        items: rows.slice(0, request.count),
        startIndex: request.startIndex,
        hasMore: rows.length > request.count,
      };
    } catch (error) {
      this.connections.noteFailure(request.connectionId, error);
      throw error;
    }
  }
}
