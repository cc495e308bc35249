/** Anonymization routes (BEHAVIOR.md §11.2, §11.8): options, in-place / copy / bulk anonymization, keys. */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { MESSAGES } from '../../../slicebox/types.js';
import {
  NoSuchOptionError,
  listedOptions,
  parseProfileJson,
  tagPathFromSteps,
  withBasicProfile,
} from '../../anonymization/index.js';
import type { TagPathStep, TagValue } from '../../anonymization/index.js';
import { tagOfKeyword } from '../../anonymization/dictionary.js';
import { CSV_FILE_NAME, keysCsv } from '../../anonymization-store/index.js';
import type { Engine } from '../../engine.js';
import { InvalidArgument } from '../../system/errors.js';
import { HttpError } from '../errors.js';
import { jsonBody } from '../bodies.js';
import { TagPathValueSchema } from '../tag-path-json.js';
import type { TagPathJson } from '../tag-path-json.js';
import { booleanParam, param, pathId } from '../query.js';
import { sendJson, sendNoContent, sendText } from '../replies.js';
import type { Routes } from '../routing.js';

const ID = ':id(^\\d+$)';
const long = z.number().int();
const MAX_LONG = 9223372036854775807n;

/** TagPath as read from JSON (§5.3, nullable fields read as absent): `tag` or `name` must be given; `tag` wins. */
type TagPathInput = TagPathJson;
export const TagValueSchema = TagPathValueSchema;
/** AnonymizationProfile: option objects need only `name` (other fields ignored); names are checked later. */
export const ProfileSchema = z.object({ options: z.array(z.object({ name: z.string() })) });
const AnonymizationDataSchema = z.object({
  profile: ProfileSchema,
  tagValues: z.array(TagValueSchema),
});
export const BulkAnonymizationDataSchema = z.object({
  profile: ProfileSchema,
  imageTagValuesSet: z.array(z.object({ imageId: long, tagValues: z.array(TagValueSchema) })),
});
const KeyQuerySchema = z.object({
  startIndex: long,
  count: long,
  order: z.object({ orderBy: z.string(), orderAscending: z.boolean() }).optional(),
  queryProperties: z.array(
    z.object({
      propertyName: z.string(),
      operator: z.enum(['=', 'like']),
      propertyValue: z.string(),
    }),
  ),
});

/** Root-to-leaf steps of an input tag path; unknown keyword without tag → 400. */
function tagPathStepsOf(path: TagPathInput): TagPathStep[] {
  const steps: TagPathStep[] = [];
  for (let p: TagPathInput | undefined = path; p; p = p.previous) {
    const tag = p.tag !== undefined ? p.tag >>> 0 : p.name ? tagOfKeyword(p.name) : undefined;
    if (tag === undefined) {
      throw new InvalidArgument(
        p.name ? `Unknown tag keyword: ${p.name}` : 'A tag path step needs a tag or a name',
      );
    }
    const item = p.item !== undefined && /^\d+$/.test(p.item) ? Number(p.item) : undefined;
    steps.unshift(item === undefined ? { tag } : { tag, item });
  }
  return steps;
}

/** TagValue inputs: the path must address an element, so the outer step carries no `item`. */
export function tagValuesOf(input: ReadonlyArray<z.infer<typeof TagValueSchema>>): TagValue[] {
  return input.map((tv) => {
    if (tv.tagPath.item !== undefined)
      throw new InvalidArgument('The tag path of a tag value must point to an element');
    return { tagPath: tagPathFromSteps(tagPathStepsOf(tv.tagPath)), value: tv.value };
  });
}

export function profileOf(input: z.infer<typeof ProfileSchema>): string[] {
  try {
    return parseProfileJson(input);
  } catch (e) {
    if (e instanceof NoSuchOptionError) throw new InvalidArgument(e.message);
    throw e;
  }
}

/**
 * `/anonymization/keys` parses startindex/count as plain signed integers (§4.3): negatives are not rejected
 * (SQLite then treats a negative offset as 0 and a negative count as "no limit").
 */
function signedLong(request: FastifyRequest, name: string, fallback: number): number {
  const v = param(request, name);
  if (v === undefined) return fallback;
  if (!/^[+-]?\d+$/.test(v) || BigInt(v) > MAX_LONG || BigInt(v) < -MAX_LONG - 1n) {
    throw new HttpError(
      400,
      `The query parameter '${name}' was malformed:\n'${v}' is not a valid 64-bit signed integer value`,
    );
  }
  return Math.max(Math.min(Number(v), Number.MAX_SAFE_INTEGER), Number.MIN_SAFE_INTEGER);
}

export function registerAnonymizationRoutes(routes: Routes, engine: Engine): void {
  const keys = engine.anonymizationKeys;
  const service = engine.anonymization;

  routes.add('ANY', '/api/anonymization/options', 'user', (_request, reply) =>
    sendJson(reply, 200, listedOptions()),
  );

  routes.add('PUT', `/api/images/${ID}/anonymize`, 'user', async (request, reply) => {
    const id = pathId(request);
    const body = jsonBody(request, AnonymizationDataSchema);
    const image = await service.anonymizeInPlace(
      id,
      profileOf(body.profile),
      tagValuesOf(body.tagValues),
    );
    return sendJson(reply, 200, image);
  });

  routes.add('POST', `/api/images/${ID}/anonymized`, 'user', async (request, reply) => {
    const id = pathId(request);
    const body = jsonBody(request, AnonymizationDataSchema);
    const bytes = await service.anonymizedCopy(
      id,
      profileOf(body.profile),
      tagValuesOf(body.tagValues),
    );
    return reply
      .code(200)
      .type('application/octet-stream')
      .header('Content-Length', String(bytes.byteLength))
      .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  });

  routes.add('POST', '/api/anonymization/anonymize', 'user', async (request, reply) => {
    const body = jsonBody(request, BulkAnonymizationDataSchema);
    const profile = withBasicProfile(profileOf(body.profile));
    const items = body.imageTagValuesSet.map((i) => ({
      imageId: i.imageId,
      tagValues: tagValuesOf(i.tagValues),
    }));
    return sendJson(reply, 200, await service.anonymizeBulk(profile, items));
  });

  routes.add('GET', '/api/anonymization/keys', 'user', (request, reply) => {
    const filter = param(request, 'filter');
    const list = keys.list({
      startIndex: signedLong(request, 'startindex', 0),
      count: signedLong(request, 'count', 20),
      orderBy: param(request, 'orderby'),
      orderAscending: booleanParam(request, 'orderascending', true),
      ...(filter !== undefined ? { filter } : {}),
    });
    return sendJson(reply, 200, list);
  });

  routes.add('POST', '/api/anonymization/keys/query', 'user', (request, reply) => {
    const q = jsonBody(request, KeyQuerySchema);
    return sendJson(reply, 200, keys.query(q));
  });

  routes.add('GET', '/api/anonymization/keys/export/csv', 'admin', (_request, reply) =>
    reply
      .code(200)
      .type('text/csv; charset=UTF-8')
      .header('Content-Disposition', `attachment; filename=${CSV_FILE_NAME}`)
      .send(keysCsv(keys.allWithValues())),
  );

  routes.add('GET', `/api/anonymization/keys/${ID}`, 'user', (request, reply) => {
    const key = keys.get(pathId(request));
    return key ? sendJson(reply, 200, key) : sendText(reply, 404, MESSAGES.notFound);
  });

  routes.add('DELETE', `/api/anonymization/keys/${ID}`, 'user', (request, reply) => {
    keys.delete(pathId(request));
    return sendNoContent(reply);
  });

  routes.add('GET', `/api/anonymization/keys/${ID}/keyvalues`, 'user', (request, reply) =>
    sendJson(reply, 200, keys.keyValues(pathId(request))),
  );
}
