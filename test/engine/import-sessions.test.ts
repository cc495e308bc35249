/** Import sessions (BEHAVIOR.md §14, including its "Tests" list). */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ApiUser, Image, ImportSession, Source } from '../../src-main/slicebox/types.js';
import { basic, PYDICOM, startTestBox, testFile } from './support.js';
import type { TestBox } from './support.js';

let t: TestBox;
beforeAll(async () => {
  t = await startTestBox();
});
afterAll(async () => {
  await t.stop();
});

function sessionBody(name: string) {
  return {
    id: -1,
    name,
    userId: -1,
    user: '',
    filesImported: 0,
    filesAdded: 0,
    filesRejected: 0,
    created: 0,
    lastUpdated: 0,
  };
}

function create(name: string, auth?: string, body: unknown = sessionBody(name)) {
  return t.api('/api/import/sessions', {
    method: 'POST',
    auth,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const counters = (s: ImportSession) => [s.filesImported, s.filesAdded, s.filesRejected];

describe('sessions', () => {
  let session: ImportSession;

  test('add → 201 with a real id; list → 1 with the name', async () => {
    const res = await create('s1');
    expect(res.status).toBe(201);
    session = (await res.json()) as ImportSession;
    expect(session.id).toBeGreaterThan(0);
    expect(session).toMatchObject({
      name: 's1',
      userId: 1,
      user: 'admin',
      filesImported: 0,
      filesAdded: 0,
      filesRejected: 0,
    });
    expect(session.created).toBeGreaterThan(0);
    expect(Object.keys(session)).toEqual([
      'id',
      'name',
      'userId',
      'user',
      'filesImported',
      'filesAdded',
      'filesRejected',
      'created',
      'lastUpdated',
    ]);
    const list = await t.json<ImportSession[]>('/api/import/sessions');
    expect(list.map((s) => s.name)).toEqual(['s1']);
  });

  test('same name, same user → 201 with the same session; another user → 400', async () => {
    const again = await create('s1');
    expect(again.status).toBe(201);
    expect(((await again.json()) as ImportSession).id).toBe(session.id);
    await t.api('/api/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'bob', role: 'USER', password: 'bobpw' }),
    });
    const other = await create('s1', basic('bob', 'bobpw'));
    expect(other.status).toBe(400);
    expect(await other.text()).toBe('An import session with name s1 and user admin already exists');
  });

  test('a body missing required fields → 400', async () => {
    expect((await create('x', undefined, { name: 'x' })).status).toBe(400);
  });

  test('get → 200; get 666 → 404; sources include the session', async () => {
    expect(await t.json<ImportSession>(`/api/import/sessions/${session.id}`)).toEqual(session);
    expect((await t.api('/api/import/sessions/666')).status).toBe(404);
    const sources = await t.json<Source[]>('/api/sources');
    expect(sources).toContainEqual({
      sourceType: 'import',
      sourceName: 's1',
      sourceId: session.id,
    });
  });

  test('delete → 204 and gone; delete unknown → 204', async () => {
    const res = await create('to-delete');
    const s = (await res.json()) as ImportSession;
    expect((await t.api(`/api/import/sessions/${s.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await t.api(`/api/import/sessions/${s.id}`)).status).toBe(404);
    expect((await t.api('/api/import/sessions/9999', { method: 'DELETE' })).status).toBe(204);
  });
});

describe('importing files', () => {
  let session: ImportSession;
  let image: Image;
  beforeAll(async () => {
    session = (await (await create('files')).json()) as ImportSession;
  });
  const path = () => `/api/import/sessions/${session.id}/images`;
  const current = () => t.json<ImportSession>(`/api/import/sessions/${session.id}`);

  test('add test.dcm → 201, counters (1,1,0)', async () => {
    const res = await t.upload(path(), testFile('test.dcm'), { multipart: 'file' });
    expect(res.status).toBe(201);
    image = (await res.json()) as Image;
    const s = await current();
    expect(counters(s)).toEqual([1, 1, 0]);
    expect(s.lastUpdated).toBeGreaterThanOrEqual(session.lastUpdated);
  });

  test('add it again → 200, counters (2,1,0)', async () => {
    const res = await t.upload(path(), testFile('test.dcm'));
    expect(res.status).toBe(200);
    expect(((await res.json()) as Image).id).toBe(image.id);
    expect(counters(await current())).toEqual([2, 1, 0]);
  });

  test('images list → exactly the added image; its series source is the session', async () => {
    expect(await t.json<Image[]>(path())).toEqual([image]);
    expect(await t.json<Source>(`/api/metadata/series/${image.seriesId}/source`)).toEqual({
      sourceType: 'import',
      sourceName: 'files',
      sourceId: session.id,
    });
    expect(await t.json<Image[]>('/api/import/sessions/9999/images')).toEqual([]);
  });

  test('secondary capture is rejected here: 400 "<file name>: <reason>" for multipart, "<reason>" for raw', async () => {
    const multipart = await t.upload(path(), testFile('sc.dcm'), { multipart: 'file' });
    expect(multipart.status).toBe(400);
    expect(await multipart.text()).toBe(
      'upload.dcm: The presentation context [SOPClassUID = 1.2.840.10008.5.1.4.1.1.7, TransferSyntaxUID = 1.2.840.10008.1.2.4.50] is not supported',
    );
    const raw = await t.upload(path(), testFile(join(PYDICOM, 'MR_truncated.dcm')));
    expect(raw.status).toBe(400);
    expect(await raw.text()).toBe('DICOM file is truncated');
    expect(counters(await current())).toEqual([2, 1, 2]);
    expect(readdirSync(join(t.dataDir, 'tmp'))).toEqual([]);
  });

  test('rejections are logged with subject Import', async () => {
    const log = await t.json<Array<{ entryType: string; subject: string; message: string }>>(
      '/api/log?subject=Import&type=ERROR',
    );
    expect(log).toHaveLength(2);
    expect(log[0]?.message).toContain('DICOM file is truncated');
    expect(log[1]?.message).toContain('upload.dcm');
  });

  test('add cat.jpg to a new session → 400 and counters (0,0,1)', async () => {
    const s = (await (await create('cats')).json()) as ImportSession;
    const res = await t.upload(`/api/import/sessions/${s.id}/images`, testFile('cat.jpg'));
    expect(res.status).toBe(400);
    expect(await res.text()).not.toMatch(/^Invalid DICOM data/);
    expect(counters(await t.json<ImportSession>(`/api/import/sessions/${s.id}`))).toEqual([
      0, 0, 1,
    ]);
  });

  test('unknown session → 404 and nothing stored', async () => {
    const before = readdirSync(join(t.dataDir, 'dicom')).length;
    const res = await t.upload(
      '/api/import/sessions/4242/images',
      testFile(join(PYDICOM, 'CT_small.dcm')),
    );
    expect(res.status).toBe(404);
    expect(readdirSync(join(t.dataDir, 'dicom'))).toHaveLength(before);
  });

  test('a USER can import into its own session', async () => {
    const auth = basic('bob', 'bobpw');
    const users = await t.json<ApiUser[]>('/api/users');
    const bob = users.find((u) => u.user === 'bob');
    const s = (await (await create('bobs', auth)).json()) as ImportSession;
    expect(s.userId).toBe(bob?.id);
    const res = await t.upload(
      `/api/import/sessions/${s.id}/images`,
      testFile(join(PYDICOM, 'CT_small.dcm')),
      { auth },
    );
    expect(res.status).toBe(201);
  });
});
