/**
 * Login throttling per user name and client address (issue 9): after a few failed passwords — session login or
 * Basic auth — attempts answer 429 with Retry-After, the right password included, until the window has passed;
 * other names and other clients are not held back; and a wrong password costs the same bcrypt check whether the
 * name exists or not.
 */
import bcrypt from 'bcryptjs';
import { request as httpRequest } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { startAppBox } from './app-box-support.js';
import type { AppBox } from './app-box-support.js';
import { ADMIN, basic, startTestBox } from './support.js';
import type { TestBox } from './support.js';

/** Long enough that the failures of one test surely fall inside it on a busy machine. */
const WINDOW_MS = 4000;
const MAX_FAILURES = 3;

interface Answer {
  status: number;
  retryAfter: string | undefined;
  body: string;
}

/** One request over a fresh connection from `localAddress` (another loopback address is another client). */
function send(
  url: string,
  opts: { method: string; headers: Record<string, string>; body?: string; localAddress?: string },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: opts.method,
        headers: { 'user-agent': 'throttle-test', ...opts.headers },
        agent: false,
        ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: res.headers['retry-after'],
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error('request timed out')));
    req.end(opts.body);
  });
}

function login(base: string, user: string, pass: string, localAddress?: string): Promise<Answer> {
  return send(`${base}/api/users/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user, pass }),
    ...(localAddress ? { localAddress } : {}),
  });
}

function basicGet(base: string, user: string, pass: string): Promise<Answer> {
  return send(`${base}/api/users?count=1`, {
    method: 'GET',
    headers: { authorization: basic(user, pass) },
  });
}

function expectThrottled(a: Answer): number {
  expect(a.status, a.body).toBe(429);
  expect(a.body).toMatch(/^Too many failed logins/);
  const seconds = Number(a.retryAfter);
  expect(Number.isInteger(seconds)).toBe(true);
  expect(seconds).toBeGreaterThanOrEqual(1);
  expect(seconds).toBeLessThanOrEqual(Math.ceil(WINDOW_MS / 1000));
  return seconds;
}

/** Waits until the attempt is no longer refused: bounded by a few windows. */
async function afterWindow(attempt: () => Promise<Answer>): Promise<Answer> {
  const deadline = Date.now() + 10 * WINDOW_MS + 10_000;
  await new Promise((r) => setTimeout(r, WINDOW_MS));
  for (;;) {
    const a = await attempt();
    if (a.status !== 429 || Date.now() > deadline) return a;
    await new Promise((r) => setTimeout(r, Number(a.retryAfter ?? 1) * 1000));
  }
}

let box: AppBox;

/** bcrypt checks, which run in the worker pool as `password.verify` jobs. */
function passwordChecks(): { count(): number; restore(): void } {
  const run = vi.spyOn(box.engine.codec, 'run');
  return {
    count: () => run.mock.calls.filter(([kind]) => kind === 'password.verify').length,
    restore: () => run.mockRestore(),
  };
}
beforeAll(async () => {
  box = await startAppBox({ loginThrottle: { maxFailures: MAX_FAILURES, windowMs: WINDOW_MS } });
  const res = await box.api('/api/users', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: 'bob', role: 'USER', password: 'secret' }),
  });
  expect(res.status).toBe(201);
});
afterAll(async () => {
  await box.stop();
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('POST /users/login', () => {
  test('after the failures: 429 with Retry-After, even for the right password; after the window it works', async () => {
    for (let i = 0; i < MAX_FAILURES; i++)
      expect((await login(box.url, 'admin', `wrong${i}`)).status).toBe(401);
    expectThrottled(await login(box.url, 'admin', 'wrong-again'));
    expectThrottled(await login(box.url, 'admin', ADMIN.pass));

    // Other names and other clients are not held back meanwhile.
    expect((await login(box.url, 'bob', 'secret')).status).toBe(204);
    expect((await login(box.url, 'admin', ADMIN.pass, '127.0.0.2')).status).toBe(204);

    const after = await afterWindow(() => login(box.url, 'admin', ADMIN.pass));
    expect(after.status, after.body).toBe(204);
  });

  test('unknown names are throttled the same way', async () => {
    for (let i = 0; i < MAX_FAILURES; i++)
      expect((await login(box.url, 'nobody', `guess${i}`)).status).toBe(401);
    expectThrottled(await login(box.url, 'nobody', 'guess'));
  });

  test('a burst of parallel guesses gets no more password checks than the limit', async () => {
    const compare = passwordChecks();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => login(box.url, 'bob', `burst${i}`, '127.0.0.3')),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(MAX_FAILURES);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20 - MAX_FAILURES);
    expect(compare.count()).toBe(MAX_FAILURES);
    compare.restore();
  });
});

describe('HTTP Basic', () => {
  test('after the failures: 429 with Retry-After, even for the right password; after the window it works', async () => {
    for (let i = 0; i < MAX_FAILURES; i++) {
      const a = await basicGet(box.url, 'bob', `wrong${i}`);
      expect(a.status).toBe(401);
      expect(a.body).toBe('The supplied authentication is invalid');
    }
    expectThrottled(await basicGet(box.url, 'bob', 'secret'));
    const after = await afterWindow(() => basicGet(box.url, 'bob', 'secret'));
    expect(after.status, after.body).toBe(200);
  });

  test('a client retrying one stale password gets 401 every time, never 429, and is not locked out', async () => {
    const compare = passwordChecks();
    for (let i = 0; i < 4 * MAX_FAILURES; i++) {
      const a = await basicGet(box.url, 'admin', 'the-old-password');
      expect(a.status, a.body).toBe(401);
    }
    // Known to be wrong after the first check: no new bcrypt work for the repeats.
    expect(compare.count()).toBe(1);
    compare.restore();
    expect((await basicGet(box.url, 'admin', ADMIN.pass)).status).toBe(200);
  });

  test('parallel requests with the right password all pass (one shared check)', async () => {
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => basicGet(box.url, 'admin', ADMIN.pass)),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(12).fill(200));
  });
});

describe('unknown names cost the same check as real ones', () => {
  test('a wrong password runs one bcrypt compare at the same cost, whether the name exists or not', async () => {
    // bcrypt runs in the worker pool: one `password.verify` job per check.
    const run = vi.spyOn(box.engine.codec, 'run');
    const compares = () =>
      run.mock.calls
        .filter(([kind]) => kind === 'password.verify')
        .map(([, input]) => input as { password: string; hash: string });
    expect((await login(box.url, 'admin', 'not-the-password', '127.0.0.4')).status).toBe(401);
    expect(compares()).toHaveLength(1);
    const realHash = compares()[0]?.hash as string;

    run.mockClear();
    expect((await login(box.url, 'no-such-user', 'whatever', '127.0.0.4')).status).toBe(401);
    expect(compares()).toHaveLength(1);
    const dummyHash = compares()[0]?.hash as string;
    expect(compares()[0]?.password).toBe('whatever');
    expect(bcrypt.getRounds(dummyHash)).toBe(bcrypt.getRounds(realHash));
    expect(dummyHash.slice(0, 4)).toBe(realHash.slice(0, 4));

    run.mockClear();
    expect((await basicGet(box.url, 'no-such-user', 'whatever')).status).toBe(401);
    expect(compares()).toHaveLength(1);
    run.mockRestore();
  });
});

describe('the default box (no options)', () => {
  let t: TestBox;
  beforeAll(async () => {
    t = await startTestBox();
  });
  afterAll(async () => {
    await t.stop();
  });

  test('throttles after 5 failed logins', async () => {
    for (let i = 0; i < 5; i++)
      expect((await login(t.box.url, 'admin', `wrong${i}`)).status).toBe(401);
    const a = await login(t.box.url, 'admin', ADMIN.pass);
    expect(a.status).toBe(429);
    expect(Number(a.retryAfter)).toBeGreaterThan(60);
  });
});
