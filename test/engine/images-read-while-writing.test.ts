/**
 * `GET /api/images/{id}` while the same image is overwritten or deleted (issue 9): every 200 body is one whole
 * stored version with its own length, no read hangs, and a read that loses the race with a delete is 404, never 500.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Image } from '../../src-main/slicebox/types.js';
import { PYDICOM, sha256, startTestBox, testFile } from './support.js';
import type { TestBox } from './support.js';

let t: TestBox;
beforeAll(async () => {
  t = await startTestBox();
});
afterAll(async () => {
  await t.stop();
});

/** A read that does not finish within this bound counts as hung (a correct read of ~10 KB takes milliseconds). */
const READ_BOUND_MS = 10_000;

type ReadOutcome =
  | { kind: 'status'; status: number; body: Buffer }
  | { kind: 'hung' }
  | { kind: 'broken'; message: string };

async function read(id: number): Promise<ReadOutcome> {
  try {
    const res = await t.api(`/api/images/${id}`, { signal: AbortSignal.timeout(READ_BOUND_MS) });
    const body = Buffer.from(await res.arrayBuffer());
    return { kind: 'status', status: res.status, body };
  } catch (e) {
    const err = e as Error;
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return { kind: 'hung' };
    return { kind: 'broken', message: `${err.name}: ${err.message}` };
  }
}

describe('GET /images/{id} during overwrites', () => {
  test('every 200 body is exactly one of the two versions; none hangs', async () => {
    // Same patient/study/series/SOP instance: each upload replaces the stored file of the same image id.
    const explicit = testFile(`${PYDICOM}/MR_small.dcm`);
    const implicit = testFile(`${PYDICOM}/MR_small_implicit.dcm`);
    expect(explicit.length).not.toBe(implicit.length);
    const first = await t.upload('/api/images', explicit);
    expect(first.status).toBe(201);
    const id = ((await first.json()) as Image).id;
    const second = await t.upload('/api/images', implicit);
    expect(second.status).toBe(200);
    expect(((await second.json()) as Image).id).toBe(id);

    const versions = new Map([
      [sha256(explicit), 'explicit'],
      [sha256(implicit), 'implicit'],
    ]);
    let writing = true;
    const writer = (async () => {
      try {
        for (let i = 0; i < 160; i++) {
          const res = await t.upload('/api/images', i % 2 === 0 ? explicit : implicit);
          expect(res.status).toBe(200);
          await res.arrayBuffer();
        }
      } finally {
        writing = false;
      }
    })();
    const seen = new Map<string, number>();
    const wrong: string[] = [];
    const reader = async () => {
      while (writing) {
        const outcome = await read(id);
        if (outcome.kind !== 'status') {
          wrong.push(outcome.kind === 'hung' ? 'hung' : outcome.message);
          continue;
        }
        const version = versions.get(sha256(outcome.body));
        if (outcome.status !== 200 || version === undefined) {
          wrong.push(`${outcome.status}, ${outcome.body.length} bytes matching neither file`);
          continue;
        }
        seen.set(version, (seen.get(version) ?? 0) + 1);
      }
    };
    await Promise.all([writer, reader(), reader(), reader(), reader()]);

    expect(wrong).toEqual([]);
    // The reads really interleaved with the overwrites: both versions were served.
    expect(seen.get('explicit') ?? 0).toBeGreaterThan(0);
    expect(seen.get('implicit') ?? 0).toBeGreaterThan(0);
  });
});

describe('GET /images/{id} during a delete', () => {
  test('answers 200 with the whole file or 404, never 500', async () => {
    const bytes = testFile('test.dcm');
    const hash = sha256(bytes);
    const statuses = new Map<number, number>();
    const wrong: string[] = [];
    for (let i = 0; i < 150; i++) {
      const res = await t.upload('/api/images', bytes);
      expect(res.status).toBe(201);
      const id = ((await res.json()) as Image).id;
      const reads = Array.from({ length: 6 }, () => read(id));
      const deleted = await t.api(`/api/images/${id}`, { method: 'DELETE' });
      expect(deleted.status).toBe(204);
      const late = read(id);
      for (const outcome of await Promise.all([...reads, late])) {
        if (outcome.kind !== 'status') {
          wrong.push(outcome.kind === 'hung' ? 'hung' : outcome.message);
          continue;
        }
        statuses.set(outcome.status, (statuses.get(outcome.status) ?? 0) + 1);
        if (outcome.status === 200 && sha256(outcome.body) !== hash)
          wrong.push(`200 with ${outcome.body.length} bytes that are not the stored file`);
        else if (outcome.status !== 200 && outcome.status !== 404)
          wrong.push(`${outcome.status}: ${outcome.body.toString('utf8')}`);
      }
    }
    expect(wrong).toEqual([]);
    // Both sides of the race happened: reads before the delete (200) and after it (404).
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(404) ?? 0).toBeGreaterThan(0);
  });
});
