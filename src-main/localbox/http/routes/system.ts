/** General routes (BEHAVIOR.md §7.1, 7.2, 7.4). */
import type { Source, SystemInformation } from '../../../slicebox/types.js';
import type { Engine } from '../../engine.js';
import { sendJson, sendText } from '../replies.js';
import type { Routes } from '../routing.js';

export function registerSystemRoutes(routes: Routes, engine: Engine, version: string): void {
  routes.add('ANY', '/api/system/health', 'public', (_req, reply) => sendText(reply, 200, 'OK'));

  routes.add('ANY', '/api/system/information', 'public', (_req, reply) => {
    const info: SystemInformation = { version };
    return sendJson(reply, 200, info);
  });

  // Users, then import sessions (boxes, SCPs and directory watches join this list when they exist).
  routes.add('GET', '/api/sources', 'user', (_req, reply) => {
    const sources: Source[] = [
      ...engine.users
        .all()
        .map((u): Source => ({ sourceType: 'user', sourceName: u.user, sourceId: u.id })),
      ...engine.importSessions
        .all()
        .map((s): Source => ({ sourceType: 'import', sourceName: s.name, sourceId: s.id })),
    ];
    return sendJson(reply, 200, sources);
  });
}
