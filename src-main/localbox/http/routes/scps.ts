/** SCPs, DICOM receivers (BEHAVIOR.md §16). Reads: any user; writes: admin. */
import { z } from 'zod';
import type { Engine } from '../../engine.js';
import { jsonBody } from '../bodies.js';
import { paging, pathId } from '../query.js';
import { sendJson, sendNoContent } from '../replies.js';
import type { Routes } from '../routing.js';

const long = z.number().int();

/** All fields are required on input (§4.2), including the id the server ignores. */
const ScpDataSchema = z.object({ id: long, name: z.string(), aeTitle: z.string(), port: long });

export function registerScpRoutes(routes: Routes, engine: Engine): void {
  routes.add('GET', '/api/scps', 'user', (request, reply) => {
    const { startIndex, count } = paging(request);
    return sendJson(reply, 200, engine.scps.list(startIndex, count));
  });

  // An existing name is returned as is. A new SCP starts listening; when the port cannot be bound the failure is
  // logged (subject SCP) and the answer is still 201 (§16).
  routes.add('POST', '/api/scps', 'admin', async (request, reply) => {
    const input = jsonBody(request, ScpDataSchema);
    const { scp, created } = engine.scps.add({
      name: input.name,
      aeTitle: input.aeTitle,
      port: input.port,
    });
    if (created) await engine.scpListeners.start(scp);
    return sendJson(reply, 201, scp);
  });

  routes.add('DELETE', '/api/scps/:id(^\\d+$)', 'admin', async (request, reply) => {
    const id = pathId(request);
    engine.scps.delete(id);
    await engine.scpListeners.stop(id);
    return sendNoContent(reply);
  });
}
