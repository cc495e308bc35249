/**
 * The SCP keeps a received dataset in memory (within the upload memory budget) and hands those bytes to the store
 * together with its temp file, whose flush may still be running (`written`), as HTTP uploads do
 * (ingest-from-memory.test.ts). The bytes are exactly the temp file's; over the budget there are none, and the
 * budget is given back either way.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { ScpListeners } from '../../src-main/localbox/dimse/scp-listener.js';
import { UploadMemory } from '../../src-main/localbox/storage/receive-temp.js';
import type { ReceivedTemp } from '../../src-main/localbox/storage/receive-temp.js';
import {
  datasetBytes,
  fileMetaOf,
  freePort,
  missingDcmtkTools,
  run,
  waitFor,
} from './dimse-support.js';
import { PYDICOM, testFile } from './support.js';

const CT_PATH = join(PYDICOM, 'CT_small.dcm');
const CT = testFile(CT_PATH);

interface Stored {
  bytes: Uint8Array | undefined;
  file: Buffer;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** An SCP listener whose store records what it was handed, then reads the temp file once it is written. */
async function listener(memory: UploadMemory): Promise<{ port: number; stored: Stored[] }> {
  const tmpDir = mkdtempSync(join(tmpdir(), 'scp-mem-'));
  cleanups.push(() => rmSync(tmpDir, { recursive: true, force: true }));
  const stored: Stored[] = [];
  const scps = new ScpListeners({
    host: '127.0.0.1',
    tmpDir,
    memory,
    store: async (received: ReceivedTemp) => {
      const bytes = received.bytes;
      await received.written;
      stored.push({ bytes, file: readFileSync(received.path) });
      await rm(received.path);
    },
    log: () => undefined,
  });
  cleanups.push(() => scps.stopAll());
  const port = await freePort();
  expect(await scps.start({ id: 1, name: 'memory', aeTitle: 'SLICEBOX', port })).toBe(true);
  return { port, stored };
}

async function send(port: number, times: number): Promise<void> {
  const args = ['-aec', 'SLICEBOX', '127.0.0.1', `${port}`, CT_PATH];
  const r = await run('storescu', times > 1 ? ['--repeat', `${times}`, ...args] : args);
  expect(r.code, r.stderr).toBe(0);
}

describe.skipIf(missingDcmtkTools().length > 0)('SCP datasets kept in memory', () => {
  test('a received dataset comes with its bytes, exactly the flushed temp file; the budget is given back', async () => {
    const memory = new UploadMemory();
    const { port, stored } = await listener(memory);
    await send(port, 3);
    expect(stored).toHaveLength(3);
    for (const s of stored) {
      expect(s.bytes).toBeDefined();
      expect(Buffer.from(s.bytes!).equals(s.file)).toBe(true);
      // A whole Part 10 file of the instance sent (storescu re-serialises the dataset: not byte-equal to CT).
      expect(fileMetaOf(s.file).sopInstanceUid).toBe(fileMetaOf(CT).sopInstanceUid);
      expect(s.file.length).toBeGreaterThan(datasetBytes(CT).length * 0.9);
    }
    await waitFor(() => memory.used === 0, 5000, 'the memory budget to be given back');
  });

  test('a dataset over the per-upload budget has no bytes and is still stored whole', async () => {
    const memory = new UploadMemory({ perUploadBytes: 4096, totalBytes: 1024 * 1024 });
    const { port, stored } = await listener(memory);
    await send(port, 1);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.bytes).toBeUndefined();
    expect(fileMetaOf(stored[0]!.file).sopInstanceUid).toBe(fileMetaOf(CT).sopInstanceUid);
    expect(stored[0]!.file.length).toBeGreaterThan(datasetBytes(CT).length * 0.9);
    expect(memory.used).toBe(0);
  });
});
