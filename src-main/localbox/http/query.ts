/** Query-parameter parsing with Slicebox's error statuses (BEHAVIOR.md §4.3, §9.1). */
import type { FastifyRequest } from 'fastify';
import type { AdvancedFilters, Ordering, Paging, SourceFilter } from '../metadata/list-query.js';
import { HttpError } from './errors.js';

type Query = Record<string, string | string[] | undefined>;

/** The first value of a query parameter. */
export function param(request: FastifyRequest, name: string): string | undefined {
  const v = (request.query as Query | undefined)?.[name];
  return Array.isArray(v) ? v[0] : v;
}

function malformed(name: string, value: string, why: string): HttpError {
  return new HttpError(400, `The query parameter '${name}' was malformed:\n'${value}' ${why}`);
}

const MAX_LONG = 9223372036854775807n;

export function nonNegativeLong(request: FastifyRequest, name: string, fallback: number): number {
  const v = param(request, name);
  if (v === undefined) return fallback;
  if (!/^\+?\d+$/.test(v) || BigInt(v) > MAX_LONG)
    throw malformed(name, v, 'is not a valid non-negative 64-bit integer value');
  return Math.min(Number(v), Number.MAX_SAFE_INTEGER);
}

export function requiredId(request: FastifyRequest, name: string): number {
  const v = param(request, name);
  if (v === undefined)
    throw new HttpError(404, `Request is missing required query parameter '${name}'`);
  if (!/^-?\d+$/.test(v) || BigInt(v) > MAX_LONG || BigInt(v) < -MAX_LONG - 1n) {
    throw malformed(name, v, 'is not a valid 64-bit signed integer value');
  }
  return Number(v);
}

const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0']);

export function booleanParam(request: FastifyRequest, name: string, fallback: boolean): boolean {
  const v = param(request, name);
  if (v === undefined) return fallback;
  const lower = v.toLowerCase();
  if (TRUE.has(lower)) return true;
  if (FALSE.has(lower)) return false;
  throw malformed(name, v, 'is not a valid Boolean value');
}

export function paging(request: FastifyRequest): Paging {
  return {
    startIndex: nonNegativeLong(request, 'startindex', 0),
    count: nonNegativeLong(request, 'count', 20),
  };
}

export function ordering(request: FastifyRequest): Ordering {
  return {
    orderBy: param(request, 'orderby'),
    orderAscending: booleanParam(request, 'orderascending', true),
  };
}

const SOURCES_FORMAT =
  'Sources parameter must be formatted as a comma separated list of sourceType:sourceId elements, e.g. box:23,box:12,user:2';
const IDS_FORMAT =
  'Series types and series tags parameters must be formatted as a comma separated list of ids, e.g. 2,5,11';

function splitList(v: string | undefined): string[] {
  if (v === undefined || v.trim() === '') return [];
  return v.split(',').map((s) => s.trim());
}

function parseIds(v: string | undefined): number[] {
  return splitList(v).map((s) => {
    if (!/^-?\d+$/.test(s)) throw new HttpError(400, IDS_FORMAT);
    return Number(s);
  });
}

export function advancedFilters(request: FastifyRequest): AdvancedFilters {
  const sources: SourceFilter[] = splitList(param(request, 'sources')).map((s) => {
    const m = /^([^:]*):(-?\d+)$/.exec(s);
    if (!m) throw new HttpError(400, SOURCES_FORMAT);
    return { sourceType: (m[1] ?? '').trim(), sourceId: Number(m[2]) };
  });
  return {
    sources,
    seriesTypeIds: parseIds(param(request, 'seriestypes')),
    seriesTagIds: parseIds(param(request, 'seriestags')),
  };
}

/** Path ids are unsigned decimal integers (the route patterns only match digits). */
export function pathId(request: FastifyRequest, name = 'id'): number {
  const v = (request.params as Record<string, string>)[name] ?? '';
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n))
    throw new HttpError(404, 'The requested resource could not be found.');
  return n;
}
