/** SCP routes (BEHAVIOR.md §16) and SCPs in `/sources` (§7.4); the listeners themselves are exercised too. */
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ScpData, Source } from '../../src-main/slicebox/types.js';
import { createConnection } from './box-support.js';
import { canConnect, freePort, postJson, waitFor } from './dimse-support.js';
import { basic, startTestBox } from './support.js';
import type { TestBox } from './support.js';

const scpBody = (name: string, aeTitle: string, port: number) => ({ id: -1, name, aeTitle, port });

async function addUser(t: TestBox, user: string, role: 'USER' | 'ADMINISTRATOR'): Promise<string> {
  const res = await postJson(t, '/api/users', { user, role, password: 'pw' });
  expect(res.status).toBe(201);
  return basic(user, 'pw');
}

describe('SCP routes (§16)', () => {
  let t: TestBox;
  let userAuth: string;

  beforeAll(async () => {
    t = await startTestBox();
    userAuth = await addUser(t, 'viewer', 'USER');
  });
  afterAll(async () => {
    await t.stop();
  });

  test('create → 201 with the name; list → 1; delete → 204; list → 0', async () => {
    const port = await freePort();
    const res = await postJson(t, '/api/scps', scpBody('TestName', 'TestAeTitle', port));
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const scp = (await res.json()) as ScpData;
    expect(scp).toEqual({ id: scp.id, name: 'TestName', aeTitle: 'TestAeTitle', port });
    expect(scp.id).toBeGreaterThan(0);
    expect(await t.json<ScpData[]>('/api/scps', { auth: userAuth })).toEqual([scp]);
    expect((await t.api(`/api/scps/${scp.id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await t.json<ScpData[]>('/api/scps')).toEqual([]);
  });

  test('port -1 or 66000 → 400', async () => {
    for (const port of [-1, 66000]) {
      const res = await postJson(t, '/api/scps', scpBody(`bad port ${port}`, 'AE', port));
      expect(res.status).toBe(400);
      expect(await res.text()).toBe('Port must be a value between 0 and 65535');
    }
    expect(await t.json<ScpData[]>('/api/scps')).toEqual([]);
  });

  test('AE title of 17 characters → 400; empty (after trim) → 400', async () => {
    const long = await postJson(
      t,
      '/api/scps',
      scpBody('long', 'ABCDEFGHIJKLMNOPQ', await freePort()),
    );
    expect(long.status).toBe(400);
    expect(await long.text()).toBe(
      'Ae title must not exceed 16 characters, excluding leading and trailing epaces.',
    );
    const empty = await postJson(t, '/api/scps', scpBody('empty', '   ', await freePort()));
    expect(empty.status).toBe(400);
    expect(await empty.text()).toBe('Ae title must not be empty');
  });

  test('" ABCDEFGHIJKLMNOP " (17 with spaces, 16 trimmed) → 201, stored as given', async () => {
    const res = await postJson(
      t,
      '/api/scps',
      scpBody('spaces', ' ABCDEFGHIJKLMNOP ', await freePort()),
    );
    expect(res.status).toBe(201);
    const scp = (await res.json()) as ScpData;
    expect(scp.aeTitle).toBe(' ABCDEFGHIJKLMNOP ');
    await t.api(`/api/scps/${scp.id}`, { method: 'DELETE' });
  });

  test('an existing name is returned as is (201, no validation); a used port → 400', async () => {
    const port = await freePort();
    const first = (await (
      await postJson(t, '/api/scps', scpBody('same', 'AE1', port))
    ).json()) as ScpData;
    const again = await postJson(t, '/api/scps', scpBody('same', 'ABCDEFGHIJKLMNOPQRST', -5));
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual(first);
    const clash = await postJson(t, '/api/scps', scpBody('other', 'AE2', port));
    expect(clash.status).toBe(400);
    expect(await clash.text()).toBe(`Port ${port} is already in use`);
    expect(await t.json<ScpData[]>('/api/scps')).toEqual([first]);
    await t.api(`/api/scps/${first.id}`, { method: 'DELETE' });
  });

  test('paging with startindex/count', async () => {
    const created: ScpData[] = [];
    for (const name of ['p1', 'p2', 'p3']) {
      created.push(
        (await (
          await postJson(t, '/api/scps', scpBody(name, name, await freePort()))
        ).json()) as ScpData,
      );
    }
    expect(await t.json<ScpData[]>('/api/scps?startindex=1&count=1')).toEqual([created[1]]);
    expect((await t.api('/api/scps?startindex=-1')).status).toBe(400);
    for (const scp of created) await t.api(`/api/scps/${scp.id}`, { method: 'DELETE' });
  });

  test('roles and bodies: USER → 403 on create/delete; missing id → 400; not JSON → 415; unknown id → 204', async () => {
    const body = scpBody('by user', 'AE', await freePort());
    expect((await postJson(t, '/api/scps', body, userAuth)).status).toBe(403);
    expect((await t.api('/api/scps/1', { method: 'DELETE', auth: userAuth })).status).toBe(403);
    expect((await t.api('/api/scps', { auth: null })).status).toBe(401);
    const { id: _id, ...noId } = body;
    expect((await postJson(t, '/api/scps', noId)).status).toBe(400);
    expect(
      (
        await t.api('/api/scps', {
          method: 'POST',
          body: JSON.stringify(body),
          headers: { 'content-type': 'text/plain' },
        })
      ).status,
    ).toBe(415);
    expect((await t.api('/api/scps/999', { method: 'DELETE' })).status).toBe(204);
    expect((await t.api('/api/scps/abc', { method: 'DELETE' })).status).toBe(404);
    expect((await t.api('/api/scps', { method: 'PUT' })).status).toBe(405);
  });

  test('the listener accepts connections after create and is gone after delete', async () => {
    const port = await freePort();
    const scp = (await (
      await postJson(t, '/api/scps', scpBody('live', 'LIVE', port))
    ).json()) as ScpData;
    expect(await canConnect(port)).toBe(true);
    expect((await t.api(`/api/scps/${scp.id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await canConnect(port)).toBe(false);
  });

  test('a port that cannot be bound: still 201, the failure is logged (subject SCP)', async () => {
    const port = await freePort();
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const res = await postJson(t, '/api/scps', scpBody('blocked', 'BLOCKED', port));
      expect(res.status).toBe(201);
      const scp = (await res.json()) as ScpData;
      const log = await t.json<Array<{ entryType: string; subject: string; message: string }>>(
        '/api/log?subject=SCP&count=5',
      );
      expect(log[0]?.entryType).toBe('ERROR');
      expect(log[0]?.message).toContain(
        `SCP blocked (AE title BLOCKED) could not listen on 127.0.0.1:${port}`,
      );
      await t.api(`/api/scps/${scp.id}`, { method: 'DELETE' });
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  test('deleting an SCP removes its tag-filter associations (§6.4)', async () => {
    const scp = (await (
      await postJson(t, '/api/scps', scpBody('filtered', 'F', await freePort()))
    ).json()) as ScpData;
    const filter = (await (
      await postJson(t, '/api/filtering/filters', { id: -1, name: 'f', tagFilterType: 'BLACKLIST' })
    ).json()) as { id: number };
    const assoc = await postJson(t, '/api/filtering/associations', {
      id: -1,
      sourceType: 'scp',
      sourceName: scp.name,
      sourceId: scp.id,
      tagFilterId: filter.id,
      tagFilterName: 'f',
    });
    expect(assoc.status).toBe(201);
    await t.api(`/api/scps/${scp.id}`, { method: 'DELETE' });
    expect(await t.json<unknown[]>('/api/filtering/associations')).toEqual([]);
  });
});

describe('SCP listeners across restarts', () => {
  test('an SCP row listens again after the engine restarts; close() frees the port', async () => {
    const t = await startTestBox();
    try {
      const port = await freePort();
      expect((await postJson(t, '/api/scps', scpBody('persistent', 'P', port))).status).toBe(201);
      await t.box.close();
      await waitFor(async () => !(await canConnect(port)), 5000, 'port to be released');
      await t.restart();
      expect(await canConnect(port)).toBe(true);
    } finally {
      await t.stop();
    }
  });
});

describe('GET /sources with an SCP (§7.4)', () => {
  test('superuser, test user, new user, box, SCP — in that order', async () => {
    const t = await startTestBox();
    try {
      await addUser(t, 'testuser', 'USER');
      await addUser(t, 'newuser', 'ADMINISTRATOR');
      const box = await createConnection(t, 'remote box');
      const scp = (await (
        await postJson(t, '/api/scps', scpBody('my scp', 'MYSCP', await freePort()))
      ).json()) as ScpData;
      const sources = await t.json<Source[]>('/api/sources');
      expect(sources).toHaveLength(5);
      expect(sources.map((s) => s.sourceType)).toEqual(['user', 'user', 'user', 'box', 'scp']);
      expect(sources[3]).toEqual({ sourceType: 'box', sourceName: 'remote box', sourceId: box.id });
      expect(sources[4]).toEqual({ sourceType: 'scp', sourceName: 'my scp', sourceId: scp.id });
    } finally {
      await t.stop();
    }
  });
});
