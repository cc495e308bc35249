/** General routes (BEHAVIOR.md §7.1-7.5). */
import type { Destination, Source, SystemInformation } from '../../../slicebox/types.js';
import type { Engine } from '../../engine.js';
import { sendJson, sendText } from '../replies.js';
import type { Routes } from '../routing.js';

/** Delay between answering `POST /system/stop` and stopping (§7.3). */
export const STOP_DELAY_MS = 1000;

export function registerSystemRoutes(
  routes: Routes,
  engine: Engine,
  version: string,
  onStopRequested: () => void = () => undefined,
): void {
  routes.add('ANY', '/api/system/health', 'public', (_req, reply) => sendText(reply, 200, 'OK'));

  routes.add('ANY', '/api/system/information', 'public', (_req, reply) => {
    const info: SystemInformation = { version };
    return sendJson(reply, 200, info);
  });

  // §7.4 order: users, boxes, SCPs, directory watches, import sessions.
  routes.add('GET', '/api/sources', 'user', (_req, reply) => {
    const sources: Source[] = [
      ...engine.users
        .all()
        .map((u): Source => ({ sourceType: 'user', sourceName: u.user, sourceId: u.id })),
      ...engine.boxes
        .all()
        .map((b): Source => ({ sourceType: 'box', sourceName: b.name, sourceId: b.id })),
      ...engine.scps
        .all()
        .map((s): Source => ({ sourceType: 'scp', sourceName: s.name, sourceId: s.id })),
      ...engine.directoryWatches
        .all()
        .map((w): Source => ({ sourceType: 'directory', sourceName: w.name, sourceId: w.id })),
      ...engine.importSessions
        .all()
        .map((s): Source => ({ sourceType: 'import', sourceName: s.name, sourceId: s.id })),
    ];
    return sendJson(reply, 200, sources);
  });

  routes.add('POST', '/api/system/stop', 'admin', (_req, reply) => {
    setTimeout(onStopRequested, STOP_DELAY_MS).unref();
    return sendText(reply, 200, 'Shutting down in 1 second...');
  });

  // Every box, then every SCU (§7.5).
  routes.add('GET', '/api/destinations', 'user', (_req, reply) => {
    const destinations: Destination[] = [
      ...engine.boxes.all().map((b): Destination => ({
        destinationType: 'box',
        destinationName: b.name,
        destinationId: b.id,
      })),
      ...engine.scus.all().map((s): Destination => ({
        destinationType: 'scu',
        destinationName: s.name,
        destinationId: s.id,
      })),
    ];
    return sendJson(reply, 200, destinations);
  });
}
