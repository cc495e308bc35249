/**
 * The export archive written to a response with its file buffers used again (exporting/zip-writer.ts
 * `writeStoredZip`, exporting/read-buffers.ts). The sink here takes a chunk's bytes only when it calls the write
 * callback, as a socket does when the kernel has copied them: a buffer used again before its callback would show
 * up as wrong bytes in the archive. yauzl reads the archive back.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ReadBuffers } from '../../src-main/localbox/exporting/read-buffers.js';
import { writeStoredZip } from '../../src-main/localbox/exporting/zip-writer.js';
import { sha256 } from './support.js';
import { readWithYauzl } from './zip-read.js';

let work: string;
const files: Array<{ name: string; path: string; sha: string }> = [];
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'zip-buffers-'));
  for (let i = 0; i < 40; i++) {
    // Sizes around 100 KB that differ, so that smaller files land in larger buffers given back.
    const data = Buffer.alloc(100_000 + ((i * 7919) % 30_000), i + 1);
    data.writeUInt32LE(i, 0);
    const path = join(work, `src-${i}`);
    writeFileSync(path, data);
    files.push({ name: `1_P/2_S/3_X/${i}.dcm`, path, sha: sha256(data) });
  }
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * A response-like sink: `write` keeps the chunk and a callback; the bytes are copied only when the callback is
 * called, a little later. Records each chunk's ArrayBuffer.
 */
function laggingSink(): { sink: Writable; archive(): Buffer; arrayBuffers: Set<ArrayBufferLike> } {
  const taken: Buffer[] = [];
  const arrayBuffers = new Set<ArrayBufferLike>();
  const sink = new Writable({
    highWaterMark: 64 * 1024,
    write(chunk: Buffer, _encoding, callback) {
      arrayBuffers.add(chunk.buffer);
      setTimeout(() => {
        taken.push(Buffer.from(chunk));
        callback();
      }, 1);
    },
  });
  return { sink, archive: () => Buffer.concat(taken), arrayBuffers };
}

test('every entry is right although file buffers are used again once their write callback has come', async () => {
  const { sink, archive, arrayBuffers } = laggingSink();
  await writeStoredZip(files, sink);
  await new Promise<void>((r) => sink.end(r));
  expect(await readWithYauzl(archive())).toEqual(files.map((f) => ({ name: f.name, sha: f.sha })));
  // 40 files, read four ahead: a handful of buffers (each small chunk, header or record, has its own).
  const fileBuffers = [...arrayBuffers].filter((b) => b.byteLength >= 100_000);
  expect(fileBuffers.length).toBeLessThanOrEqual(10);
});

test('two archives written at the same time do not share buffers', async () => {
  const a = laggingSink();
  const b = laggingSink();
  await Promise.all([
    writeStoredZip(files, a.sink),
    writeStoredZip(files.slice().reverse(), b.sink),
  ]);
  await Promise.all([a, b].map((x) => new Promise<void>((r) => x.sink.end(r))));
  expect(await readWithYauzl(a.archive())).toEqual(
    files.map((f) => ({ name: f.name, sha: f.sha })),
  );
  expect(await readWithYauzl(b.archive())).toEqual(
    files
      .slice()
      .reverse()
      .map((f) => ({ name: f.name, sha: f.sha })),
  );
});

test('the client goes away: the write rejects and stops reading files', async () => {
  let writes = 0;
  const sink = new Writable({
    write(_chunk, _encoding, callback) {
      if (++writes === 3) sink.destroy();
      callback();
    },
  });
  await expect(writeStoredZip(files, sink)).rejects.toThrow(/closed|destroyed/i);
  expect(writes).toBeLessThan(10);
});

test('a file that cannot be read rejects the write (the caller destroys the response)', async () => {
  const { sink } = laggingSink();
  const broken = [...files.slice(0, 3), { name: 'x/missing.dcm', path: join(work, 'missing') }];
  await expect(writeStoredZip(broken, sink)).rejects.toThrow(/ENOENT/);
});

test('ReadBuffers: a buffer given back serves a later request that fits; at most keepBytes are kept', () => {
  const buffers = new ReadBuffers(300 * 1024);
  const first = buffers.take(100_000);
  first.release();
  first.release(); // a second call is ignored
  expect(buffers.keptBytes).toBe(128 * 1024);
  const again = buffers.take(120_000);
  expect(again.bytes.buffer).toBe(first.bytes.buffer);
  expect(again.bytes.length).toBe(120_000);
  expect(buffers.keptBytes).toBe(0);
  // Too large for what was given back: a new buffer.
  const big = buffers.take(200_000);
  expect(big.bytes.buffer).not.toBe(first.bytes.buffer);
  big.release();
  again.release();
  // 256 KiB + 128 KiB would exceed 300 KiB: the second one given back is left to the collector.
  expect(buffers.keptBytes).toBe(256 * 1024);
});
