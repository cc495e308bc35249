/** Tag filters, tag paths and source associations: routes, roles, source deletion (BEHAVIOR.md §19, §6.4). */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestBox } from './support.js';
import type { TestBox } from './support.js';
import { createUser, postJson } from './query-support.js';

interface TagFilter {
  id: number;
  name: string;
  tagFilterType: string;
}
interface TagPathJson {
  tag: number;
  name: string;
  item?: string;
  previous?: TagPathJson;
}
interface TagFilterTagPath {
  id: number;
  tagFilterId: number;
  tagPath: TagPathJson;
}
interface SourceTagFilter {
  id: number;
  sourceType: string;
  sourceName: string;
  sourceId: number;
  tagFilterId: number;
  tagFilterName: string;
}

let t: TestBox;
let userAuth: string;

beforeAll(async () => {
  t = await startTestBox();
  userAuth = (await createUser(t, 'viewer')).auth;
});
afterAll(async () => {
  await t.stop();
});

async function createFilter(name: string, tagFilterType = 'BLACKLIST'): Promise<TagFilter> {
  const res = await postJson(t, '/api/filtering/filters', { id: -1, name, tagFilterType });
  expect(res.status).toBe(201);
  return (await res.json()) as TagFilter;
}

describe('filters', () => {
  test('create → 201 with id > 0; two equal filters and same name with another type → all listed', async () => {
    const a = await createFilter('f');
    expect(a.id).toBeGreaterThan(0);
    expect(a).toEqual({ id: a.id, name: 'f', tagFilterType: 'BLACKLIST' });
    const b = await createFilter('f');
    const c = await createFilter('f', 'WHITELIST');
    expect(await t.json<TagFilter[]>('/api/filtering/filters', { auth: userAuth })).toEqual([
      a,
      b,
      c,
    ]);
    expect(await t.json<TagFilter[]>('/api/filtering/filters?startindex=1&count=1')).toEqual([b]);
    expect((await t.api(`/api/filtering/filters/${b.id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await t.json<TagFilter[]>('/api/filtering/filters')).toEqual([a, c]);
    for (const f of [a, c]) await t.api(`/api/filtering/filters/${f.id}`, { method: 'DELETE' });
    expect(await t.json<TagFilter[]>('/api/filtering/filters')).toEqual([]);
  });

  test('USER → 403 on every write; bad input → 400', async () => {
    const f = await createFilter('guarded');
    const writes: Array<[string, string, unknown]> = [
      ['POST', '/api/filtering/filters', { id: -1, name: 'x', tagFilterType: 'BLACKLIST' }],
      ['DELETE', `/api/filtering/filters/${f.id}`, undefined],
      [
        'POST',
        `/api/filtering/filters/${f.id}/tagpaths`,
        { id: -1, tagFilterId: f.id, tagPath: { tag: 1048592, name: 'PatientName' } },
      ],
      ['DELETE', `/api/filtering/filters/${f.id}/tagpaths/1`, undefined],
      [
        'POST',
        '/api/filtering/associations',
        {
          id: -1,
          sourceType: 'user',
          sourceName: 'admin',
          sourceId: 1,
          tagFilterId: f.id,
          tagFilterName: 'x',
        },
      ],
      ['DELETE', '/api/filtering/associations/1', undefined],
    ];
    for (const [method, path, body] of writes) {
      const res =
        body === undefined
          ? await t.api(path, { method, auth: userAuth })
          : await postJson(t, path, body, { method, auth: userAuth });
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    expect(await t.json<TagFilter[]>('/api/filtering/filters')).toEqual([f]);
    expect(
      (
        await postJson(t, '/api/filtering/filters', {
          id: -1,
          name: 'x',
          tagFilterType: 'GREYLIST',
        })
      ).status,
    ).toBe(400);
    expect(
      (await postJson(t, '/api/filtering/filters', { name: 'x', tagFilterType: 'BLACKLIST' }))
        .status,
    ).toBe(400);
    expect((await postJson(t, '/api/filtering/filters', '')).status).toBe(400);
    await t.api(`/api/filtering/filters/${f.id}`, { method: 'DELETE' });
  });
});

describe('tag paths', () => {
  let filter: TagFilter;
  const patientName = { tag: 1048592, name: 'PatientName' };

  beforeAll(async () => {
    filter = await createFilter('paths');
  });

  test('two identical posts → 201 both, listed in order; paging', async () => {
    const created: TagFilterTagPath[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await postJson(t, `/api/filtering/filters/${filter.id}/tagpaths`, {
        id: -1,
        tagFilterId: filter.id,
        tagPath: patientName,
      });
      expect(res.status).toBe(201);
      created.push((await res.json()) as TagFilterTagPath);
    }
    expect(created[0]).toEqual({
      id: created[0]?.id,
      tagFilterId: filter.id,
      tagPath: patientName,
    });
    const path = `/api/filtering/filters/${filter.id}/tagpaths`;
    expect(await t.json<TagFilterTagPath[]>(path, { auth: userAuth })).toEqual(created);
    expect(await t.json<TagFilterTagPath[]>(`${path}?startindex=1`)).toEqual([created[1]]);
    expect(await t.json<TagFilterTagPath[]>(`${path}?count=1`)).toEqual([created[0]]);
    expect((await t.api(`${path}/${created[0]?.id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await t.json<TagFilterTagPath[]>(path)).toEqual([created[1]]);
    await t.api(`${path}/${created[1]?.id}`, { method: 'DELETE' });
  });

  test('tag trees: keyword-only steps resolve, wildcard items, sequence leaves; the JSON is normalised', async () => {
    const res = await postJson(t, `/api/filtering/filters/${filter.id}/tagpaths`, {
      id: -1,
      tagFilterId: filter.id,
      tagPath: {
        name: 'EnergyWindowUpperLimit',
        previous: {
          tag: 5505043,
          name: 'ignored because the tag wins',
          item: '*',
          previous: { name: 'EnergyWindowInformationSequence', item: '1' },
        },
      },
    });
    expect(res.status).toBe(201);
    expect(((await res.json()) as TagFilterTagPath).tagPath).toEqual({
      tag: 5505045,
      name: 'EnergyWindowUpperLimit',
      previous: {
        tag: 5505043,
        name: 'EnergyWindowRangeSequence',
        item: '*',
        previous: { tag: 5505042, name: 'EnergyWindowInformationSequence', item: '1' },
      },
    });
    const leaf = await postJson(t, `/api/filtering/filters/${filter.id}/tagpaths`, {
      id: -1,
      tagFilterId: filter.id,
      tagPath: { tag: 5505042, name: '', item: '2' },
    });
    expect(((await leaf.json()) as TagFilterTagPath).tagPath).toEqual({
      tag: 5505042,
      name: 'EnergyWindowInformationSequence',
      item: '2',
    });
  });

  test('unknown keyword → 400; no tag and no name → 400; unknown filter → 404; missing tagPath → 400', async () => {
    const post = (body: unknown, id = filter.id) =>
      postJson(t, `/api/filtering/filters/${id}/tagpaths`, body);
    expect(
      (await post({ id: -1, tagFilterId: filter.id, tagPath: { name: 'NoSuchKeyword' } })).status,
    ).toBe(400);
    expect((await post({ id: -1, tagFilterId: filter.id, tagPath: { item: '1' } })).status).toBe(
      400,
    );
    expect((await post({ id: -1, tagFilterId: filter.id, tagPath: { tag: 'x' } })).status).toBe(
      400,
    );
    expect((await post({ id: -1, tagFilterId: filter.id })).status).toBe(400);
    expect((await post({ id: -1, tagFilterId: 99999, tagPath: patientName }, 99999)).status).toBe(
      404,
    );
    expect(await t.json('/api/filtering/filters/99999/tagpaths')).toEqual([]);
  });
});

describe('associations', () => {
  test('create → 201 and listed; delete one → the other remains; deleting the filter removes its associations', async () => {
    const f1 = await createFilter('assoc-1');
    const f2 = await createFilter('assoc-2');
    const body = (f: TagFilter, sourceId: number) => ({
      id: -1,
      sourceType: 'box',
      sourceName: 'some box',
      sourceId,
      tagFilterId: f.id,
      tagFilterName: 'as given',
    });
    const created: SourceTagFilter[] = [];
    for (const [f, id] of [
      [f1, 1],
      [f1, 2],
      [f2, 3],
    ] as const) {
      const res = await postJson(t, '/api/filtering/associations', body(f, id));
      expect(res.status).toBe(201);
      created.push((await res.json()) as SourceTagFilter);
    }
    expect(created[0]).toEqual({ ...body(f1, 1), id: created[0]?.id });
    expect(
      await t.json<SourceTagFilter[]>('/api/filtering/associations', { auth: userAuth }),
    ).toEqual(created);
    expect(await t.json<SourceTagFilter[]>('/api/filtering/associations?startindex=2')).toEqual([
      created[2],
    ]);
    expect(
      (await t.api(`/api/filtering/associations/${created[0]?.id}`, { method: 'DELETE' })).status,
    ).toBe(204);
    expect(await t.json<SourceTagFilter[]>('/api/filtering/associations')).toEqual(
      created.slice(1),
    );
    expect((await t.api(`/api/filtering/filters/${f1.id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await t.json<SourceTagFilter[]>('/api/filtering/associations')).toEqual([created[2]]);
    await t.api(`/api/filtering/filters/${f2.id}`, { method: 'DELETE' });
    expect(await t.json<SourceTagFilter[]>('/api/filtering/associations')).toEqual([]);
  });

  test('unknown filter → 400; unknown source types are read as "unknown"; missing fields → 400', async () => {
    const f = await createFilter('assoc-3');
    const base = {
      id: -1,
      sourceType: 'user',
      sourceName: 'n',
      sourceId: 1,
      tagFilterId: f.id,
      tagFilterName: 'x',
    };
    expect(
      (await postJson(t, '/api/filtering/associations', { ...base, tagFilterId: 99999 })).status,
    ).toBe(400);
    const odd = await postJson(t, '/api/filtering/associations', {
      ...base,
      sourceType: 'martian',
    });
    expect(((await odd.json()) as SourceTagFilter).sourceType).toBe('unknown');
    const { tagFilterName: _n, ...missing } = base;
    expect((await postJson(t, '/api/filtering/associations', missing)).status).toBe(400);
    await t.api(`/api/filtering/filters/${f.id}`, { method: 'DELETE' });
  });

  test('deleting a user or an import session removes its associations (source deleted)', async () => {
    const f = await createFilter('sources');
    const user = await createUser(t, 'leaver');
    const session = (await (
      await postJson(t, '/api/import/sessions', {
        id: -1,
        name: 'sess',
        userId: -1,
        user: '',
        filesImported: 0,
        filesAdded: 0,
        filesRejected: 0,
        created: 0,
        lastUpdated: 0,
      })
    ).json()) as { id: number };
    const sources =
      await t.json<Array<{ sourceType: string; sourceName: string; sourceId: number }>>(
        '/api/sources',
      );
    expect(sources.map((s) => s.sourceType)).toEqual(['user', 'user', 'user', 'import']);
    const keep = {
      id: -1,
      sourceType: 'box',
      sourceName: 'b',
      sourceId: user.id,
      tagFilterId: f.id,
      tagFilterName: 'sources',
    };
    for (const body of [
      { ...keep, sourceType: 'user', sourceName: 'leaver' },
      { ...keep, sourceType: 'import', sourceName: 'sess', sourceId: session.id },
      keep,
    ]) {
      expect((await postJson(t, '/api/filtering/associations', body)).status).toBe(201);
    }
    expect((await t.api(`/api/users/${user.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await t.api(`/api/import/sessions/${session.id}`, { method: 'DELETE' })).status).toBe(
      204,
    );
    const left = await t.json<SourceTagFilter[]>('/api/filtering/associations');
    expect(left.map((a) => [a.sourceType, a.sourceId])).toEqual([['box', user.id]]);
    expect((await t.json<unknown[]>('/api/sources')).length).toBe(2);
  });
});
