/**
 * Desktop extension routes (not Slicebox; DECISIONS.md "Desktop extensions"): query and retrieve from a PACS.
 * A PACS node is an SCU (`/api/scus`) with settings; retrieved images arrive through this box's SCP (C-MOVE) or
 * on the query association (C-GET) and take the SCP's ingest path.
 *
 * - `GET /api/x-desktop/pacs/nodes` → `[XPacsNode]` (every SCU); `GET …/nodes/{scuId}` → `XPacsNode`.
 * - `PUT /api/x-desktop/pacs/nodes/{scuId}` (admin) body: any fields of `XPacsNodeSettings` → `XPacsNode`.
 * - `POST …/nodes/{scuId}/query/studies` body `XPacsStudyQuery` → `XPacsQueryResult<XPacsStudy>` (C-FIND).
 * - `POST …/nodes/{scuId}/query/series` body `XPacsSeriesQuery` → `XPacsQueryResult<XPacsSeries>` (C-FIND).
 * - `POST /api/x-desktop/pacs/retrieves` body `XRetrieveRequest` → 201 `XRetrieveJob` (queued).
 * - `GET …/retrieves?startindex&count` (newest first), `GET …/retrieves/{id}` → `XRetrieveJob`.
 * - `POST …/retrieves/{id}/cancel`, `POST …/retrieves/{id}/retry` (optional body `{"scuId"}`) → `XRetrieveJob`;
 *   `DELETE …/retrieves/{id}` → 204. A state that does not allow it → 409.
 *
 * A PACS that fails a query answers **502** (or **504** on timeout) with an `XPacsError` JSON body, in the PACS's
 * words (association rejected, refused connection, status and Error Comment…). Other errors are Slicebox's text
 * answers: 400 bad input, 404 unknown SCU/retrieve. Reads, queries and retrieves: any user; settings: admin.
 */
import { z } from 'zod';
import type { XPacsNode } from '../../../slicebox/types.js';
import type { Engine } from '../../engine.js';
import { findSeries, findStudies } from '../../pacs/find.js';
import type { FindOptions } from '../../pacs/find.js';
import { MAX_RESULTS_CEILING, MAX_TIMEOUT_SECONDS } from '../../pacs/pacs-nodes.js';
import { PacsError } from '../../pacs/pacs-errors.js';
import { RetrieveConflict } from '../../pacs/retrieve-service.js';
import { InvalidArgument, NotFound } from '../../system/errors.js';
import { jsonBody } from '../bodies.js';
import { HttpError } from '../errors.js';
import { paging, pathId } from '../query.js';
import { sendJson, sendNoContent } from '../replies.js';
import type { Routes } from '../routing.js';

/** What the capability list of the box can name for these routes (the app offers the PACS screen when present). */
export const PACS_CAPABILITIES = [
  'pacs-nodes',
  'pacs-query',
  'pacs-retrieve-move',
  'pacs-retrieve-get',
] as const;

const MAX_RETRIEVE_ITEMS = 1000;

/** A text matching key: one value (no backslash), no control characters; wildcards allowed. */
const matchText = (max: number) =>
  z
    .string()
    .max(max)
    .refine(
      (v) => ![...v].some((c) => c === '\\' || c < ' ' || c === '\x7f'),
      'must be one value without control characters or backslash',
    );
const date = z.string().regex(/^\d{8}$/, 'must be a date YYYYMMDD');
const uid = z
  .string()
  .max(64)
  .regex(/^[0-9]+(\.[0-9]+)*$/, 'must be a UID (digits and dots)');
const modality = z
  .string()
  .max(16)
  .regex(/^[A-Za-z0-9 _*?]*$/, 'must be a modality code such as CT or MR');
const limit = z.number().int().min(1).max(MAX_RESULTS_CEILING);

const StudyQuerySchema = z.object({
  patientName: matchText(64).optional(),
  patientId: matchText(64).optional(),
  patientBirthDate: z
    .string()
    .regex(/^(\d{8})?(-(\d{8})?)?$/, 'must be a date YYYYMMDD or a range YYYYMMDD-YYYYMMDD')
    .optional(),
  studyDateFrom: date.optional(),
  studyDateTo: date.optional(),
  modality: modality.optional(),
  accessionNumber: matchText(16).optional(),
  studyDescription: matchText(64).optional(),
  studyInstanceUid: uid.optional(),
  limit: limit.optional(),
});

const SeriesQuerySchema = z.object({
  studyInstanceUid: uid,
  modality: modality.optional(),
  limit: limit.optional(),
});

const SettingsSchema = z.object({
  retrieveMethod: z.enum(['C-MOVE', 'C-GET']).optional(),
  callingAeTitle: z.string().nullable().optional(),
  destinationScpId: z.number().int().nullable().optional(),
  timeoutSeconds: z.number().int().min(1).max(MAX_TIMEOUT_SECONDS).optional(),
  maxResults: limit.optional(),
});

const ItemSchema = z
  .object({
    level: z.enum(['STUDY', 'SERIES']),
    studyInstanceUid: uid,
    seriesInstanceUid: uid.optional(),
    label: z.string().max(256).optional(),
  })
  .refine((i) => i.level === 'STUDY' || i.seriesInstanceUid !== undefined, {
    message: 'a SERIES item needs its seriesInstanceUid',
    path: ['seriesInstanceUid'],
  });

const RetrieveSchema = z.object({
  scuId: z.number().int(),
  method: z.enum(['C-MOVE', 'C-GET']).optional(),
  items: z.array(ItemSchema).min(1).max(MAX_RETRIEVE_ITEMS),
});

const RetrySchema = z.object({ scuId: z.number().int().optional() });

export function registerDesktopPacsRoutes(routes: Routes, engine: Engine): void {
  const node = (scuId: number): XPacsNode => {
    const scu = engine.scus.get(scuId);
    if (!scu) throw new NotFound(`SCU with id ${scuId} not found`);
    return engine.pacsNodes.node(scu);
  };
  const findOptions = (n: XPacsNode, requested: number | undefined): FindOptions => ({
    peer: { aeTitle: n.scu.aeTitle, host: n.scu.host, port: n.scu.port },
    callingAeTitle: n.callingAeTitle,
    timeoutMs: n.settings.timeoutSeconds * 1000,
    limit: Math.min(requested ?? n.settings.maxResults, n.settings.maxResults),
  });
  /** Runs `f`, answering a PACS failure as its JSON and a job-state conflict as 409. */
  const pacs = async <T>(f: () => Promise<T> | T): Promise<T | PacsError> => {
    try {
      return await f();
    } catch (e) {
      if (e instanceof PacsError) return e;
      if (e instanceof RetrieveConflict) throw new HttpError(409, e.message);
      throw e;
    }
  };

  routes.add('GET', '/api/x-desktop/pacs/nodes', 'user', (_request, reply) =>
    sendJson(
      reply,
      200,
      engine.scus.all().map((scu) => engine.pacsNodes.node(scu)),
    ),
  );

  routes.add('GET', '/api/x-desktop/pacs/nodes/:id(^\\d+$)', 'user', (request, reply) =>
    sendJson(reply, 200, node(pathId(request))),
  );

  routes.add('PUT', '/api/x-desktop/pacs/nodes/:id(^\\d+$)', 'admin', (request, reply) => {
    const changes = jsonBody(request, SettingsSchema);
    const scuId = pathId(request);
    node(scuId);
    const defined = Object.fromEntries(
      Object.entries(changes).filter(([, v]) => v !== undefined),
    ) as Parameters<typeof engine.pacsNodes.update>[1];
    engine.pacsNodes.update(scuId, defined);
    return sendJson(reply, 200, node(scuId));
  });

  routes.add(
    'POST',
    '/api/x-desktop/pacs/nodes/:id(^\\d+$)/query/studies',
    'user',
    async (request, reply) => {
      const query = jsonBody(request, StudyQuerySchema);
      if (query.studyDateFrom && query.studyDateTo && query.studyDateFrom > query.studyDateTo)
        throw new InvalidArgument('studyDateFrom must not be after studyDateTo');
      const n = node(pathId(request));
      const result = await pacs(() => findStudies(findOptions(n, query.limit), query));
      if (result instanceof PacsError) return sendJson(reply, result.httpStatus, result.detail);
      return sendJson(reply, 200, result);
    },
  );

  routes.add(
    'POST',
    '/api/x-desktop/pacs/nodes/:id(^\\d+$)/query/series',
    'user',
    async (request, reply) => {
      const query = jsonBody(request, SeriesQuerySchema);
      const n = node(pathId(request));
      const result = await pacs(() => findSeries(findOptions(n, query.limit), query));
      if (result instanceof PacsError) return sendJson(reply, result.httpStatus, result.detail);
      return sendJson(reply, 200, result);
    },
  );

  routes.add('POST', '/api/x-desktop/pacs/retrieves', 'user', (request, reply) => {
    const body = jsonBody(request, RetrieveSchema);
    return sendJson(reply, 201, engine.retrieves.create(body));
  });

  routes.add('GET', '/api/x-desktop/pacs/retrieves', 'user', (request, reply) => {
    const { startIndex, count } = paging(request);
    return sendJson(reply, 200, engine.retrieves.list(startIndex, count));
  });

  routes.add('GET', '/api/x-desktop/pacs/retrieves/:id(^\\d+$)', 'user', (request, reply) =>
    sendJson(reply, 200, engine.retrieves.job(pathId(request))),
  );

  routes.add(
    'POST',
    '/api/x-desktop/pacs/retrieves/:id(^\\d+$)/cancel',
    'user',
    async (request, reply) => {
      const id = pathId(request);
      const job = await pacs(() => engine.retrieves.cancel(id));
      return sendJson(reply, 200, job);
    },
  );

  routes.add(
    'POST',
    '/api/x-desktop/pacs/retrieves/:id(^\\d+$)/retry',
    'user',
    async (request, reply) => {
      // The body is optional: none means "on the same node".
      const body = request.body === undefined ? {} : jsonBody(request, RetrySchema);
      const id = pathId(request);
      const job = await pacs(() => engine.retrieves.retry(id, body.scuId));
      return sendJson(reply, 200, job);
    },
  );

  routes.add(
    'DELETE',
    '/api/x-desktop/pacs/retrieves/:id(^\\d+$)',
    'user',
    async (request, reply) => {
      const id = pathId(request);
      await pacs(() => engine.retrieves.delete(id));
      return sendNoContent(reply);
    },
  );
}
