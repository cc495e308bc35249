/** Expanding what was dropped: folder walks (symlink loops), zips (hostile entries), sniffing. */
import { mkdir, mkdtemp, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandSources } from '../../src-main/services/imports/expand-sources.js';
import { unsafeEntryName } from '../../src-main/services/imports/expand-zip.js';
import { sniffFile } from '../../src-main/services/imports/sniff.js';
import { pydicomFile, testFile } from '../fixtures/paths.js';
import { zipBytes } from '../e2e/support/import-fixtures.js';

describe('expanding dropped sources', () => {
  it('walks folders recursively and survives a symlink loop', async () => {
    const root = await mkdtemp(join(tmpdir(), 'sbx-expand-'));
    await mkdir(join(root, 'a', 'b'), { recursive: true });
    await writeFile(join(root, 'a', 'one.dcm'), 'x');
    await writeFile(join(root, 'a', 'b', 'two.dcm'), 'yy');
    await symlink(join(root, 'a'), join(root, 'a', 'b', 'loop'));
    const files = await expandSources([{ path: join(root, 'a'), name: 'a', size: 0 }], {
      workDir: join(root, 'work'),
      isStaged: () => false,
    });
    expect(files.map((f) => f.name)).toEqual(['a/b/two.dcm', 'a/one.dcm']);
    expect(files.map((f) => f.size)).toEqual([2, 1]);
  });

  it('extracts a zip, refusing hostile entries one by one', async () => {
    const root = await mkdtemp(join(tmpdir(), 'sbx-zip-'));
    const ct = await readFile(pydicomFile('CT_small.dcm'));
    const zip = join(root, 'study.zip');
    await writeFile(
      zip,
      zipBytes([
        { name: 'series/ct.dcm', data: ct },
        { name: '../escape.dcm', data: ct },
        { name: '/etc/absolute.dcm', data: ct },
        { name: 'C:/windows/drive.dcm', data: ct },
        { name: 'inner.zip', data: Buffer.from('PK') },
      ]),
    );
    const work = join(root, 'work');
    const files = await expandSources([{ path: zip, name: 'study.zip', size: 0 }], {
      workDir: work,
      isStaged: () => false,
    });
    const byName = Object.fromEntries(files.map((f) => [f.name, f]));
    expect(byName['study.zip/series/ct.dcm']).toMatchObject({ staged: true, size: ct.length });
    expect(byName['study.zip/series/ct.dcm']?.skipReason).toBeUndefined();
    expect(byName['study.zip/../escape.dcm']?.skipReason).toMatch(/climbs out/);
    expect(byName['study.zip//etc/absolute.dcm']?.skipReason).toMatch(/absolute/);
    expect(byName['study.zip/C:/windows/drive.dcm']?.skipReason).toMatch(/drive letter/);
    expect(byName['study.zip/inner.zip']?.skipReason).toMatch(/Zip inside a zip/);
    expect(await readdir(root)).toEqual(expect.arrayContaining(['study.zip', 'work']));
    expect(await readdir(join(root, '..'))).not.toContain('escape.dcm');
    expect(unsafeEntryName('a/./b.dcm')).toBeNull();
    expect(unsafeEntryName('a\\..\\b.dcm')).toMatch(/climbs out/);
  });

  it('refuses entries that look like a zip bomb', async () => {
    const root = await mkdtemp(join(tmpdir(), 'sbx-bomb-'));
    const zip = join(root, 'b.zip');
    await writeFile(zip, zipBytes([{ name: 'big.dcm', data: Buffer.alloc(4096) }]));
    const files = await expandSources([{ path: zip, name: 'b.zip', size: 0 }], {
      workDir: join(root, 'work'),
      isStaged: () => false,
      zipLimits: { maxTotalBytes: 1000, maxRatio: 200, maxEntries: 10 },
    });
    expect(files[0]?.skipReason).toMatch(/size limit/);
  });

  it('sniffs DICOM, non-DICOM, DICOMDIR and reads the SOP Instance UID', async () => {
    const ct = pydicomFile('CT_small.dcm');
    expect(await sniffFile(ct, 'CT_small.dcm', 39206)).toEqual({
      kind: 'dicom',
      sopInstanceUID: '1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322',
      sopClassUID: '1.2.840.10008.5.1.4.1.1.2',
      transferSyntaxUID: '1.2.840.10008.1.2.1',
    });
    // Big endian and JPEG-LS re-encodings: the header still says what they are.
    expect(
      await sniffFile(pydicomFile('MR_small_bigendian.dcm'), 'MR_small_bigendian.dcm', 9708),
    ).toMatchObject({
      sopClassUID: '1.2.840.10008.5.1.4.1.1.4',
      transferSyntaxUID: '1.2.840.10008.1.2.2',
    });
    expect(
      await sniffFile(pydicomFile('MR_small_jpeg_ls_lossless.dcm'), 'x.dcm', 6124),
    ).toMatchObject({
      sopInstanceUID: '1.3.6.1.4.1.5962.1.1.4.1.1.20040826185059.5457',
      transferSyntaxUID: '1.2.840.10008.1.2.4.80',
    });
    expect(await sniffFile(testFile('cat.jpg'), 'cat.jpg', 100)).toMatchObject({
      kind: 'not-dicom',
    });
    // Named as DICOM: sent, so the server's reason is shown.
    expect(await sniffFile(testFile('invalid.dcm'), 'invalid.dcm', 31)).toEqual({ kind: 'dicom' });
    expect(await sniffFile(ct, 'media/DICOMDIR', 39206)).toEqual({ kind: 'dicomdir' });
  });
});
