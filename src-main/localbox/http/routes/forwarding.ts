/**
 * Forwarding rules (BEHAVIOR.md §18). Reads: any user; writes: admin. The behaviour lives in
 * forwarding/forwarding-service.ts.
 *
 * Validation (DECISIONS.md "Forwarding"): all fields are required (§4.2, the rule id is ignored). Type strings are
 * read as in §5.2 (unknown strings become `unknown`), and a rule whose source or destination type is `unknown`
 * is rejected with 400 because it could never forward anything. Source and destination ids are NOT checked
 * (as in Slicebox): rules already outlive deleted sources and destinations, so dangling ids must be handled
 * anyway (an unknown destination keeps the images queued, retried, never deleted).
 */
import { z } from 'zod';
import type { Engine } from '../../engine.js';
import { toDestinationType } from '../../forwarding/rule-store.js';
import { toSourceType } from '../../metadata/rows.js';
import { jsonBody } from '../bodies.js';
import { HttpError } from '../errors.js';
import { paging, pathId } from '../query.js';
import { sendJson, sendNoContent } from '../replies.js';
import type { Routes } from '../routing.js';

const long = z.number().int();

const ForwardingRuleSchema = z.object({
  id: long,
  source: z.object({ sourceType: z.string(), sourceName: z.string(), sourceId: long }),
  destination: z.object({
    destinationType: z.string(),
    destinationName: z.string(),
    destinationId: long,
  }),
  keepImages: z.boolean(),
});

export function registerForwardingRoutes(routes: Routes, engine: Engine): void {
  routes.add('GET', '/api/forwarding/rules', 'user', (request, reply) => {
    const { startIndex, count } = paging(request);
    return sendJson(reply, 200, engine.forwarding.list(startIndex, count));
  });

  routes.add('POST', '/api/forwarding/rules', 'admin', (request, reply) => {
    const input = jsonBody(request, ForwardingRuleSchema);
    const sourceType = toSourceType(input.source.sourceType);
    const destinationType = toDestinationType(input.destination.destinationType);
    if (sourceType === 'unknown')
      throw new HttpError(400, `Unknown source type: ${input.source.sourceType}`);
    if (destinationType === 'unknown')
      throw new HttpError(400, `Unknown destination type: ${input.destination.destinationType}`);
    const rule = engine.forwarding.add({
      source: { ...input.source, sourceType },
      destination: { ...input.destination, destinationType },
      keepImages: input.keepImages,
    });
    return sendJson(reply, 201, rule);
  });

  routes.add('DELETE', '/api/forwarding/rules/:id(^\\d+$)', 'admin', (request, reply) => {
    engine.forwarding.delete(pathId(request));
    return sendNoContent(reply);
  });
}
