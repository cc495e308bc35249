/** `POST /metadata/{patients|studies|series|images|flatseries}/query` (BEHAVIOR.md §5.6, §9.7). */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FlatSeries, Image, Patient, Series, Study } from '../../src-main/slicebox/types.js';
import { startTestBox } from './support.js';
import type { TestBox } from './support.js';
import { createUser, dicomOf, postJson, seriesTypesIdle, upload } from './query-support.js';

let t: TestBox;
let p1SeriesId: number;
let typeId: number;
let tagId: number;
let adminId: number;

interface Prop {
  propertyName: string;
  operator: string;
  propertyValue: string;
}

function body(
  props: Prop[],
  extra: { startIndex?: number; count?: number; order?: unknown; filters?: unknown } = {},
) {
  return {
    startIndex: extra.startIndex ?? 0,
    count: extra.count ?? 100,
    ...(extra.order !== undefined ? { order: extra.order } : {}),
    queryProperties: props,
    ...(extra.filters !== undefined ? { filters: extra.filters } : {}),
  };
}

const eq = (propertyName: string, propertyValue: string): Prop => ({
  propertyName,
  operator: '=',
  propertyValue,
});
const like = (propertyName: string, propertyValue: string): Prop => ({
  propertyName,
  operator: 'like',
  propertyValue,
});

async function query<T>(entity: string, b: unknown, auth?: string): Promise<T[]> {
  const res = await postJson(t, `/api/metadata/${entity}/query`, b, auth ? { auth } : {});
  if (res.status !== 200) throw new Error(`${entity} query → ${res.status} ${await res.text()}`);
  return (await res.json()) as T[];
}

const names = (ps: Patient[]) => ps.map((p) => p.patientName.value);

beforeAll(async () => {
  t = await startTestBox();
  adminId = (await t.json<Array<{ id: number }>>('/api/users'))[0]?.id as number;
  // p1: 2 studies × 2 series × 2 images (all instance number 1), uploaded by admin.
  let n = 0;
  for (const st of [1, 2]) {
    for (const se of [1, 2]) {
      const series = `seuid${(st - 1) * 2 + se}`;
      for (const im of [1, 2]) {
        n++;
        await upload(
          t,
          dicomOf({
            patient: 'p1',
            study: `stuid${st}`,
            series,
            sop: `1.2.3.${n}.${im}`,
            instanceNumber: '1',
            manufacturer: st === 1 ? 'manu1' : 'manu2',
            frameOfReference: `for${st}`,
          }),
        );
      }
    }
  }
  // p2: one image, uploaded by another user.
  const bob = await createUser(t, 'bob');
  await upload(
    t,
    dicomOf({
      patient: 'p2',
      study: 'stuid9',
      series: 'seuid9',
      sop: '1.2.9',
      instanceNumber: '2',
    }),
    bob.auth,
  );
  await seriesTypesIdle(t);
  const flat = await query<FlatSeries>('flatseries', body([eq('seriesInstanceUID', 'seuid1')]));
  p1SeriesId = flat[0]?.id as number;
  const type = await postJson(t, '/api/seriestypes', { id: -1, name: 'T1' });
  typeId = ((await type.json()) as { id: number }).id;
  expect(
    (await t.api(`/api/metadata/series/${p1SeriesId}/seriestypes/${typeId}`, { method: 'PUT' }))
      .status,
  ).toBe(204);
  const tag = await postJson(t, `/api/metadata/series/${p1SeriesId}/seriestags`, {
    id: -1,
    name: 'Tag1',
  });
  tagId = ((await tag.json()) as { id: number }).id;
});
afterAll(async () => {
  await t.stop();
});

describe('patients', () => {
  test('patientName = p1 → 1; = is exact and case-sensitive', async () => {
    expect(names(await query<Patient>('patients', body([eq('patientName', 'p1')])))).toEqual([
      'p1',
    ]);
    expect(await query<Patient>('patients', body([eq('patientName', 'P1')]))).toEqual([]);
    expect(await query<Patient>('patients', body([eq('patientName', 'p')]))).toEqual([]);
  });

  test('like wraps the value in %…%, keeps wildcards, is case-sensitive', async () => {
    expect(names(await query<Patient>('patients', body([like('patientName', 'p')])))).toEqual([
      'p1',
      'p2',
    ]);
    expect(names(await query<Patient>('patients', body([like('patientName', '%p%')])))).toEqual([
      'p1',
      'p2',
    ]);
    expect(await query<Patient>('patients', body([like('patientName', 'P')]))).toEqual([]);
    expect(names(await query<Patient>('patients', body([like('patientName', '_2')])))).toEqual([
      'p2',
    ]);
    expect(await query<Patient>('patients', body([like('patientName', 'p_1')]))).toEqual([]);
  });

  test('conditions are AND-ed', async () => {
    expect(
      names(
        await query<Patient>(
          'patients',
          body([like('patientName', 'p'), eq('patientID', 'id-p2')]),
        ),
      ),
    ).toEqual(['p2']);
    expect(
      await query<Patient>('patients', body([eq('patientName', 'p1'), eq('patientID', 'id-p2')])),
    ).toEqual([]);
  });

  test('order and paging', async () => {
    const order = { orderBy: 'patientName', orderAscending: false };
    expect(
      names(await query<Patient>('patients', body([like('patientName', 'p')], { order }))),
    ).toEqual(['p2', 'p1']);
    expect(
      names(
        await query<Patient>(
          'patients',
          body([like('patientName', 'p')], { order, startIndex: 1, count: 1 }),
        ),
      ),
    ).toEqual(['p1']);
    expect(
      names(
        await query<Patient>(
          'patients',
          body([], { order: { orderBy: 'patientName', orderAscending: true } }),
        ),
      ),
    ).toEqual(['p1', 'p2']);
    expect(await query<Patient>('patients', body([], { startIndex: 2 }))).toEqual([]);
    expect(await query<Patient>('patients', body([], { count: 0 }))).toEqual([]);
    expect(names(await query<Patient>('patients', body([], { count: 1 })))).toEqual(['p1']);
  });

  test('filters: sources, series types and series tags', async () => {
    const filters = (sourceRefs: unknown[], seriesTypeIds: number[], seriesTagIds: number[]) => ({
      sourceRefs,
      seriesTypeIds,
      seriesTagIds,
    });
    const q = (f: unknown) => query<Patient>('patients', body([], { filters: f }));
    expect(names(await q(filters([{ sourceType: 'user', sourceId: adminId }], [], [])))).toEqual([
      'p1',
    ]);
    expect(await q(filters([{ sourceType: 'user', sourceId: 666 }], [], []))).toEqual([]);
    expect(await q(filters([{ sourceType: 'box', sourceId: adminId }], [], []))).toEqual([]);
    expect(names(await q(filters([], [typeId], [])))).toEqual(['p1']);
    expect(await q(filters([], [666], []))).toEqual([]);
    expect(names(await q(filters([], [], [tagId])))).toEqual(['p1']);
    expect(await q(filters([], [], [666]))).toEqual([]);
    expect(names(await q(filters([], [], [])))).toEqual(['p1', 'p2']);
    // Groups are AND-ed on the same series, ids OR-ed within a group.
    expect(names(await q(filters([], [typeId, 666], [tagId])))).toEqual(['p1']);
  });

  test('patients can be queried by study- and series-level columns', async () => {
    expect(names(await query<Patient>('patients', body([eq('manufacturer', 'manu1')])))).toEqual([
      'p1',
    ]);
    expect(
      names(await query<Patient>('patients', body([eq('frameOfReferenceUID', 'for2')]))),
    ).toEqual(['p1']);
    expect(
      names(await query<Patient>('patients', body([eq('studyInstanceUID', 'stuid9')]))),
    ).toEqual(['p2']);
    // `patientId` is the study's foreign key (case matters: `patientID` is the DICOM ID).
    const p2 = (await query<Patient>('patients', body([eq('patientID', 'id-p2')])))[0] as Patient;
    expect(names(await query<Patient>('patients', body([eq('patientId', String(p2.id))])))).toEqual(
      ['p2'],
    );
  });
});

describe('studies, series, images, flat series', () => {
  test('studies studyInstanceUID = stuid1 → 1', async () => {
    const studies = await query<Study>('studies', body([eq('studyInstanceUID', 'stuid1')]));
    expect(studies.map((s) => s.studyInstanceUID.value)).toEqual(['stuid1']);
    expect(await query<Study>('studies', body([eq('patientName', 'p1')]))).toHaveLength(2);
  });

  test('series seriesInstanceUID = seuid1 → 1', async () => {
    const series = await query<Series>('series', body([eq('seriesInstanceUID', 'seuid1')]));
    expect(series.map((s) => s.seriesInstanceUID.value)).toEqual(['seuid1']);
    const desc = await query<Series>(
      'series',
      body([eq('patientName', 'p1')], {
        order: { orderBy: 'seriesInstanceUID', orderAscending: false },
      }),
    );
    expect(desc.map((s) => s.seriesInstanceUID.value)).toEqual([
      'seuid4',
      'seuid3',
      'seuid2',
      'seuid1',
    ]);
  });

  test('images instanceNumber = 1 → 8; images can be queried by patient columns', async () => {
    const images = await query<Image>('images', body([eq('instanceNumber', '1')]));
    expect(images).toHaveLength(8);
    expect(new Set(images.map((i) => i.id)).size).toBe(8);
    expect(await query<Image>('images', body([eq('patientName', 'p2')]))).toHaveLength(1);
    const page = await query<Image>(
      'images',
      body([like('sopInstanceUID', '1.2.')], {
        order: { orderBy: 'sopInstanceUID', orderAscending: false },
        startIndex: 1,
        count: 2,
      }),
    );
    const all = (await query<Image>('images', body([like('sopInstanceUID', '1.2.')])))
      .map((i) => i.sopInstanceUID.value)
      .sort()
      .reverse();
    expect(page.map((i) => i.sopInstanceUID.value)).toEqual(all.slice(1, 3));
  });

  test('flatseries seriesInstanceUID = seuid1 → 1, with its study and patient', async () => {
    const flat = await query<FlatSeries>('flatseries', body([eq('seriesInstanceUID', 'seuid1')]));
    expect(flat).toHaveLength(1);
    const f = flat[0] as FlatSeries;
    expect(f.id).toBe(f.series.id);
    expect(f.patient.patientName.value).toBe('p1');
    expect(f.study.studyInstanceUID.value).toBe('stuid1');
    const byPatient = await query<FlatSeries>(
      'flatseries',
      body([], { order: { orderBy: 'patientName', orderAscending: false } }),
    );
    expect(byPatient.map((x) => x.patient.patientName.value)).toEqual([
      'p2',
      'p1',
      'p1',
      'p1',
      'p1',
    ]);
    const byId = await query<FlatSeries>(
      'flatseries',
      body([], { order: { orderBy: 'id', orderAscending: false } }),
    );
    expect(byId.map((x) => x.id)).toEqual(byId.map((x) => x.id).sort((a, b) => b - a));
  });

  test('a USER may query; no credentials → 401', async () => {
    const { auth } = await createUser(t, 'carol');
    expect(await query<Patient>('patients', body([]), auth)).toHaveLength(2);
    const res = await postJson(t, '/api/metadata/patients/query', body([]), { auth: '' });
    expect(res.status).toBe(401);
  });
});

describe('bad input → 400 (415 for a wrong content type)', () => {
  test.each([
    ['patients', body([eq('sopInstanceUID', 'x')]), 'Property sopInstanceUID does not exist'],
    ['patients', body([eq('nosuch', 'x')]), 'Property nosuch does not exist'],
    ['patients', body([eq('PatientName', 'x')]), 'Property PatientName does not exist'],
    ['images', body([eq('id', '1')]), /^Property id is ambiguous/],
    ['patients', body([eq('id', '1')]), /^Property id is ambiguous/],
    [
      'patients',
      body([], { order: { orderBy: 'nosuch', orderAscending: true } }),
      'Property nosuch does not exist',
    ],
    [
      'patients',
      body([], { order: { orderBy: 'studyDate', orderAscending: true } }),
      /^Property studyDate cannot be used to order patients/,
    ],
    [
      'flatseries',
      body([], { order: { orderBy: 'sopInstanceUID', orderAscending: true } }),
      'Property sopInstanceUID does not exist',
    ],
  ])('%s %j → 400 %s', async (entity, b, message) => {
    const res = await postJson(t, `/api/metadata/${entity}/query`, b);
    expect(res.status).toBe(400);
    const text = await res.text();
    if (typeof message === 'string') expect(text).toBe(message);
    else expect(text).toMatch(message);
  });

  test.each([
    ['operator <', body([{ propertyName: 'patientName', operator: '<', propertyValue: 'x' }])],
    ['missing queryProperties', { startIndex: 0, count: 10 }],
    ['missing count', { startIndex: 0, queryProperties: [] }],
    ['negative startIndex', body([], { startIndex: -1 })],
    ['fractional count', body([], { count: 1.5 })],
    ['filters without seriesTagIds', body([], { filters: { sourceRefs: [], seriesTypeIds: [] } })],
    ['order without orderAscending', body([], { order: { orderBy: 'patientName' } })],
    [
      'propertyValue a number',
      body([{ propertyName: 'patientName', operator: '=', propertyValue: 1 } as unknown as Prop]),
    ],
    ['malformed JSON', '{"startIndex": 0,'],
    ['an array', '[]'],
  ])('%s → 400', async (_name, b) => {
    expect((await postJson(t, '/api/metadata/patients/query', b)).status).toBe(400);
  });

  test('empty body → 400; text/plain → 415; GET → 405', async () => {
    expect((await postJson(t, '/api/metadata/series/query', '')).status).toBe(400);
    const res = await t.api('/api/metadata/studies/query', {
      method: 'POST',
      body: JSON.stringify(body([])),
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(415);
    expect((await t.api('/api/metadata/images/query')).status).toBe(405);
  });
});
