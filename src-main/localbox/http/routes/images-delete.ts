/** Image deletion (BEHAVIOR.md §10.3, §10.4): 204, idempotent for unknown ids. */
import { z } from 'zod';
import type { Engine } from '../../engine.js';
import { jsonBody } from '../bodies.js';
import { pathId } from '../query.js';
import { sendNoContent } from '../replies.js';
import type { Routes } from '../routing.js';

const ImageIds = z.array(z.number().int());

export function registerImageDeleteRoutes(routes: Routes, engine: Engine): void {
  routes.add('DELETE', '/api/images/:id(^\\d+$)', 'user', (request, reply) => {
    engine.imageDeletion.delete([pathId(request)]);
    return sendNoContent(reply);
  });

  routes.add('POST', '/api/images/delete', 'user', (request, reply) => {
    engine.imageDeletion.delete(jsonBody(request, ImageIds));
    return sendNoContent(reply);
  });
}
