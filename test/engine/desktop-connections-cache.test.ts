/**
 * Connections and the metadata cache against the real local box engine over HTTP: a remote profile is
 * saved and tested, every level is browsed and cached, the engine is closed (server gone) and the same
 * pages come back from the cache, and a restarted engine on the same port is online again.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowseService } from '../../src-main/services/browse/browse-service.js';
import { openCacheDb, type CacheDb } from '../../src-main/services/cache/cache-db.js';
import { MetadataCache } from '../../src-main/services/cache/metadata-cache.js';
import { ConnectionService } from '../../src-main/services/connections/connection-service.js';
import { FileSecretStore } from '../../src-main/services/connections/file-secret-store.js';
import { ProfileStore } from '../../src-main/services/connections/profile-store.js';
import { startLocalbox } from '../../src-main/localbox/server.js';
import { testFile } from '../fixtures/paths.js';

describe('desktop connections and offline cache against the local box', () => {
  let box: Awaited<ReturnType<typeof startLocalbox>>;
  let boxDir: string;
  let db: CacheDb;
  let connections: ConnectionService;
  let browse: BrowseService;
  let id: string;

  beforeAll(async () => {
    boxDir = await mkdtemp(join(tmpdir(), 'sbx-conn-box-'));
    const appDir = await mkdtemp(join(tmpdir(), 'sbx-conn-app-'));
    box = await startLocalbox({
      dataDir: boxDir,
      port: 0,
      superuser: { user: 'admin', password: 'admin' },
    });
    const auth = 'Basic ' + Buffer.from('admin:admin').toString('base64');
    const res = await fetch(`${box.url}/api/images`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/octet-stream' },
      body: await readFile(testFile('test.dcm')),
    });
    expect(res.status).toBe(201);
    db = openCacheDb(join(appDir, 'cache.sqlite'));
    connections = new ConnectionService(() => undefined, {
      profiles: new ProfileStore(db),
      secrets: FileSecretStore.inDataDir(appDir),
    });
    browse = new BrowseService(connections, new MetadataCache(db));
  });

  afterAll(async () => {
    await box?.close();
    db?.close();
  });

  it('tests and adds the engine as a remote server', async () => {
    const draft = { name: 'Engine', url: `${box.url}/api`, user: 'admin' };
    expect(await connections.test({ ...draft, password: 'nope' })).toMatchObject({
      status: 'auth-failed',
    });
    expect(await connections.test({ ...draft, password: 'admin' })).toMatchObject({
      status: 'online',
    });
    const info = await connections.create({ ...draft, password: 'admin' });
    expect(info).toMatchObject({ status: 'online', url: box.url });
    id = info.id;
  });

  it('browses every level live, then from the cache once the engine is gone', async () => {
    const page = { connectionId: id, startIndex: 0, count: 100 };
    const patients = await browse.patients(page);
    const studies = await browse.studies({ ...page, patientId: patients.items[0]!.id });
    const series = await browse.series({ ...page, studyId: studies.items[0]!.id });
    const images = await browse.images({ ...page, seriesId: series.items[0]!.id });
    expect(images.items).toHaveLength(1);
    expect(patients.fromCache).toBeUndefined();

    const port = Number(new URL(box.url).port);
    await box.close();
    const cachedPatients = await browse.patients(page);
    expect(cachedPatients).toMatchObject({ fromCache: true, items: patients.items });
    expect(
      await browse.images({ ...page, seriesId: series.items[0]!.id, count: 50 }),
    ).toMatchObject({ fromCache: true, items: images.items, hasMore: false });
    expect(connections.info(id).status).toBe('offline');

    box = await startLocalbox({
      dataDir: boxDir,
      port,
      superuser: { user: 'admin', password: 'admin' },
    });
    expect((await connections.check(id)).status).toBe('online');
    const live = await browse.patients(page);
    expect(live.fromCache).toBeUndefined();
    expect(live.items).toEqual(patients.items);
  });
});
