/**
 * The server's log (Slicebox's Log screen and the Transactions screen's Box Log, WEB-UI §1.2): pages newest
 * first with the `count + 1` look-ahead, by subject and/or type, and deletion of entries.
 */
import type { LogEntryItem, LogSummary, Page, PageRequest } from '../../../src-preload/contract.js';
import type { ActionConnections } from '../actions/action-service.js';
import { eachLimited } from '../actions/each-limited.js';

/** The log is counted in pages of this size, up to `SUMMARY_LIMIT` entries (then a lower bound). */
const SUMMARY_PAGE = 1000;
const SUMMARY_LIMIT = 100_000;

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

  /**
   * The entries of the log counted by type, for the confirmation of Clear log. Slicebox has no count
   * route: the log is read in pages (newest first) up to `limit` entries; past that the counts are a
   * lower bound (`complete: false`).
   */
  async summary(
    connectionId: string,
    limits: { page: number; limit: number } = { page: SUMMARY_PAGE, limit: SUMMARY_LIMIT },
  ): Promise<LogSummary> {
    const client = this.connections.client(connectionId);
    const byType: LogSummary['byType'] = { ERROR: 0, WARN: 0, INFO: 0, DEFAULT: 0 };
    let entries = 0;
    for (let start = 0; start < limits.limit; start += limits.page) {
      const count = Math.min(limits.page, limits.limit - start);
      const rows = await client.log({ startindex: start, count });
      entries += rows.length;
      for (const row of rows) if (row.entryType in byType) byType[row.entryType]++;
      if (rows.length < count) return { entries, byType, complete: true };
    }
    return { entries, byType, complete: false };
  }

  /** One `DELETE /log/{id}` per entry (idempotent on the server). */
  async remove(connectionId: string, ids: number[]): Promise<void> {
    const client = this.connections.client(connectionId);
    await eachLimited([...new Set(ids)], 4, (id) => client.removeLogEntry(id));
  }
}
