/**
 * Series types, rules and rule attributes (BEHAVIOR.md §20) and the series types of one series
 * (`/metadata/series/{id}/seriestypes`, §9.4). Writes to types, rules and attributes are admin-only.
 */
import { z } from 'zod';
import type { Engine } from '../../engine.js';
import { keywordOf } from '../../rendering/dictionary.js';
import { parseSequencePath } from '../../seriestypes/rule-evaluation.js';
import { jsonBody } from '../bodies.js';
import { HttpError } from '../errors.js';
import { paging, pathId, requiredId } from '../query.js';
import { sendJson, sendNoContent } from '../replies.js';
import type { Routes } from '../routing.js';

const ID = ':id(^\\d+$)';
const long = z.number().int();

/** All fields are required on input (BEHAVIOR.md §4.2), including ids the server does not use. */
const SeriesTypeSchema = z.object({ id: long, name: z.string() });
const SeriesTypeRuleSchema = z.object({ id: long, seriesTypeId: long });
const SeriesTypeRuleAttributeSchema = z.object({
  id: long,
  seriesTypeRuleId: long,
  tag: long,
  name: z.string(),
  tagPath: z.string().nullish(),
  namePath: z.string().nullish(),
  values: z.string(),
});
const IdsQuerySchema = z.object({ ids: z.array(long) });

export function registerSeriesTypeRoutes(routes: Routes, engine: Engine): void {
  const store = engine.seriesTypes;
  const updater = engine.seriesTypeUpdater;

  routes.add('GET', '/api/seriestypes', 'user', (request, reply) => {
    const { startIndex, count } = paging(request);
    return sendJson(reply, 200, store.list(startIndex, count));
  });

  routes.add('POST', '/api/seriestypes', 'admin', (request, reply) => {
    const input = jsonBody(request, SeriesTypeSchema);
    return sendJson(reply, 201, store.create(input.name));
  });

  // The original updates the type whose id is in the body (quirk 5); we update the type of the path.
  routes.add('PUT', `/api/seriestypes/${ID}`, 'admin', (request, reply) => {
    const input = jsonBody(request, SeriesTypeSchema);
    store.update(pathId(request), input.name);
    return sendNoContent(reply);
  });

  routes.add('DELETE', `/api/seriestypes/${ID}`, 'admin', (request, reply) => {
    store.delete(pathId(request));
    updater.allChanged();
    return sendNoContent(reply);
  });

  routes.add('ANY', '/api/seriestypes/rules/updatestatus', 'user', (_request, reply) =>
    sendJson(reply, 200, { running: updater.running }),
  );

  routes.add('GET', '/api/seriestypes/rules', 'user', (request, reply) =>
    sendJson(reply, 200, store.rules(requiredId(request, 'seriestypeid'))),
  );

  routes.add('POST', '/api/seriestypes/rules', 'admin', (request, reply) => {
    const input = jsonBody(request, SeriesTypeRuleSchema);
    // A new rule has no attributes yet; like the original, no re-evaluation here.
    return sendJson(reply, 201, store.createRule(input.seriesTypeId));
  });

  routes.add('DELETE', `/api/seriestypes/rules/${ID}`, 'admin', (request, reply) => {
    store.deleteRule(pathId(request));
    updater.allChanged();
    return sendNoContent(reply);
  });

  routes.add('GET', `/api/seriestypes/rules/${ID}/attributes`, 'user', (request, reply) =>
    sendJson(reply, 200, store.attributes(pathId(request))),
  );

  // The original attaches the attribute to the rule id in the body (quirk 5); we use the rule of the path.
  routes.add('POST', `/api/seriestypes/rules/${ID}/attributes`, 'admin', (request, reply) => {
    const input = jsonBody(request, SeriesTypeRuleAttributeSchema);
    const tagPath = input.tagPath ?? undefined;
    try {
      parseSequencePath(tagPath);
    } catch {
      throw new HttpError(
        400,
        `Invalid tagPath '${tagPath ?? ''}': expected a comma-separated list of decimal sequence tags`,
      );
    }
    const created = store.createAttribute({
      seriesTypeRuleId: pathId(request),
      tag: input.tag,
      name: input.name === '' ? (keywordOf(input.tag) ?? '') : input.name,
      tagPath,
      namePath: input.namePath ?? undefined,
      values: input.values,
    });
    updater.allChanged();
    return sendJson(reply, 201, created);
  });

  routes.add(
    'DELETE',
    `/api/seriestypes/rules/${ID}/attributes/:attributeId(^\\d+$)`,
    'admin',
    (request, reply) => {
      store.deleteAttribute(pathId(request), pathId(request, 'attributeId'));
      updater.allChanged();
      return sendNoContent(reply);
    },
  );

  routes.add('POST', '/api/seriestypes/series/query', 'user', (request, reply) => {
    const input = jsonBody(request, IdsQuerySchema);
    return sendJson(reply, 200, { seriesIdSeriesTypes: store.query(input.ids) });
  });

  // Series types of one series (any user).
  routes.add('GET', `/api/metadata/series/${ID}/seriestypes`, 'user', (request, reply) =>
    sendJson(reply, 200, store.ofSeries(pathId(request))),
  );

  routes.add('DELETE', `/api/metadata/series/${ID}/seriestypes`, 'user', (request, reply) => {
    store.unassignAll(pathId(request));
    return sendNoContent(reply);
  });

  routes.add(
    'PUT',
    `/api/metadata/series/${ID}/seriestypes/:typeId(^\\d+$)`,
    'user',
    (request, reply) => {
      store.assign(pathId(request), pathId(request, 'typeId'));
      return sendNoContent(reply);
    },
  );

  routes.add(
    'DELETE',
    `/api/metadata/series/${ID}/seriestypes/:typeId(^\\d+$)`,
    'user',
    (request, reply) => {
      store.unassign(pathId(request), pathId(request, 'typeId'));
      return sendNoContent(reply);
    },
  );
}
