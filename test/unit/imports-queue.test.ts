/**
 * The import queue against a fake server: bounded concurrency, per-file outcomes, pause / resume /
 * cancel / retry failed, waiting for a lost server with backoff, and resuming from the cache DB after a
 * restart without sending a settled file twice.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ImportJob } from '../../src-preload/contract.js';
import { SliceboxHttpError, SliceboxUnreachableError } from '../../src-main/slicebox/client.js';
import { openCacheDb, type CacheDb } from '../../src-main/services/cache/cache-db.js';
import {
  ImportService,
  type ImportClient,
  type ImportConnections,
} from '../../src-main/services/imports/import-service.js';
import { backoffMs, etaSeconds, Throughput } from '../../src-main/services/imports/throughput.js';

/** A Part-10 file with the given SOP Instance UID (explicit VR little endian). */
function dicomBytes(uid: string, padding = 0): Buffer {
  const el = (group: number, element: number, vr: string, value: string) => {
    const v = Buffer.from(value.length % 2 ? value + '\0' : value, 'latin1');
    const head = Buffer.alloc(8);
    head.writeUInt16LE(group, 0);
    head.writeUInt16LE(element, 2);
    head.write(vr, 4, 'latin1');
    head.writeUInt16LE(v.length, 6);
    return Buffer.concat([head, v]);
  };
  const meta = Buffer.concat([
    el(2, 0x0002, 'UI', '1.2.840.10008.5.1.4.1.1.7'),
    el(2, 0x0003, 'UI', uid),
    el(2, 0x0010, 'UI', '1.2.840.10008.1.2.1'),
  ]);
  const groupLength = Buffer.alloc(12);
  groupLength.writeUInt16LE(2, 0);
  groupLength.writeUInt16LE(0, 2);
  groupLength.write('UL', 4, 'latin1');
  groupLength.writeUInt16LE(4, 6);
  groupLength.writeUInt32LE(meta.length, 8);
  const body = Buffer.concat([
    el(8, 0x0016, 'UI', '1.2.840.10008.5.1.4.1.1.7'),
    el(8, 0x0018, 'UI', uid),
    el(0x10, 0x0010, 'PN', 'Test^Patient'),
    el(0x10, 0x4000, 'LT', 'x'.repeat(padding)),
  ]);
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), groupLength, meta, body]);
}

class FakeServer implements ImportClient {
  readonly stored = new Map<string, number>();
  readonly uploads: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  down = false;
  queryable = true;
  delayMs = 5;
  sessions = 0;
  private nextId = 1;
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;

  hold(): void {
    this.gate = new Promise((resolve) => (this.openGate = resolve));
  }

  release(): void {
    this.openGate?.();
    this.gate = undefined;
  }

  private unreachable(op: string): never {
    throw new SliceboxUnreachableError(op, new Error('ECONNREFUSED'));
  }

  async createImportSession(): Promise<{ id: number }> {
    if (this.down) this.unreachable('create import session');
    this.sessions += 1;
    return { id: 7 };
  }

  async health(): Promise<void> {
    if (this.down) this.unreachable('health');
  }

  async queryImages(query: { queryProperties: { propertyValue: string }[] }): Promise<unknown[]> {
    if (this.down) this.unreachable('query images');
    if (!this.queryable) throw new SliceboxHttpError(404, 'Not found', 'query images');
    const uid = query.queryProperties[0]!.propertyValue;
    return this.stored.has(uid) ? [{ id: this.stored.get(uid) }] : [];
  }

  async uploadFileToImportSession(_session: number, path: string) {
    if (this.down) this.unreachable('import image');
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      if (this.gate) await this.gate;
      if (this.down) this.unreachable('import image');
      const bytes = await readFile(path);
      if (bytes.toString('latin1', 128, 132) !== 'DICM')
        throw new SliceboxHttpError(400, 'Dataset could not be read', 'import image');
      const uid = /1\.2\.3\.[\d.]+/.exec(bytes.toString('latin1'))?.[0] ?? path;
      this.uploads.push(uid);
      const known = this.stored.get(uid);
      if (known !== undefined)
        return { outcome: 'present' as const, image: { id: known } as never };
      const id = this.nextId++;
      this.stored.set(uid, id);
      return { outcome: 'added' as const, image: { id } as never };
    } finally {
      this.inFlight -= 1;
    }
  }
}

function connectionsFor(server: FakeServer): ImportConnections {
  return { client: () => server, noteFailure: () => undefined };
}

describe('import queue', () => {
  let dir: string;
  let db: CacheDb;
  let server: FakeServer;
  const events: ImportJob[] = [];
  const services: ImportService[] = [];

  const make = (options: Partial<ConstructorParameters<typeof ImportService>[2]> = {}) => {
    const service = new ImportService(
      connectionsFor(server),
      (_event, payload) => events.push(payload as ImportJob),
      { db, jobsDir: join(dir, 'jobs'), retryBaseMs: 20, retryMaxMs: 80, ...options },
    );
    services.push(service);
    return service;
  };

  const files = async (count: number, prefix = 'f') => {
    const out = [];
    for (let i = 0; i < count; i++) {
      const path = join(dir, `${prefix}${i}.dcm`);
      const bytes = dicomBytes(`1.2.3.${prefix.length}.${i}`, 200);
      await writeFile(path, bytes);
      out.push({ path, name: `${prefix}${i}.dcm`, size: bytes.length });
    }
    return out;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sbx-queue-'));
    db = openCacheDb(join(dir, 'cache.sqlite'));
    server = new FakeServer();
    events.length = 0;
  });

  afterEach(() => {
    for (const s of services.splice(0)) s.stop();
    db.close();
  });

  it('sends with bounded concurrency and records every outcome', async () => {
    const service = make({ concurrency: 3 });
    const good = await files(12);
    const broken = join(dir, 'broken.dcm');
    await writeFile(broken, 'not dicom at all');
    const notes = join(dir, 'notes.txt');
    await writeFile(notes, 'hello');
    const dup = join(dir, 'copy of f0.dcm');
    await writeFile(dup, await readFile(good[0]!.path));
    server.stored.set('1.2.3.1.5', 99); // the server has f5 already
    const job = await service.start('c', 'Drop', [
      ...good,
      { path: broken, name: 'broken.dcm', size: 16 },
      { path: notes, name: 'notes.txt', size: 5 },
      { path: dup, name: 'copy of f0.dcm', size: good[0]!.size },
    ]);
    const done = await service.whenSettled(job.id);
    expect(done.state).toBe('done');
    expect(server.maxInFlight).toBe(3);
    expect(done.counts).toEqual({ added: 11, present: 1, rejected: 1, failed: 0, skipped: 2 });
    const byName = Object.fromEntries(done.files.map((f) => [f.name, f]));
    expect(byName['f5.dcm']).toMatchObject({ state: 'present', imageId: 99 });
    expect(byName['f5.dcm']?.reason).toMatch(/Already on the server/);
    expect(byName['notes.txt']?.reason).toMatch(/Not a DICOM Part-10 file/);
    // Two copies of one image: the first by path ("copy of f0.dcm" < "f0.dcm") is stored.
    expect(byName['copy of f0.dcm']?.state).toBe('added');
    expect(byName['f0.dcm']).toMatchObject({
      state: 'skipped',
      reason: 'Same image as copy of f0.dcm, which was stored',
    });
    expect(byName['broken.dcm']).toMatchObject({ state: 'rejected' });
    expect(server.uploads).not.toContain('1.2.3.1.5');
    expect(done.filesDone).toBe(done.filesTotal);
    expect(done.bytesDone).toBe(done.bytesTotal);
    expect(events.at(-1)).toMatchObject({ id: job.id, state: 'done' });
  });

  it('uploads anyway when the server has no image query', async () => {
    server.queryable = false;
    const service = make();
    const list = await files(3);
    server.stored.set('1.2.3.1.1', 5);
    const job = await service.start('c', 'Drop', list);
    const done = await service.whenSettled(job.id);
    expect(done.counts).toMatchObject({ added: 2, present: 1 });
    expect(server.uploads).toHaveLength(3);
  });

  it('pauses, resumes and cancels', async () => {
    const service = make({ concurrency: 1 });
    server.delayMs = 20;
    const job = await service.start('c', 'Drop', await files(20));
    await expect.poll(() => server.uploads.length).toBeGreaterThan(1);
    service.pause(job.id);
    const paused = await service.whenSettled(job.id, 5_000, { orPaused: true });
    expect(paused.state).toBe('paused');
    const sent = server.uploads.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.uploads.length).toBe(sent);
    service.resume(job.id);
    await expect.poll(() => server.uploads.length).toBeGreaterThan(sent + 1);
    service.cancel(job.id);
    const cancelled = await service.whenSettled(job.id);
    expect(cancelled.state).toBe('cancelled');
    const skipped = cancelled.files.filter((f) => f.state === 'skipped');
    expect(skipped.length + cancelled.counts.added).toBe(20);
    expect(skipped[0]?.reason).toBe('Cancelled before it was sent');
    expect(cancelled.counts.added).toBe(server.uploads.length);
  });

  it('waits for a lost server, then goes on by itself', async () => {
    const service = make({ concurrency: 2 });
    server.delayMs = 20;
    const job = await service.start('c', 'Drop', await files(10));
    await expect.poll(() => server.uploads.length).toBeGreaterThan(2);
    server.hold();
    await expect.poll(() => server.inFlight).toBe(2);
    server.down = true;
    server.release();
    await expect.poll(() => service.get(job.id).state).toBe('waiting');
    expect(service.get(job.id).error).toMatch(/unreachable/);
    await new Promise((resolve) => setTimeout(resolve, 150));
    server.down = false;
    const done = await service.whenSettled(job.id);
    expect(done.state).toBe('done');
    expect(done.counts).toMatchObject({ added: 10, failed: 0 });
    expect(new Set(server.uploads).size).toBe(10);
  });

  it('fails a file on a non-network error and retries failed files on demand', async () => {
    const service = make();
    const list = await files(2);
    const missing = { path: join(dir, 'gone.dcm'), name: 'gone.dcm', size: 10 };
    const job = await service.start('c', 'Drop', [...list, missing]);
    const done = await service.whenSettled(job.id);
    expect(done.counts).toMatchObject({ added: 2, failed: 1 });
    expect(done.files.find((f) => f.name === 'gone.dcm')?.reason).toMatch(/ENOENT/);
    await writeFile(missing.path, dicomBytes('1.2.3.9.9'));
    service.retryFailed(job.id);
    const again = await service.whenSettled(job.id);
    expect(again.counts).toMatchObject({ added: 3, failed: 0 });
  });

  it('resumes an unfinished job after a restart, sending no settled file twice', async () => {
    const first = make({ concurrency: 2 });
    server.delayMs = 20;
    const list = await files(10);
    const job = await first.start('c', 'Restart me', list);
    await expect.poll(() => server.uploads.length).toBeGreaterThanOrEqual(4);
    server.hold(); // two uploads are in flight when the app "closes"
    await expect.poll(() => server.inFlight).toBe(2);
    first.stop();
    server.release();
    await new Promise((resolve) => setTimeout(resolve, 30));
    const before = server.uploads.length;

    const second = make({ concurrency: 2 });
    const resumed = await second.whenSettled(job.id);
    expect(resumed.state).toBe('done');
    expect(resumed.filesDone).toBe(10);
    expect(resumed.counts.added + resumed.counts.present).toBe(10);
    expect(new Set(server.uploads).size).toBe(10);
    // The two in flight at the close reached the server: after the restart they are found there.
    const interrupted = resumed.files.filter((f) => f.state === 'present');
    expect(interrupted.length).toBe(2);
    for (const f of interrupted) expect(f.reason).toBeTruthy();
    expect(server.uploads).toHaveLength(10); // nothing was sent twice
    expect(before).toBeLessThan(10);
    expect(server.sessions).toBe(2); // the session was reopened by name
  });
});

describe('throughput and backoff', () => {
  it('measures only sent bytes over a sliding window and gives an ETA', () => {
    const t = new Throughput(10_000, 1_000);
    t.start(0);
    t.add(1_000_000, 500);
    expect(t.rate(500)).toBeUndefined();
    t.add(1_000_000, 2_000);
    expect(t.rate(2_000)).toBe(1_000_000);
    expect(etaSeconds(5_000_000, t.rate(2_000))).toBe(5);
    t.add(1_000_000, 30_000);
    expect(t.rate(30_000)).toBe(100_000); // one MB in the last 10 s
    t.stop();
    expect(t.rate(31_000)).toBeUndefined();
    expect(etaSeconds(10, undefined)).toBeUndefined();
  });

  it('doubles the wait up to the cap', () => {
    expect([0, 1, 2, 3, 10].map((n) => backoffMs(n, 1000, 30_000))).toEqual([
      1000, 2000, 4000, 8000, 30_000,
    ]);
  });
});
