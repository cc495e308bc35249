import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  credentialsPath,
  loadOrCreateCredentials,
} from '../../src-main/services/localbox/credentials.js';

describe('local box credentials', () => {
  it('are random per install, private to the user, and stable across launches', async () => {
    const a = await mkdtemp(join(tmpdir(), 'sbx-cred-'));
    const b = await mkdtemp(join(tmpdir(), 'sbx-cred-'));
    const first = await loadOrCreateCredentials(a);
    const again = await loadOrCreateCredentials(a);
    const other = await loadOrCreateCredentials(b);
    expect(again).toEqual(first);
    expect(other.password).not.toBe(first.password);
    expect(first.password.length).toBeGreaterThanOrEqual(32);
    expect((await stat(credentialsPath(a))).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(credentialsPath(a), 'utf8'))).toEqual(first);
  });

  it('replaces a damaged file instead of failing to start', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sbx-cred-'));
    await writeFile(credentialsPath(dir), '{ not json');
    const created = await loadOrCreateCredentials(dir);
    expect(created.user).toMatch(/^desktop-[0-9a-f]{8}$/);
  });
});
