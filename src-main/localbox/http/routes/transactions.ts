/**
 * The passive side of the box transfer protocol (BEHAVIOR.md §13.1, §13.2): `/transactions/{token}/...`, served
 * for POLL boxes. These routes sit outside user authentication: an unknown token — or a PUSH box's token —
 * answers 401 `No box found for token <token>` for every path and method. Once the token is accepted, a
 * request the route cannot take (wrong method, missing or malformed query parameter, bad JSON body) is a
 * rejection and is reported like the original does (§3.1): 401 without valid credentials, else the rejection's
 * own status.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { MESSAGES } from '../../../slicebox/types.js';
import type { OutgoingTransactionImage } from '../../../slicebox/types.js';
import type { BoxRecord } from '../../boxes/box-store.js';
import { outgoingJson, parseStatus } from '../../boxes/transaction-store.js';
import {
  BoxTransactionStatusSchema,
  FailedOutgoingTransactionImageSchema,
  OutgoingTransactionImageSchema,
} from '../../boxes/wire.js';
import { InflatedImageTooLarge, inflateToTemp, zlibDeflate } from '../../boxes/zlib.js';
import type { Engine } from '../../engine.js';
import { authenticate } from '../auth.js';
import { jsonBody } from '../bodies.js';
import { HttpError } from '../errors.js';
import { param, requiredId } from '../query.js';
import { sendJson, sendNoContent, sendText } from '../replies.js';
import type { Routes } from '../routing.js';

type Method = 'GET' | 'POST' | 'PUT';
type TokenHandler = (
  box: BoxRecord,
  request: FastifyRequest,
  reply: FastifyReply,
) => Promise<FastifyReply> | FastifyReply;

/** `n` of `outgoing/poll`: optional, default 1; a signed 64-bit integer (non-positive → nothing). */
function pollCount(request: FastifyRequest): number {
  const v = param(request, 'n');
  if (v === undefined) return 1;
  if (!/^[+-]?\d+$/.test(v) || v.replace(/^[+-]/, '').length > 19) {
    throw new HttpError(
      400,
      `The query parameter 'n' was malformed:\n'${v}' is not a valid 64-bit signed integer value`,
    );
  }
  return Math.max(0, Math.min(Number(v), 1_000_000));
}

function drain(request: FastifyRequest): void {
  const body = request.body as Partial<Readable> | undefined;
  if (body && typeof body.resume === 'function') body.resume();
}

export function registerTransactionRoutes(routes: Routes, engine: Engine): void {
  const boxes = engine.boxes;
  const tx = boxes.transactions;

  const tokenRoute = (
    path: string,
    handlers: Partial<Record<Method, TokenHandler>>,
    opts: { rawBody?: boolean } = {},
  ): void => {
    routes.add(
      'ANY',
      `/api/transactions/:token${path}`,
      'public',
      async (request, reply) => {
        const token = (request.params as { token: string }).token;
        const box = boxes.boxes.pollBoxByToken(token);
        if (!box) {
          drain(request);
          return sendText(reply, 401, `No box found for token ${token}`);
        }
        const method = (request.method === 'HEAD' ? 'GET' : request.method) as Method;
        try {
          const handler = handlers[method];
          if (!handler) {
            throw new HttpError(
              405,
              `HTTP method not allowed, supported methods: ${Object.keys(handlers).join(', ')}`,
            );
          }
          return await handler(box, request, reply);
        } catch (e) {
          if (!(e instanceof HttpError)) throw e;
          drain(request);
          if (!(await authenticate(engine, request, reply))) return reply;
          return sendText(reply, e.status, e.message);
        }
      },
      opts,
    );
  };

  // The remote pushes one image of its outgoing transaction. 204, also when the image is rejected; 400 when its body
  // inflates past the ceiling (DECISIONS.md "Fuzz test and its findings").
  tokenRoute(
    '/image',
    {
      POST: async (box, request, reply) => {
        const transactionId = requiredId(request, 'transactionid');
        const sequenceNumber = requiredId(request, 'sequencenumber');
        const total = requiredId(request, 'totalimagecount');
        const body = request.body as Readable | undefined;
        try {
          if (!body || typeof body.pipe !== 'function') throw new Error('no data');
          const tempPath = await inflateToTemp(engine.files, body, boxes.options.maxImageBytes);
          await engine.ingest.ingest(tempPath, {
            source: { sourceType: 'box', sourceName: box.name, sourceId: box.id },
            sopClasses: 'image-data-and-extended',
            reverseAnonymization: true,
            withinTransaction: (r) => {
              tx.recordIncoming(box, transactionId, sequenceNumber, total, r.image.id, r.added);
            },
          });
        } catch (e) {
          drain(request);
          boxes.warn(
            `Ignoring rejected image from ${box.name} in transaction ${transactionId}: ${(e as Error).message}`,
          );
          tx.recordIncoming(box, transactionId, sequenceNumber, total, undefined, false);
          // Over the ceiling (a deflate bomb): said to the sender, with the status every active side counts as
          // "rejected, do not retry" (§13.3). Other rejections keep the faithful 204 (quirk 11).
          if (e instanceof InflatedImageTooLarge)
            return sendText(reply, 400, `Image rejected: ${e.message}`);
        }
        return sendNoContent(reply);
      },
    },
    { rawBody: true },
  );

  tokenRoute('/status', {
    GET: (box, request, reply) => {
      const transactionId = requiredId(request, 'transactionid');
      const incoming = tx.incomingFor(box.id, transactionId);
      return incoming
        ? sendJson(reply, 200, { status: incoming.status })
        : sendText(reply, 404, MESSAGES.notFound);
    },
    PUT: (box, request, reply) => {
      const transactionId = requiredId(request, 'transactionid');
      const status = parseStatus(jsonBody(request, BoxTransactionStatusSchema));
      if (status === 'UNKNOWN') return sendText(reply, 400, `Invalid status format: ${status}`);
      if (!tx.setIncomingStatus(box.id, transactionId, status))
        return sendText(reply, 404, MESSAGES.notFound);
      if (status === 'FINISHED') {
        // Quirk (§13.2): the id of the remote's transaction is looked up among OUR outgoing transactions.
        const finalized = tx.maybeFinalizeOutgoing(box.id, transactionId);
        if (finalized) boxes.outgoingFinished(finalized);
      }
      return sendNoContent(reply);
    },
  });

  tokenRoute('/outgoing/poll', {
    GET: (box, request, reply) => {
      const n = pollCount(request);
      boxes.online.polled(box.id);
      const images: OutgoingTransactionImage[] = tx
        .pendingOutgoing(box.id, n)
        .map((ti) => ({ transaction: outgoingJson(ti.transaction), image: ti.image }));
      return images.length === 0
        ? sendText(reply, 404, MESSAGES.notFound)
        : sendJson(reply, 200, images);
    },
  });

  tokenRoute('/outgoing', {
    GET: async (box, request, reply) => {
      const transactionId = requiredId(request, 'transactionid');
      const outgoingImageId = requiredId(request, 'imageid');
      const found = tx.outgoingTransactionImage(box.id, transactionId, outgoingImageId);
      if (!found) {
        return sendText(
          reply,
          404,
          `No outgoing image found for transaction id ${transactionId} and outgoing image id ${outgoingImageId}`,
        );
      }
      // Missing image → 404, unusable data or profile → 400 (the remote skips both, §13.3).
      const bytes = await engine.anonymization.anonymizedCopy(
        found.image.imageId,
        found.transaction.profileNames,
        tx.tagValues(found.image.id),
      );
      const body = await zlibDeflate(bytes);
      return reply
        .code(200)
        .type('application/octet-stream')
        .header('Content-Length', String(body.byteLength))
        .send(body);
    },
  });

  tokenRoute('/outgoing/done', {
    POST: (box, request, reply) => {
      const body = jsonBody(request, OutgoingTransactionImageSchema);
      boxes.online.polled(box.id);
      const result = tx.markOutgoingSent(box.id, body.transaction.id, body.image.id);
      if (result?.finishedNow) boxes.outgoingFinished(result.transaction);
      return sendNoContent(reply);
    },
  });

  tokenRoute('/outgoing/failed', {
    POST: (_box, request, reply) => {
      const body = jsonBody(request, FailedOutgoingTransactionImageSchema);
      boxes.error(body.message);
      tx.setOutgoingStatus(body.transactionImage.transaction.id, 'FAILED');
      return sendNoContent(reply);
    },
  });

  // Any other path under a token: 401 for an unknown token, else unknown path (401 without credentials, 404).
  const other = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const token = (request.params as { token: string }).token;
    drain(request);
    if (!boxes.boxes.pollBoxByToken(token))
      return sendText(reply, 401, `No box found for token ${token}`);
    if (!(await authenticate(engine, request, reply))) return reply;
    return sendText(reply, 404, MESSAGES.notFound);
  };
  routes.add('ANY', '/api/transactions/:token', 'public', other, { rawBody: true });
  routes.add('ANY', '/api/transactions/:token/*', 'public', other, { rawBody: true });
}
