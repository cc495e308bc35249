/** `PUT /images/{id}/modify` (BEHAVIOR.md §10.8): 201 with the new image. */
import { z } from 'zod';
import type { Engine } from '../../engine.js';
import { modifyImage } from '../../modify/modify-image.js';
import { parseTagMappings } from '../../modify/tag-mapping.js';
import { caller } from '../auth.js';
import { jsonBody } from '../bodies.js';
import { pathId } from '../query.js';
import { sendJson } from '../replies.js';
import type { Routes } from '../routing.js';
import { TagPathValueSchema } from '../tag-path-json.js';

export function registerImageModifyRoutes(routes: Routes, engine: Engine): void {
  routes.add('PUT', '/api/images/:id(^\\d+$)/modify', 'user', async (request, reply) => {
    const id = pathId(request);
    const mappings = parseTagMappings(jsonBody(request, z.array(TagPathValueSchema)));
    const user = caller(request);
    const image = await modifyImage(engine, id, mappings, {
      sourceType: 'user',
      sourceName: user.user,
      sourceId: user.id,
    });
    return sendJson(reply, 201, image);
  });
}
