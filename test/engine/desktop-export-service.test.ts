/**
 * The desktop's export service against a real local box over HTTP: a selection resolved to image ids, an
 * export set created, its zip streamed to a temporary file and renamed into place, with progress events;
 * the zip's entries are the uploaded files byte for byte. Also the media service and image details.
 */
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import type { ExportJob } from '../../src-preload/contract.js';
import { ConnectionService } from '../../src-main/services/connections/connection-service.js';
import type { EmitEvent } from '../../src-main/services/events.js';
import { ExportService, type Dialogs } from '../../src-main/services/exports/export-service.js';
import { ImageDetailsService } from '../../src-main/services/media/image-details.js';
import { MediaService } from '../../src-main/services/media/media-service.js';
import { startLocalbox } from '../../src-main/localbox/server.js';
import { pydicomFile, testFile } from '../fixtures/paths.js';
import { sha256 } from './support.js';

function zipEntries(path: string): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true }, (error, zip) => {
      if (error || !zip) return reject(error ?? new Error('no zip'));
      const out = new Map<string, Buffer>();
      zip.on('entry', (entry: yauzl.Entry) =>
        zip.openReadStream(entry, (err, stream) => {
          if (err || !stream) return reject(err ?? new Error('no stream'));
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            out.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        }),
      );
      zip.on('end', () => resolve(out));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

describe('desktop export service against the local box', () => {
  let box: Awaited<ReturnType<typeof startLocalbox>>;
  let connections: ConnectionService;
  const events: ExportJob[] = [];
  const emit: EmitEvent = (event, payload) => {
    if (event === 'exports.progress') events.push(payload as ExportJob);
  };
  const files = [
    testFile('test.dcm'),
    ...['2062', '2392', '2693'].map((n) => pydicomFile(`dicomdir_98892001_CT5N_${n}.dcm`)),
  ];
  const ids: number[] = [];
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sbx-export-svc-'));
    box = await startLocalbox({
      dataDir: join(dataDir, 'box'),
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
    for (const file of files) {
      const up = await connections.client('local').uploadImage(await readFile(file));
      ids.push(up.image.id);
    }
  });

  afterAll(async () => {
    await box?.close();
  });

  it('exports a patient into the exports folder, atomically, with progress', async () => {
    const exportsDir = join(dataDir, 'exports');
    const service = new ExportService(connections, emit, {
      exportsDir,
      downloadUrl: (id) => `/download/${id}`,
      progressIntervalMs: 0,
    });
    const patients = await connections.client('local').patients();
    const peter = patients.find((p) => p.patientName.value.includes('Peter'))!;
    const started = await service.start('local', { kind: 'patients', ids: [peter.id] });
    expect(started.state).toBe('resolving');
    await service.settle();
    const [job] = service.list();
    expect(job).toMatchObject({
      state: 'done',
      imageCount: 3,
      downloadUrl: `/download/${job!.id}`,
    });
    expect(events.some((e) => e.id === job!.id && e.state === 'downloading')).toBe(true);
    expect(await readdir(exportsDir)).toEqual([job!.fileName]); // no .partial left behind
    const entries = await zipEntries(job!.path!);
    const expected = new Set(
      await Promise.all(files.slice(1).map(async (f) => sha256(await readFile(f)))),
    );
    expect(entries.size).toBe(3);
    for (const [name, bytes] of entries) {
      expect(name).toMatch(/^\d+_Doe\^Peter-\d+\/\d+_\d*\/\d+_\d*_CT\/\d+\.dcm$/);
      expect(expected.has(sha256(bytes))).toBe(true);
    }
    expect(service.downloadable(job!.id)?.path).toBe(job!.path);
  });

  it('forgets a dismissed export for good; one dismissed while running still finishes', async () => {
    const service = new ExportService(connections, emit, {
      exportsDir: join(dataDir, 'dismissed'),
      downloadUrl: (id) => `/download/${id}`,
      progressIntervalMs: 0,
    });
    const done = await service.start('local', { kind: 'images', ids: [ids[0]!] });
    await service.settle();
    const kept = await service.start('local', { kind: 'images', ids: [ids[1]!] });
    await service.settle();
    expect(service.list().map((j) => j.id)).toEqual([kept.id, done.id]);
    service.dismiss(done.id);
    // What a reloaded window asks for: the dismissed export is not in it.
    expect(service.list().map((j) => j.id)).toEqual([kept.id]);
    expect(service.downloadable(done.id)).toBeDefined(); // its file is still there to download

    const running = await service.start('local', { kind: 'images', ids: [ids[2]!] });
    service.dismiss(running.id);
    await service.settle();
    const last = events.filter((e) => e.id === running.id).at(-1);
    expect(last).toMatchObject({ state: 'done', dismissed: true });
    expect(service.list().map((j) => j.id)).toEqual([kept.id]);
    expect(() => service.dismiss('nope')).toThrow(/No export nope/);
  });

  it('asks the Dialogs port where to save; a cancel ends the job as canceled', async () => {
    let answer: string | undefined = join(dataDir, 'picked.zip');
    const revealed: string[] = [];
    const dialogs: Dialogs = {
      saveFile: async () => answer,
      revealFile: (path) => void revealed.push(path),
    };
    const service = new ExportService(connections, emit, {
      exportsDir: join(dataDir, 'x'),
      dialogs,
    });
    await service.start('local', { kind: 'images', ids: [ids[0]!] });
    await service.settle();
    const [job] = service.list();
    expect(job).toMatchObject({ state: 'done', imageCount: 1, canReveal: true, path: answer });
    const entries = await zipEntries(answer!);
    expect([...entries.values()].map(sha256)).toEqual([sha256(await readFile(files[0]!))]);
    await service.reveal(job!.id);
    expect(revealed).toEqual([answer]);
    answer = undefined;
    expect((await service.start('local', { kind: 'series', ids: [1] })).state).toBe('canceled');
  });

  it('cancels a running export mid-download: no file at the target, no temporary file left', async () => {
    const exportsDir = join(dataDir, 'canceled');
    let cancel: Promise<ExportJob> | undefined;
    const seen: ExportJob[] = [];
    // With progress on every chunk, the first chunk received cancels the job: the abort lands while
    // the zip is still streaming, deterministically (no timing).
    const service: ExportService = new ExportService(
      connections,
      (event, payload) => {
        if (event !== 'exports.progress') return;
        const job = payload as ExportJob;
        seen.push(job);
        if (!cancel && job.state === 'downloading' && job.bytesDone > 0) {
          cancel = service.cancel(job.id);
        }
      },
      { exportsDir, downloadUrl: (id) => `/download/${id}`, progressIntervalMs: 0 },
    );
    const patients = await connections.client('local').patients();
    const peter = patients.find((p) => p.patientName.value.includes('Peter'))!;
    const started = await service.start('local', { kind: 'patients', ids: [peter.id] });
    await service.settle();
    expect(cancel).toBeDefined();
    const answered = await cancel!;
    expect(answered).toMatchObject({ id: started.id, state: 'canceled' });
    const [job] = service.list();
    expect(job).toMatchObject({ id: started.id, state: 'canceled' });
    expect(job!.downloadUrl).toBeUndefined();
    expect(job!.error).toBeUndefined();
    expect(seen.at(-1)).toMatchObject({ id: started.id, state: 'canceled' });
    expect(seen.some((e) => e.state === 'done')).toBe(false);
    expect(await readdir(exportsDir)).toEqual([]); // neither the zip nor a .partial
    expect(service.downloadable(job!.id)).toBeUndefined();
    // Canceling again (or a finished job) answers the job unchanged; an unknown id is not found.
    expect((await service.cancel(started.id)).state).toBe('canceled');
    await expect(service.cancel('nope')).rejects.toMatchObject({ code: 'not-found' });
  });

  it('serves media (DICOM bytes and PNG) and image details', async () => {
    const media = new MediaService(connections, (path) => `/media/${path}`);
    expect(media.imageUrls('local', ids[0]!)).toEqual({
      dicomUrl: `/media/local/images/${ids[0]}.dcm`,
      pngUrl: `/media/local/images/${ids[0]}/png`,
    });
    const dicom = await media.serve(`local/images/${ids[0]}.dcm`, new URLSearchParams());
    expect(dicom.status).toBe(200);
    const chunks: Buffer[] = [];
    for await (const c of dicom.body as AsyncIterable<Buffer>) chunks.push(c);
    expect(sha256(Buffer.concat(chunks))).toBe(sha256(await readFile(files[0]!)));
    const png = await media.serve(
      `local/images/${ids[0]}/png`,
      new URLSearchParams('imageheight=64'),
    );
    expect(png.status).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    expect((await media.serve('local/images/x.dcm', new URLSearchParams())).status).toBe(404);
    expect(
      (await media.serve(`local/images/${ids[0]}/png`, new URLSearchParams('windowmin=a'))).status,
    ).toBe(400);
    expect((await media.serve('local/images/999999.dcm', new URLSearchParams())).status).toBe(404);

    const details = new ImageDetailsService(connections);
    const attributes = await details.attributes('local', ids[0]!);
    expect(attributes.find((a) => a.namePath === 'PatientName')?.values).toEqual(['anon270']);
    const nested = attributes.find((a) => a.namePath.endsWith('EnergyWindowUpperLimit'));
    expect(nested?.depth).toBe(2);
    expect(nested?.tagPath).toMatch(/^\(0054,0012\)\[1\]\.\(0054,0013\)\[\d\]\.\(0054,0015\)$/);
    expect(await details.information('local', ids[0]!)).toMatchObject({
      numberOfFrames: 1,
      maximumPixelValue: 134,
    });
    const seriesId = (await connections.client('local').flatSeries())[0]!.id;
    const s = await details.series('local', seriesId);
    expect(s.source?.sourceType).toBe('user');
    expect(Array.isArray(s.seriesTags)).toBe(true);
  });
});
