/**
 * The export archive's ZIP writer (exporting/zip-writer.ts), read back by three independent readers: Info-ZIP's
 * `unzip -t` (CRCs, local headers, data descriptors), Python's `zipfile` and yauzl. ZIP64 is exercised by
 * lowering the thresholds, so that every size and offset field and the entry count take the ZIP64 form.
 */
import { execFileSync } from 'node:child_process';
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { checkEntryName, writeStoredZip } from '../../src-main/localbox/exporting/zip-writer.js';
import type { ZipWriterOptions } from '../../src-main/localbox/exporting/zip-writer.js';
import { PYDICOM, sha256, testFile } from './support.js';
import { readWithYauzl } from './zip-read.js';

let work: string;
const files: Array<{ name: string; path: string; data: Buffer }> = [];
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'zip-writer-'));
  const put = (name: string, data: Buffer) => {
    const path = join(work, `src-${files.length}`);
    writeFileSync(path, data);
    files.push({ name, path, data });
  };
  put('1_Doe^John-123/2_20100301/3_20100301_CT/4.dcm', testFile(join(PYDICOM, 'CT_small.dcm')));
  put('1_Müller^Jörg-4/2_/3__MR/5.dcm', testFile(join(PYDICOM, 'MR_small.dcm')));
  put('9_empty/10_/11__/12.dcm', Buffer.alloc(0));
  put('9_王^小東/10_/11__/13.dcm', testFile('test.dcm'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Writes the archive of `entries` to the file `zip`, as the export route writes it to a response. */
async function writeFile(
  zip: string,
  entries: ReadonlyArray<{ name: string; path: string }>,
  options: ZipWriterOptions = {},
): Promise<void> {
  const out = createWriteStream(zip);
  try {
    await writeStoredZip(entries, out, options);
  } catch (e) {
    // A write of the file still in flight fails once the stream is destroyed: that is expected here.
    out.on('error', () => undefined);
    out.destroy();
    await finished(out).catch(() => undefined);
    throw e;
  }
  out.end();
  await finished(out);
}

async function write(name: string, options: ZipWriterOptions = {}): Promise<string> {
  const zip = join(work, name);
  await writeFile(zip, files, options);
  return zip;
}

/** Python's zipfile: names, contents (CRC-checked on read) and the stored method. */
function readWithPython(zip: string): Array<{ name: string; sha: string; method: number }> {
  const script = `
import hashlib, json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    assert z.testzip() is None
    print(json.dumps([{"name": i.filename, "method": i.compress_type,
        "sha": hashlib.sha256(z.read(i)).hexdigest()} for i in z.infolist()]))
`;
  return JSON.parse(execFileSync('python3', ['-c', script, zip], { encoding: 'utf8' })) as Array<{
    name: string;
    sha: string;
    method: number;
  }>;
}

const expected = () => files.map((f) => ({ name: f.name, sha: sha256(f.data) }));

async function expectReadable(zip: string): Promise<void> {
  execFileSync('unzip', ['-tq', zip]);
  expect(readWithPython(zip)).toEqual(expected().map((e) => ({ ...e, method: 0 })));
  expect(await readWithYauzl(zip)).toEqual(expected());
}

test('small files: read whole, CRC and sizes in the local headers', async () => {
  await expectReadable(await write('plain.zip'));
});

test('large files: streamed, with data descriptors', async () => {
  await expectReadable(await write('streamed.zip', { wholeFileBytes: 1000 }));
});

test('ZIP64: every size, offset and the entry count in ZIP64 form', async () => {
  for (const wholeFileBytes of [undefined, 1000]) {
    const zip = await write('zip64.zip', { zip64From: 0, zip64EntriesFrom: 1, wholeFileBytes });
    const raw = readFileSync(zip);
    // The zip64 end of central directory record and its locator are there.
    expect(raw.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(true);
    expect(raw.includes(Buffer.from([0x50, 0x4b, 0x06, 0x07]))).toBe(true);
    await expectReadable(zip);
  }
});

test('many entries, whole and streamed mixed: every entry in order, byte-identical', async () => {
  // More entries than are read ahead, sizes on both sides of wholeFileBytes, so entries are read ahead
  // behind a streamed one and the read-ahead refills as entries are sent.
  const many = Array.from({ length: 40 }, (_, i) => {
    const data = Buffer.alloc(i % 3 === 0 ? 5000 + i : 300 + i, i);
    const path = join(work, `many-${i}`);
    writeFileSync(path, data);
    return { name: `many/${i}.bin`, path, data };
  });
  const zip = join(work, 'many.zip');
  await writeFile(zip, many, { wholeFileBytes: 1000 });
  execFileSync('unzip', ['-tq', zip]);
  const want = many.map((f) => ({ name: f.name, sha: sha256(f.data) }));
  expect(readWithPython(zip)).toEqual(want.map((e) => ({ ...e, method: 0 })));
});

test('a file that cannot be read fails the stream; nothing stays open', async () => {
  // Descriptors of this test's files only (other parts of the test process open and close their own).
  const fds = () =>
    readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`).startsWith(work);
      } catch {
        return false; // closed meanwhile
      }
    }).length;
  const before = fds();
  const broken = [...files.slice(0, 2), { name: 'gone.dcm', path: join(work, 'missing') }];
  await expect(writeFile(join(work, 'broken.zip'), broken)).rejects.toThrow(/ENOENT/);
  // A consumer that goes away in the middle of a streamed entry.
  let n = 0;
  const consumer: Writable = new Writable({
    write(_chunk, _encoding, callback) {
      if (++n === 3) consumer.destroy();
      callback();
    },
  });
  await expect(writeStoredZip(files, consumer, { wholeFileBytes: 1000 })).rejects.toThrow();
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(fds()).toBe(before);
});

test('names that could escape the extraction folder are refused before any byte', async () => {
  const bad = [
    '',
    '/etc/passwd',
    'C:/x.dcm',
    'a\\b.dcm',
    'a/../b.dcm',
    '../b.dcm',
    'a/./b',
    'a//b',
  ];
  for (const name of bad) {
    let written = 0;
    const sink = new Writable({
      write(_chunk, _encoding, callback) {
        written++;
        callback();
      },
    });
    await expect(
      writeStoredZip([{ name, path: files[0]?.path ?? '' }], sink),
      name,
    ).rejects.toThrow(/invalid ZIP entry name/);
    expect(written, name).toBe(0);
  }
  expect(() => checkEntryName('1_..-..-../2_20100301/3_.._NM/4.dcm')).not.toThrow();
});
