import type { FastifyReply } from 'fastify';

/** Plain-text answer, `text/plain; charset=UTF-8` (BEHAVIOR.md §4.1). */
export function sendText(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).type('text/plain; charset=UTF-8').send(body);
}

/** Compact JSON answer with `Content-Type: application/json`; field order is the object's insertion order. */
export function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).type('application/json').send(JSON.stringify(body));
}

export function sendNoContent(reply: FastifyReply): FastifyReply {
  return reply.code(204).send();
}
