/**
 * The desktop's Series tags and System services against a real local box over HTTP: series tags listed,
 * filtered, sorted, paged (`count + 1`), added (a name in use refused in words), renamed and deleted (also
 * from the series that carry them); Clear log empties `/log`; Shut down is refused for the local connection
 * and, for a remote one, requests the stop — only on a throwaway box whose stop is captured.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SeriesTagsService } from '../../src-main/services/admin/series-tags-service.js';
import { LOCAL_STOP_REFUSAL, SystemService } from '../../src-main/services/admin/system-service.js';
import { ConnectionService } from '../../src-main/services/connections/connection-service.js';
import type { SliceboxClient } from '../../src-main/slicebox/client.js';
import { MESSAGES } from '../../src-main/slicebox/types.js';
import { startLocalbox } from '../../src-main/localbox/server.js';
import { testFile } from '../fixtures/paths.js';

describe('desktop Series tags and System services', () => {
  let dir: string;
  let box: Awaited<ReturnType<typeof startLocalbox>>;
  let connections: ConnectionService;
  let client: SliceboxClient;
  let tags: SeriesTagsService;
  let system: SystemService;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sbx-tags-system-'));
    box = await startLocalbox({ dataDir: join(dir, 'box'), port: 0 });
    connections = new ConnectionService(() => undefined);
    connections.add({
      id: 'local',
      name: 'Local box',
      url: box.url,
      kind: 'local',
      user: 'admin',
      password: 'admin',
    });
    client = connections.client('local');
    tags = new SeriesTagsService(connections);
    system = new SystemService(connections);
  });

  afterEach(async () => {
    await box?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('lists, filters, sorts and pages series tags', async () => {
    for (const name of ['Beta', 'Alpha', 'Gamma', 'Alphabet']) await tags.add('local', name);
    const byName = await tags.page({
      connectionId: 'local',
      startIndex: 0,
      count: 3,
      orderBy: 'name',
      orderAscending: true,
    });
    expect(byName.items.map((t) => t.name)).toEqual(['Alpha', 'Alphabet', 'Beta']);
    expect(byName.hasMore).toBe(true);
    const rest = await tags.page({
      connectionId: 'local',
      startIndex: 3,
      count: 3,
      orderBy: 'name',
      orderAscending: true,
    });
    expect(rest.items.map((t) => t.name)).toEqual(['Gamma']);
    expect(rest.hasMore).toBe(false);
    const byIdDesc = await tags.page({
      connectionId: 'local',
      startIndex: 0,
      count: 10,
      orderBy: 'id',
      orderAscending: false,
    });
    expect(byIdDesc.items.map((t) => t.name)).toEqual(['Alphabet', 'Gamma', 'Alpha', 'Beta']);
    const filtered = await tags.page({
      connectionId: 'local',
      startIndex: 0,
      count: 10,
      filter: 'lpha',
      orderBy: 'name',
    });
    expect(filtered.items.map((t) => t.name)).toEqual(['Alpha', 'Alphabet']);
  });

  it('adds (refusing a name in use), renames and deletes a tag, also from its series', async () => {
    const tag = await tags.add('local', '  Follow-up ');
    expect(tag.name).toBe('Follow-up');
    await expect(tags.add('local', 'Follow-up')).rejects.toThrow(
      'A series tag named "Follow-up" already exists.',
    );
    // A filter with a hyphen (a regex escape the local box once refused with a 500).
    expect(
      (await tags.page({ connectionId: 'local', startIndex: 0, count: 10, filter: 'w-u' })).items,
    ).toEqual([tag]);
    const other = await tags.add('local', 'Other');
    await expect(tags.rename('local', other.id, 'Follow-up')).rejects.toThrow('already exists');

    const renamed = await tags.rename('local', tag.id, 'Reviewed');
    expect(renamed).toEqual({ id: tag.id, name: 'Reviewed' });
    expect((await client.seriesTags({ count: 100 })).map((t) => t.name).sort()).toEqual([
      'Other',
      'Reviewed',
    ]);

    // Tag a series, then delete the tag: the series no longer carries it.
    const image = (await client.uploadImage(new Uint8Array(await readFile(testFile('test.dcm')))))
      .image;
    await client.addSeriesTag(image.seriesId, 'Reviewed');
    expect((await client.seriesTagsOf(image.seriesId)).map((t) => t.name)).toEqual(['Reviewed']);
    await tags.remove('local', tag.id);
    expect(await client.seriesTagsOf(image.seriesId)).toEqual([]);
    expect((await client.seriesTags({ count: 100 })).map((t) => t.name)).toEqual(['Other']);
  });

  it('clears the log', async () => {
    const session = await client.createImportSession('log test');
    await client.uploadToImportSession(session.id, Buffer.from('not dicom')).catch(() => undefined);
    expect((await client.log({ count: 100 })).length).toBeGreaterThan(0);
    await system.clearLog('local');
    expect(await client.log({ count: 100 })).toEqual([]);
  });

  it('refuses to shut down the local box', async () => {
    await expect(system.stop('local')).rejects.toThrow(LOCAL_STOP_REFUSAL);
    // The box still answers.
    expect(await client.log({ count: 1 })).toBeDefined();
  });

  it('asks a remote server to stop (a throwaway box with its stop captured)', async () => {
    let requested = 0;
    const throwaway = await startLocalbox({
      dataDir: join(dir, 'throwaway'),
      port: 0,
      onStopRequested: () => void requested++,
    });
    try {
      // A plain user is refused in the server's own words, and nothing is requested.
      const throwawayAdmin = { url: throwaway.url, user: 'admin', password: 'admin' };
      connections.add({ id: 'admin-of-throwaway', name: 'T', kind: 'remote', ...throwawayAdmin });
      await connections
        .client('admin-of-throwaway')
        .addUser({ user: 'plain', password: 'plain', role: 'USER' });
      connections.add({
        id: 'plain',
        name: 'Plain',
        url: throwaway.url,
        kind: 'remote',
        user: 'plain',
        password: 'plain',
      });
      await expect(system.stop('plain')).rejects.toThrow(MESSAGES.forbidden);
      expect(requested).toBe(0);

      connections.add({
        id: 'remote',
        name: 'Throwaway',
        url: throwaway.url,
        kind: 'remote',
        user: 'admin',
        password: 'admin',
      });
      const result = await system.stop('remote');
      expect(result.message).toMatch(/Shutting down/);
      await expect.poll(() => requested, { timeout: 5_000 }).toBe(1);
    } finally {
      await throwaway.close();
    }
  });
});
