/**
 * Slicebox import sessions (BEHAVIOR §14, WEB-UI Import): list, create (the server reopens a session of the
 * same user and name), delete, the images recorded for a session, and Tag Series on the series of those
 * images. Uploading into a session is the import queue's job (`imports.start` with `sessionName`).
 */
import type {
  ImageItem,
  ImportSessionItem,
  Page,
  PageRequest,
} from '../../../src-preload/contract.js';
import type { Image, ImportSession } from '../../slicebox/types.js';
import type { ActionConnections, ActionService } from '../actions/action-service.js';

function toItem(session: ImportSession): ImportSessionItem {
  const { id, name, userId, user, filesImported, filesAdded, filesRejected, created, lastUpdated } =
    session;
  return { id, name, userId, user, filesImported, filesAdded, filesRejected, created, lastUpdated };
}

function toImageItem(image: Image): ImageItem {
  return {
    id: image.id,
    seriesId: image.seriesId,
    sopInstanceUID: image.sopInstanceUID?.value ?? '',
    imageType: image.imageType?.value ?? '',
    instanceNumber: image.instanceNumber?.value ?? '',
  };
}

export class ImportSessionService {
  constructor(
    private readonly connections: ActionConnections,
    private readonly actions: ActionService,
  ) {}

  /** One page, with Slicebox's count+1 look-ahead. */
  async list({ connectionId, startIndex, count }: PageRequest): Promise<Page<ImportSessionItem>> {
    const rows = await this.connections
      .client(connectionId)
      .importSessions({ startindex: startIndex, count: count + 1 });
    return { items: rows.slice(0, count).map(toItem), startIndex, hasMore: rows.length > count };
  }

  async create(connectionId: string, name: string): Promise<ImportSessionItem> {
    return toItem(await this.connections.client(connectionId).createImportSession(name.trim()));
  }

  /** `DELETE /import/sessions/{id}` for each; the imported images remain. */
  async remove(connectionId: string, sessionIds: number[]): Promise<{ removed: number }> {
    const client = this.connections.client(connectionId);
    for (const id of new Set(sessionIds)) await client.deleteImportSession(id);
    return { removed: new Set(sessionIds).size };
  }

  async images(connectionId: string, sessionId: number): Promise<ImageItem[]> {
    const images = await this.connections.client(connectionId).importSessionImages(sessionId);
    return images.map(toImageItem);
  }

  /** The unique series of the sessions' images. */
  async seriesIds(connectionId: string, sessionIds: number[]): Promise<number[]> {
    const client = this.connections.client(connectionId);
    const out = new Set<number>();
    for (const id of new Set(sessionIds)) {
      for (const image of await client.importSessionImages(id)) out.add(image.seriesId);
    }
    return [...out];
  }

  async tagSeries(
    connectionId: string,
    sessionIds: number[],
    add: string[],
    remove: number[],
  ): Promise<{ series: number }> {
    const seriesIds = await this.seriesIds(connectionId, sessionIds);
    return this.actions.tagSeriesIds(this.connections.client(connectionId), seriesIds, add, remove);
  }
}
