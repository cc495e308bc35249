/**
 * The anonymization codec (parse → write) must be lossless apart from structure normalisation: dcmdump of the
 * written file equals dcmdump of the source except sequence/item length markers and group lengths.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  parseDicomFile,
  writeDicomFile,
} from '../../src-main/localbox/anonymization/dicom-codec.js';
import { DATA } from './anonymization-support.js';

const tmp = mkdtempSync(join(tmpdir(), 'anon-codec-'));

function dump(file: string): string[] {
  const out = execFileSync('dcmdump', ['-q', '+L', file], {
    encoding: 'latin1',
    maxBuffer: 1 << 28,
  });
  return out
    .split('\n')
    .filter((l) => !/^\s*\((fffe,e0..|[0-9a-f]{4},0000)\)/.test(l))
    .map((l) => l.replace(/\(Sequence with (explicit|undefined) length #=(\d+)\).*/, 'SQ #=$2'))
    .map((l) => l.replace(/\s+#\s*(u\/l|\d+),.*$/, ''));
}

const files = [
  `${DATA}/test.dcm`,
  `${DATA}/sc.dcm`,
  ...readdirSync(`${DATA}/pydicom`)
    .filter((f) => f.endsWith('.dcm'))
    .filter((f) => !/no_meta|NoMeta|meta_missing_tsyntax|MR_truncated|rtstruct|priv_SQ/.test(f))
    .map((f) => `${DATA}/pydicom/${f}`),
];

describe('anonymization codec round trip', () => {
  it.each(files)('%s', (file) => {
    const src = new Uint8Array(readFileSync(file));
    const out = writeDicomFile(parseDicomFile(src));
    const target = join(tmp, file.split('/').pop() ?? 'x.dcm');
    writeFileSync(target, out);
    expect(dump(target)).toEqual(dump(file));
  });

  it('recognises defined-length private sequences in implicit VR (priv_SQ.dcm) and nested ones', () => {
    const file = parseDicomFile(new Uint8Array(readFileSync(`${DATA}/pydicom/priv_SQ.dcm`)));
    const seq = file.dataset.find((e) => e.tag === 0x3f031001);
    expect(seq?.items?.length).toBe(1);
    expect(seq?.items?.[0]?.map((e) => e.tag)).toContain(0x00080090);
    const nested = parseDicomFile(
      new Uint8Array(readFileSync(`${DATA}/pydicom/nested_priv_SQ.dcm`)),
    );
    const outer = nested.dataset.find((e) => e.tag === 0x00010001);
    expect(outer?.items?.[0]?.find((e) => e.tag === 0x00010001)?.items?.length).toBe(1);
  });

  it('rejects data without the Part 10 header', () => {
    expect(() => parseDicomFile(new Uint8Array(readFileSync(`${DATA}/invalid.dcm`)))).toThrow(
      /DICM/,
    );
  });
});
