/** Series types, rules, rule attributes (BEHAVIOR.md §20.1, §20.2) and the series types of a series (§9.4). */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Patient } from '../../src-main/slicebox/types.js';
import { startTestBox } from './support.js';
import type { TestBox } from './support.js';
import { createUser, dicomOf, postJson, seriesTypesIdle, upload } from './query-support.js';

interface SeriesType {
  id: number;
  name: string;
}
interface Rule {
  id: number;
  seriesTypeId: number;
}
interface Attribute {
  id: number;
  seriesTypeRuleId: number;
  tag: number;
  name: string;
  tagPath?: string;
  namePath?: string;
  values: string;
}

let t: TestBox;
let userAuth: string;

beforeAll(async () => {
  t = await startTestBox();
  userAuth = (await createUser(t, 'plain')).auth;
});
afterAll(async () => {
  await t.stop();
});

async function createType(name: string): Promise<SeriesType> {
  const res = await postJson(t, '/api/seriestypes', { id: -1, name });
  expect(res.status).toBe(201);
  return (await res.json()) as SeriesType;
}

describe('series types', () => {
  let type: SeriesType;

  test('list with one type → 1; admin create → 201 with id > 0; USER create → 403', async () => {
    expect(await t.json<SeriesType[]>('/api/seriestypes')).toEqual([]);
    type = await createType('st1');
    expect(type.id).toBeGreaterThan(0);
    expect(type.name).toBe('st1');
    expect(await t.json<SeriesType[]>('/api/seriestypes')).toEqual([type]);
    const res = await postJson(t, '/api/seriestypes', { id: -1, name: 'st2' }, { auth: userAuth });
    expect(res.status).toBe(403);
    expect(await t.json<SeriesType[]>('/api/seriestypes', { auth: userAuth })).toEqual([type]);
  });

  test('duplicate name → 400; bad bodies → 400', async () => {
    const dup = await postJson(t, '/api/seriestypes', { id: -1, name: 'st1' });
    expect(dup.status).toBe(400);
    expect(await dup.text()).toBe('A series type with name st1 already exists');
    expect((await postJson(t, '/api/seriestypes', { name: 'noid' })).status).toBe(400);
    expect((await postJson(t, '/api/seriestypes', '{')).status).toBe(400);
    expect((await postJson(t, '/api/seriestypes', '')).status).toBe(400);
  });

  test('paging', async () => {
    const second = await createType('st-paging');
    expect(await t.json<SeriesType[]>('/api/seriestypes?startindex=1')).toEqual([second]);
    expect(await t.json<SeriesType[]>('/api/seriestypes?count=1')).toEqual([type]);
    expect((await t.api('/api/seriestypes?startindex=x')).status).toBe(400);
    expect((await t.api(`/api/seriestypes/${second.id}`, { method: 'DELETE' })).status).toBe(204);
  });

  test('update → 204 and name changed; USER → 403; a taken name → 400', async () => {
    const res = await postJson(
      t,
      `/api/seriestypes/${type.id}`,
      { id: type.id, name: 'st1b' },
      { method: 'PUT' },
    );
    expect(res.status).toBe(204);
    expect((await t.json<SeriesType[]>('/api/seriestypes'))[0]?.name).toBe('st1b');
    const user = await postJson(
      t,
      `/api/seriestypes/${type.id}`,
      { id: type.id, name: 'x' },
      { method: 'PUT', auth: userAuth },
    );
    expect(user.status).toBe(403);
    const other = await createType('other');
    const taken = await postJson(
      t,
      `/api/seriestypes/${type.id}`,
      { id: type.id, name: 'other' },
      { method: 'PUT' },
    );
    expect(taken.status).toBe(400);
    // Unknown id: nothing to update, still 204 (as the original).
    expect(
      (await postJson(t, '/api/seriestypes/99999', { id: 99999, name: 'z' }, { method: 'PUT' }))
        .status,
    ).toBe(204);
    await t.api(`/api/seriestypes/${other.id}`, { method: 'DELETE' });
  });

  test('USER delete → 403 and still there; delete → 204 and gone', async () => {
    const doomed = await createType('doomed');
    expect(
      (await t.api(`/api/seriestypes/${doomed.id}`, { method: 'DELETE', auth: userAuth })).status,
    ).toBe(403);
    expect((await t.json<SeriesType[]>('/api/seriestypes')).map((x) => x.id)).toContain(doomed.id);
    expect((await t.api(`/api/seriestypes/${doomed.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await t.json<SeriesType[]>('/api/seriestypes')).map((x) => x.id)).not.toContain(
      doomed.id,
    );
    expect((await t.api(`/api/seriestypes/${doomed.id}`, { method: 'DELETE' })).status).toBe(204);
  });

  describe('rules and attributes', () => {
    let rule: Rule;
    let attribute: Attribute;

    test('create rule → 201 with id and seriesTypeId; list → 1; USER → 403; unknown type → 400', async () => {
      const res = await postJson(t, '/api/seriestypes/rules', { id: -1, seriesTypeId: type.id });
      expect(res.status).toBe(201);
      rule = (await res.json()) as Rule;
      expect(rule.id).toBeGreaterThan(0);
      expect(rule.seriesTypeId).toBe(type.id);
      expect(
        await t.json<Rule[]>(`/api/seriestypes/rules?seriestypeid=${type.id}`, { auth: userAuth }),
      ).toEqual([rule]);
      expect(
        (
          await postJson(
            t,
            '/api/seriestypes/rules',
            { id: -1, seriesTypeId: type.id },
            { auth: userAuth },
          )
        ).status,
      ).toBe(403);
      expect(
        (await postJson(t, '/api/seriestypes/rules', { id: -1, seriesTypeId: 99999 })).status,
      ).toBe(400);
      expect((await postJson(t, '/api/seriestypes/rules', { id: -1 })).status).toBe(400);
    });

    test('rules: missing seriestypeid → 404; malformed → 400; unknown type → []', async () => {
      const missing = await t.api('/api/seriestypes/rules');
      expect(missing.status).toBe(404);
      expect(await missing.text()).toBe(
        "Request is missing required query parameter 'seriestypeid'",
      );
      expect((await t.api('/api/seriestypes/rules?seriestypeid=abc')).status).toBe(400);
      expect(await t.json<Rule[]>('/api/seriestypes/rules?seriestypeid=99999')).toEqual([]);
    });

    test('create attribute → 201 echoing rule/tag/name/values; empty name → keyword; list; USER → 403', async () => {
      const res = await postJson(t, `/api/seriestypes/rules/${rule.id}/attributes`, {
        id: -1,
        seriesTypeRuleId: rule.id,
        tag: 0x00100010,
        name: 'PatientName',
        values: 'anon270',
      });
      expect(res.status).toBe(201);
      attribute = (await res.json()) as Attribute;
      expect(attribute).toEqual({
        id: attribute.id,
        seriesTypeRuleId: rule.id,
        tag: 0x00100010,
        name: 'PatientName',
        values: 'anon270',
      });
      expect(attribute.id).toBeGreaterThan(0);
      const nested = await postJson(t, `/api/seriestypes/rules/${rule.id}/attributes`, {
        id: -1,
        seriesTypeRuleId: rule.id,
        tag: 0x00181181,
        name: '',
        tagPath: '5505058',
        namePath: 'DetectorInformationSequence',
        values: 'PARA',
      });
      expect(nested.status).toBe(201);
      const n = (await nested.json()) as Attribute;
      expect(n).toEqual({
        id: n.id,
        seriesTypeRuleId: rule.id,
        tag: 0x00181181,
        name: 'CollimatorType',
        tagPath: '5505058',
        namePath: 'DetectorInformationSequence',
        values: 'PARA',
      });
      expect(
        await t.json<Attribute[]>(`/api/seriestypes/rules/${rule.id}/attributes`, {
          auth: userAuth,
        }),
      ).toEqual([attribute, n]);
      const user = await postJson(
        t,
        `/api/seriestypes/rules/${rule.id}/attributes`,
        { ...attribute, id: -1 },
        { auth: userAuth },
      );
      expect(user.status).toBe(403);
      expect(
        (
          await t.api(`/api/seriestypes/rules/${rule.id}/attributes/${n.id}`, {
            method: 'DELETE',
            auth: userAuth,
          })
        ).status,
      ).toBe(403);
      expect(
        (await t.api(`/api/seriestypes/rules/${rule.id}/attributes/${n.id}`, { method: 'DELETE' }))
          .status,
      ).toBe(204);
      expect(await t.json<Attribute[]>(`/api/seriestypes/rules/${rule.id}/attributes`)).toEqual([
        attribute,
      ]);
    });

    test('attribute input errors: unknown rule → 404, bad tagPath → 400, missing values → 400', async () => {
      const body = {
        id: -1,
        seriesTypeRuleId: 99999,
        tag: 1048592,
        name: 'PatientName',
        values: 'x',
      };
      expect((await postJson(t, '/api/seriestypes/rules/99999/attributes', body)).status).toBe(404);
      const bad = await postJson(t, `/api/seriestypes/rules/${rule.id}/attributes`, {
        ...body,
        tagPath: 'abc',
      });
      expect(bad.status).toBe(400);
      const { values: _values, ...noValues } = body;
      expect(
        (await postJson(t, `/api/seriestypes/rules/${rule.id}/attributes`, noValues)).status,
      ).toBe(400);
      expect(await t.json<Attribute[]>('/api/seriestypes/rules/99999/attributes')).toEqual([]);
    });

    test('delete attribute → 204; delete rule → 204 and gone; USER → 403', async () => {
      const tmp = await postJson(t, '/api/seriestypes/rules', { id: -1, seriesTypeId: type.id });
      const tmpRule = (await tmp.json()) as Rule;
      expect(
        (await t.api(`/api/seriestypes/rules/${tmpRule.id}`, { method: 'DELETE', auth: userAuth }))
          .status,
      ).toBe(403);
      expect(await t.json<Rule[]>(`/api/seriestypes/rules?seriestypeid=${type.id}`)).toEqual([
        rule,
        tmpRule,
      ]);
      expect(
        (await t.api(`/api/seriestypes/rules/${tmpRule.id}`, { method: 'DELETE' })).status,
      ).toBe(204);
      expect(await t.json<Rule[]>(`/api/seriestypes/rules?seriestypeid=${type.id}`)).toEqual([
        rule,
      ]);
      expect(
        (await t.api(`/api/seriestypes/rules/${tmpRule.id}`, { method: 'DELETE' })).status,
      ).toBe(204);
    });

    test('deleting a type deletes its rules and their attributes', async () => {
      const t2 = await createType('with-rules');
      const r = (await (
        await postJson(t, '/api/seriestypes/rules', { id: -1, seriesTypeId: t2.id })
      ).json()) as Rule;
      await postJson(t, `/api/seriestypes/rules/${r.id}/attributes`, {
        id: -1,
        seriesTypeRuleId: r.id,
        tag: 1048592,
        name: '',
        values: 'x',
      });
      expect((await t.api(`/api/seriestypes/${t2.id}`, { method: 'DELETE' })).status).toBe(204);
      expect(await t.json<Rule[]>(`/api/seriestypes/rules?seriestypeid=${t2.id}`)).toEqual([]);
      expect(await t.json<Attribute[]>(`/api/seriestypes/rules/${r.id}/attributes`)).toEqual([]);
    });
  });

  test('updatestatus on an idle server → {"running": false}, any method', async () => {
    await seriesTypesIdle(t);
    for (const method of ['GET', 'POST', 'PUT']) {
      const res = await t.api('/api/seriestypes/rules/updatestatus', { method, auth: userAuth });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ running: false });
    }
  });
});

describe('series types of a series', () => {
  let seriesId: number;
  let a: SeriesType;
  let b: SeriesType;

  beforeAll(async () => {
    seriesId = (
      await upload(
        t,
        dicomOf({ patient: 'q1', study: 'qs', series: 'qse', sop: '7.1', instanceNumber: '1' }),
      )
    ).seriesId;
    await seriesTypesIdle(t);
    a = await createType('manual-a');
    b = await createType('manual-b');
  });

  test('GET → [] ; PUT → 204, idempotent; GET lists the types (any user)', async () => {
    expect(await t.json<SeriesType[]>(`/api/metadata/series/${seriesId}/seriestypes`)).toEqual([]);
    for (const id of [a.id, b.id, a.id]) {
      const res = await t.api(`/api/metadata/series/${seriesId}/seriestypes/${id}`, {
        method: 'PUT',
        auth: userAuth,
      });
      expect(res.status).toBe(204);
    }
    expect(await t.json<SeriesType[]>(`/api/metadata/series/${seriesId}/seriestypes`)).toEqual([
      a,
      b,
    ]);
    expect(await t.json<Patient[]>(`/api/metadata/patients?seriestypes=${b.id}`)).toHaveLength(1);
  });

  test('PUT with an unknown series or type → 404; GET of unknown series → []', async () => {
    expect(
      (await t.api(`/api/metadata/series/99999/seriestypes/${a.id}`, { method: 'PUT' })).status,
    ).toBe(404);
    expect(
      (await t.api(`/api/metadata/series/${seriesId}/seriestypes/99999`, { method: 'PUT' })).status,
    ).toBe(404);
    expect(await t.json<SeriesType[]>('/api/metadata/series/99999/seriestypes')).toEqual([]);
  });

  test('series query: two assigned types with two unknown ids → 2 entries; unknown ids only → []', async () => {
    const res = await postJson(
      t,
      '/api/seriestypes/series/query',
      { ids: [99998, seriesId, 99999] },
      { auth: userAuth },
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      seriesIdSeriesTypes: [
        { seriesId, seriesType: a },
        { seriesId, seriesType: b },
      ],
    });
    expect(
      await t.json('/api/seriestypes/series/query', {
        method: 'POST',
        body: '{"ids":[666]}',
        headers: { 'content-type': 'application/json' },
      }),
    ).toEqual({ seriesIdSeriesTypes: [] });
    expect((await postJson(t, '/api/seriestypes/series/query', { ids: ['x'] })).status).toBe(400);
  });

  test('DELETE one → 204 (idempotent); DELETE all → 204; unknown series → 204', async () => {
    expect(
      (
        await t.api(`/api/metadata/series/${seriesId}/seriestypes/${a.id}`, {
          method: 'DELETE',
          auth: userAuth,
        })
      ).status,
    ).toBe(204);
    expect(
      (await t.api(`/api/metadata/series/${seriesId}/seriestypes/${a.id}`, { method: 'DELETE' }))
        .status,
    ).toBe(204);
    expect(await t.json<SeriesType[]>(`/api/metadata/series/${seriesId}/seriestypes`)).toEqual([b]);
    await t.api(`/api/metadata/series/${seriesId}/seriestypes/${a.id}`, { method: 'PUT' });
    expect(
      (
        await t.api(`/api/metadata/series/${seriesId}/seriestypes`, {
          method: 'DELETE',
          auth: userAuth,
        })
      ).status,
    ).toBe(204);
    expect(await t.json<SeriesType[]>(`/api/metadata/series/${seriesId}/seriestypes`)).toEqual([]);
    expect(
      (await t.api('/api/metadata/series/99999/seriestypes', { method: 'DELETE' })).status,
    ).toBe(204);
  });

  test('deleting a type removes its assignments', async () => {
    await t.api(`/api/metadata/series/${seriesId}/seriestypes/${a.id}`, { method: 'PUT' });
    await t.api(`/api/metadata/series/${seriesId}/seriestypes/${b.id}`, { method: 'PUT' });
    expect((await t.api(`/api/seriestypes/${a.id}`, { method: 'DELETE' })).status).toBe(204);
    expect(
      await t.json<SeriesType[]>(`/api/metadata/series/${seriesId}/seriestypes`),
    ).not.toContainEqual(a);
    // Deleting a type re-evaluates every series; without any rule that removes manual assignments too.
    await seriesTypesIdle(t);
    expect(await t.json<SeriesType[]>(`/api/metadata/series/${seriesId}/seriestypes`)).toEqual([]);
  });
});
