/** Log (BEHAVIOR.md §21). */
import type { Engine } from '../../engine.js';
import { LOG_ENTRY_TYPES } from '../../log/log-store.js';
import type { LogEntryType } from '../../log/log-store.js';
import { HttpError } from '../errors.js';
import { paging, param, pathId } from '../query.js';
import { sendJson, sendNoContent } from '../replies.js';
import type { Routes } from '../routing.js';

export function registerLogRoutes(routes: Routes, engine: Engine): void {
  routes.add('GET', '/api/log', 'user', (request, reply) => {
    const { startIndex, count } = paging(request);
    const type = param(request, 'type');
    if (type !== undefined && !(LOG_ENTRY_TYPES as readonly string[]).includes(type)) {
      // The original fails with 500 here (quirk 6); an invalid argument is reported as such.
      throw new HttpError(400, `No such log entry type: ${type}`);
    }
    return sendJson(
      reply,
      200,
      engine.log.list(
        startIndex,
        count,
        param(request, 'subject'),
        type as LogEntryType | undefined,
      ),
    );
  });
  routes.add('DELETE', '/api/log', 'user', (_request, reply) => {
    engine.log.clear();
    return sendNoContent(reply);
  });
  routes.add('DELETE', '/api/log/:id(^\\d+$)', 'user', (request, reply) => {
    engine.log.delete(pathId(request));
    return sendNoContent(reply);
  });
}
