/**
 * The desktop's import service against a real local box over HTTP: one import session per drop, a
 * per-file outcome for every file, progress events, and staged copies cleaned up.
 */
import { mkdir, mkdtemp, copyFile, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportJob } from '../../src-preload/contract.js';
import { BrowseService } from '../../src-main/services/browse/browse-service.js';
import { ConnectionService } from '../../src-main/services/connections/connection-service.js';
import type { EmitEvent } from '../../src-main/services/events.js';
import { ImportService } from '../../src-main/services/imports/import-service.js';
import { startLocalbox } from '../../src-main/localbox/server.js';
import { pydicomFile, testFile } from '../fixtures/paths.js';

describe('desktop import service against the local box', () => {
  let box: Awaited<ReturnType<typeof startLocalbox>>;
  let connections: ConnectionService;
  const events: { event: string; payload: unknown }[] = [];
  const emit: EmitEvent = (event, payload) => events.push({ event, payload });

  beforeAll(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sbx-import-svc-'));
    box = await startLocalbox({
      dataDir,
      port: 0,
      superuser: { user: 'desk', password: 'top-secret' },
    });
    connections = new ConnectionService(emit);
    connections.add({
      id: 'local',
      name: 'Local box',
      url: box.url,
      kind: 'local',
      user: 'desk',
      password: 'top-secret',
    });
  });

  afterAll(async () => {
    await box?.close();
  });

  it('reports the connection online, and auth-failed with a wrong password', async () => {
    expect((await connections.check('local')).status).toBe('online');
    const wrong = new ConnectionService(emit);
    wrong.add({
      id: 'w',
      name: 'Wrong',
      url: box.url,
      kind: 'remote',
      user: 'desk',
      password: 'nope',
    });
    expect((await wrong.check('w')).status).toBe('auth-failed');
    const gone = new ConnectionService(emit);
    gone.add({
      id: 'g',
      name: 'Gone',
      url: 'http://127.0.0.1:9',
      kind: 'remote',
      user: 'a',
      password: 'b',
    });
    const offline = await gone.check('g');
    expect(offline.status).toBe('offline');
    expect(offline.statusDetail).toContain('unreachable');
  });

  it('uploads each file and records what happened to it', async () => {
    const staging = await mkdtemp(join(tmpdir(), 'sbx-staging-'));
    const stagedDir = join(staging, 'one');
    await mkdir(stagedDir);
    const staged = join(stagedDir, 'test.dcm');
    await copyFile(testFile('test.dcm'), staged);
    const imports = new ImportService(connections, emit, { stagingDir: staging, concurrency: 2 });
    const files = [
      { path: staged, name: 'test.dcm', size: (await stat(staged)).size },
      { path: pydicomFile('CT_small.dcm'), name: 'CT_small.dcm', size: 39206 },
      { path: testFile('invalid.dcm'), name: 'invalid.dcm', size: 31 },
      { path: pydicomFile('CT_small.dcm'), name: 'CT_small again.dcm', size: 39206 },
      { path: join(staging, 'vanished.dcm'), name: 'vanished.dcm', size: 10 },
    ];
    const started = await imports.start('local', 'Drop for the service test', files);
    expect(started.state).toBe('preparing');
    const job = await imports.whenSettled(started.id);

    expect(job.state).toBe('done');
    expect(job.filesDone).toBe(5);
    expect(job.bytesDone).toBe(job.bytesTotal);
    const byName = Object.fromEntries(job.files.map((f) => [f.name, f]));
    expect(byName['test.dcm']?.state).toBe('added');
    expect(byName['invalid.dcm']?.state).toBe('rejected');
    expect(byName['invalid.dcm']?.reason?.length).toBeGreaterThan(5);
    expect(byName['vanished.dcm']?.state).toBe('failed');
    expect(byName['vanished.dcm']?.reason).toContain('ENOENT');
    // two copies of the same image in the drop: the first by path is stored, the other is not sent
    expect(byName['CT_small again.dcm']?.state).toBe('added');
    expect(byName['CT_small.dcm']).toMatchObject({
      state: 'skipped',
      reason: 'Same image as CT_small again.dcm, which was stored',
    });
    expect(job.counts).toEqual({ added: 2, present: 0, rejected: 1, failed: 1, skipped: 1 });

    const session = await connections.client('local').importSession(job.sessionId!);
    expect(session.name).toBe('Drop for the service test');
    expect(session).toMatchObject({ filesImported: 2, filesAdded: 2, filesRejected: 1 });

    // the staged copy is gone, the user's own files are untouched
    expect(await readdir(staging)).toEqual([]);
    expect((await stat(pydicomFile('CT_small.dcm'))).size).toBe(39206);

    const progress = events
      .filter((e) => e.event === 'imports.progress')
      .map((e) => e.payload as ImportJob);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ id: job.id, state: 'done', filesDone: 5 });
  });

  it('browses what was imported with the count+1 look-ahead', async () => {
    const browse = new BrowseService(connections);
    const first = await browse.patients({
      connectionId: 'local',
      startIndex: 0,
      count: 1,
      orderBy: 'patientName',
    });
    expect(first.items).toHaveLength(1);
    expect(first.hasMore).toBe(true);
    // Names order case-insensitively on the local box (DECISIONS.md, "Ordering of text").
    expect(first.items[0]?.patientName).toBe('anon270');
    const second = await browse.patients({
      connectionId: 'local',
      startIndex: 1,
      count: 1,
      orderBy: 'patientName',
    });
    expect(second.items[0]?.patientName).toBe('CompressedSamples^CT1');
    expect(second.hasMore).toBe(false);
    const studies = await browse.studies({
      connectionId: 'local',
      startIndex: 0,
      count: 10,
      patientId: first.items[0]!.id,
    });
    expect(studies.items[0]?.studyDescription).toBe('Statisk njurscintigrafi');
    const series = await browse.series({
      connectionId: 'local',
      startIndex: 0,
      count: 10,
      studyId: studies.items[0]!.id,
    });
    expect(series.items[0]?.modality).toBe('NM');
    const images = await browse.images({
      connectionId: 'local',
      startIndex: 0,
      count: 10,
      seriesId: series.items[0]!.id,
    });
    expect(images.items.map((i) => i.instanceNumber)).toEqual(['8']);
  });
});
