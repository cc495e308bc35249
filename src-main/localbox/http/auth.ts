/**
 * Authentication and role checks for `/api` (BEHAVIOR.md §3). Public routes skip it; everything else,
 * including unknown `/api` paths, is authenticated first, so callers without credentials get 401 before any
 * 404/405. Too many failed passwords for a name from one client answer 429 with `Retry-After`; a session-cookie
 * request that changes something must come from the box's own origin (origin-check.ts), else 403.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiUser } from '../../slicebox/types.js';
import { MESSAGES, SESSION_COOKIE } from '../../slicebox/types.js';
import type { Engine } from '../engine.js';
import type { SessionBinding } from '../users/sessions.js';
import { crossSiteRefusal, isUnsafeMethod } from './origin-check.js';
import { sendText } from './replies.js';

declare module 'fastify' {
  interface FastifyRequest {
    sbxUser?: ApiUser;
    /** How `sbxUser` was authenticated. */
    sbxVia?: 'basic' | 'session';
  }
}

/** 429 for a throttled user name and client, with `Retry-After` in whole seconds. */
export function sendThrottled(reply: FastifyReply, retryAfterMs: number): FastifyReply {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  reply.header('Retry-After', String(seconds));
  return sendText(
    reply,
    429,
    `Too many failed logins for this user from this address. Try again in ${seconds} s.`,
  );
}

/** The client IP as Slicebox sees it: the TCP peer, IPv4 dotted (IPv4-mapped IPv6 unwrapped). */
export function clientIp(request: FastifyRequest): string {
  const ip = request.socket.remoteAddress ?? '';
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

export function binding(request: FastifyRequest): SessionBinding {
  return { ip: clientIp(request), userAgent: request.headers['user-agent'] ?? '' };
}

export function sessionToken(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === SESSION_COOKIE) {
      let value = part.slice(eq + 1).trim();
      if (value.startsWith('"') && value.endsWith('"') && value.length >= 2)
        value = value.slice(1, -1);
      return value;
    }
  }
  return undefined;
}

export function isAdmin(user: ApiUser): boolean {
  return user.role === 'SUPERUSER' || user.role === 'ADMINISTRATOR';
}

/** Authenticates the request; answers 401 and returns false when it cannot. */
export async function authenticate(
  engine: Engine,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<boolean> {
  const result = await engine.auth.authenticate(
    request.headers.authorization,
    sessionToken(request),
    binding(request),
  );
  if (result.kind === 'user') {
    request.sbxUser = result.user;
    request.sbxVia = result.via;
    return true;
  }
  if (result.kind === 'throttled') {
    sendThrottled(reply, result.retryAfterMs);
    return false;
  }
  sendText(reply, 401, result.kind === 'invalid' ? MESSAGES.authInvalid : MESSAGES.authMissing);
  return false;
}

export function makeAuthHook(engine: Engine) {
  return async function authHook(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (request.is404) return; // the not-found handler authenticates /api paths itself
    const access = request.routeOptions.config.access ?? 'user';
    if (access === 'public') return;
    if (!(await authenticate(engine, request, reply))) return;
    if (request.sbxVia === 'session' && isUnsafeMethod(request.method)) {
      const refusal = crossSiteRefusal(request, engine.boxes.apiBaseUrl);
      if (refusal) return void sendText(reply, 403, refusal);
    }
    if (access === 'admin' && !isAdmin(request.sbxUser as ApiUser)) {
      sendText(reply, 403, MESSAGES.forbidden);
    }
  };
}

/** The authenticated caller (routes behind the auth hook). */
export function caller(request: FastifyRequest): ApiUser {
  const user = request.sbxUser;
  if (!user) throw new Error('route is not behind authentication');
  return user;
}
