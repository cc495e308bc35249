/**
 * Copies of one image in one drop (issue 10, finding 2), against a real local box over HTTP: MR_small
 * and its five re-encodings (same SOP Instance UID) dropped in many orders always give the same
 * outcome — the MR patient arrives, exactly one copy is stored (the preferred one: MR_small.dcm), the
 * others say which copy was stored; a copy the server rejects never makes the others "duplicates";
 * rejections name the SOP class and transfer syntax; a job stopped mid-way and resumed by a new service
 * reaches the same outcome.
 */
import { copyFile, mkdir, mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FileRef, ImportJob } from '../../src-preload/contract.js';
import { openCacheDb } from '../../src-main/services/cache/cache-db.js';
import { ConnectionService } from '../../src-main/services/connections/connection-service.js';
import {
  ImportService,
  type ImportClient,
  type ImportConnections,
} from '../../src-main/services/imports/import-service.js';
import { startLocalbox } from '../../src-main/localbox/server.js';
import { SliceboxUnreachableError } from '../../src-main/slicebox/client.js';
import { pydicomFile } from '../fixtures/paths.js';

const MR_UID = '1.3.6.1.4.1.5962.1.1.4.1.1.20040826185059.5457';
/** MR_small.dcm and its five re-encodings, as the folder held them. */
const FAMILY = [
  'MR_small.dcm',
  'MR_small_RLE.dcm',
  'MR_small_bigendian.dcm',
  'MR_small_implicit.dcm',
  'MR_small_jp2klossless.dcm',
  'MR_small_jpeg_ls_lossless.dcm',
];
const REFUSED_ENCODINGS: Record<string, string> = {
  'MR_small_RLE.dcm': 'RLE Lossless',
  'MR_small_jp2klossless.dcm': 'JPEG 2000 Image Compression (Lossless Only)',
  'MR_small_jpeg_ls_lossless.dcm': 'JPEG-LS Lossless Image Compression',
};

/** A small seeded PRNG (mulberry32), so the shuffled orders are the same on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const random = seeded(seed);
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Every rotation of the list, then seeded shuffles: orders in which each file comes first. */
function orders<T>(items: readonly T[], shuffles: number): T[][] {
  const out: T[][] = items.map((_, r) => [...items.slice(r), ...items.slice(0, r)]);
  for (let seed = 1; seed <= shuffles; seed++) out.push(shuffled(items, seed));
  return out;
}

type Outcome = Record<string, { state: string; reason?: string; hint?: string }>;

function outcomeOf(job: ImportJob): Outcome {
  const out: Outcome = {};
  for (const f of job.files) {
    out[f.name] = { state: f.state, reason: f.reason };
    if (f.hint) out[f.name]!.hint = f.hint;
  }
  return out;
}

interface Box {
  close: () => Promise<void>;
  connections: ConnectionService;
}

const boxes: Box[] = [];

async function freshBox(): Promise<Box> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sbx-import-copies-'));
  const box = await startLocalbox({
    dataDir,
    port: 0,
    superuser: { user: 'desk', password: 'top-secret' },
  });
  const connections = new ConnectionService(() => undefined);
  connections.add({
    id: 'local',
    name: 'Local box',
    url: box.url,
    kind: 'local',
    user: 'desk',
    password: 'top-secret',
  });
  const out = { close: () => box.close(), connections };
  boxes.push(out);
  return out;
}

async function refs(names: readonly string[], folder?: Record<string, string>): Promise<FileRef[]> {
  return Promise.all(
    names.map(async (name) => {
      const path = folder?.[name] ?? pydicomFile(name);
      return { path, name, size: (await stat(path)).size };
    }),
  );
}

/** What the box holds: every image with its bytes, and the MR patient. */
async function onServer(box: Box) {
  const client = box.connections.client('local');
  const images = (await client.queryImages({
    startIndex: 0,
    count: 100,
    queryProperties: [],
  })) as { id: number; sopInstanceUID: { value: string } }[];
  const patients = await client.patients({ count: 100 });
  return { client, images, patients };
}

afterEach(async () => {
  for (const box of boxes.splice(0)) await box.close();
});

describe('copies of one image in a drop (real local box)', () => {
  it('stores MR_small.dcm and names it for the other five, in every order', async () => {
    const outcomes: Outcome[] = [];
    const original = await readFile(pydicomFile('MR_small.dcm'));
    for (const order of orders(FAMILY, 4)) {
      const box = await freshBox();
      const imports = new ImportService(box.connections, () => undefined, { concurrency: 4 });
      const started = await imports.start('local', `Family ${order.join(',')}`, await refs(order));
      const job = await imports.whenSettled(started.id);
      imports.stop();

      expect(job.state).toBe('done');
      const byName = Object.fromEntries(job.files.map((f) => [f.name, f]));
      expect(byName['MR_small.dcm']?.state).toBe('added');
      for (const name of FAMILY.slice(1)) {
        expect(byName[name]).toMatchObject({
          state: 'skipped',
          reason: 'Same image as MR_small.dcm, which was stored',
          sameImageAs: 'MR_small.dcm',
        });
      }
      expect(byName['MR_small.dcm']?.sameImageAs).toBeUndefined();
      expect(job.counts).toEqual({ added: 1, present: 0, rejected: 0, failed: 0, skipped: 5 });

      // The MR patient arrived, with exactly one image: the bytes of MR_small.dcm itself.
      const { client, images, patients } = await onServer(box);
      expect(patients.map((p) => p.patientName.value)).toEqual(['CompressedSamples^MR1']);
      expect(images).toHaveLength(1);
      expect(images[0]?.sopInstanceUID.value).toBe(MR_UID);
      expect(images[0]?.id).toBe(byName['MR_small.dcm']?.imageId);
      expect(Buffer.compare(await client.downloadImage(images[0]!.id), original)).toBe(0);
      const session = await client.importSession(job.sessionId!);
      expect(session).toMatchObject({ filesImported: 1, filesAdded: 1, filesRejected: 0 });
      outcomes.push(outcomeOf(job));
    }
    expect(outcomes).toHaveLength(FAMILY.length + 4);
    for (const outcome of outcomes) expect(outcome).toEqual(outcomes[0]);
  });

  it('without MR_small.dcm stores the first accepted copy by path: the big endian one', async () => {
    const names = FAMILY.slice(1);
    const outcomes: Outcome[] = [];
    for (const order of orders(names, 2)) {
      const box = await freshBox();
      const imports = new ImportService(box.connections, () => undefined);
      const job = await imports.whenSettled(
        (await imports.start('local', 'Re-encodings', await refs(order))).id,
      );
      imports.stop();
      const byName = Object.fromEntries(job.files.map((f) => [f.name, f]));
      expect(byName['MR_small_bigendian.dcm']?.state).toBe('added');
      expect(byName['MR_small_implicit.dcm']?.reason).toBe(
        'Same image as MR_small_bigendian.dcm, which was stored',
      );
      expect((await onServer(box)).images).toHaveLength(1);
      outcomes.push(outcomeOf(job));
    }
    for (const outcome of outcomes) expect(outcome).toEqual(outcomes[0]);
  });

  it('a rejected copy does not stand in the way: refused encodings and a damaged copy', async () => {
    // A damaged copy that sorts first by path is tried first (it looks acceptable), is rejected, and
    // the good copy is stored after it; the refused encodings are not sent at all.
    const dir = await mkdtemp(join(tmpdir(), 'sbx-import-damaged-'));
    await mkdir(join(dir, 'a'));
    await mkdir(join(dir, 'b'));
    const folder: Record<string, string> = {
      'a/MR_truncated.dcm': join(dir, 'a', 'MR_truncated.dcm'),
      'b/MR_small.dcm': join(dir, 'b', 'MR_small.dcm'),
    };
    await copyFile(pydicomFile('MR_truncated.dcm'), folder['a/MR_truncated.dcm']!);
    await copyFile(pydicomFile('MR_small.dcm'), folder['b/MR_small.dcm']!);
    const names = ['a/MR_truncated.dcm', 'b/MR_small.dcm', 'MR_small_jpeg_ls_lossless.dcm'];
    const outcomes: Outcome[] = [];
    for (const order of orders(names, 1)) {
      const box = await freshBox();
      const imports = new ImportService(box.connections, () => undefined);
      const job = await imports.whenSettled(
        (await imports.start('local', 'Damaged first', await refs(order, folder))).id,
      );
      imports.stop();
      const byName = Object.fromEntries(job.files.map((f) => [f.name, f]));
      expect(byName['b/MR_small.dcm']?.state).toBe('added');
      expect(byName['a/MR_truncated.dcm']).toMatchObject({
        state: 'rejected',
        reason: 'The file is damaged: it ends before its data does (truncated)',
        hint: 'The same image was stored from b/MR_small.dcm.',
        detail: 'DICOM file is truncated',
        sameImageAs: 'b/MR_small.dcm',
      });
      expect(byName['MR_small_jpeg_ls_lossless.dcm']).toMatchObject({
        state: 'skipped',
        reason: 'Same image as b/MR_small.dcm, which was stored',
      });
      const { images, patients } = await onServer(box);
      expect(images).toHaveLength(1);
      expect(patients.map((p) => p.patientName.value)).toEqual(['CompressedSamples^MR1']);
      outcomes.push(outcomeOf(job));
    }
    for (const outcome of outcomes) expect(outcome).toEqual(outcomes[0]);
  });

  it('rejections name the SOP class and transfer syntax, with a hint; the server’s words are kept', async () => {
    const names = [...Object.keys(REFUSED_ENCODINGS), 'SC_rgb_small_odd.dcm', 'JPEG2000.dcm'];
    const outcomes: Outcome[] = [];
    for (const order of orders(names, 2)) {
      const box = await freshBox();
      const imports = new ImportService(box.connections, () => undefined);
      const job = await imports.whenSettled(
        (await imports.start('local', 'Refused', await refs(order))).id,
      );
      imports.stop();
      const byName = Object.fromEntries(job.files.map((f) => [f.name, f]));
      // No copy of the MR image is accepted: each one is tried, and each says why it was refused.
      for (const [name, syntax] of Object.entries(REFUSED_ENCODINGS)) {
        expect(byName[name]?.state).toBe('rejected');
        expect(byName[name]?.reason).toBe(
          `Transfer syntax not accepted: ${syntax} (MR Image Storage)`,
        );
        expect(byName[name]?.hint).toMatch(/Decompress the file/);
        expect(byName[name]?.detail).toMatch(
          /presentation context \[SOPClassUID = 1\.2\.840\.10008\.5\.1\.4\.1\.1\.4, TransferSyntaxUID = 1\.2\.840\.10008\.1\.2\.[\d.]+\] is not supported/,
        );
      }
      expect(byName['SC_rgb_small_odd.dcm']).toMatchObject({
        state: 'rejected',
        reason:
          'Import does not take secondary captures: Secondary Capture Image Storage (Explicit VR Little Endian)',
      });
      expect(byName['SC_rgb_small_odd.dcm']?.hint).toMatch(/plain upload .*POST \/api\/images/);
      expect(byName['SC_rgb_small_odd.dcm']?.detail).toMatch(/1\.2\.840\.10008\.5\.1\.4\.1\.1\.7,/);
      expect(byName['JPEG2000.dcm']?.reason).toBe(
        'Neither the kind of object nor the transfer syntax is accepted: Secondary Capture Image Storage in JPEG 2000 Image Compression',
      );
      expect(job.counts).toMatchObject({ added: 0, rejected: 5 });
      expect((await onServer(box)).patients).toEqual([]);
      outcomes.push(outcomeOf(job));
    }
    for (const outcome of outcomes) expect(outcome).toEqual(outcomes[0]);
  });
});

/** The real client, with one upload held at a gate: the app "closes" while it is in flight. */
class HeldClient implements ImportClient {
  uploads = 0;
  private release?: () => void;
  readonly held: Promise<void>;
  private reached!: () => void;

  constructor(
    private readonly inner: ImportClient,
    private readonly holdAt: number,
    private readonly reachesServer: boolean,
  ) {
    this.held = new Promise((resolve) => (this.reached = resolve));
  }

  createImportSession(name: string) {
    return this.inner.createImportSession(name);
  }

  queryImages(query: Parameters<ImportClient['queryImages']>[0]) {
    return this.inner.queryImages(query);
  }

  health() {
    return this.inner.health();
  }

  async uploadFileToImportSession(sessionId: number, path: string) {
    this.uploads += 1;
    if (this.uploads !== this.holdAt) return this.inner.uploadFileToImportSession(sessionId, path);
    const gate = new Promise<void>((resolve) => (this.release = resolve));
    this.reached();
    await gate;
    if (this.reachesServer) return this.inner.uploadFileToImportSession(sessionId, path);
    throw new SliceboxUnreachableError('import image', new Error('socket closed by the app'));
  }

  open(): void {
    this.release?.();
  }
}

describe('a job with copies, stopped mid-way and resumed by a new service', () => {
  // Sorted first by path, the damaged copy is rejected; the app closes while MR_small.dcm is sent.
  const names = [
    'c/MR_small_implicit.dcm',
    'MR_small_RLE.dcm',
    'b/MR_small.dcm',
    'a/MR_truncated.dcm',
  ];

  async function setUp() {
    const dir = await mkdtemp(join(tmpdir(), 'sbx-import-resume-'));
    const folder: Record<string, string> = {
      'a/MR_truncated.dcm': join(dir, 'a', 'MR_truncated.dcm'),
      'b/MR_small.dcm': join(dir, 'b', 'MR_small.dcm'),
      'c/MR_small_implicit.dcm': join(dir, 'c', 'MR_small_implicit.dcm'),
    };
    for (const sub of ['a', 'b', 'c']) await mkdir(join(dir, sub));
    await copyFile(pydicomFile('MR_truncated.dcm'), folder['a/MR_truncated.dcm']!);
    await copyFile(pydicomFile('MR_small.dcm'), folder['b/MR_small.dcm']!);
    await copyFile(pydicomFile('MR_small_implicit.dcm'), folder['c/MR_small_implicit.dcm']!);
    return { dir, files: await refs(names, folder) };
  }

  async function uninterrupted(files: FileRef[]): Promise<Outcome> {
    const box = await freshBox();
    const imports = new ImportService(box.connections, () => undefined);
    const job = await imports.whenSettled((await imports.start('local', 'Whole', files)).id);
    imports.stop();
    return outcomeOf(job);
  }

  async function interrupted(files: FileRef[], dir: string, reachesServer: boolean) {
    const box = await freshBox();
    const real = box.connections.client('local');
    const held = new HeldClient(real, 2, reachesServer);
    const connections: ImportConnections = {
      client: () => held,
      noteFailure: () => undefined,
    };
    const db = openCacheDb(join(dir, reachesServer ? 'reached.sqlite' : 'cut.sqlite'));
    const jobsDir = join(dir, 'jobs');
    const first = new ImportService(connections, () => undefined, { db, jobsDir });
    const started = await first.start('local', 'Interrupted', files);
    await held.held; // the first copy was rejected; the second is in flight
    const before = first.get(started.id);
    expect(before.files.filter((f) => f.state === 'rejected').map((f) => f.name)).toEqual([
      'a/MR_truncated.dcm',
    ]);
    expect(before.files.find((f) => f.name === 'b/MR_small.dcm')?.state).toBe('uploading');
    first.stop();
    held.open();
    await new Promise((resolve) => setTimeout(resolve, 200));

    const second = new ImportService(
      { client: () => real, noteFailure: () => undefined },
      () => undefined,
      { db, jobsDir },
    );
    const job = await second.whenSettled(started.id);
    second.stop();
    db.close();
    expect(job.state).toBe('done');
    const { images } = await onServer(box);
    expect(images).toHaveLength(1);
    return job;
  }

  it('reaches the same outcome when the interrupted upload never reached the server', async () => {
    const { dir, files } = await setUp();
    const expected = await uninterrupted(files);
    expect(expected['b/MR_small.dcm']?.state).toBe('added');
    const job = await interrupted(files, dir, false);
    expect(outcomeOf(job)).toEqual(expected);
  });

  it('stores the same copy when the interrupted upload did reach the server', async () => {
    const { dir, files } = await setUp();
    const expected = await uninterrupted(files);
    const job = await interrupted(files, dir, true);
    const outcome = outcomeOf(job);
    // The one difference: the stored copy was found on the server after the restart.
    expect(outcome['b/MR_small.dcm']).toEqual({
      state: 'present',
      reason: 'The server already had it: it was being sent when the app closed',
    });
    delete outcome['b/MR_small.dcm'];
    delete expected['b/MR_small.dcm'];
    expect(outcome).toEqual(expected);
  });
});
