/**
 * Malformed multipart bodies on the two upload routes (issue 9): 400 with a clear message, nothing stored, no
 * temp file left, nothing counted in the import session, and the engine takes good uploads afterwards.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ImportSession } from '../../src-main/slicebox/types.js';
import { ADMIN, basic, rawRequest, startTestBox, testFile } from './support.js';
import type { TestBox } from './support.js';

let t: TestBox;
let session: ImportSession;
beforeAll(async () => {
  t = await startTestBox();
  session = await t.json<ImportSession>('/api/import/sessions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      id: -1,
      name: 'malformed',
      userId: -1,
      user: '',
      filesImported: 0,
      filesAdded: 0,
      filesRejected: 0,
      created: 0,
      lastUpdated: 0,
    }),
  });
});
afterAll(async () => {
  await t.stop();
});

const FILE_HEADERS =
  'Content-Disposition: form-data; name="file"; filename="a.dcm"\r\nContent-Type: application/octet-stream\r\n\r\n';

/** Each variant: the Content-Type and the body (the body is sent whole, with a matching Content-Length). */
const MALFORMED: Record<string, { contentType: string; body: string }> = {
  'no boundary': {
    contentType: 'multipart/form-data',
    body: `--X\r\n${FILE_HEADERS}DICM\r\n--X--\r\n`,
  },
  'an empty boundary': {
    contentType: 'multipart/form-data; boundary=""',
    body: `--\r\n${FILE_HEADERS}DICM\r\n----\r\n`,
  },
  'a boundary longer than allowed': {
    contentType: `multipart/form-data; boundary=${'b'.repeat(300)}`,
    body: 'DICM',
  },
  'a body that is not multipart': {
    contentType: 'multipart/form-data; boundary=X',
    body: 'hello, world',
  },
  'only the opening boundary': {
    contentType: 'multipart/form-data; boundary=X',
    body: '--X',
  },
  'a part cut short in its headers': {
    contentType: 'multipart/form-data; boundary=X',
    body: '--X\r\nContent-Disposition: form-da',
  },
  'a file part cut short in its data': {
    contentType: 'multipart/form-data; boundary=X',
    body: `--X\r\n${FILE_HEADERS}${'\u0000'.repeat(128)}DICM\u0002\u0000`,
  },
};

const ROUTES = {
  'POST /api/images': () => '/api/images',
  'POST /api/import/sessions/{id}/images': () => `/api/import/sessions/${session.id}/images`,
};

function stored(): string[] {
  return readdirSync(join(t.dataDir, 'dicom'));
}
function temps(): string[] {
  return readdirSync(join(t.dataDir, 'tmp'));
}

describe.each(Object.entries(ROUTES))('%s', (_name, path) => {
  test.each(Object.entries(MALFORMED))('%s → 400, nothing stored', async (_variant, v) => {
    const res = await rawRequest(t.url(path()), {
      method: 'POST',
      headers: {
        authorization: basic(ADMIN.user, ADMIN.pass),
        'content-type': v.contentType,
        'content-length': String(Buffer.byteLength(v.body)),
      },
      body: v.body,
    });
    expect(res.status, res.body).toBe(400);
    expect(res.body).toMatch(/^Malformed multipart request: \S/);
    expect(res.headers['content-type']).toBe('text/plain; charset=UTF-8');
    expect(stored()).toEqual([]);
    expect(temps()).toEqual([]);
  });
});

test('the import session counted nothing, and good uploads work afterwards on both routes', async () => {
  const after = await t.json<ImportSession>(`/api/import/sessions/${session.id}`);
  expect([after.filesImported, after.filesAdded, after.filesRejected]).toEqual([0, 0, 0]);
  expect(await t.json<unknown[]>('/api/metadata/patients')).toEqual([]);

  const direct = await t.upload('/api/images', testFile('test.dcm'), { multipart: 'file' });
  expect(direct.status).toBe(201);
  const imported = await t.upload(
    `/api/import/sessions/${session.id}/images`,
    testFile('test.dcm'),
    { multipart: 'file' },
  );
  expect(imported.status).toBe(200);
  const counted = await t.json<ImportSession>(`/api/import/sessions/${session.id}`);
  expect([counted.filesImported, counted.filesAdded, counted.filesRejected]).toEqual([1, 0, 0]);
  expect(stored()).toHaveLength(1);
  expect(temps()).toEqual([]);
});
