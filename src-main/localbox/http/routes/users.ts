/** Users, login, logout, current user (BEHAVIOR.md §3, §8). */
import { z } from 'zod';
import type { ApiUser, UserInfo } from '../../../slicebox/types.js';
import { MESSAGES, SESSION_COOKIE } from '../../../slicebox/types.js';
import type { Engine } from '../../engine.js';
import { toUserInfo } from '../../users/user-store.js';
import { binding, caller, sendThrottled, sessionToken } from '../auth.js';
import { jsonBody } from '../bodies.js';
import { HttpError } from '../errors.js';
import { paging, pathId } from '../query.js';
import { sendJson, sendNoContent, sendText } from '../replies.js';
import type { Routes } from '../routing.js';

const UserPassSchema = z.object({ user: z.string(), pass: z.string() });
const ClearTextUserSchema = z.object({ user: z.string(), role: z.string(), password: z.string() });

const DELETED_COOKIE = `${SESSION_COOKIE}=deleted; Expires=Wed, 01 Jan 1800 00:00:00 GMT; Path=/api`;

export function registerUserRoutes(routes: Routes, engine: Engine): void {
  routes.add('POST', '/api/users/login', 'public', async (request, reply) => {
    const { user: name, pass } = jsonBody(request, UserPassSchema);
    const b = binding(request);
    const check = await engine.auth.checkPassword(b.ip, name, pass);
    if (check.kind === 'throttled') return sendThrottled(reply, check.retryAfterMs);
    if (check.kind !== 'user' || !b.userAgent || !b.ip)
      return sendText(reply, 401, MESSAGES.loginFailed);
    const token = engine.sessions.login(check.user.id, b);
    reply.header('Set-Cookie', `${SESSION_COOKIE}=${token}; Path=/api; HttpOnly`);
    return sendNoContent(reply);
  });

  routes.add('POST', '/api/users/logout', 'user', (request, reply) => {
    engine.sessions.logout(caller(request).id, binding(request));
    reply.header('Set-Cookie', DELETED_COOKIE);
    return sendNoContent(reply);
  });

  // Public, session cookie only: Basic credentials are not considered here.
  routes.add('GET', '/api/users/current', 'public', (request, reply) => {
    const user = engine.auth.sessionUser(sessionToken(request), binding(request));
    if (!user) return sendText(reply, 404, MESSAGES.notFound);
    const info: UserInfo = toUserInfo(user);
    return sendJson(reply, 200, info);
  });

  routes.add('GET', '/api/users', 'user', (request, reply) => {
    const { startIndex, count } = paging(request);
    const users: ApiUser[] = engine.users.list(startIndex, count);
    return sendJson(reply, 200, users);
  });

  routes.add('POST', '/api/users', 'admin', async (request, reply) => {
    const input = jsonBody(request, ClearTextUserSchema);
    if (input.role === 'SUPERUSER') throw new HttpError(400, 'Superusers may not be added');
    if (input.role !== 'ADMINISTRATOR' && input.role !== 'USER')
      throw new HttpError(400, `Unknown role: ${input.role}`);
    const existing = engine.users.byName(input.user);
    if (existing) return sendJson(reply, 201, existing);
    const hashed = await engine.passwords.hash(input.password);
    // Re-check after the (asynchronous) hashing: a concurrent request may have created the same name.
    const created =
      engine.users.byName(input.user) ?? engine.users.insert(input.user, input.role, hashed);
    return sendJson(reply, 201, created);
  });

  routes.add('DELETE', '/api/users/:id(^\\d+$)', 'admin', (request, reply) => {
    const id = pathId(request);
    const user = engine.users.byId(id);
    if (user?.role === 'SUPERUSER') throw new HttpError(400, 'Superuser may not be deleted');
    if (user) {
      engine.users.delete(id);
      engine.auth.forgetUser(id);
    }
    return sendNoContent(reply);
  });
}
