/**
 * The server's log (Slicebox's Log screen and the Transactions screen's Box Log, WEB-UI §1.2): pages newest
 * first with the `count + 1` look-ahead, by subject and/or type, and deletion of entries.
 */
import type { LogEntryItem, Page, PageRequest } from '../../../src-preload/contract.js';
import type { ActionConnections } from '../actions/action-service.js';
import { eachLimited } from '../actions/each-limited.js';

export class LogService {
  constructor(private readonly connections: ActionConnections) {}

  async page(
    request: PageRequest & { subject?: string; type?: LogEntryItem['type'] },
  ): Promise<Page<LogEntryItem>> {
    const rows = await this.connections.client(request.connectionId).log({
      startindex: request.startIndex,
      count: request.count + 1,
      subject: request.subject,
      type: request.type,
    });
    return {
      items: rows.slice(0, request.count).map((e) => ({
        id: e.id,
        created: e.created,
        type: e.entryType,
        subject: e.subject,
        message: e.message,
      })),
      startIndex: request.startIndex,
      hasMore: rows.length > request.count,
    };
  }

  /** One `DELETE /log/{id}` per entry (idempotent on the server). */
  async remove(connectionId: string, ids: number[]): Promise<void> {
    const client = this.connections.client(connectionId);
    await eachLimited([...new Set(ids)], 4, (id) => client.removeLogEntry(id));
  }
}
