/** `POST /metadata/{patients|studies|series|images|flatseries}/query` (BEHAVIOR.md §5.6, §9.7). */
import { z } from 'zod';
import type { Engine } from '../../engine.js';
import type { MetadataQuery, QueryEntity } from '../../metadata/query-metadata.js';
import { jsonBody } from '../bodies.js';
import { sendJson } from '../replies.js';
import type { Routes } from '../routing.js';

const long = z.number().int();
/** Paging values are non-negative longs; values beyond 2^53 are clamped (as for the query parameters). */
const nonNegativeLong = long.nonnegative().transform((n) => Math.min(n, Number.MAX_SAFE_INTEGER));

const QuerySchema = z.object({
  startIndex: nonNegativeLong,
  count: nonNegativeLong,
  order: z.object({ orderBy: z.string(), orderAscending: z.boolean() }).nullish(),
  queryProperties: z.array(
    z.object({
      propertyName: z.string(),
      operator: z.enum(['=', 'like']),
      propertyValue: z.string(),
    }),
  ),
  /** All three lists are required when `filters` is present; empty lists mean "no filter". */
  filters: z
    .object({
      sourceRefs: z.array(z.object({ sourceType: z.string(), sourceId: long })),
      seriesTypeIds: z.array(long),
      seriesTagIds: z.array(long),
    })
    .nullish(),
});

export function parseQuery(body: z.infer<typeof QuerySchema>): MetadataQuery {
  return {
    startIndex: body.startIndex,
    count: body.count,
    order: body.order ?? undefined,
    queryProperties: body.queryProperties,
    filters: body.filters
      ? {
          sources: body.filters.sourceRefs,
          seriesTypeIds: body.filters.seriesTypeIds,
          seriesTagIds: body.filters.seriesTagIds,
        }
      : undefined,
  };
}

const ENTITIES: readonly QueryEntity[] = ['patients', 'studies', 'series', 'images', 'flatseries'];

export function registerMetadataQueryRoutes(routes: Routes, engine: Engine): void {
  for (const entity of ENTITIES) {
    routes.add('POST', `/api/metadata/${entity}/query`, 'user', (request, reply) => {
      const query = parseQuery(jsonBody(request, QuerySchema));
      return sendJson(reply, 200, engine.metadataQuery.query(entity, query));
    });
  }
}
