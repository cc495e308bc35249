/**
 * Tag filters, their tag paths and source associations (BEHAVIOR.md §19). Reads: any user; writes: admin.
 */
import { z } from 'zod';
import type { Engine } from '../../engine.js';
import { TAG_FILTER_TYPES } from '../../filtering/filter-store.js';
import { toSourceType } from '../../metadata/rows.js';
import { jsonBody } from '../bodies.js';
import { paging, pathId } from '../query.js';
import { sendJson, sendNoContent } from '../replies.js';
import type { Routes } from '../routing.js';
import { TagPathJsonSchema } from '../tag-path-json.js';

const ID = ':id(^\\d+$)';
const long = z.number().int();

/** All fields are required on input (BEHAVIOR.md §4.2), including ids the server does not use. */
const TagFilterSchema = z.object({
  id: long,
  name: z.string(),
  tagFilterType: z.enum(TAG_FILTER_TYPES as [string, ...string[]]),
});

/** A TagTree (§5.4) reads like a TagPath, nullable fields included; `item` may also be `"*"`. */
const TagFilterTagPathSchema = z.object({
  id: long,
  tagFilterId: long,
  tagPath: TagPathJsonSchema,
});

const SourceTagFilterSchema = z.object({
  id: long,
  sourceType: z.string(),
  sourceName: z.string(),
  sourceId: long,
  tagFilterId: long,
  tagFilterName: z.string(),
});

export function registerFilteringRoutes(routes: Routes, engine: Engine): void {
  const store = engine.filters;

  routes.add('GET', '/api/filtering/filters', 'user', (request, reply) => {
    const { startIndex, count } = paging(request);
    return sendJson(reply, 200, store.filters(startIndex, count));
  });

  routes.add('POST', '/api/filtering/filters', 'admin', (request, reply) => {
    const input = jsonBody(request, TagFilterSchema);
    return sendJson(
      reply,
      201,
      store.createFilter(input.name, input.tagFilterType as 'WHITELIST' | 'BLACKLIST'),
    );
  });

  routes.add('DELETE', `/api/filtering/filters/${ID}`, 'admin', (request, reply) => {
    store.deleteFilter(pathId(request));
    return sendNoContent(reply);
  });

  routes.add('GET', `/api/filtering/filters/${ID}/tagpaths`, 'user', (request, reply) => {
    const { startIndex, count } = paging(request);
    return sendJson(reply, 200, store.tagPaths(pathId(request), startIndex, count));
  });

  // The original attaches the path to the filter id in the body (quirk 5); we use the filter of the path.
  routes.add('POST', `/api/filtering/filters/${ID}/tagpaths`, 'admin', (request, reply) => {
    const input = jsonBody(request, TagFilterTagPathSchema);
    return sendJson(reply, 201, store.addTagPath(pathId(request), input.tagPath));
  });

  routes.add(
    'DELETE',
    `/api/filtering/filters/${ID}/tagpaths/:tagPathId(^\\d+$)`,
    'admin',
    (request, reply) => {
      store.deleteTagPath(pathId(request), pathId(request, 'tagPathId'));
      return sendNoContent(reply);
    },
  );

  routes.add('GET', '/api/filtering/associations', 'user', (request, reply) => {
    const { startIndex, count } = paging(request);
    return sendJson(reply, 200, store.associations(startIndex, count));
  });

  routes.add('POST', '/api/filtering/associations', 'admin', (request, reply) => {
    const input = jsonBody(request, SourceTagFilterSchema);
    return sendJson(
      reply,
      201,
      store.addAssociation({
        sourceType: toSourceType(input.sourceType),
        sourceName: input.sourceName,
        sourceId: input.sourceId,
        tagFilterId: input.tagFilterId,
        tagFilterName: input.tagFilterName,
      }),
    );
  });

  routes.add('DELETE', `/api/filtering/associations/${ID}`, 'admin', (request, reply) => {
    store.deleteAssociation(pathId(request));
    return sendNoContent(reply);
  });
}
