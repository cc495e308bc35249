/**
 * `readFileMeta` and `readFileMetaSync` (the worker's `fileMetas` job), which the SCU reads every image's file meta
 * information with before it opens an association: a real file, a meta group longer than the first read, a file
 * that is nothing but its meta, a missing file.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  fileMetaHeader,
  parseFileMeta,
  readFileMeta as readAsync,
  readFileMetaSync,
} from '../../src-main/localbox/dimse/part10.js';
import type { StoredFileMeta } from '../../src-main/localbox/dimse/part10.js';

const CT = '/work/shared/testdata/dicom/pydicom/CT_small.dcm';
const dir = mkdtempSync(join(tmpdir(), 'sbx-part10-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const META = {
  sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
  sopInstanceUid: '1.2.3.4.5',
  transferSyntaxUid: '1.2.840.10008.1.2.1',
};

/** The meta of a file without a dataset: no UIDs, the dataset at the end of the file. */
const nothingToSend = (datasetOffset: number): StoredFileMeta => ({
  sopClassUid: '',
  sopInstanceUid: '',
  transferSyntaxUid: '',
  datasetOffset,
});

/** A meta group with a Private Information (0002,0102) OB element of `privateBytes`, then `dataset`. */
function fileWithLongMeta(privateBytes: number, dataset: Buffer): Buffer {
  const header = fileMetaHeader(META);
  const privateElement = Buffer.alloc(12 + privateBytes, 0x41);
  privateElement.writeUInt16LE(0x0002, 0);
  privateElement.writeUInt16LE(0x0102, 2);
  privateElement.write('OB', 4, 'latin1');
  privateElement.writeUInt16LE(0, 6);
  privateElement.writeUInt32LE(privateBytes, 8);
  // The group length (0002,0000) right after DICM counts the private element too.
  const out = Buffer.concat([header, privateElement, dataset]);
  out.writeUInt32LE(out.readUInt32LE(140) + privateElement.length, 140);
  return out;
}

const READERS: [string, (path: string) => Promise<StoredFileMeta>][] = [
  ['readFileMeta', readAsync],
  [
    'readFileMetaSync',
    (path) => {
      const meta = readFileMetaSync(path);
      return meta
        ? Promise.resolve(meta)
        : Promise.reject(Object.assign(new Error(path), { code: 'ENOENT' }));
    },
  ],
];

describe.each(READERS)('%s', (_name, readFileMeta) => {
  test('reads the same meta as parsing the whole file', async () => {
    const whole = parseFileMeta(readFileSync(CT));
    expect(whole).not.toBe('need-more');
    const meta = await readFileMeta(CT);
    expect(meta).toEqual(whole);
    expect(meta.transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
    expect(meta.sopClassUid).toBe('1.2.840.10008.5.1.4.1.1.2');
    expect(meta.datasetOffset).toBeGreaterThan(132);
  });

  test('a meta group longer than the first read is read to its end', async () => {
    const dataset = Buffer.from([0x08, 0x00, 0x16, 0x00, 0x55, 0x49, 0x02, 0x00, 0x31, 0x00]);
    const bytes = fileWithLongMeta(40_000, dataset);
    const path = join(dir, 'long-meta');
    writeFileSync(path, bytes);
    const meta = await readFileMeta(path);
    expect(meta).toMatchObject(META);
    expect(meta.datasetOffset).toBe(bytes.length - dataset.length);
  });

  test('a file that is only its meta group has nothing to send (the SCU skips it)', async () => {
    const bytes = fileMetaHeader(META);
    const path = join(dir, 'only-meta');
    writeFileSync(path, bytes);
    expect(await readFileMeta(path)).toEqual(nothingToSend(bytes.length));
  });

  test('a file cut inside a long meta element has nothing to send', async () => {
    const bytes = fileWithLongMeta(40_000, Buffer.alloc(0)).subarray(0, 20_000);
    const path = join(dir, 'cut-meta');
    writeFileSync(path, bytes);
    expect(await readFileMeta(path)).toEqual(nothingToSend(20_000));
  });

  test('a missing file rejects', async () => {
    await expect(readFileMeta(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
