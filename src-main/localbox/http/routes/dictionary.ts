/** DICOM dictionary lookups (BEHAVIOR.md §7.6), public, backed by the rendering library's dictionary. */
import type { FastifyRequest } from 'fastify';
import { MESSAGES } from '../../../slicebox/types.js';
import { dictionaryKeywords, keywordOf, tagOfKeyword, vmOf, vrOf } from '../../rendering/index.js';
import type { KeywordKind } from '../../rendering/index.js';
import { HttpError } from '../errors.js';
import { param } from '../query.js';
import { sendJson, sendText } from '../replies.js';
import type { Routes } from '../routing.js';
import { intParam } from './images-render.js';

function requiredParam(request: FastifyRequest, name: string): string {
  const v = param(request, name);
  if (v === undefined)
    throw new HttpError(404, `Request is missing required query parameter '${name}'`);
  return v;
}

/** `tag`: a decimal signed 32-bit integer (`(FFFF,FFFF)` = -1). */
function tagParam(request: FastifyRequest): number {
  requiredParam(request, 'tag');
  return intParam(request, 'tag', 0);
}

export function registerDictionaryRoutes(routes: Routes): void {
  const keywords =
    (kind: KeywordKind) => (request: FastifyRequest, reply: Parameters<typeof sendJson>[0]) =>
      sendJson(reply, 200, { keywords: dictionaryKeywords(param(request, 'filter'), kind) });
  routes.add('GET', '/api/dicom/dictionary/keywords', 'public', keywords('all'));
  routes.add('GET', '/api/dicom/dictionary/keywords/sequence', 'public', keywords('sequence'));
  routes.add(
    'GET',
    '/api/dicom/dictionary/keywords/nonsequence',
    'public',
    keywords('nonsequence'),
  );

  routes.add('GET', '/api/dicom/dictionary/vr', 'public', (request, reply) => {
    const { name, code } = vrOf(tagParam(request));
    return sendJson(reply, 200, { name, code });
  });
  routes.add('GET', '/api/dicom/dictionary/vm', 'public', (request, reply) => {
    const { min, max } = vmOf(tagParam(request));
    return sendJson(reply, 200, max === undefined ? { min } : { min, max });
  });
  routes.add('GET', '/api/dicom/dictionary/keyword', 'public', (request, reply) => {
    const keyword = keywordOf(tagParam(request));
    if (keyword === undefined) return sendText(reply, 404, MESSAGES.notFound);
    return sendJson(reply, 200, { keyword });
  });
  routes.add('GET', '/api/dicom/dictionary/tag', 'public', (request, reply) => {
    const tag = tagOfKeyword(requiredParam(request, 'keyword'));
    if (tag === undefined) return sendText(reply, 404, MESSAGES.notFound);
    return sendJson(reply, 200, { tag });
  });
}
