/** Directory watches (BEHAVIOR.md §15). Reads: any user; writes: admin. */
import { z } from 'zod';
import type { Engine } from '../../engine.js';
import { jsonBody } from '../bodies.js';
import { paging, pathId } from '../query.js';
import { sendJson, sendNoContent } from '../replies.js';
import type { Routes } from '../routing.js';

/** All fields are required on input (§4.2), including the id the server ignores. */
const WatchedDirectorySchema = z.object({
  id: z.number().int(),
  name: z.string(),
  path: z.string(),
});

export function registerDirectoryWatchRoutes(routes: Routes, engine: Engine): void {
  routes.add('GET', '/api/directorywatches', 'user', (request, reply) => {
    const { startIndex, count } = paging(request);
    return sendJson(reply, 200, engine.directoryWatches.list(startIndex, count));
  });

  // Same path and name → the existing watch (201); the other checks and messages are in watching/watch-service.ts.
  routes.add('POST', '/api/directorywatches', 'admin', (request, reply) => {
    const input = jsonBody(request, WatchedDirectorySchema);
    const { watch } = engine.directoryWatches.add({ name: input.name, path: input.path });
    return sendJson(reply, 201, watch);
  });

  routes.add('DELETE', '/api/directorywatches/:id(^\\d+$)', 'admin', async (request, reply) => {
    await engine.directoryWatches.delete(pathId(request));
    return sendNoContent(reply);
  });
}
