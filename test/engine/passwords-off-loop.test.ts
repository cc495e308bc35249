/**
 * bcrypt never runs on the engine's event loop (users/pooled-passwords.ts): logins, Basic auth and new users
 * hash and check passwords in the worker pool, and still behave as before.
 */
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { basic, startTestBox } from './support.js';
import type { TestBox } from './support.js';

let t: TestBox;
beforeAll(async () => {
  t = await startTestBox();
});
afterAll(async () => {
  await t.stop();
});

test('logins, Basic auth and user creation use the worker pool, never bcrypt on this thread', async () => {
  const jobs = vi.spyOn(t.box.engine.codec, 'run');
  const local = [vi.spyOn(bcrypt, 'compare'), vi.spyOn(bcrypt, 'hash')];
  const kinds = () => jobs.mock.calls.map(([kind]) => kind);

  const created = await t.api('/api/users', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: 'alice', password: 'secret-1', role: 'USER' }),
  });
  expect(created.status).toBe(201);
  // The administrator's Basic credentials were checked (first use), then alice's password hashed.
  expect(kinds()).toEqual(['password.verify', 'password.hash']);
  const hash = ((await jobs.mock.results[1]?.value) as { hash: string }).hash;
  expect(hash).toMatch(/^\$2a\$10\$/);
  expect(await bcrypt.compare('secret-1', hash)).toBe(true);
  local.forEach((s) => s.mockClear());

  jobs.mockClear();
  const login = (user: string, pass: string) =>
    t.api('/api/users/login', {
      method: 'POST',
      auth: null,
      headers: { 'content-type': 'application/json', 'user-agent': 'passwords-test' },
      body: JSON.stringify({ user, pass }),
    });
  expect((await login('alice', 'secret-1')).status).toBe(204);
  expect((await login('alice', 'wrong')).status).toBe(401);
  expect((await login('nobody', 'wrong')).status).toBe(401);
  expect((await t.api('/api/metadata/patients', { auth: basic('alice', 'secret-1') })).status).toBe(
    200,
  );
  expect((await t.api('/api/metadata/patients', { auth: basic('alice', 'nope') })).status).toBe(
    401,
  );
  // alice's right Basic credentials were verified by her login already (cached): four checks.
  expect(kinds()).toEqual(Array(4).fill('password.verify'));
  for (const s of local) expect(s).not.toHaveBeenCalled();
  vi.restoreAllMocks();
});
