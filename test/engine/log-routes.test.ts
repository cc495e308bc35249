/** Log (BEHAVIOR.md §21): newest first, paging, subject/type filters, delete one, delete all, any user. */
import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestBox } from './support.js';
import type { TestBox } from './support.js';
import { createUser } from './query-support.js';

interface LogEntry {
  id: number;
  created: number;
  entryType: string;
  subject: string;
  message: string;
}

let t: TestBox;
let userAuth: string;

/** Writes entries as the engine would (the log has no write route), oldest first. */
function writeEntries(entries: Array<[string, string, string]>): void {
  const db = new BetterSqlite3(join(t.dataDir, 'slicebox.sqlite'));
  try {
    db.pragma('busy_timeout = 5000');
    const insert = db.prepare(
      'INSERT INTO log (created, entry_type, subject, message) VALUES (?, ?, ?, ?)',
    );
    const base = Date.now();
    entries.forEach(([type, subject, message], i) => insert.run(base + i, type, subject, message));
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  t = await startTestBox();
  userAuth = (await createUser(t, 'reader')).auth;
  await t.api('/api/log', { method: 'DELETE' });
  writeEntries([
    ['INFO', 'Category1', 'm1'],
    ['INFO', 'Category1', 'm2'],
    ['WARN', 'Category1', 'm3'],
    ['WARN', 'Category2', 'm4'],
    ['DEFAULT', 'Category2', 'm5'],
    ['ERROR', 'Category2', 'm6'],
  ]);
});
afterAll(async () => {
  await t.stop();
});

const messages = (entries: LogEntry[]) => entries.map((e) => e.message);

test('list with count 1000 → 6, newest first, with the documented fields (any user)', async () => {
  const all = await t.json<LogEntry[]>('/api/log?count=1000', { auth: userAuth });
  expect(messages(all)).toEqual(['m6', 'm5', 'm4', 'm3', 'm2', 'm1']);
  const first = all[0] as LogEntry;
  expect(Object.keys(first)).toEqual(['id', 'created', 'entryType', 'subject', 'message']);
  expect(first).toMatchObject({ entryType: 'ERROR', subject: 'Category2' });
  expect(typeof first.created).toBe('number');
});

test('paging: default count 20; startindex/count', async () => {
  expect(messages(await t.json<LogEntry[]>('/api/log?startindex=1&count=2'))).toEqual(['m5', 'm4']);
  expect(await t.json<LogEntry[]>('/api/log?startindex=6')).toEqual([]);
  expect(await t.json<LogEntry[]>('/api/log')).toHaveLength(6);
  expect((await t.api('/api/log?count=-1')).status).toBe(400);
  expect((await t.api('/api/log?startindex=x')).status).toBe(400);
});

test('subject and type filters', async () => {
  expect(messages(await t.json<LogEntry[]>('/api/log?subject=Category1&type=INFO'))).toEqual([
    'm2',
    'm1',
  ]);
  expect(messages(await t.json<LogEntry[]>('/api/log?subject=Category2'))).toEqual([
    'm6',
    'm5',
    'm4',
  ]);
  expect(messages(await t.json<LogEntry[]>('/api/log?type=WARN'))).toEqual(['m4', 'm3']);
  expect(await t.json<LogEntry[]>('/api/log?subject=category1')).toEqual([]);
  expect(messages(await t.json<LogEntry[]>('/api/log?type=DEFAULT&count=1'))).toEqual(['m5']);
  const bad = await t.api('/api/log?type=FATAL');
  expect(bad.status).toBe(400);
  expect(await bad.text()).toBe('No such log entry type: FATAL');
});

test('delete two by id → 204 each (any user, idempotent) and 4 remain', async () => {
  const all = await t.json<LogEntry[]>('/api/log?count=1000');
  for (const e of all.slice(0, 2)) {
    expect((await t.api(`/api/log/${e.id}`, { method: 'DELETE', auth: userAuth })).status).toBe(
      204,
    );
  }
  expect((await t.api(`/api/log/${all[0]?.id}`, { method: 'DELETE' })).status).toBe(204);
  expect((await t.api('/api/log/99999', { method: 'DELETE' })).status).toBe(204);
  expect(messages(await t.json<LogEntry[]>('/api/log?count=1000'))).toEqual([
    'm4',
    'm3',
    'm2',
    'm1',
  ]);
  expect((await t.api('/api/log/abc', { method: 'DELETE' })).status).toBe(404);
});

test('delete all → 204 (any user); no credentials → 401', async () => {
  expect((await t.api('/api/log', { auth: null })).status).toBe(401);
  expect((await t.api('/api/log', { method: 'DELETE', auth: null })).status).toBe(401);
  expect((await t.api('/api/log', { method: 'DELETE', auth: userAuth })).status).toBe(204);
  expect(await t.json<LogEntry[]>('/api/log')).toEqual([]);
  expect((await t.api('/api/log', { method: 'PUT' })).status).toBe(405);
});
