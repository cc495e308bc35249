/**
 * Boxes (BEHAVIOR.md §12) and the passive side of the transfer protocol (§13.1, §13.2) over real HTTP, one
 * local box. The PUSH boxes created here point at a closed port on 127.0.0.1 and their workers tick hourly.
 */
import { randomUUID } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Image, Patient, Source } from '../../src-main/slicebox/types.js';
import { TAG, derive, uploadImage, valueOf } from './anonymization-support.js';
import {
  compress,
  connect,
  createConnection,
  postJson,
  profile,
  send,
  tagValue,
  tokenPath,
  waitFor,
} from './box-support.js';
import type {
  Box,
  IncomingTransaction,
  OutgoingTransaction,
  OutgoingTransactionImage,
} from './box-support.js';
import { basic, startTestBox, testFile } from './support.js';
import type { TestBox } from './support.js';

const TEST_DCM = new Uint8Array(testFile('test.dcm'));
const HOUR = 3_600_000;
/** A PUSH box URL whose remote is unreachable (port 1 on loopback is closed). */
const pushUrl = (token = randomUUID()) => `http://127.0.0.1:1/api/box/${token}`;

const other = (n: number) =>
  derive(TEST_DCM, {
    [TAG.SOPInstanceUID]: `1.2.826.0.1.3680043.2.1143.4242.${n}`,
    [TAG.InstanceNumber]: String(n),
  });

let t: TestBox;
let userAuth: string;

beforeAll(async () => {
  t = await startTestBox({ boxes: { tickMs: HOUR } });
  const created = await postJson(t, '/api/users', {
    id: -1,
    user: 'reader',
    role: 'USER',
    password: 'pw',
  });
  expect(created.status).toBe(201);
  userAuth = basic('reader', 'pw');
});
afterAll(async () => {
  await t.stop();
});

async function boxes(query = ''): Promise<Box[]> {
  return t.json<Box[]>(`/api/boxes${query}`);
}
async function outgoing(): Promise<OutgoingTransaction[]> {
  return t.json<OutgoingTransaction[]>('/api/boxes/outgoing');
}
async function incoming(): Promise<IncomingTransaction[]> {
  return t.json<IncomingTransaction[]>('/api/boxes/incoming');
}
async function clearBoxes(): Promise<void> {
  for (const b of await boxes('?count=1000'))
    await t.api(`/api/boxes/${b.id}`, { method: 'DELETE' });
  for (const o of await t.json<OutgoingTransaction[]>('/api/boxes/outgoing?count=1000'))
    await t.api(`/api/boxes/outgoing/${o.id}`, { method: 'DELETE' });
  for (const i of await t.json<IncomingTransaction[]>('/api/boxes/incoming?count=1000'))
    await t.api(`/api/boxes/incoming/${i.id}`, { method: 'DELETE' });
}
function pushImage(
  box: Box,
  data: Uint8Array,
  transactionId: number,
  sequenceNumber: number,
  total: number,
): Promise<Response> {
  return t.api(
    `${tokenPath(box)}/image?transactionid=${transactionId}&sequencenumber=${sequenceNumber}&totalimagecount=${total}`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: data,
      auth: null,
    },
  );
}

describe('POST /boxes/createconnection (§12.2)', () => {
  test('creates a POLL box with a UUID token and a base URL on this server → 201', async () => {
    const res = await postJson(t, '/api/boxes/createconnection', {
      name: 'hospital',
      defaultProfile: profile('RETAIN_UIDS'),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const box = (await res.json()) as Box;
    expect(Object.keys(box)).toEqual([
      'id',
      'name',
      'token',
      'baseUrl',
      'sendMethod',
      'defaultProfile',
      'online',
    ]);
    expect(box.token).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(box.baseUrl).toBe(`${t.box.url}/api/transactions/${box.token}`);
    expect(box.sendMethod).toBe('POLL');
    expect(box.online).toBe(false);
    expect(box.defaultProfile).toEqual({
      options: [
        { name: 'RETAIN_UIDS', title: 'Retain UIDs', description: 'Retain UIDs', rank: 120 },
      ],
    });
  });

  test('same name twice → 201 both times, one box; name of a PUSH box → 400', async () => {
    const first = await createConnection(t, 'twice');
    const second = await createConnection(t, 'twice');
    expect(second).toEqual(first);
    expect((await boxes('?count=100')).filter((b) => b.name === 'twice')).toHaveLength(1);
    await connect(t, 'pushy', pushUrl());
    const res = await postJson(t, '/api/boxes/createconnection', {
      name: 'pushy',
      defaultProfile: profile(),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('A box with name pushy but with a different type already exists');
  });

  test('malformed bodies → 400, wrong content type → 415, unknown option → 400, USER → 403', async () => {
    expect((await postJson(t, '/api/boxes/createconnection', [])).status).toBe(400);
    expect((await postJson(t, '/api/boxes/createconnection', { name: 'x' })).status).toBe(400);
    expect((await postJson(t, '/api/boxes/createconnection', '')).status).toBe(400);
    const wrongType = await t.api('/api/boxes/createconnection', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(wrongType.status).toBe(415);
    const badOption = await postJson(t, '/api/boxes/createconnection', {
      name: 'x',
      defaultProfile: profile('NOPE'),
    });
    expect(badOption.status).toBe(400);
    expect(await badOption.text()).toBe('No such option: NOPE');
    const asUser = await postJson(
      t,
      '/api/boxes/createconnection',
      { name: 'x', defaultProfile: profile() },
      { auth: userAuth },
    );
    expect(asUser.status).toBe(403);
    const noAuth = await postJson(
      t,
      '/api/boxes/createconnection',
      { name: 'x', defaultProfile: profile() },
      { auth: null },
    );
    expect(noAuth.status).toBe(401);
  });

  afterAll(clearBoxes);
});

describe('POST /boxes/connect (§12.3)', () => {
  test('…/api/box/<uuid> → 201 PUSH box with that name and the URL token', async () => {
    const token = randomUUID();
    const res = await postJson(t, '/api/boxes/connect', {
      name: 'university',
      baseUrl: pushUrl(token),
      defaultProfile: profile(),
    });
    expect(res.status).toBe(201);
    const box = (await res.json()) as Box;
    expect(box).toMatchObject({
      name: 'university',
      token,
      baseUrl: pushUrl(token),
      sendMethod: 'PUSH',
      defaultProfile: { options: [] },
      online: false,
    });
  });

  test('token after trimming spaces and one trailing slash; Java-style UUIDs accepted', async () => {
    const token = randomUUID();
    const box = await connect(t, 'slash', ` http://127.0.0.1:1/api/transactions/${token}/ `);
    expect(box.token).toBe(token);
    expect((await connect(t, 'short', 'http://127.0.0.1:1/api/transactions/1-2-3-4-5')).token).toBe(
      '1-2-3-4-5',
    );
  });

  test('same name + URL twice → one box; same name, other URL → 400; other names, same URL → 2 boxes', async () => {
    const url = pushUrl();
    const a = await connect(t, 'dup', url);
    expect(await connect(t, 'dup', url)).toEqual(a);
    expect((await boxes('?count=100')).filter((b) => b.name === 'dup')).toHaveLength(1);
    const res = await postJson(t, '/api/boxes/connect', {
      name: 'dup',
      baseUrl: pushUrl(),
      defaultProfile: profile(),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toBe(
      'A box with name dup but with a different url and/or type already exists',
    );
    await connect(t, 'dup2', url);
    expect((await boxes('?count=100')).filter((b) => b.baseUrl === url)).toHaveLength(2);
  });

  test('name of a POLL box → 400', async () => {
    await createConnection(t, 'polling');
    const res = await postJson(t, '/api/boxes/connect', {
      name: 'polling',
      baseUrl: pushUrl(),
      defaultProfile: profile(),
    });
    expect(res.status).toBe(400);
  });

  test('baseUrl "" or "malformed/url" → 400 Malformed box base url; USER → 403', async () => {
    for (const baseUrl of ['', 'malformed/url']) {
      const res = await postJson(t, '/api/boxes/connect', {
        name: 'bad',
        baseUrl,
        defaultProfile: profile(),
      });
      expect(res.status).toBe(400);
      expect(await res.text()).toBe(`Malformed box base url: ${baseUrl}`);
    }
    const asUser = await postJson(
      t,
      '/api/boxes/connect',
      { name: 'u', baseUrl: pushUrl(), defaultProfile: profile() },
      { auth: userAuth },
    );
    expect(asUser.status).toBe(403);
  });

  afterAll(clearBoxes);
});

describe('GET /boxes, DELETE /boxes/{id}, sources and destinations (§12.1, §12.4, §7.4, §7.5)', () => {
  test('one POLL + one PUSH → 2; startindex=0&count=1 → 1; empty profiles listed (2.1.1 fix)', async () => {
    const poll = await createConnection(t, 'p');
    const push = await connect(t, 'q', pushUrl());
    const all = await t.json<Box[]>('/api/boxes', { auth: userAuth });
    expect(all.map((b) => [b.id, b.sendMethod])).toEqual([
      [poll.id, 'POLL'],
      [push.id, 'PUSH'],
    ]);
    expect(await boxes('?startindex=0&count=1')).toHaveLength(1);
    expect(await boxes('?startindex=1&count=5')).toEqual([all[1]]);
    expect((await t.api('/api/boxes?startindex=-1')).status).toBe(400);
  });

  test('sources list users then boxes; destinations list boxes', async () => {
    const list = await boxes();
    const sources = await t.json<Source[]>('/api/sources');
    expect(sources.map((s) => s.sourceType)).toEqual(['user', 'user', 'box', 'box']);
    expect(sources.slice(2)).toEqual(
      list.map((b) => ({ sourceType: 'box', sourceName: b.name, sourceId: b.id })),
    );
    const destinations = await t.json<unknown[]>('/api/destinations');
    expect(destinations).toEqual(
      list.map((b) => ({ destinationType: 'box', destinationName: b.name, destinationId: b.id })),
    );
  });

  test('DELETE → 204 (unknown → 204), the box is gone, USER → 403', async () => {
    const [first] = await boxes();
    expect(
      (await t.api(`/api/boxes/${first?.id}`, { method: 'DELETE', auth: userAuth })).status,
    ).toBe(403);
    expect((await t.api(`/api/boxes/${first?.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await t.api('/api/boxes/999', { method: 'DELETE' })).status).toBe(204);
    expect((await boxes()).map((b) => b.id)).not.toContain(first?.id);
    expect((await t.api(`${tokenPath(first as Box)}/outgoing/poll`, { auth: null })).status).toBe(
      401,
    );
  });

  afterAll(clearBoxes);
});

describe('POST /boxes/{id}/send and the transaction lists (§12.5, §12.6)', () => {
  let box: Box;
  let images: Image[];
  beforeAll(async () => {
    box = await createConnection(t, 'sendbox');
    images = [await uploadImage(t, TEST_DCM), await uploadImage(t, other(1))];
  });
  afterAll(clearBoxes);

  test('→ 204; the transaction is WAITING with BASIC_PROFILE prepended and the entries counted', async () => {
    const res = await send(
      t,
      box.id,
      images.map((i) => ({ imageId: i.id })),
      ['RETAIN_UIDS'],
    );
    expect(res.status).toBe(204);
    const [tx] = await outgoing();
    expect(tx).toMatchObject({
      boxId: box.id,
      boxName: 'sendbox',
      sentImageCount: 0,
      totalImageCount: 2,
      status: 'WAITING',
    });
    expect(Object.keys(tx as object)).toEqual([
      'id',
      'boxId',
      'boxName',
      'profile',
      'sentImageCount',
      'totalImageCount',
      'created',
      'updated',
      'status',
    ]);
    expect(tx?.profile.options.map((o) => o.name)).toEqual(['BASIC_PROFILE', 'RETAIN_UIDS']);
    expect(tx?.created).toBe(tx?.updated);
    const listed = await t.json<Image[]>(`/api/boxes/outgoing/${tx?.id}/images`, {
      auth: userAuth,
    });
    expect(listed.map((i) => i.id)).toEqual(images.map((i) => i.id));
  });

  test('empty list → 204 with total 0; any user may send; unknown box → 404', async () => {
    expect((await send(t, box.id, [])).status).toBe(204);
    expect((await outgoing())[0]?.totalImageCount).toBe(0);
    const asUser = await t.api(`/api/boxes/${box.id}/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ profile: profile(), imageTagValuesSet: [] }),
      auth: userAuth,
    });
    expect(asUser.status).toBe(204);
    const res = await send(t, 999, []);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('No box found for id 999');
  });

  test('bad bodies → 400 / 415; unknown option → 400', async () => {
    expect((await postJson(t, `/api/boxes/${box.id}/send`, { profile: profile() })).status).toBe(
      400,
    );
    expect(
      (
        await postJson(t, `/api/boxes/${box.id}/send`, {
          profile: profile('NOPE'),
          imageTagValuesSet: [],
        })
      ).status,
    ).toBe(400);
    const wrongType = await t.api(`/api/boxes/${box.id}/send`, { method: 'POST', body: 'x' });
    expect(wrongType.status).toBe(415);
  });

  test('image lists skip unknown images; deleting an image removes it from the lists', async () => {
    const third = await uploadImage(t, other(2));
    expect(
      (await send(t, box.id, [{ imageId: images[0]!.id }, { imageId: 666 }, { imageId: third.id }]))
        .status,
    ).toBe(204);
    const [tx] = await outgoing();
    const ids = async () =>
      (await t.json<Image[]>(`/api/boxes/outgoing/${tx?.id}/images`)).map((i) => i.id);
    expect(await ids()).toEqual([images[0]!.id, third.id]);
    expect((await t.api(`/api/images/${third.id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await ids()).toEqual([images[0]!.id]);
    // The deleted image is no longer offered to the remote either (2 of the 3 remain: 666 and image 0).
    const polled = await t.json<OutgoingTransactionImage[]>(
      `${tokenPath(box)}/outgoing/poll?n=100`,
      { auth: null },
    );
    expect(polled.filter((p) => p.transaction.id === tx?.id).map((p) => p.image.imageId)).toEqual([
      images[0]!.id,
      666,
    ]);
  });

  test('DELETE /boxes/outgoing/{id} → 204 and its images go with it; idempotent', async () => {
    const [tx] = await outgoing();
    expect((await t.api(`/api/boxes/outgoing/${tx?.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await outgoing()).map((o) => o.id)).not.toContain(tx?.id);
    expect(await t.json<Image[]>(`/api/boxes/outgoing/${tx?.id}/images`)).toEqual([]);
    expect((await t.api(`/api/boxes/outgoing/${tx?.id}`, { method: 'DELETE' })).status).toBe(204);
  });

  test('2 incoming → 2, newest updated first; delete → 0; unknown transaction images → []', async () => {
    expect((await pushImage(box, compress(other(3)), 1, 1, 2)).status).toBe(204);
    expect((await pushImage(box, compress(other(4)), 2, 1, 1)).status).toBe(204);
    const list = await incoming();
    expect(list.map((i) => i.outgoingTransactionId)).toEqual([2, 1]);
    expect(Object.keys(list[0] as object)).toEqual([
      'id',
      'boxId',
      'boxName',
      'outgoingTransactionId',
      'receivedImageCount',
      'addedImageCount',
      'totalImageCount',
      'created',
      'updated',
      'status',
    ]);
    for (const i of list) {
      const del = await t.api(`/api/boxes/incoming/${i.id}`, { method: 'DELETE', auth: userAuth });
      expect(del.status).toBe(204);
    }
    expect(await incoming()).toEqual([]);
    expect(await t.json<Image[]>(`/api/boxes/incoming/${list[0]?.id}/images`)).toEqual([]);
    expect((await t.api('/api/boxes/incoming/999', { method: 'DELETE' })).status).toBe(204);
  });

  test('deleting a received image removes it from the incoming image list', async () => {
    expect((await pushImage(box, compress(other(5)), 3, 1, 2)).status).toBe(204);
    expect((await pushImage(box, compress(other(6)), 3, 2, 2)).status).toBe(204);
    const [tx] = await incoming();
    const received = await t.json<Image[]>(`/api/boxes/incoming/${tx?.id}/images`);
    expect(received).toHaveLength(2);
    expect((await t.api(`/api/images/${received[0]?.id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await t.json<Image[]>(`/api/boxes/incoming/${tx?.id}/images`)).toEqual([received[1]]);
  });
});

describe('/transactions/{token} (§13.1, §13.2)', () => {
  let box: Box;
  let push: Box;
  let image: Image;
  beforeAll(async () => {
    box = await createConnection(t, 'remote');
    push = await connect(t, 'pushbox', pushUrl());
    image = await uploadImage(t, other(7));
  });
  afterAll(clearBoxes);

  test('unknown token or a PUSH box token → 401 for every route and method, with or without credentials', async () => {
    for (const token of ['nope', push.token]) {
      for (const [method, path] of [
        ['POST', '/image?transactionid=1&sequencenumber=1&totalimagecount=1'],
        ['GET', '/status?transactionid=1'],
        ['PUT', '/status?transactionid=1'],
        ['GET', '/outgoing/poll'],
        ['GET', '/outgoing?transactionid=1&imageid=1'],
        ['POST', '/outgoing/done'],
        ['POST', '/outgoing/failed'],
        ['DELETE', '/outgoing/poll'],
        ['GET', '/no/such/path'],
        ['GET', ''],
      ] as const) {
        for (const auth of [null, undefined]) {
          const res = await t.api(`/api/transactions/${token}${path}`, { method, auth });
          expect(res.status, `${method} ${path}`).toBe(401);
          expect(await res.text()).toBe(`No box found for token ${token}`);
        }
      }
    }
  });

  test('rejections after a valid token: 401 without credentials, the rejection with them', async () => {
    const base = tokenPath(box);
    expect((await t.api(`${base}/status`, { auth: null })).status).toBe(401);
    const missing = await t.api(`${base}/status`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe(
      "Request is missing required query parameter 'transactionid'",
    );
    expect((await t.api(`${base}/status?transactionid=abc`)).status).toBe(400);
    expect((await t.api(`${base}/image`, { auth: null })).status).toBe(401);
    const wrongMethod = await t.api(`${base}/image`);
    expect(wrongMethod.status).toBe(405);
    expect(await wrongMethod.text()).toBe('HTTP method not allowed, supported methods: POST');
    expect((await postJson(t, `${base}/outgoing/done`, { x: 1 }, { auth: null })).status).toBe(401);
    expect((await postJson(t, `${base}/outgoing/done`, { x: 1 })).status).toBe(400);
    expect((await t.api(`${base}/no/such/path`, { auth: null })).status).toBe(401);
    expect((await t.api(`${base}/no/such/path`)).status).toBe(404);
  });

  test('POST image: compressed test.dcm → 204, stored with the box as source, one incoming image', async () => {
    const res = await pushImage(box, compress(TEST_DCM), 1, 1, 1);
    expect(res.status).toBe(204);
    const [tx] = await incoming();
    expect(tx).toMatchObject({
      boxId: box.id,
      boxName: 'remote',
      outgoingTransactionId: 1,
      receivedImageCount: 1,
      totalImageCount: 1,
      status: 'FINISHED',
    });
    const received = await t.json<Image[]>(`/api/boxes/incoming/${tx?.id}/images`);
    expect(received).toHaveLength(1);
    const source = await t.json<Source>(`/api/metadata/series/${received[0]?.seriesId}/source`);
    expect(source).toEqual({ sourceType: 'box', sourceName: 'remote', sourceId: box.id });
  });

  test('POST image: counts per §13.2 — added only for new images, FINISHED when all arrived', async () => {
    expect((await pushImage(box, compress(other(20)), 50, 1, 3)).status).toBe(204);
    let [tx] = await incoming();
    expect(tx).toMatchObject({ receivedImageCount: 1, addedImageCount: 1, totalImageCount: 3 });
    expect(tx?.status).toBe('PROCESSING');
    // The same image again (an overwrite) under sequence number 2.
    expect((await pushImage(box, compress(other(20)), 50, 2, 3)).status).toBe(204);
    [tx] = await incoming();
    expect(tx).toMatchObject({ receivedImageCount: 2, addedImageCount: 1, status: 'PROCESSING' });
    expect((await pushImage(box, compress(other(21)), 50, 3, 3)).status).toBe(204);
    [tx] = await incoming();
    expect(tx).toMatchObject({ receivedImageCount: 3, addedImageCount: 2, status: 'FINISHED' });
    expect(await t.json<Image[]>(`/api/boxes/incoming/${tx?.id}/images`)).toHaveLength(3);
  });

  test('POST image: invalid DICOM or bad compression → still 204, counted, warning logged', async () => {
    expect(
      (await pushImage(box, compress(new TextEncoder().encode('not dicom')), 60, 1, 2)).status,
    ).toBe(204);
    expect((await pushImage(box, TEST_DCM, 60, 2, 2)).status).toBe(204);
    const [tx] = await incoming();
    expect(tx).toMatchObject({
      outgoingTransactionId: 60,
      receivedImageCount: 2,
      addedImageCount: 0,
      status: 'FINISHED',
    });
    expect(await t.json<Image[]>(`/api/boxes/incoming/${tx?.id}/images`)).toEqual([]);
    const log =
      await t.json<Array<{ entryType: string; subject: string; message: string }>>(
        '/api/log?count=100',
      );
    expect(
      log.filter(
        (l) =>
          l.entryType === 'WARN' &&
          l.subject === 'Box' &&
          l.message.startsWith('Ignoring rejected image from remote in transaction 60'),
      ),
    ).toHaveLength(2);
  });

  test('GET/PUT status: PROCESSING → PUT FAILED → 204 → FAILED; unknown → 404; UNKNOWN → 400', async () => {
    expect((await pushImage(box, compress(other(30)), 70, 1, 2)).status).toBe(204);
    const base = tokenPath(box);
    const get = await t.api(`${base}/status?transactionid=70`, { auth: null });
    expect(get.status).toBe(200);
    expect(get.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await get.json()).toEqual({ status: 'PROCESSING' });
    const put = await postJson(
      t,
      `${base}/status?transactionid=70`,
      { status: 'FAILED' },
      {
        method: 'PUT',
        auth: null,
      },
    );
    expect(put.status).toBe(204);
    expect(await t.json(`${base}/status?transactionid=70`, { auth: null })).toEqual({
      status: 'FAILED',
    });
    expect((await t.api(`${base}/status?transactionid=666`, { auth: null })).status).toBe(404);
    const unknownTx = await postJson(
      t,
      `${base}/status?transactionid=666`,
      { status: 'FAILED' },
      {
        method: 'PUT',
        auth: null,
      },
    );
    expect(unknownTx.status).toBe(404);
    const bad = await postJson(
      t,
      `${base}/status?transactionid=70`,
      { status: 'UNKNOWN' },
      {
        method: 'PUT',
        auth: null,
      },
    );
    expect(bad.status).toBe(400);
    expect(await bad.text()).toBe('Invalid status format: UNKNOWN');
    const bogus = await postJson(
      t,
      `${base}/status?transactionid=70`,
      { status: 'BOGUS' },
      {
        method: 'PUT',
        auth: null,
      },
    );
    expect(bogus.status).toBe(400);
    // FINISHED (also as a bare JSON string) sets receivedImageCount = totalImageCount.
    const fin = await postJson(t, `${base}/status?transactionid=70`, '"FINISHED"', {
      method: 'PUT',
      auth: null,
    });
    expect(fin.status).toBe(204);
    const tx = (await incoming()).find((i) => i.outgoingTransactionId === 70);
    expect(tx).toMatchObject({ status: 'FINISHED', receivedImageCount: 2, totalImageCount: 2 });
  });

  test('poll: nothing → 404; after a send of one image → 1 element, WAITING; polling makes the box online', async () => {
    const base = tokenPath(box);
    expect((await boxes()).find((b) => b.id === box.id)?.online).toBe(false);
    expect((await t.api(`${base}/outgoing/poll`, { auth: null })).status).toBe(404);
    expect((await boxes()).find((b) => b.id === box.id)?.online).toBe(true);
    expect(
      (
        await send(t, box.id, [
          {
            imageId: image.id,
            tagValues: [
              tagValue(TAG.PatientName, 'PatientName', 'TEST NAME'),
              tagValue(TAG.PatientID, 'PatientID', 'TEST ID'),
              tagValue(TAG.PatientBirthDate, 'PatientBirthDate', '19601010'),
            ],
          },
        ])
      ).status,
    ).toBe(204);
    const res = await t.api(`${base}/outgoing/poll`, { auth: null });
    expect(res.status).toBe(200);
    const polled = (await res.json()) as OutgoingTransactionImage[];
    expect(polled).toHaveLength(1);
    const [entry] = polled;
    expect(entry?.transaction).toMatchObject({
      boxId: box.id,
      sentImageCount: 0,
      totalImageCount: 1,
      status: 'WAITING',
    });
    expect(entry?.transaction.id).toBeGreaterThan(0);
    expect(entry?.image).toMatchObject({ imageId: image.id, sequenceNumber: 1, sent: false });
    expect(Object.keys(entry?.image as object)).toEqual([
      'id',
      'outgoingTransactionId',
      'imageId',
      'sequenceNumber',
      'sent',
    ]);
    // Polling does not change state.
    expect(await t.json(`${base}/outgoing/poll?n=10`, { auth: null })).toEqual(polled);
    expect((await t.api(`${base}/outgoing/poll?n=x`)).status).toBe(400);
  });

  test('GET outgoing: the anonymized image, zlib-compressed, with the tag values; unknown → 404', async () => {
    const base = tokenPath(box);
    const [entry] = await t.json<OutgoingTransactionImage[]>(`${base}/outgoing/poll`, {
      auth: null,
    });
    const res = await t.api(
      `${base}/outgoing?transactionid=${entry?.transaction.id}&imageid=${entry?.image.id}`,
      { auth: null },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    const dicom = new Uint8Array(inflateSync(Buffer.from(await res.arrayBuffer())));
    expect(valueOf(dicom, TAG.PatientName)).toBe('TEST NAME');
    expect(valueOf(dicom, TAG.PatientID)).toBe('TEST ID');
    expect(valueOf(dicom, TAG.PatientBirthDate)).toBe('19601010');
    expect(valueOf(dicom, TAG.PatientSex)).toBe('');
    expect(valueOf(dicom, TAG.PatientIdentityRemoved)).toBe('YES');
    // An anonymization key is recorded here, under the local image id.
    const keys = await t.json<Array<{ imageId: number; anonPatientName: string }>>(
      '/api/anonymization/keys?count=100',
    );
    expect(keys.some((k) => k.imageId === image.id && k.anonPatientName === 'TEST NAME')).toBe(
      true,
    );
    // Not marked as sent.
    expect((await t.api(`${base}/outgoing/poll`, { auth: null })).status).toBe(200);
    const unknown = await t.api(
      `${base}/outgoing?transactionid=${entry?.transaction.id}&imageid=999`,
      {
        auth: null,
      },
    );
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toBe(
      `No outgoing image found for transaction id ${entry?.transaction.id} and outgoing image id 999`,
    );
  });

  test('done: marks the image sent, the transaction FINISHED; poll → 404; the image stays listed', async () => {
    const base = tokenPath(box);
    const [entry] = await t.json<OutgoingTransactionImage[]>(`${base}/outgoing/poll`, {
      auth: null,
    });
    const done = await postJson(t, `${base}/outgoing/done`, entry, { auth: null });
    expect(done.status).toBe(204);
    expect((await t.api(`${base}/outgoing/poll`, { auth: null })).status).toBe(404);
    const tx = (await outgoing()).find((o) => o.id === entry?.transaction.id);
    expect(tx).toMatchObject({ sentImageCount: 1, totalImageCount: 1, status: 'FINISHED' });
    const listed = await t.json<Image[]>(`/api/boxes/outgoing/${tx?.id}/images`);
    expect(listed.map((i) => i.id)).toEqual([image.id]);
    // A repeated confirmation, or one for nothing, is still 204 and changes nothing.
    expect((await postJson(t, `${base}/outgoing/done`, entry, { auth: null })).status).toBe(204);
    const other = { ...entry, image: { ...entry?.image, id: 999 } };
    expect((await postJson(t, `${base}/outgoing/done`, other, { auth: null })).status).toBe(204);
    expect((await outgoing()).find((o) => o.id === tx?.id)?.sentImageCount).toBe(1);
    const log = await t.json<Array<{ entryType: string; message: string }>>('/api/log?count=100');
    expect(log.some((l) => l.message === 'Finished sending 1 images to box remote')).toBe(true);
  });

  test('failed: logs the message, the transaction becomes FAILED and is no longer offered', async () => {
    const base = tokenPath(box);
    expect((await send(t, box.id, [{ imageId: image.id }])).status).toBe(204);
    const [entry] = await t.json<OutgoingTransactionImage[]>(`${base}/outgoing/poll`, {
      auth: null,
    });
    const res = await postJson(
      t,
      `${base}/outgoing/failed`,
      { transactionImage: entry, message: 'remote gave up' },
      { auth: null },
    );
    expect(res.status).toBe(204);
    expect((await t.api(`${base}/outgoing/poll`, { auth: null })).status).toBe(404);
    const [tx] = await outgoing();
    expect(tx).toMatchObject({ id: entry?.transaction.id, status: 'FAILED' });
    const log =
      await t.json<Array<{ entryType: string; subject: string; message: string }>>(
        '/api/log?count=100',
      );
    expect(log).toContainEqual(
      expect.objectContaining({ entryType: 'ERROR', subject: 'Box', message: 'remote gave up' }),
    );
    expect((await postJson(t, `${base}/outgoing/failed`, { message: 'x' })).status).toBe(400);
  });

  test('PUT status FINISHED finalizes our outgoing transaction with the same id (quirk, §13.2)', async () => {
    const base = tokenPath(box);
    // An empty send: nothing to send, so nothing ever finishes it on this side.
    expect((await send(t, box.id, [])).status).toBe(204);
    const [empty] = await outgoing();
    expect(empty).toMatchObject({ totalImageCount: 0, status: 'WAITING' });
    const id = empty?.id as number;
    // The remote's transaction with the same id arrives here as incoming; its FINISHED also hits ours.
    expect((await pushImage(box, compress(other(40)), id, 1, 2)).status).toBe(204);
    const put = await postJson(
      t,
      `${base}/status?transactionid=${id}`,
      { status: 'FINISHED' },
      {
        method: 'PUT',
        auth: null,
      },
    );
    expect(put.status).toBe(204);
    expect((await outgoing()).find((o) => o.id === id)?.status).toBe('FINISHED');
    expect((await incoming()).find((i) => i.outgoingTransactionId === id)).toMatchObject({
      receivedImageCount: 2,
      status: 'FINISHED',
    });
  });
});

describe('PROCESSING without progress reverts to WAITING (§12.7)', () => {
  test('incoming and outgoing transactions', async () => {
    const s = await startTestBox({ boxes: { tickMs: HOUR, statusCheckMs: 50, staleMs: 200 } });
    try {
      const box = await createConnection(s, 'stale');
      const image = await uploadImage(s, other(50));
      const push = await s.api(
        `${tokenPath(box)}/image?transactionid=1&sequencenumber=1&totalimagecount=2`,
        { method: 'POST', body: compress(other(51)), auth: null },
      );
      expect(push.status).toBe(204);
      expect((await send(s, box.id, [{ imageId: image.id }, { imageId: image.id }])).status).toBe(
        204,
      );
      const [entry] = await s.json<OutgoingTransactionImage[]>(`${tokenPath(box)}/outgoing/poll`, {
        auth: null,
      });
      await postJson(s, `${tokenPath(box)}/outgoing/done`, entry, { auth: null });
      await waitFor('incoming WAITING', async () => {
        const [tx] = await s.json<IncomingTransaction[]>('/api/boxes/incoming');
        return tx?.status === 'WAITING' ? tx : undefined;
      });
      const out = await waitFor('outgoing WAITING', async () => {
        const [tx] = await s.json<OutgoingTransaction[]>('/api/boxes/outgoing');
        return tx?.status === 'WAITING' ? tx : undefined;
      });
      expect(out.sentImageCount).toBe(1);
      const patients = await s.json<Patient[]>('/api/metadata/patients');
      expect(patients.length).toBeGreaterThan(0);
    } finally {
      await s.stop();
    }
  });
});
