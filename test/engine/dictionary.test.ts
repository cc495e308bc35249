/** The public DICOM dictionary routes (BEHAVIOR.md §7.6). */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestBox } from './support.js';
import type { TestBox } from './support.js';

let t: TestBox;
beforeAll(async () => {
  t = await startTestBox();
});
afterAll(async () => {
  await t.stop();
});

/** Public: no credentials. */
async function get<T>(path: string): Promise<{ status: number; body: T; text: string }> {
  const res = await t.api(`/api/dicom/dictionary${path}`, { auth: null });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body: body as T, text };
}

describe('keywords', () => {
  test('all keywords, public', async () => {
    const r = await get<{ keywords: string[] }>('/keywords');
    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toEqual(['keywords']);
    expect(r.body.keywords.length).toBeGreaterThan(3000);
    expect(r.body.keywords).toContain('PatientName');
    expect(r.body.keywords).toContain('EnergyWindowInformationSequence');
  });

  test('filter is a case-insensitive substring match', async () => {
    const r = await get<{ keywords: string[] }>('/keywords?filter=patientna');
    expect(r.body.keywords).toContain('PatientName');
    expect(r.body.keywords.every((k) => k.toLowerCase().includes('patientna'))).toBe(true);
    expect((await get<{ keywords: string[] }>('/keywords?filter=zzzzqqq')).body).toEqual({
      keywords: [],
    });
  });

  test('sequence / nonsequence', async () => {
    const seq = (await get<{ keywords: string[] }>('/keywords/sequence?filter=energywindow')).body
      .keywords;
    expect(seq).toContain('EnergyWindowInformationSequence');
    expect(seq).not.toContain('EnergyWindowUpperLimit');
    const non = (await get<{ keywords: string[] }>('/keywords/nonsequence?filter=energywindow'))
      .body.keywords;
    expect(non).toContain('EnergyWindowUpperLimit');
    expect(non).not.toContain('EnergyWindowInformationSequence');
  });
});

describe('lookups by tag', () => {
  test('vr', async () => {
    expect((await get('/vr?tag=1048592')).text).toBe('{"name":"PN","code":20558}');
    expect((await get('/vr?tag=5505042')).body).toEqual({ name: 'SQ', code: 0x5351 });
    expect((await get('/vr?tag=-1')).text).toBe('{"name":"UN","code":21838}');
    expect((await get('/vr?tag=1638416')).body).toEqual({ name: 'LO', code: 0x4c4f }); // (0019,0010)
  });

  test('vm', async () => {
    expect((await get('/vm?tag=1048592')).text).toBe('{"min":1,"max":1}');
    expect((await get('/vm?tag=524296')).text).toBe('{"min":2}'); // ImageType 2-n
    expect((await get('/vm?tag=-1')).text).toBe('{"min":1}');
  });

  test('keyword', async () => {
    expect((await get('/keyword?tag=1048592')).text).toBe('{"keyword":"PatientName"}');
    expect((await get('/keyword?tag=-1')).status).toBe(404);
    expect((await get('/keyword?tag=1638416')).status).toBe(404);
  });

  test('missing tag → 404, non-integer → 400', async () => {
    expect((await get('/vr')).status).toBe(404);
    expect((await get('/vr')).text).toBe("Request is missing required query parameter 'tag'");
    expect((await get('/vm?tag=x')).status).toBe(400);
    expect((await get('/keyword?tag=1.5')).status).toBe(400);
    expect((await get('/keyword?tag=99999999999')).status).toBe(400);
  });
});

describe('tag by keyword', () => {
  test('known → the tag; unknown → 404; missing → 404', async () => {
    expect((await get('/tag?keyword=PatientName')).text).toBe('{"tag":1048592}');
    expect((await get('/tag?keyword=EnergyWindowUpperLimit')).body).toEqual({ tag: 5505045 });
    expect((await get('/tag?keyword=NoSuchThing')).status).toBe(404);
    expect((await get('/tag?keyword=')).status).toBe(404);
    expect((await get('/tag')).status).toBe(404);
  });

  test('round trip for every sequence keyword', async () => {
    const seq = (await get<{ keywords: string[] }>('/keywords/sequence')).body.keywords;
    for (const k of seq.slice(0, 50)) {
      const { tag } = (await get<{ tag: number }>(`/tag?keyword=${k}`)).body;
      expect((await get<{ keyword: string }>(`/keyword?tag=${tag}`)).body.keyword).toBe(k);
      expect((await get<{ name: string }>(`/vr?tag=${tag}`)).body.name).toBe('SQ');
    }
  });
});

test('wrong method → 405 with credentials', async () => {
  expect((await t.api('/api/dicom/dictionary/keywords', { method: 'POST' })).status).toBe(405);
});
