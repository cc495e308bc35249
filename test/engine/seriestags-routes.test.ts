/** Series tags: global list (BEHAVIOR.md §9.8, incl. the ✚ routes) and the tags of a series (§9.4). */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Patient } from '../../src-main/slicebox/types.js';
import { startTestBox } from './support.js';
import type { TestBox } from './support.js';
import { createUser, dicomOf, postJson, upload } from './query-support.js';

interface SeriesTag {
  id: number;
  name: string;
}

let t: TestBox;
let userAuth: string;
let seriesA: number;
let seriesB: number;
let imageB: number;

beforeAll(async () => {
  t = await startTestBox();
  userAuth = (await createUser(t, 'tagger')).auth;
  seriesA = (
    await upload(
      t,
      dicomOf({ patient: 'pa', study: 'sa', series: 'sea', sop: '1.1', instanceNumber: '1' }),
    )
  ).seriesId;
  const b = await upload(
    t,
    dicomOf({ patient: 'pb', study: 'sb', series: 'seb', sop: '1.2', instanceNumber: '1' }),
  );
  seriesB = b.seriesId;
  imageB = b.id;
});
afterAll(async () => {
  await t.stop();
});

const list = (query = '') => t.json<SeriesTag[]>(`/api/metadata/seriestags${query}`);

describe('global series tags', () => {
  const created: SeriesTag[] = [];

  test('empty list; create → 201 with a new id (any user); duplicate name → 400', async () => {
    expect(await list()).toEqual([]);
    for (const name of ['beta', 'Alpha', 'gamma']) {
      const res = await postJson(
        t,
        '/api/metadata/seriestags',
        { id: -1, name },
        { auth: userAuth },
      );
      expect(res.status).toBe(201);
      const tag = (await res.json()) as SeriesTag;
      expect(tag.id).toBeGreaterThan(0);
      expect(tag.name).toBe(name);
      created.push(tag);
    }
    const dup = await postJson(t, '/api/metadata/seriestags', { id: -1, name: 'beta' });
    expect(dup.status).toBe(400);
    expect(await dup.text()).toBe('A series tag with name beta already exists');
    expect(await list()).toEqual(created);
  });

  test('names: at most 180 characters, not empty', async () => {
    expect(
      (await postJson(t, '/api/metadata/seriestags', { id: -1, name: 'x'.repeat(181) })).status,
    ).toBe(400);
    expect((await postJson(t, '/api/metadata/seriestags', { id: -1, name: '' })).status).toBe(400);
    const long = await postJson(t, '/api/metadata/seriestags', { id: -1, name: 'y'.repeat(180) });
    expect(long.status).toBe(201);
    await t.api(`/api/metadata/seriestags/${((await long.json()) as SeriesTag).id}`, {
      method: 'DELETE',
    });
  });

  test('paging, orderby id/name (others ignored), case-sensitive filter with wildcards', async () => {
    expect((await list('?startindex=1&count=1')).map((x) => x.name)).toEqual(['Alpha']);
    expect((await list('?orderby=name')).map((x) => x.name)).toEqual(['Alpha', 'beta', 'gamma']);
    expect((await list('?orderby=name&orderascending=false')).map((x) => x.name)).toEqual([
      'gamma',
      'beta',
      'Alpha',
    ]);
    expect((await list('?orderby=id&orderascending=false')).map((x) => x.name)).toEqual([
      'gamma',
      'Alpha',
      'beta',
    ]);
    expect((await list('?orderby=syntaxerror')).map((x) => x.name)).toEqual([
      'beta',
      'Alpha',
      'gamma',
    ]);
    expect((await list('?filter=a')).map((x) => x.name)).toEqual(['beta', 'Alpha', 'gamma']);
    expect((await list('?filter=Al')).map((x) => x.name)).toEqual(['Alpha']);
    expect(await list('?filter=al')).toEqual([]);
    expect(await list('?filter=BETA')).toEqual([]);
    expect((await list('?filter=g_m')).map((x) => x.name)).toEqual(['gamma']);
    expect((await t.api('/api/metadata/seriestags?count=-1')).status).toBe(400);
  });

  test('get → 200; unknown → 404', async () => {
    const first = created[0] as SeriesTag;
    expect(await t.json<SeriesTag>(`/api/metadata/seriestags/${first.id}`)).toEqual(first);
    expect((await t.api('/api/metadata/seriestags/99999')).status).toBe(404);
  });

  test('put renames the tag of the path → 200; unknown → 404; a taken name → 400', async () => {
    const first = created[0] as SeriesTag;
    const res = await postJson(
      t,
      `/api/metadata/seriestags/${first.id}`,
      { id: first.id, name: 'beta2' },
      { method: 'PUT' },
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: first.id, name: 'beta2' });
    expect((await t.json<SeriesTag>(`/api/metadata/seriestags/${first.id}`)).name).toBe('beta2');
    const unknown = await postJson(
      t,
      '/api/metadata/seriestags/99999',
      { id: 99999, name: 'z' },
      { method: 'PUT' },
    );
    expect(unknown.status).toBe(404);
    const taken = await postJson(
      t,
      `/api/metadata/seriestags/${first.id}`,
      { id: first.id, name: 'gamma' },
      { method: 'PUT' },
    );
    expect(taken.status).toBe(400);
    const missingId = await postJson(
      t,
      `/api/metadata/seriestags/${first.id}`,
      { name: 'q' },
      { method: 'PUT' },
    );
    expect(missingId.status).toBe(400);
  });

  test('bad bodies → 400 / 415', async () => {
    expect((await postJson(t, '/api/metadata/seriestags', { name: 'noid' })).status).toBe(400);
    expect((await postJson(t, '/api/metadata/seriestags', { id: -1, name: 5 })).status).toBe(400);
    expect((await postJson(t, '/api/metadata/seriestags', '')).status).toBe(400);
    const res = await t.api('/api/metadata/seriestags', {
      method: 'POST',
      body: '{"id":-1,"name":"x"}',
    });
    expect(res.status).toBe(415);
  });
});

describe('tags of a series', () => {
  let tag1: SeriesTag;

  test('POST looks the tag up by name (created if missing) and links it (idempotent) → 201', async () => {
    const res = await postJson(
      t,
      `/api/metadata/series/${seriesA}/seriestags`,
      { id: -1, name: 'Tag1' },
      { auth: userAuth },
    );
    expect(res.status).toBe(201);
    tag1 = (await res.json()) as SeriesTag;
    expect(tag1.name).toBe('Tag1');
    const again = await postJson(t, `/api/metadata/series/${seriesA}/seriestags`, {
      id: 12345,
      name: 'Tag1',
    });
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual(tag1);
    expect(await t.json<SeriesTag[]>(`/api/metadata/series/${seriesA}/seriestags`)).toEqual([tag1]);
    // An existing global tag is linked, not duplicated.
    const gamma = (await list('?filter=gamma'))[0] as SeriesTag;
    const linked = await postJson(t, `/api/metadata/series/${seriesB}/seriestags`, {
      id: -1,
      name: 'gamma',
    });
    expect(await linked.json()).toEqual(gamma);
    await postJson(t, `/api/metadata/series/${seriesB}/seriestags`, { id: -1, name: 'Tag1' });
    expect(await t.json<SeriesTag[]>(`/api/metadata/series/${seriesB}/seriestags`)).toEqual([
      gamma,
      tag1,
    ]);
  });

  test('unknown series → 404 Series not found; GET of unknown series → []', async () => {
    const res = await postJson(t, '/api/metadata/series/99999/seriestags', {
      id: -1,
      name: 'Tag9',
    });
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('Series not found');
    expect(await list('?filter=Tag9')).toEqual([]);
    expect(await t.json<SeriesTag[]>('/api/metadata/series/99999/seriestags')).toEqual([]);
  });

  test('the seriestags list filter selects by tag', async () => {
    const patients = await t.json<Patient[]>(`/api/metadata/patients?seriestags=${tag1.id}`);
    expect(patients.map((p) => p.patientName.value)).toEqual(['pa', 'pb']);
    const gamma = (await list('?filter=gamma'))[0] as SeriesTag;
    expect(
      (await t.json<Patient[]>(`/api/metadata/patients?seriestags=${gamma.id}`)).map(
        (p) => p.patientName.value,
      ),
    ).toEqual(['pb']);
  });

  test('DELETE unlinks only (idempotent); the tag remains', async () => {
    const del = await t.api(`/api/metadata/series/${seriesA}/seriestags/${tag1.id}`, {
      method: 'DELETE',
      auth: userAuth,
    });
    expect(del.status).toBe(204);
    expect(
      (await t.api(`/api/metadata/series/${seriesA}/seriestags/${tag1.id}`, { method: 'DELETE' }))
        .status,
    ).toBe(204);
    expect(await t.json<SeriesTag[]>(`/api/metadata/series/${seriesA}/seriestags`)).toEqual([]);
    expect((await list('?filter=Tag1')).map((x) => x.id)).toEqual([tag1.id]);
  });

  test('deleting a global tag removes its links; deleting the series keeps the tags', async () => {
    const gamma = (await list('?filter=gamma'))[0] as SeriesTag;
    expect(
      (await t.api(`/api/metadata/seriestags/${gamma.id}`, { method: 'DELETE', auth: userAuth }))
        .status,
    ).toBe(204);
    expect((await t.api(`/api/metadata/seriestags/${gamma.id}`, { method: 'DELETE' })).status).toBe(
      204,
    );
    expect(await t.json<SeriesTag[]>(`/api/metadata/series/${seriesB}/seriestags`)).toEqual([tag1]);
    expect((await t.api(`/api/images/${imageB}`, { method: 'DELETE' })).status).toBe(204);
    expect(await t.json<SeriesTag[]>(`/api/metadata/series/${seriesB}/seriestags`)).toEqual([]);
    expect((await list('?filter=Tag1')).map((x) => x.id)).toEqual([tag1.id]);
  });
});
