/** Authentication, sessions, roles and users (BEHAVIOR.md §3, §4, §7, §8). */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ApiUser, Source, UserInfo } from '../../src-main/slicebox/types.js';
import { MESSAGES } from '../../src-main/slicebox/types.js';
import { basic, rawRequest, startTestBox } from './support.js';
import type { TestBox } from './support.js';

let t: TestBox;
beforeAll(async () => {
  t = await startTestBox();
});
afterAll(async () => {
  await t.stop();
});

const UA = 'engine-test/1.0';

async function login(user = 'admin', pass = 'admin', userAgent: string | null = UA) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (userAgent !== null) headers['user-agent'] = userAgent;
  return rawRequest(t.url('/api/users/login'), {
    method: 'POST',
    headers,
    body: JSON.stringify({ user, pass }),
  });
}

function tokenOf(setCookie: string[] | undefined): string {
  const m = /^slicebox-session=([0-9a-f-]{36}); Path=\/api; HttpOnly$/.exec(setCookie?.[0] ?? '');
  if (!m?.[1]) throw new Error(`unexpected Set-Cookie ${String(setCookie)}`);
  return m[1];
}

function get(path: string, headers: Record<string, string>) {
  return rawRequest(t.url(path), { headers });
}

describe('public routes', () => {
  test('health answers OK to any method without credentials', async () => {
    for (const method of ['GET', 'POST', 'PUT', 'DELETE']) {
      const res = await rawRequest(t.url('/api/system/health'), { method });
      expect(res.status).toBe(200);
      expect(res.body).toBe('OK');
      expect(res.headers['content-type']).toBe('text/plain; charset=UTF-8');
      expect(res.headers.server).toBe('slicebox');
    }
  });

  test('information returns a version', async () => {
    const res = await fetch(t.url('/api/system/information'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ version: '2.0.2' });
  });
});

describe('login and sessions', () => {
  test('login → 204 with the session cookie; the same token on re-login', async () => {
    const first = await login();
    expect(first.status).toBe(204);
    const token = tokenOf(first.headers['set-cookie']);
    const second = await login();
    expect(tokenOf(second.headers['set-cookie'])).toBe(token);
    const otherUa = await login('admin', 'admin', 'another-agent');
    expect(tokenOf(otherUa.headers['set-cookie'])).not.toBe(token);
  });

  test('wrong password → 401 without cookie; no User-Agent → 401', async () => {
    const wrong = await login('admin', 'nope');
    expect(wrong.status).toBe(401);
    expect(wrong.body).toBe(MESSAGES.loginFailed);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const noUa = await login('admin', 'admin', null);
    expect(noUa.status).toBe(401);
    expect(noUa.body).toBe(MESSAGES.loginFailed);
  });

  test('cookie + User-Agent authenticates; cookie without User-Agent → 401', async () => {
    const token = tokenOf((await login()).headers['set-cookie']);
    const ok = await get('/api/users', { cookie: `slicebox-session=${token}`, 'user-agent': UA });
    expect(ok.status).toBe(200);
    const noUa = await get('/api/users', { cookie: `slicebox-session=${token}` });
    expect(noUa.status).toBe(401);
    expect(noUa.body).toBe(MESSAGES.authMissing);
    const otherUa = await get('/api/users', {
      cookie: `slicebox-session=${token}`,
      'user-agent': 'someone-else',
    });
    expect(otherUa.status).toBe(401);
    const noCookie = await get('/api/users', { 'user-agent': UA });
    expect(noCookie.status).toBe(401);
  });

  test('wrong Basic + valid cookie → 401; valid Basic + bad cookie → 200', async () => {
    const token = tokenOf((await login()).headers['set-cookie']);
    const wrongBasic = await get('/api/users', {
      cookie: `slicebox-session=${token}`,
      'user-agent': UA,
      authorization: basic('admin', 'wrong'),
    });
    expect(wrongBasic.status).toBe(401);
    expect(wrongBasic.body).toBe(MESSAGES.authInvalid);
    const badCookie = await get('/api/users', {
      cookie: 'slicebox-session=00000000-0000-0000-0000-000000000000',
      'user-agent': UA,
      authorization: basic('admin', 'admin'),
    });
    expect(badCookie.status).toBe(200);
  });

  test('/users/current: 200 with a session, 404 with Basic only or nothing', async () => {
    const token = tokenOf((await login()).headers['set-cookie']);
    const current = await get('/api/users/current', {
      cookie: `slicebox-session=${token}`,
      'user-agent': UA,
    });
    expect(current.status).toBe(200);
    const info = JSON.parse(current.body) as UserInfo;
    expect(info).toEqual({ id: 1, user: 'admin', role: 'SUPERUSER' });
    expect(
      (
        await get('/api/users/current', {
          authorization: basic('admin', 'admin'),
          'user-agent': UA,
        })
      ).status,
    ).toBe(404);
    const none = await get('/api/users/current', {});
    expect(none.status).toBe(404);
    expect(none.body).toBe(MESSAGES.notFound);
  });

  test('logout → 204 with the deletion cookie; the old cookie then → 401', async () => {
    const token = tokenOf((await login()).headers['set-cookie']);
    const headers = { cookie: `slicebox-session=${token}`, 'user-agent': UA };
    const out = await rawRequest(t.url('/api/users/logout'), { method: 'POST', headers });
    expect(out.status).toBe(204);
    expect(out.headers['set-cookie']?.[0]).toBe(
      'slicebox-session=deleted; Expires=Wed, 01 Jan 1800 00:00:00 GMT; Path=/api',
    );
    expect((await get('/api/users', headers)).status).toBe(401);
    expect((await get('/api/users/current', headers)).status).toBe(404);
    const fresh = tokenOf((await login()).headers['set-cookie']);
    expect(fresh).not.toBe(token);
  });
});

describe('sliding session timeout', () => {
  test('a session unused for longer than the timeout is rejected', async () => {
    const short = await startTestBox({ sessionTimeoutMs: 1 });
    try {
      const res = await rawRequest(short.url('/api/users/login'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': UA },
        body: JSON.stringify({ user: 'admin', pass: 'admin' }),
      });
      const token = tokenOf(res.headers['set-cookie']);
      await new Promise((r) => setTimeout(r, 20));
      const later = await rawRequest(short.url('/api/users'), {
        headers: { cookie: `slicebox-session=${token}`, 'user-agent': UA },
      });
      expect(later.status).toBe(401);
    } finally {
      await short.stop();
    }
  });
});

describe('unknown paths and methods', () => {
  test('unknown /api path: 401 without credentials, 404 with', async () => {
    const anon = await rawRequest(t.url('/api/some/url'));
    expect(anon.status).toBe(401);
    expect(anon.body).toBe(MESSAGES.authMissing);
    const authed = await t.api('/api/some/url');
    expect(authed.status).toBe(404);
    expect(await authed.text()).toBe(MESSAGES.notFound);
  });

  test('wrong method: 405 with credentials, 401 without', async () => {
    const res = await t.api('/api/users/login', { method: 'GET' });
    expect(res.status).toBe(405);
    expect(await res.text()).toBe('HTTP method not allowed, supported methods: POST');
    expect((await rawRequest(t.url('/api/users/login'))).status).toBe(401);
    expect((await t.api('/api/metadata/patients', { method: 'DELETE' })).status).toBe(405);
  });

  test('trailing slash on collection roots', async () => {
    expect((await t.api('/api/users/')).status).toBe(200);
  });
});

describe('users and roles', () => {
  const USER = { user: 'alice', role: 'USER', password: 'alicepw' };
  let alice: ApiUser;

  test('GET /users lists the superuser with its bcrypt hash', async () => {
    const users = await t.json<ApiUser[]>('/api/users');
    expect(users).toHaveLength(1);
    expect(users[0]?.user).toBe('admin');
    expect(users[0]?.role).toBe('SUPERUSER');
    expect(users[0]?.hashedPassword).toMatch(/^\$2a\$10\$/);
    expect(Object.keys(users[0] ?? {})).toEqual(['id', 'user', 'role', 'hashedPassword']);
  });

  test('POST /users → 201; the same name again → 201 with the existing user unchanged', async () => {
    const post = (body: unknown) =>
      t.api('/api/users', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const res = await post(USER);
    expect(res.status).toBe(201);
    alice = (await res.json()) as ApiUser;
    expect(alice.user).toBe('alice');
    expect(alice.role).toBe('USER');
    const again = await post({ ...USER, role: 'ADMINISTRATOR', password: 'other' });
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual(alice);
  });

  test('invalid user input → 400; SUPERUSER → 400; wrong content type → 415', async () => {
    const post = (body: string, type = 'application/json') =>
      t.api('/api/users', { method: 'POST', headers: { 'content-type': type }, body });
    const su = await post(JSON.stringify({ user: 'x', role: 'SUPERUSER', password: 'x' }));
    expect(su.status).toBe(400);
    expect(await su.text()).toBe('Superusers may not be added');
    expect((await post(JSON.stringify({ user: 'x', role: 'KING', password: 'x' }))).status).toBe(
      400,
    );
    expect((await post(JSON.stringify({ user: 'x', role: 'USER' }))).status).toBe(400);
    expect((await post('{not json')).status).toBe(400);
    expect((await post('')).status).toBe(400);
    expect(
      (await post(JSON.stringify({ user: 'x', role: 'USER', password: 'x' }), 'text/plain')).status,
    ).toBe(415);
  });

  test('a USER authenticates with Basic and gets 403 on admin routes', async () => {
    const auth = basic('alice', 'alicepw');
    expect((await t.api('/api/users', { auth })).status).toBe(200);
    const res = await t.api('/api/users', {
      auth,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'bob', role: 'USER', password: 'b' }),
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toBe(MESSAGES.forbidden);
    expect((await t.api(`/api/users/${alice.id}`, { auth, method: 'DELETE' })).status).toBe(403);
    // Cached Basic credentials must not survive a wrong password.
    expect((await t.api('/api/users', { auth: basic('alice', 'alicepw!') })).status).toBe(401);
  });

  test('GET /sources lists users', async () => {
    const sources = await t.json<Source[]>('/api/sources');
    expect(sources.filter((s) => s.sourceType === 'user')).toEqual([
      { sourceType: 'user', sourceName: 'admin', sourceId: 1 },
      { sourceType: 'user', sourceName: 'alice', sourceId: alice.id },
    ]);
  });

  test('DELETE /users/{id}: superuser → 400, user → 204 and its credentials stop working, unknown → 204', async () => {
    const su = await t.api('/api/users/1', { method: 'DELETE' });
    expect(su.status).toBe(400);
    expect(await su.text()).toBe('Superuser may not be deleted');
    expect((await t.api(`/api/users/${alice.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await t.api('/api/users', { auth: basic('alice', 'alicepw') })).status).toBe(401);
    expect((await t.api('/api/users/99999', { method: 'DELETE' })).status).toBe(204);
  });
});

describe('built-in superuser', () => {
  test('a changed superuser configuration replaces the superuser at start-up', async () => {
    const box = await startTestBox();
    try {
      await box.box.close();
      const { startLocalbox } = await import('../../src-main/localbox/server.js');
      const again = await startLocalbox({
        dataDir: box.dataDir,
        port: 0,
        superuser: { user: 'root', password: 'secret' },
      });
      try {
        const users = (await (
          await fetch(`${again.url}/api/users`, {
            headers: { authorization: basic('root', 'secret') },
          })
        ).json()) as ApiUser[];
        expect(users.map((u) => [u.user, u.role])).toEqual([['root', 'SUPERUSER']]);
        expect(
          (
            await fetch(`${again.url}/api/users`, {
              headers: { authorization: basic('admin', 'admin') },
            })
          ).status,
        ).toBe(401);
      } finally {
        await again.close();
      }
    } finally {
      await box.stop().catch(() => undefined);
    }
  });
});
