/**
 * The engine's connection compiles each SQL text once (db/statement-cache.ts): the same text gives the same
 * statement, with its modes reset, never one that is still being iterated, and the cache is bounded.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { openDatabase } from '../../src-main/localbox/db/open.js';
import type { Database } from 'better-sqlite3';
import { newDataDir } from './support.js';

let db: Database | undefined;
const dirs: string[] = [];
afterEach(() => {
  db?.close();
  db = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function open(): Database {
  const dir = newDataDir();
  dirs.push(dir);
  db = openDatabase(join(dir, 'slicebox.sqlite'));
  return db;
}

test('the same SQL text gives the same compiled statement', () => {
  const d = open();
  const sql = 'SELECT id FROM images WHERE id = ?';
  expect(d.prepare(sql)).toBe(d.prepare(sql));
  expect(d.prepare(sql)).not.toBe(d.prepare('SELECT id FROM series WHERE id = ?'));
});

test("a caller's pluck does not leak to the next caller of the same text", () => {
  const d = open();
  expect(d.prepare('SELECT 7 AS n').pluck().get()).toBe(7);
  expect(d.prepare('SELECT 7 AS n').get()).toEqual({ n: 7 });
});

test('a statement being iterated is not handed out again', () => {
  const d = open();
  d.exec('CREATE TABLE t (v INTEGER)');
  for (let i = 1; i <= 3; i++) d.prepare('INSERT INTO t (v) VALUES (?)').run(i);
  const sql = 'SELECT v FROM t ORDER BY v';
  const seen: number[] = [];
  for (const row of d.prepare(sql).iterate() as Iterable<{ v: number }>) {
    // The same text while the first is busy: a fresh statement, which runs to the end on its own.
    const inner = (d.prepare(sql).all() as Array<{ v: number }>).map((r) => r.v);
    expect(inner).toEqual([1, 2, 3]);
    seen.push(row.v);
  }
  expect(seen).toEqual([1, 2, 3]);
});

test('SQL built per call keeps working after the cache is full', () => {
  const d = open();
  for (let i = 0; i < 1200; i++) expect(d.prepare(`SELECT ${i} AS n`).get()).toEqual({ n: i });
  // Texts beyond the bound are compiled each time; the first ones stay cached.
  expect(d.prepare('SELECT 1199 AS n')).not.toBe(d.prepare('SELECT 1199 AS n'));
  expect(d.prepare('SELECT 0 AS n')).toBe(d.prepare('SELECT 0 AS n'));
});
