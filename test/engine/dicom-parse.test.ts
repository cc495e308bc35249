/** The DICOM parser directly: the bounded-memory head path agrees with a whole-file parse on every test file. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { DicomError } from '../../src-main/localbox/dicom/errors.js';
import { extractMetadata } from '../../src-main/localbox/dicom/metadata.js';
import { validateDicomFile } from '../../src-main/localbox/dicom/parse.js';
import { PYDICOM, TESTDATA } from './support.js';

const FILES = [
  ...readdirSync(PYDICOM)
    .filter((f) => f.endsWith('.dcm'))
    .map((f) => join(PYDICOM, f)),
  join(PYDICOM, 'derived', 'SC_rgb_2frame_explicitLE.dcm'),
  ...['test.dcm', 'sc.dcm', 'invalid.dcm', 'cat.jpg'].map((f) => join(TESTDATA, f)),
];

async function outcome(file: string, initialHeadBytes?: number): Promise<unknown> {
  try {
    const parsed = await validateDicomFile(file, { initialHeadBytes });
    return {
      sop: parsed.sopClassUid,
      ts: parsed.transferSyntaxUid,
      metadata: extractMetadata(parsed.dataSet),
    };
  } catch (e) {
    if (!(e instanceof DicomError)) throw e;
    return { error: e.message };
  }
}

test.each(FILES.map((f) => [f.slice(TESTDATA.length + 1), f]))(
  '%s: same result when read in small pieces',
  async (_name, file) => {
    const whole = await outcome(file);
    for (const head of [64, 300, 1024]) expect(await outcome(file, head)).toEqual(whole);
  },
);

test('truncated pixel data is detected by both paths', async () => {
  expect(await outcome(join(PYDICOM, 'MR_truncated.dcm'))).toEqual({
    error: 'DICOM file is truncated',
  });
  expect(await outcome(join(PYDICOM, 'MR_truncated.dcm'), 128)).toEqual({
    error: 'DICOM file is truncated',
  });
});

test('encapsulated pixel data (JPEG baseline) is walked to its delimiter', async () => {
  const r = (await outcome(join(TESTDATA, 'sc.dcm'), 256)) as { ts: string };
  expect(r.ts).toBe('1.2.840.10008.1.2.4.50');
});

test('truncated encapsulated pixel data is detected', async () => {
  const { mkdtempSync, readFileSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'parse-test-'));
  try {
    const data = readFileSync(join(TESTDATA, 'sc.dcm'));
    const file = join(dir, 'sc-truncated.dcm');
    writeFileSync(file, data.subarray(0, data.length - 1000));
    expect(await outcome(file)).toEqual({ error: 'DICOM file is truncated' });
    expect(await outcome(file, 512)).toEqual({ error: 'DICOM file is truncated' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
