/**
 * Uploads received into memory (storage/receive-temp.ts) are validated from their bytes while the temp file is
 * written (images/ingest.ts); the durability order stays: nothing is renamed into place before the temp file is
 * written and flushed, and the temp file is removed only after its write has settled.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, expect, test, vi } from 'vitest';
import { DicomError } from '../../src-main/localbox/dicom/errors.js';
import { extractMetadata } from '../../src-main/localbox/dicom/metadata.js';
import { validateDicomBytes, validateDicomFile } from '../../src-main/localbox/dicom/parse.js';
import { openEngine } from '../../src-main/localbox/engine.js';
import type { Engine } from '../../src-main/localbox/engine.js';
import { FileStore } from '../../src-main/localbox/storage/file-store.js';
import type { ReceivedTemp } from '../../src-main/localbox/storage/receive-temp.js';
import { newDataDir, PYDICOM, sha256, testFile } from './support.js';

const source = { sourceType: 'user' as const, sourceName: 'admin', sourceId: 1 };
const CT = testFile(join(PYDICOM, 'CT_small.dcm'));

let engine: Engine | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await engine?.close();
  engine = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function dataDir(): string {
  const d = newDataDir();
  dirs.push(d);
  return d;
}

async function open(): Promise<Engine> {
  engine = await openEngine({
    dataDir: dataDir(),
    superuser: { user: 'admin', password: 'admin' },
    sessionTimeoutMs: 60_000,
  });
  return engine;
}

/** The bytes in chunks of 4 KiB, as a socket would deliver them. */
function chunked(bytes: Uint8Array, size = 4096): Readable {
  const chunks: Buffer[] = [];
  for (let o = 0; o < bytes.length; o += size)
    chunks.push(Buffer.from(bytes.subarray(o, o + size)));
  return Readable.from(chunks);
}

function deferred(): {
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: Error) => void;
} {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

test('a small upload is kept in memory and written to its temp file, flushed', async () => {
  const files = new FileStore(dataDir());
  const received = await files.receiveTemp(chunked(CT));
  expect(received.bytes && sha256(received.bytes)).toBe(sha256(CT));
  await received.written;
  expect(sha256(readFileSync(received.path))).toBe(sha256(CT));
  expect(files.uploadMemory.used).toBe(0);
});

test('an upload over the memory limit streams to its file and has no bytes', async () => {
  const files = new FileStore(dataDir(), { perUploadBytes: 16 * 1024, totalBytes: 1024 * 1024 });
  const received = await files.receiveTemp(chunked(CT));
  expect(received.bytes).toBeUndefined();
  await received.written;
  expect(sha256(readFileSync(received.path))).toBe(sha256(CT));
  expect(files.uploadMemory.used).toBe(0);
});

test('uploads beyond the total memory budget stream to their files', async () => {
  const files = new FileStore(dataDir(), {
    perUploadBytes: 1024 * 1024,
    totalBytes: CT.length + 1000,
  });
  // The first holds its bytes until its write has settled; the second does not fit beside it.
  const first = await files.receiveTemp(chunked(CT));
  const second = await files.receiveTemp(chunked(CT));
  expect(first.bytes).toBeDefined();
  expect(second.bytes).toBeUndefined();
  await Promise.all([first.written, second.written]);
  for (const r of [first, second]) expect(sha256(readFileSync(r.path))).toBe(sha256(CT));
  expect(files.uploadMemory.used).toBe(0);
});

test('a body that fails while arriving leaves nothing behind', async () => {
  for (const limits of [undefined, { perUploadBytes: 8 * 1024, totalBytes: 1024 * 1024 }]) {
    const files = new FileStore(dataDir(), limits);
    const body = new Readable({ read() {} });
    body.push(CT.subarray(0, 20_000));
    setImmediate(() => body.destroy(new Error('connection reset')));
    await expect(files.receiveTemp(body)).rejects.toThrow('connection reset');
    expect(readdirSync(files.tmpDir)).toEqual([]);
    expect(files.uploadMemory.used).toBe(0);
  }
});

test('validation runs from the bytes before the file is written; nothing is stored before it is', async () => {
  const e = await open();
  const jobs = vi.spyOn(e.codec, 'run');
  const path = join(e.files.tmpDir, 'upload.part');
  const written = deferred();
  const received: ReceivedTemp = { path, bytes: new Uint8Array(CT), written: written.promise };
  const stored = e.ingest.ingest(received, { source, sopClasses: 'image-data-and-extended' });
  // The validation job got the bytes and finished, while the temp file does not even exist yet.
  await vi.waitFor(() => expect(jobs).toHaveBeenCalledTimes(1));
  const [kind, input] = jobs.mock.calls[0] as unknown as [string, { bytes?: Uint8Array }];
  expect(kind).toBe('ingest.prepare');
  expect(input.bytes).toBeDefined();
  await jobs.mock.results[0]?.value;
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(existsSync(path)).toBe(false);
  expect(readdirSync(e.files.dicomDir)).toEqual([]);
  expect(e.metadata.allImageIds()).toEqual([]);
  // The temp file is written and flushed: now it is stored, byte for byte.
  await writeFile(path, CT);
  written.resolve();
  const result = await stored;
  expect(sha256(readFileSync(e.files.pathOf(result.image.id)))).toBe(sha256(CT));
  expect(readdirSync(e.files.tmpDir)).toEqual([]);
});

test('a refused upload removes its temp file only after the write has settled', async () => {
  const e = await open();
  const path = join(e.files.tmpDir, 'refused.part');
  const written = deferred();
  const garbage = new Uint8Array(2000).fill(7);
  let settled = false;
  const stored = e.ingest
    .ingest(
      // A copy: the bytes are moved to the worker.
      { path, bytes: garbage.slice(), written: written.promise },
      { source, sopClasses: 'image-data-and-extended' },
    )
    .finally(() => {
      settled = true;
    });
  stored.catch(() => undefined);
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(settled).toBe(false);
  // The write finishes after the refusal: the file it created is removed, not left behind.
  await writeFile(path, garbage);
  written.resolve();
  await expect(stored).rejects.toBeInstanceOf(DicomError);
  expect(readdirSync(e.files.tmpDir)).toEqual([]);
  expect(e.metadata.allImageIds()).toEqual([]);
});

test('a temp file that cannot be written fails the store, and nothing is stored', async () => {
  const e = await open();
  const written = deferred();
  const stored = e.ingest.ingest(
    {
      path: join(e.files.tmpDir, 'lost.part'),
      bytes: new Uint8Array(CT),
      written: written.promise,
    },
    { source, sopClasses: 'image-data-and-extended' },
  );
  written.reject(new Error('ENOSPC: no space left on device'));
  await expect(stored).rejects.toThrow('ENOSPC');
  expect(readdirSync(e.files.dicomDir)).toEqual([]);
  expect(e.metadata.allImageIds()).toEqual([]);
});

test('validation from bytes gives the same result as from the file, on every test file', async () => {
  const outcome = async (parse: () => ReturnType<typeof validateDicomFile>) => {
    try {
      const p = await parse();
      return { sop: p.sopClassUid, ts: p.transferSyntaxUid, metadata: extractMetadata(p.dataSet) };
    } catch (e) {
      if (!(e instanceof DicomError)) throw e;
      return { error: e.message };
    }
  };
  const names = readdirSync(PYDICOM).filter((f) => f.endsWith('.dcm'));
  expect(names.length).toBeGreaterThan(40);
  for (const name of names) {
    const file = join(PYDICOM, name);
    const bytes = readFileSync(file);
    for (const initialHeadBytes of [undefined, 300]) {
      expect(await outcome(() => validateDicomBytes(bytes, { initialHeadBytes })), name).toEqual(
        await outcome(() => validateDicomFile(file, { initialHeadBytes })),
      );
    }
  }
});

test('the temp file is created while the upload arrives, and written when it is complete', async () => {
  const files = new FileStore(dataDir());
  const body = new Readable({ read() {} });
  body.push(CT.subarray(0, 10_000));
  const receiving = files.receiveTemp(body);
  // Created (empty) before the last byte is in.
  await vi.waitFor(() => expect(readdirSync(files.tmpDir)).toHaveLength(1));
  const [name] = readdirSync(files.tmpDir);
  expect(readFileSync(join(files.tmpDir, name as string))).toHaveLength(0);
  body.push(CT.subarray(10_000));
  body.push(null);
  const received = await receiving;
  await received.written;
  expect(received.path).toBe(join(files.tmpDir, name as string));
  expect(sha256(readFileSync(received.path))).toBe(sha256(CT));
});

test('an upload kept in memory above the synchronous-write size is written on the pool, whole', async () => {
  const files = new FileStore(dataDir());
  const big = Buffer.alloc(6 * 1024 * 1024);
  for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
  const received = await files.receiveTemp(chunked(big, 65536));
  expect(received.bytes).toBeDefined();
  await received.written;
  expect(sha256(readFileSync(received.path))).toBe(sha256(big));
  expect(files.uploadMemory.used).toBe(0);
});
