/**
 * Series tags: the global list `/metadata/seriestags` (BEHAVIOR.md §9.8, including the undocumented ✚ routes) and
 * the tags of one series `/metadata/series/{id}/seriestags` (§9.4). All routes: any user.
 */
import { z } from 'zod';
import type { Engine } from '../../engine.js';
import { jsonBody } from '../bodies.js';
import { HttpError } from '../errors.js';
import { booleanParam, paging, param, pathId } from '../query.js';
import { sendJson, sendNoContent } from '../replies.js';
import type { Routes } from '../routing.js';

const ID = ':id(^\\d+$)';
/** All fields are required on input (BEHAVIOR.md §4.2); the body `id` is not used. */
const SeriesTagSchema = z.object({ id: z.number().int(), name: z.string() });

export function registerSeriesTagRoutes(routes: Routes, engine: Engine): void {
  const tags = engine.seriesTags;

  routes.add('GET', '/api/metadata/seriestags', 'user', (request, reply) => {
    const { startIndex, count } = paging(request);
    return sendJson(
      reply,
      200,
      tags.list({
        startIndex,
        count,
        orderBy: param(request, 'orderby'),
        orderAscending: booleanParam(request, 'orderascending', true),
        filter: param(request, 'filter'),
      }),
    );
  });

  routes.add('POST', '/api/metadata/seriestags', 'user', (request, reply) => {
    const input = jsonBody(request, SeriesTagSchema);
    return sendJson(reply, 201, tags.create(input.name));
  });

  // The original fails with 500 for an unknown id (quirk 6); we answer 404.
  routes.add('GET', `/api/metadata/seriestags/${ID}`, 'user', (request, reply) => {
    const tag = tags.get(pathId(request));
    if (!tag) throw new HttpError(404, 'Series tag not found');
    return sendJson(reply, 200, tag);
  });

  // The original updates the tag whose id is in the body (quirk 5); we update the tag of the path.
  routes.add('PUT', `/api/metadata/seriestags/${ID}`, 'user', (request, reply) => {
    const input = jsonBody(request, SeriesTagSchema);
    const updated = tags.update(pathId(request), input.name);
    if (!updated) throw new HttpError(404, 'Series tag not found');
    return sendJson(reply, 200, updated);
  });

  routes.add('DELETE', `/api/metadata/seriestags/${ID}`, 'user', (request, reply) => {
    tags.delete(pathId(request));
    return sendNoContent(reply);
  });

  routes.add('GET', `/api/metadata/series/${ID}/seriestags`, 'user', (request, reply) =>
    sendJson(reply, 200, tags.ofSeries(pathId(request))),
  );

  routes.add('POST', `/api/metadata/series/${ID}/seriestags`, 'user', (request, reply) => {
    const input = jsonBody(request, SeriesTagSchema);
    return sendJson(reply, 201, tags.addToSeries(pathId(request), input.name));
  });

  routes.add(
    'DELETE',
    `/api/metadata/series/${ID}/seriestags/:tagId(^\\d+$)`,
    'user',
    (request, reply) => {
      tags.removeFromSeries(pathId(request), pathId(request, 'tagId'));
      return sendNoContent(reply);
    },
  );
}
