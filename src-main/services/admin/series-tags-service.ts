/**
 * The server's series tags (Slicebox's Series Tags screen, WEB-UI §1.2; BEHAVIOR §9.8): pages with the
 * `count + 1` look-ahead, by the server's name filter (`%filter%`) and sorted by name or id; adding and
 * renaming with a name already in use refused in words (the original server answers a database error text);
 * deleting, which also removes the tag from every series.
 */
import type {
  Page,
  PageRequest,
  SeriesTagItem,
  SeriesUsage,
} from '../../../src-preload/contract.js';
import type { ActionConnections } from '../actions/action-service.js';
import { ServiceError } from '../service-error.js';
import { seriesUsage } from './series-usage.js';

/** How many tags are read at once when looking for a name. */
const SCAN = 1000;

export class SeriesTagsService {
  constructor(private readonly connections: ActionConnections) {}

  async page(
    request: PageRequest & { filter?: string; orderBy?: 'id' | 'name'; orderAscending?: boolean },
  ): Promise<Page<SeriesTagItem>> {
    const filter = request.filter?.trim();
    const rows = await this.connections.client(request.connectionId).seriesTags({
      startindex: request.startIndex,
      count: request.count + 1,
      orderby: request.orderBy,
      orderascending: request.orderBy ? (request.orderAscending ?? true) : undefined,
      filter: filter ? filter : undefined,
    });
    return {
      items: rows.slice(0, request.count).map((t) => ({ id: t.id, name: t.name })),
      startIndex: request.startIndex,
      hasMore: rows.length > request.count,
    };
  }

  async add(connectionId: string, name: string): Promise<SeriesTagItem> {
    const clean = name.trim();
    await this.refuseTaken(connectionId, clean);
    const created = await this.connections.client(connectionId).createSeriesTag(clean);
    return { id: created.id, name: created.name };
  }

  async rename(connectionId: string, seriesTagId: number, name: string): Promise<SeriesTagItem> {
    const clean = name.trim();
    await this.refuseTaken(connectionId, clean, seriesTagId);
    const updated = await this.connections.client(connectionId).updateSeriesTag(seriesTagId, clean);
    return { id: updated.id, name: updated.name };
  }

  /** The series that carry the tag: what its delete changes. */
  usage(connectionId: string, seriesTagId: number): Promise<SeriesUsage> {
    return seriesUsage(this.connections.client(connectionId), { seriestags: String(seriesTagId) });
  }

  /** Deletes the tag; the server also removes it from every series that carries it. */
  async remove(connectionId: string, seriesTagId: number): Promise<void> {
    await this.connections.client(connectionId).deleteSeriesTag(seriesTagId);
  }

  private async refuseTaken(connectionId: string, name: string, except?: number): Promise<void> {
    const client = this.connections.client(connectionId);
    for (let start = 0; ; start += SCAN) {
      const rows = await client.seriesTags({ startindex: start, count: SCAN, filter: name });
      if (rows.some((t) => t.name === name && t.id !== except)) {
        throw new ServiceError('invalid-arguments', `A series tag named "${name}" already exists.`);
      }
      if (rows.length < SCAN) break;
    }
  }
}
