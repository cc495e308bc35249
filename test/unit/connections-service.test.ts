import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionInfo } from '../../src-preload/contract.js';
import { BrowseService } from '../../src-main/services/browse/browse-service.js';
import { openCacheDb, type CacheDb } from '../../src-main/services/cache/cache-db.js';
import { MetadataCache } from '../../src-main/services/cache/metadata-cache.js';
import { ConnectionService } from '../../src-main/services/connections/connection-service.js';
import { FileSecretStore } from '../../src-main/services/connections/file-secret-store.js';
import { ProfileStore } from '../../src-main/services/connections/profile-store.js';
import { normalizeServerUrl } from '../../src-main/services/connections/url.js';

/** Just enough of Slicebox: health, information, Basic-auth users and a patient list. */
async function fakeSlicebox(password = 'secret'): Promise<{ url: string; server: Server }> {
  const expected = 'Basic ' + Buffer.from(`admin:${password}`).toString('base64');
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/api/system/health') return res.end('OK');
    if (url.pathname === '/api/system/information') return res.end('{"version":"2.0.0-test"}');
    if (req.headers.authorization?.endsWith(Buffer.from('admin:locked').toString('base64'))) {
      // A server that throttles failed logins (the local box does, issue 9).
      res.statusCode = 429;
      res.setHeader('retry-after', '300');
      return res.end('Too many failed logins; try again in 300 s');
    }
    if (req.headers.authorization !== expected) {
      res.statusCode = 401;
      return res.end('bad credentials');
    }
    res.setHeader('content-type', 'application/json');
    if (url.pathname === '/api/users') return res.end('[]');
    if (url.pathname === '/api/metadata/patients') {
      const v = (value: string) => ({ value });
      return res.end(
        JSON.stringify([
          {
            id: 1,
            patientName: v('Doe^Jane'),
            patientID: v('P1'),
            patientBirthDate: v(''),
            patientSex: v('F'),
          },
        ]),
      );
    }
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const servers: Server[] = [];
const dbs: CacheDb[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  for (const db of dbs.splice(0)) db.close();
});

async function setup(dataDir?: string) {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'sbx-conn-')));
  const db = openCacheDb(join(dir, 'cache.sqlite'));
  dbs.push(db);
  const events: ConnectionInfo[] = [];
  const forgotten: string[] = [];
  const secrets = FileSecretStore.inDataDir(dir);
  const service = new ConnectionService((_e, payload) => events.push(payload as ConnectionInfo), {
    profiles: new ProfileStore(db),
    secrets,
    forgetCached: (id) => void forgotten.push(id),
  });
  return { dir, db, service, events, forgotten, secrets };
}

describe('server URLs', () => {
  it('accepts http and https roots and normalizes them', () => {
    expect(normalizeServerUrl(' https://sbx.example.org/ ')).toBe('https://sbx.example.org');
    expect(normalizeServerUrl('http://127.0.0.1:5000/api/')).toBe('http://127.0.0.1:5000');
    expect(normalizeServerUrl('http://host/slicebox')).toBe('http://host/slicebox');
  });

  it.each([
    ['ftp://host', /Only http/],
    ['file:///etc/passwd', /Only http/],
    ['javascript:alert(1)', /Only http/],
    ['not a url', /is not a URL/],
    ['http://admin:pw@host', /own fields/],
    ['http://host/?x=1', /query/],
  ])('refuses %s', (url, message) => {
    expect(() => normalizeServerUrl(url)).toThrow(message);
  });
});

describe('connection service', () => {
  it('tests a candidate before saving: online with version, auth failed, offline', async () => {
    const { url, server } = await fakeSlicebox();
    servers.push(server);
    const { service } = await setup();
    const draft = { name: 'Lab', url, user: 'admin' };
    expect(await service.test({ ...draft, password: 'secret' })).toEqual({
      status: 'online',
      version: '2.0.0-test',
    });
    expect(await service.test({ ...draft, password: 'wrong' })).toMatchObject({
      status: 'auth-failed',
    });
    expect(
      await service.test({ ...draft, url: 'http://127.0.0.1:9', password: 'x' }),
    ).toMatchObject({
      status: 'offline',
    });
    expect(service.list()).toEqual([]);
  });

  it('reads a throttled login (429) as a login problem, with the server words, not as offline', async () => {
    const { url, server } = await fakeSlicebox();
    servers.push(server);
    const { service } = await setup();
    const result = await service.test({ name: 'Lab', url, user: 'admin', password: 'locked' });
    expect(result.status).toBe('auth-failed');
    expect(result.detail).toMatch(/Too many failed logins/);
  });

  it('adds, edits and removes a remote server; passwords go to a 0600 file, not the database', async () => {
    const { url, server } = await fakeSlicebox();
    servers.push(server);
    const { service, events, forgotten, dir, db } = await setup();
    const added = await service.create({
      name: 'Lab',
      url: url + '/api',
      user: 'admin',
      password: 'wrong',
    });
    expect(added).toMatchObject({ name: 'Lab', url, kind: 'remote', status: 'auth-failed' });
    expect(events.at(-1)).toMatchObject({ id: added.id, status: 'auth-failed' });

    const secretsFile = join(dir, 'connection-secrets.json');
    expect((await stat(secretsFile)).mode & 0o777).toBe(0o600);
    expect(JSON.stringify(db.prepare('SELECT * FROM connection_profiles').all())).not.toContain(
      'wrong',
    );

    const fixed = await service.update(added.id, {
      name: 'Lab 2',
      url,
      user: 'admin',
      password: 'secret',
    });
    expect(fixed).toMatchObject({ name: 'Lab 2', status: 'online' });
    expect(forgotten).toEqual([]); // same server and user: the cache still describes it
    // Editing without retyping the password keeps it.
    expect(await service.update(added.id, { name: 'Lab 3', url, user: 'admin' })).toMatchObject({
      status: 'online',
    });
    expect(
      await service.test({ connectionId: added.id, name: 'x', url, user: 'admin' }),
    ).toMatchObject({
      status: 'online',
    });

    await service.remove(added.id);
    expect(service.list()).toEqual([]);
    expect(forgotten).toEqual([added.id]);
    expect(JSON.parse(await readFile(secretsFile, 'utf8'))).toEqual({});
  });

  it('keeps profiles across restarts, and never lets the local box be edited or removed', async () => {
    const { url, server } = await fakeSlicebox();
    servers.push(server);
    const first = await setup();
    const added = await first.service.create({
      name: 'Lab',
      url,
      user: 'admin',
      password: 'secret',
    });
    first.db.close();
    dbs.splice(dbs.indexOf(first.db), 1);

    const second = await setup(first.dir);
    second.service.add({
      id: 'local',
      name: 'Local box',
      url,
      kind: 'local',
      user: 'admin',
      password: 'secret',
    });
    await second.service.loadSaved();
    expect(second.service.list().map((c) => [c.id, c.name])).toEqual([
      ['local', 'Local box'],
      [added.id, 'Lab'],
    ]);
    expect(await second.service.check(added.id)).toMatchObject({ status: 'online' });
    await expect(second.service.remove('local')).rejects.toThrow(/cannot be removed/);
    await expect(second.service.update('local', { name: 'x', url, user: 'admin' })).rejects.toThrow(
      /cannot be edited/,
    );
  });

  it('marks a stopped server offline, answers browse from the cache, and comes back online', async () => {
    const fake = await fakeSlicebox();
    const { service, db, events } = await setup();
    const added = await service.create({
      name: 'Lab',
      url: fake.url,
      user: 'admin',
      password: 'secret',
    });
    const browse = new BrowseService(service, new MetadataCache(db));
    const request = { connectionId: added.id, startIndex: 0, count: 100 };
    const live = await browse.patients(request);
    expect(live).toMatchObject({ hasMore: false, items: [{ patientName: 'Doe^Jane' }] });
    expect(live.fromCache).toBeUndefined();

    await new Promise((r) => fake.server.close(r));
    const cached = await browse.patients(request);
    expect(cached).toMatchObject({ fromCache: true, items: [{ patientName: 'Doe^Jane' }] });
    expect(typeof cached.cachedAt).toBe('number');
    expect(service.info(added.id).status).toBe('offline');
    expect(events.at(-1)).toMatchObject({ id: added.id, status: 'offline' });
    // Never seen: no cache to answer from, the offline error goes through.
    await expect(browse.studies({ ...request, patientId: 1 })).rejects.toThrow(/unreachable/);

    // The server comes back on the same port.
    const port = Number(new URL(fake.url).port);
    const back = await fakeSlicebox();
    back.server.close();
    await new Promise<void>((resolve) => back.server.listen(port, '127.0.0.1', resolve));
    servers.push(back.server);
    expect(await service.check(added.id)).toMatchObject({ status: 'online' });
    expect((await browse.patients(request)).fromCache).toBeUndefined();
  });

  it('re-checks statuses on a timer', async () => {
    const fake = await fakeSlicebox();
    servers.push(fake.server);
    const { service, events } = await setup();
    service.add({
      id: 'r',
      name: 'R',
      url: fake.url,
      kind: 'remote',
      user: 'admin',
      password: 'secret',
    });
    const stop = service.startStatusRefresh({ online: 20, other: 20, tick: 10 });
    await expect.poll(() => events.some((e) => e.id === 'r' && e.status === 'online')).toBe(true);
    stop();
  });
});

describe('offline details', () => {
  it('says why a server cannot be reached in words', async () => {
    const { SliceboxClient } = await import('../../src-main/slicebox/client.js');
    const { unreachableDetail } =
      await import('../../src-main/services/connections/connection-service.js');
    const { url, server } = await fakeSlicebox();
    await new Promise((r) => server.close(r));
    const client = new SliceboxClient({ baseUrl: url, user: 'a', password: 'b' });
    const error = await client.health().catch((e: unknown) => e);
    expect(unreachableDetail(error as never)).toMatch(/connection refused/);
  });
});
