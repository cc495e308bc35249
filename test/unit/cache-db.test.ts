import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate, openCacheDb } from '../../src-main/services/cache/cache-db.js';

describe('cache database', () => {
  it('applies numbered migrations once, in order, and remembers the version', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'sbx-cache-')), 'cache.sqlite');
    const migrations = [
      { version: 2, name: 'b', sql: 'ALTER TABLE t ADD COLUMN b TEXT' },
      { version: 1, name: 'a', sql: 'CREATE TABLE t (a TEXT)' },
    ];
    const db = openCacheDb(path, migrations);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.prepare('INSERT INTO t (a, b) VALUES (?, ?)').run('x', 'y');
    db.close();
    const again = openCacheDb(path, migrations);
    expect(again.prepare('SELECT a, b FROM t').all()).toEqual([{ a: 'x', b: 'y' }]);
    expect(migrate(again, migrations)).toBe(2);
    again.close();
  });

  it('refuses a gap in the numbering and leaves the database as it was', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'sbx-cache-')), 'cache.sqlite');
    expect(() => openCacheDb(path, [{ version: 2, name: 'b', sql: 'CREATE TABLE t (a)' }])).toThrow(
      /migration 1 is missing/,
    );
  });
});
