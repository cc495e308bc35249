/** POST /api/system/stop (§7.3) and GET /api/destinations (§7.5). */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { basic, startTestBox } from './support.js';
import type { TestBox } from './support.js';

async function addUser(t: TestBox, user: string, role: 'USER' | 'ADMINISTRATOR'): Promise<string> {
  const res = await t.api('/api/users', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user, role, password: 'pw' }),
  });
  expect(res.status).toBe(201);
  return basic(user, 'pw');
}

describe('POST /system/stop with a callback', () => {
  let t: TestBox;
  const calls: number[] = [];
  beforeAll(async () => {
    t = await startTestBox({ onStopRequested: () => calls.push(Date.now()) });
  });
  afterAll(async () => {
    await t.stop();
  });

  test('USER → 403, no credentials → 401, GET → 405; nothing requested', async () => {
    const user = await addUser(t, 'plain', 'USER');
    expect((await t.api('/api/system/stop', { method: 'POST', auth: user })).status).toBe(403);
    expect((await t.api('/api/system/stop', { method: 'POST', auth: null })).status).toBe(401);
    expect((await t.api('/api/system/stop')).status).toBe(405);
    await new Promise((r) => setTimeout(r, 1200));
    expect(calls).toEqual([]);
  });

  test('admin → 200 text, the callback runs about 1 s later, the server keeps serving', async () => {
    const admin = await addUser(t, 'boss', 'ADMINISTRATOR');
    const start = Date.now();
    const res = await t.api('/api/system/stop', { method: 'POST', auth: admin });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=UTF-8');
    expect(await res.text()).toBe('Shutting down in 1 second...');
    expect(calls).toEqual([]);
    await new Promise((r) => setTimeout(r, 1300));
    expect(calls).toHaveLength(1);
    expect((calls[0] ?? 0) - start).toBeGreaterThanOrEqual(950);
    expect((await t.api('/api/system/health')).status).toBe(200);
  });
});

describe('POST /system/stop by default closes the server', () => {
  test('connections are refused after ~1 s', async () => {
    const t = await startTestBox();
    try {
      const res = await t.api('/api/system/stop', { method: 'POST' });
      expect(res.status).toBe(200);
      await new Promise((r) => setTimeout(r, 1500));
      await expect(fetch(t.url('/api/system/health'))).rejects.toThrow();
    } finally {
      await t.stop();
    }
  });
});

describe('GET /destinations', () => {
  let t: TestBox;
  beforeAll(async () => {
    t = await startTestBox();
  });
  afterAll(async () => {
    await t.stop();
  });

  test('no boxes or SCUs yet → [] for any user; 401 without credentials', async () => {
    const user = await addUser(t, 'viewer', 'USER');
    const res = await t.api('/api/destinations', { auth: user });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('[]');
    expect((await t.api('/api/destinations', { auth: null })).status).toBe(401);
  });
});
