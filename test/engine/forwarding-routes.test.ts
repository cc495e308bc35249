/** Forwarding rule routes (BEHAVIOR.md §18): create/list/delete, uniqueness, auth, body validation. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Box, ForwardingRule, ScpData } from '../../src-main/slicebox/types.js';
import { createConnection, postJson } from './box-support.js';
import { freePort } from './dimse-support.js';
import { basic, startTestBox } from './support.js';
import type { TestBox } from './support.js';

const rule = (
  source: { type: string; name: string; id: number },
  destination: { type: string; name: string; id: number },
  keepImages: boolean,
) => ({
  id: -1,
  source: { sourceType: source.type, sourceName: source.name, sourceId: source.id },
  destination: {
    destinationType: destination.type,
    destinationName: destination.name,
    destinationId: destination.id,
  },
  keepImages,
});

describe('forwarding rules (§18)', () => {
  let t: TestBox;
  let userAuth: string;
  let box: Box;
  let scp: ScpData;
  let created: ForwardingRule;

  const rules = () => t.json<ForwardingRule[]>('/api/forwarding/rules');
  const add = (body: unknown, auth?: string) =>
    postJson(t, '/api/forwarding/rules', body, auth === undefined ? {} : { auth });

  beforeAll(async () => {
    t = await startTestBox();
    expect(
      (await postJson(t, '/api/users', { user: 'viewer', role: 'USER', password: 'pw' })).status,
    ).toBe(201);
    userAuth = basic('viewer', 'pw');
    box = await createConnection(t, 'remote');
    const res = await postJson(t, '/api/scps', {
      id: -1,
      name: 'scp',
      aeTitle: 'SCP',
      port: await freePort(),
    });
    scp = (await res.json()) as ScpData;
  });
  afterAll(async () => {
    await t?.stop();
  });

  test('create → 201 with id > 0; list → exactly the created rule', async () => {
    const body = rule(
      { type: 'scp', name: scp.name, id: scp.id },
      { type: 'box', name: box.name, id: box.id },
      false,
    );
    const res = await add(body);
    expect(res.status).toBe(201);
    created = (await res.json()) as ForwardingRule;
    expect(created.id).toBeGreaterThan(0);
    expect(created).toEqual({ ...body, id: created.id });
    expect(await rules()).toEqual([created]);
    // Any user may list.
    expect(await t.json<ForwardingRule[]>('/api/forwarding/rules', { auth: userAuth })).toEqual([
      created,
    ]);
  });

  test('same rule twice → 201 both times, list has 1', async () => {
    const res = await add({ ...created, id: 77 });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual(created);
    expect(await rules()).toHaveLength(1);
  });

  test('same rule with other keepImages → 201 with the existing rule unchanged, list has 1', async () => {
    const res = await add({ ...created, keepImages: !created.keepImages });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual(created);
    expect(await rules()).toEqual([created]);
  });

  test('names do not take part in uniqueness; another destination makes another rule', async () => {
    const renamed = {
      ...created,
      source: { ...created.source, sourceName: 'other name' },
      destination: { ...created.destination, destinationName: 'other' },
    };
    expect(await (await add(renamed)).json()).toEqual(created);
    const res = await add({
      ...created,
      destination: { destinationType: 'scu', destinationName: 'scu', destinationId: box.id },
    });
    expect(res.status).toBe(201);
    const second = (await res.json()) as ForwardingRule;
    expect(second.id).not.toBe(created.id);
    expect((await rules()).map((r) => r.id)).toEqual([created.id, second.id]);
    expect(await t.json<ForwardingRule[]>('/api/forwarding/rules?startindex=1&count=1')).toEqual([
      second,
    ]);
  });

  test('delete one of two → 204 and the other remains; unknown id → 204', async () => {
    const [first, second] = await rules();
    expect((await t.api(`/api/forwarding/rules/${second!.id}`, { method: 'DELETE' })).status).toBe(
      204,
    );
    expect(await rules()).toEqual([first]);
    expect((await t.api('/api/forwarding/rules/999', { method: 'DELETE' })).status).toBe(204);
    expect(await rules()).toEqual([first]);
  });

  test('unknown source/destination ids are accepted (not checked, as in Slicebox)', async () => {
    const res = await add(
      rule({ type: 'import', name: 'x', id: 4242 }, { type: 'scu', name: 'y', id: 4343 }, true),
    );
    expect(res.status).toBe(201);
    const r = (await res.json()) as ForwardingRule;
    expect((await t.api(`/api/forwarding/rules/${r.id}`, { method: 'DELETE' })).status).toBe(204);
  });

  test('non-admin POST/DELETE → 403; no credentials → 401', async () => {
    expect((await add({ ...created, keepImages: true }, userAuth)).status).toBe(403);
    expect(
      (await t.api(`/api/forwarding/rules/${created.id}`, { method: 'DELETE', auth: userAuth }))
        .status,
    ).toBe(403);
    expect((await t.api('/api/forwarding/rules', { auth: null })).status).toBe(401);
    expect(await rules()).toEqual([created]);
  });

  test('bad bodies → 400 (415 for a non-JSON content type); nothing is created', async () => {
    const good = rule({ type: 'user', name: 'u', id: 1 }, { type: 'box', name: 'b', id: 1 }, true);
    const bad: unknown[] = [
      [],
      '{',
      {},
      { ...good, keepImages: 'yes' },
      { ...good, keepImages: undefined },
      { ...good, source: { sourceType: 'user', sourceId: 1 } },
      { ...good, destination: { ...good.destination, destinationId: 'one' } },
      { ...good, source: { ...good.source, sourceType: 'printer' } },
      { ...good, source: { ...good.source, sourceType: 'unknown' } },
      { ...good, destination: { ...good.destination, destinationType: 'pacs' } },
      { ...good, destination: { ...good.destination, destinationType: 'unknown' } },
    ];
    for (const body of bad) {
      const res = await add(typeof body === 'string' ? body : JSON.stringify(body));
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    const text = await t.api('/api/forwarding/rules', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify(good),
    });
    expect(text.status).toBe(415);
    expect(await rules()).toEqual([created]);
  });
});
