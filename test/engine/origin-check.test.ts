/**
 * Cross-site requests with the session cookie (issue 9): a cookie-authenticated POST/PUT/DELETE whose Origin (or,
 * without Origin, Referer) is not the box's own origin answers 403 and changes nothing. Same-origin pages, the
 * configured public URL, Basic-auth clients, the box transfer protocol and safe methods are unaffected.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Image } from '../../src-main/slicebox/types.js';
import { createConnection, tokenPath } from './box-support.js';
import { ADMIN, basic, rawRequest, startTestBox, testFile } from './support.js';
import type { TestBox } from './support.js';

const UA = 'origin-test';
const EVIL = 'http://evil.example';
const dicom = testFile('test.dcm');

async function sessionCookie(t: TestBox): Promise<string> {
  const res = await rawRequest(t.url('/api/users/login'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': UA },
    body: JSON.stringify({ user: ADMIN.user, pass: ADMIN.pass }),
  });
  expect(res.status).toBe(204);
  const setCookie = res.headers['set-cookie']?.[0] ?? '';
  return setCookie.split(';')[0] as string;
}

function stored(t: TestBox): string[] {
  return readdirSync(join(t.dataDir, 'dicom'));
}

describe('a box reached at its listen address', () => {
  let t: TestBox;
  let cookie: string;
  let own: string;
  beforeAll(async () => {
    t = await startTestBox();
    cookie = await sessionCookie(t);
    own = t.box.url;
  });
  afterAll(async () => {
    await t.stop();
  });

  /** The attack of the issue: a text/plain upload with the victim's cookie. */
  function upload(headers: Record<string, string>) {
    return rawRequest(t.url('/api/images'), {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'user-agent': UA, cookie, ...headers },
      body: dicom,
    });
  }

  test('cookie + another site’s Origin → 403, nothing stored', async () => {
    const res = await upload({ origin: EVIL });
    expect(res.status).toBe(403);
    expect(res.body).toBe(
      "Cross-site request refused: the Origin http://evil.example is not this box's origin",
    );
    expect(stored(t)).toEqual([]);
  });

  test('cookie + Origin null, or another site’s Referer without Origin → 403', async () => {
    expect((await upload({ origin: 'null' })).status).toBe(403);
    expect((await upload({ referer: `${EVIL}/page.html` })).status).toBe(403);
    // A look-alike host name is another site.
    expect((await upload({ origin: `http://127.0.0.1.evil.example:${t.box.port}` })).status).toBe(
      403,
    );
    expect(stored(t)).toEqual([]);
  });

  test('cookie + the box’s own Origin or Referer → accepted', async () => {
    const first = await upload({ origin: own });
    expect(first.status, first.body).toBe(201);
    expect((await upload({ referer: `${own}/some/page?x=1` })).status).toBe(200);
  });

  test('cookie without Origin and Referer (not a browser page) → accepted', async () => {
    expect((await upload({})).status).toBe(200);
  });

  test('DELETE and logout with the cookie from another site → 403, nothing deleted', async () => {
    const [image] = (await (await t.api('/api/metadata/images?seriesid=1')).json()) as Image[];
    expect(image).toBeDefined();
    const del = await rawRequest(t.url(`/api/images/${image?.id}`), {
      method: 'DELETE',
      headers: { 'user-agent': UA, cookie, origin: EVIL },
    });
    expect(del.status).toBe(403);
    expect((await t.api(`/api/images/${image?.id}`)).status).toBe(200);
    const logout = await rawRequest(t.url('/api/users/logout'), {
      method: 'POST',
      headers: { 'user-agent': UA, cookie, origin: EVIL },
    });
    expect(logout.status).toBe(403);
    // The session still works.
    const current = await rawRequest(t.url('/api/users/current'), {
      headers: { 'user-agent': UA, cookie },
    });
    expect(current.status).toBe(200);
  });

  test('safe methods with the cookie from another site are unaffected', async () => {
    const res = await rawRequest(t.url('/api/metadata/patients'), {
      headers: { 'user-agent': UA, cookie, origin: EVIL },
    });
    expect(res.status).toBe(200);
  });

  test('Basic auth with another site’s Origin → accepted', async () => {
    const res = await rawRequest(t.url('/api/images'), {
      method: 'POST',
      headers: {
        'content-type': 'application/octet-stream',
        authorization: basic(ADMIN.user, ADMIN.pass),
        origin: EVIL,
      },
      body: dicom,
    });
    expect(res.status).toBe(200);
  });

  test('the box transfer protocol (token auth) with another site’s Origin and a cookie → unaffected', async () => {
    const box = await createConnection(t, 'origin-peer');
    const derived = Buffer.from(dicom);
    const res = await rawRequest(
      t.url(`${tokenPath(box)}/image?transactionid=77&sequencenumber=1&totalimagecount=1`),
      {
        method: 'POST',
        headers: {
          'content-type': 'application/octet-stream',
          'user-agent': UA,
          cookie,
          origin: EVIL,
        },
        body: deflateSync(derived),
      },
    );
    expect(res.status).toBe(204);
    const status = await rawRequest(t.url(`${tokenPath(box)}/status?transactionid=77`), {
      headers: { origin: EVIL },
    });
    expect(status.status).toBe(200);
  });
});

describe('a box with a public URL', () => {
  let t: TestBox;
  let cookie: string;
  beforeAll(async () => {
    t = await startTestBox({ publicUrl: 'https://box.example.org/' });
    cookie = await sessionCookie(t);
  });
  afterAll(async () => {
    await t.stop();
  });

  test('cookie + the public URL’s origin (Host rewritten by a proxy) → accepted; other origins → 403', async () => {
    const send = (origin: string) =>
      rawRequest(t.url('/api/images'), {
        method: 'POST',
        headers: { 'content-type': 'text/plain', 'user-agent': UA, cookie, origin },
        body: dicom,
      });
    expect((await send('https://box.example.org')).status).toBe(201);
    expect((await send('http://box.example.org')).status).toBe(403);
    expect((await send('https://box.example.org:8443')).status).toBe(403);
  });

  test('a proxy that keeps the Host: Origin https://<host> matches Host <host>', async () => {
    const res = await rawRequest(t.url('/api/images'), {
      method: 'POST',
      headers: {
        'content-type': 'text/plain',
        'user-agent': UA,
        cookie,
        host: 'pacs.example.net',
        origin: 'https://pacs.example.net',
      },
      body: dicom,
    });
    expect(res.status).toBe(200);
  });
});
