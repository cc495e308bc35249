/**
 * Every test file gets the status its README predicts, on POST /api/images and on import sessions.
 * Files that repeat an already stored image (the MR_small re-encodings share all UIDs; priv_SQ and
 * chrSQEncoding both have no identifying attributes at all) answer 200 with the same image id instead of 201.
 */
import { readdirSync } from 'node:fs';
import { basename } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Image, ImportSession } from '../../src-main/slicebox/types.js';
import { expectedOutcomes, PYDICOM, startTestBox, testFile } from './support.js';
import type { TestBox } from './support.js';

const outcomes = expectedOutcomes();
/** Later files that carry the same Patient/Study/Series/SOP Instance UIDs as an earlier accepted file. */
const REPEATS: Record<string, string> = {
  'MR_small_bigendian.dcm': 'MR_small.dcm',
  'MR_small_implicit.dcm': 'MR_small.dcm',
  // Both lack every identifying attribute: empty values still identify (BEHAVIOR.md §6.1 step 6).
  'priv_SQ.dcm': 'chrSQEncoding.dcm',
};

test('the README table covers every .dcm file in the pydicom folder', () => {
  const listed = new Set(outcomes.map((o) => basename(o.file)));
  const present = readdirSync(PYDICOM).filter((f) => f.endsWith('.dcm'));
  for (const f of present) expect(listed.has(f), f).toBe(true);
  expect(outcomes.length).toBeGreaterThanOrEqual(present.length + 4);
});

describe.each([
  { path: 'POST /api/images', column: 'upload' as const },
  { path: 'POST /api/import/sessions/{id}/images', column: 'importSession' as const },
])('$path', ({ column }) => {
  let t: TestBox;
  let target = '/api/images';
  const ids = new Map<string, number>();
  let expected = { added: 0, imported: 0, rejected: 0 };

  beforeAll(async () => {
    t = await startTestBox();
    if (column === 'importSession') {
      const s = await t.json<ImportSession>('/api/import/sessions', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          id: -1,
          name: 'testdata',
          userId: -1,
          user: '',
          filesImported: 0,
          filesAdded: 0,
          filesRejected: 0,
          created: 0,
          lastUpdated: 0,
        }),
      });
      target = `/api/import/sessions/${s.id}/images`;
    }
  });
  afterAll(async () => {
    await t.stop();
  });

  test.each(outcomes.map((o) => ({ ...o, name: basename(o.file) })))('$name', async (o) => {
    const want = o[column];
    const res = await t.upload(target, testFile(o.file));
    const body = await res.text();
    const original = REPEATS[o.name];
    if (want === 201 && original && ids.has(original)) {
      expect(res.status, body).toBe(200);
      expect((JSON.parse(body) as Image).id).toBe(ids.get(original));
      expected.imported++;
      return;
    }
    expect(res.status, body).toBe(want);
    if (want === 201) {
      const image = JSON.parse(body) as Image;
      expect(image.id).toBeGreaterThan(0);
      ids.set(o.name, image.id);
      expected.added++;
      expected.imported++;
    } else {
      expected.rejected++;
      if (column === 'upload') expect(body).toMatch(/^Invalid DICOM data: /);
      else expect(body).not.toMatch(/^Invalid DICOM data: /);
    }
  });

  test('counters and stored images agree with the outcomes', async () => {
    const images = new Set<number>();
    for (const id of ids.values()) images.add(id);
    if (column === 'importSession') {
      const s = await t.json<ImportSession>(target.replace(/\/images$/, ''));
      expect([s.filesImported, s.filesAdded, s.filesRejected]).toEqual([
        expected.imported,
        expected.added,
        expected.rejected,
      ]);
      const listed = await t.json<Image[]>(target);
      expect(listed.map((i) => i.id).sort((a, b) => a - b)).toEqual(
        [...images].sort((a, b) => a - b),
      );
    }
    for (const id of images) expect((await t.api(`/api/metadata/images/${id}`)).status).toBe(200);
    expected = { added: 0, imported: 0, rejected: 0 };
  });
});
