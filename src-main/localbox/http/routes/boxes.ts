/** Boxes (BEHAVIOR.md §12): connections, sending, incoming/outgoing transaction lists. */
import { z } from 'zod';
import type { Image } from '../../../slicebox/types.js';
import { withBasicProfile } from '../../anonymization/index.js';
import { outgoingJson } from '../../boxes/transaction-store.js';
import type { Engine } from '../../engine.js';
import { jsonBody } from '../bodies.js';
import { paging, pathId } from '../query.js';
import { sendJson, sendNoContent } from '../replies.js';
import type { Routes } from '../routing.js';
import {
  BulkAnonymizationDataSchema,
  ProfileSchema,
  profileOf,
  tagValuesOf,
} from './anonymization.js';

const ID = ':id(^\\d+$)';

const RemoteBoxConnectionDataSchema = z.object({ name: z.string(), defaultProfile: ProfileSchema });
const RemoteBoxSchema = z.object({
  name: z.string(),
  baseUrl: z.string(),
  defaultProfile: ProfileSchema,
});

/** The images of `ids` that still exist, in the given order (§12.6). */
function existingImages(engine: Engine, ids: readonly number[]): Image[] {
  return ids.flatMap((id) => {
    const image = engine.metadata.image(id);
    return image ? [image] : [];
  });
}

export function registerBoxRoutes(routes: Routes, engine: Engine): void {
  const boxes = engine.boxes;

  routes.add('GET', '/api/boxes', 'user', (request, reply) => {
    const { startIndex, count } = paging(request);
    return sendJson(reply, 200, boxes.list(startIndex, count));
  });

  routes.add('POST', '/api/boxes/createconnection', 'admin', (request, reply) => {
    const body = jsonBody(request, RemoteBoxConnectionDataSchema);
    return sendJson(reply, 201, boxes.createConnection(body.name, profileOf(body.defaultProfile)));
  });

  routes.add('POST', '/api/boxes/connect', 'admin', (request, reply) => {
    const body = jsonBody(request, RemoteBoxSchema);
    const profile = profileOf(body.defaultProfile);
    return sendJson(reply, 201, boxes.connect(body.name, body.baseUrl, profile));
  });

  routes.add('DELETE', `/api/boxes/${ID}`, 'admin', (request, reply) => {
    boxes.delete(pathId(request));
    return sendNoContent(reply);
  });

  // 204, not the 201 of the published spec (§12.5).
  routes.add('POST', `/api/boxes/${ID}/send`, 'user', (request, reply) => {
    const id = pathId(request);
    const body = jsonBody(request, BulkAnonymizationDataSchema);
    const profile = withBasicProfile(profileOf(body.profile));
    const items = body.imageTagValuesSet.map((i) => ({
      imageId: i.imageId,
      tagValues: tagValuesOf(i.tagValues),
    }));
    boxes.send(id, profile, items);
    return sendNoContent(reply);
  });

  routes.add('GET', '/api/boxes/incoming', 'user', (request, reply) => {
    const { startIndex, count } = paging(request);
    return sendJson(reply, 200, boxes.transactions.listIncoming(startIndex, count));
  });

  routes.add('DELETE', `/api/boxes/incoming/${ID}`, 'user', (request, reply) => {
    boxes.transactions.deleteIncoming(pathId(request));
    return sendNoContent(reply);
  });

  routes.add('GET', `/api/boxes/incoming/${ID}/images`, 'user', (request, reply) =>
    sendJson(
      reply,
      200,
      existingImages(engine, boxes.transactions.incomingImageIds(pathId(request))),
    ),
  );

  routes.add('GET', '/api/boxes/outgoing', 'user', (request, reply) => {
    const { startIndex, count } = paging(request);
    return sendJson(
      reply,
      200,
      boxes.transactions.listOutgoing(startIndex, count).map((t) => outgoingJson(t)),
    );
  });

  routes.add('DELETE', `/api/boxes/outgoing/${ID}`, 'user', (request, reply) => {
    boxes.transactions.deleteOutgoing(pathId(request));
    return sendNoContent(reply);
  });

  routes.add('GET', `/api/boxes/outgoing/${ID}/images`, 'user', (request, reply) =>
    sendJson(
      reply,
      200,
      existingImages(engine, boxes.transactions.outgoingImageIds(pathId(request))),
    ),
  );
}
