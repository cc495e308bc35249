/** Metadata lists: paging, ordering, filters, advanced filters and errors (BEHAVIOR.md §9.1-9.6). */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FlatSeries, Image, Patient, Series, Study } from '../../src-main/slicebox/types.js';
import { PYDICOM, startTestBox, testFile } from './support.js';
import type { TestBox } from './support.js';

let t: TestBox;
beforeAll(async () => {
  t = await startTestBox();
});
afterAll(async () => {
  await t.stop();
});

const FILES = [
  'test.dcm',
  join(PYDICOM, 'CT_small.dcm'),
  join(PYDICOM, 'MR_small.dcm'),
  join(PYDICOM, 'dicomdir_77654033_CR1_6154.dcm'),
  join(PYDICOM, 'dicomdir_98892001_CT2N_6293.dcm'),
  join(PYDICOM, 'dicomdir_98892001_CT2N_6924.dcm'),
  join(PYDICOM, 'dicomdir_98892001_CT5N_2062.dcm'),
  join(PYDICOM, 'dicomdir_98892001_CT5N_2392.dcm'),
];

const names = (ps: Patient[]) => ps.map((p) => p.patientName.value);

test('empty database → []', async () => {
  expect(await t.json<Patient[]>('/api/metadata/patients')).toEqual([]);
  expect(await t.json<FlatSeries[]>('/api/metadata/flatseries')).toEqual([]);
});

describe('with five patients', () => {
  beforeAll(async () => {
    for (const f of FILES) {
      const res = await t.upload('/api/images', testFile(f));
      if (res.status !== 201) throw new Error(`${f}: ${res.status} ${await res.text()}`);
    }
  });

  test('patients in insertion order by default', async () => {
    expect(names(await t.json<Patient[]>('/api/metadata/patients'))).toEqual([
      'anon270',
      'CompressedSamples^CT1',
      'CompressedSamples^MR1',
      'Doe^Archibald',
      'Doe^Peter',
    ]);
  });

  test('orderby / orderascending spellings; names order case-insensitively (DECISIONS.md)', async () => {
    const asc = names(await t.json<Patient[]>('/api/metadata/patients?orderby=patientName'));
    // "anon270" among the A's, not after every upper-case name (as Slicebox on MySQL orders it).
    expect(asc).toEqual([
      'anon270',
      'CompressedSamples^CT1',
      'CompressedSamples^MR1',
      'Doe^Archibald',
      'Doe^Peter',
    ]);
    for (const no of ['false', 'no', 'off', '0', 'FALSE']) {
      expect(
        names(
          await t.json<Patient[]>(
            `/api/metadata/patients?orderby=patientName&orderascending=${no}`,
          ),
        ),
      ).toEqual([...asc].reverse());
    }
    for (const yes of ['true', 'yes', 'on', '1']) {
      expect(
        names(
          await t.json<Patient[]>(
            `/api/metadata/patients?orderby=patientName&orderascending=${yes}`,
          ),
        ),
      ).toEqual(asc);
    }
    expect((await t.api('/api/metadata/patients?orderby=patientID')).status).toBe(200);
  });

  test('startindex and count page the ordered list', async () => {
    const page = await t.json<Patient[]>(
      '/api/metadata/patients?orderby=patientName&startindex=1&count=2',
    );
    expect(names(page)).toEqual(['CompressedSamples^CT1', 'CompressedSamples^MR1']);
    const desc = await t.json<Patient[]>(
      '/api/metadata/patients?orderby=patientName&orderascending=false&startindex=3&count=5',
    );
    expect(names(desc)).toEqual(['CompressedSamples^CT1', 'anon270']);
    expect(await t.json<Patient[]>('/api/metadata/patients?startindex=10')).toEqual([]);
    expect(await t.json<Patient[]>('/api/metadata/patients?count=0')).toEqual([]);
  });

  test.each([
    ['/api/metadata/patients?orderby=syntaxerror', 'Property syntaxerror does not exist'],
    ['/api/metadata/flatseries?orderby=syntaxerror', 'Property syntaxerror does not exist'],
    ['/api/metadata/patients?startindex=-1', /^The query parameter 'startindex' was malformed:/],
    ['/api/metadata/patients?count=abc', /^The query parameter 'count' was malformed:/],
    ['/api/metadata/flatseries?startindex=1.5', /^The query parameter 'startindex' was malformed:/],
    [
      '/api/metadata/patients?orderby=id&orderascending=maybe',
      /^The query parameter 'orderascending' was malformed:/,
    ],
    [
      '/api/metadata/patients?sources=box',
      'Sources parameter must be formatted as a comma separated list of sourceType:sourceId elements, e.g. box:23,box:12,user:2',
    ],
    ['/api/metadata/flatseries?sources=user:x', /^Sources parameter must be formatted/],
    [
      '/api/metadata/patients?seriestypes=1,a',
      'Series types and series tags parameters must be formatted as a comma separated list of ids, e.g. 2,5,11',
    ],
    ['/api/metadata/flatseries?seriestags=x', /^Series types and series tags parameters/],
    ['/api/metadata/images?seriesid=1&orderby=patientName', 'Property patientName does not exist'],
  ])('%s → 400', async (path, message) => {
    const res = await t.api(path);
    expect(res.status).toBe(400);
    const text = await res.text();
    if (typeof message === 'string') expect(text).toBe(message);
    else expect(text).toMatch(message);
  });

  test('filter is a case-insensitive substring over the text fields; % and _ act as wildcards', async () => {
    expect(names(await t.json<Patient[]>('/api/metadata/patients?filter=doe'))).toEqual([
      'Doe^Archibald',
      'Doe^Peter',
    ]);
    expect(
      names(await t.json<Patient[]>('/api/metadata/patients?filter=COMPRESSEDSAMPLES%5EMR')),
    ).toEqual(['CompressedSamples^MR1']);
    expect(names(await t.json<Patient[]>('/api/metadata/patients?filter=d_e%5Ep'))).toEqual([
      'Doe^Peter',
    ]);
    expect(await t.json<Patient[]>('/api/metadata/patients?filter=nobody')).toEqual([]);
    const flat = await t.json<FlatSeries[]>('/api/metadata/flatseries?filter=njurscint');
    expect(flat.map((f) => f.patient.patientName.value)).toEqual(['anon270']);
  });

  test('advanced filters: sources match series sources; unknown ids match nothing', async () => {
    expect(await t.json<Patient[]>('/api/metadata/patients?sources=user:1')).toHaveLength(5);
    expect(await t.json<Patient[]>('/api/metadata/patients?sources=user:666')).toEqual([]);
    expect(await t.json<Patient[]>('/api/metadata/patients?sources=box:1,user:1')).toHaveLength(5);
    expect(await t.json<Patient[]>('/api/metadata/patients?sources=nosuchtype:1')).toEqual([]);
    expect(await t.json<Patient[]>('/api/metadata/patients?seriestypes=1,2')).toEqual([]);
    expect(await t.json<Patient[]>('/api/metadata/patients?seriestags=3')).toEqual([]);
    expect(await t.json<FlatSeries[]>('/api/metadata/flatseries?sources=user:1')).toHaveLength(6);
    expect(await t.json<FlatSeries[]>('/api/metadata/flatseries?sources=import:1')).toEqual([]);
  });

  test('flat series and metadata queries order names case-insensitively too', async () => {
    const flat = await t.json<FlatSeries[]>('/api/metadata/flatseries?orderby=patientName');
    expect([...new Set(flat.map((f) => f.patient.patientName.value))]).toEqual([
      'anon270',
      'CompressedSamples^CT1',
      'CompressedSamples^MR1',
      'Doe^Archibald',
      'Doe^Peter',
    ]);
    const byDescription = await t.json<FlatSeries[]>(
      '/api/metadata/flatseries?orderby=studyDescription&orderascending=false',
    );
    const descriptions = byDescription.map((f) => f.study.studyDescription.value);
    const key = (x: string) => x.toLowerCase();
    const folded = (a: string, b: string) => (key(a) < key(b) ? 1 : key(a) > key(b) ? -1 : 0);
    expect(descriptions).toEqual([...descriptions].sort(folded));
    const res = await t.api('/api/metadata/patients/query', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        startIndex: 0,
        count: 10,
        order: { orderBy: 'patientName', orderAscending: false },
        queryProperties: [],
      }),
    });
    expect(res.status).toBe(200);
    expect(names((await res.json()) as Patient[])).toEqual([
      'Doe^Peter',
      'Doe^Archibald',
      'CompressedSamples^MR1',
      'CompressedSamples^CT1',
      'anon270',
    ]);
  });

  test('flat series: one per series, ordered and paged', async () => {
    const all = await t.json<FlatSeries[]>('/api/metadata/flatseries');
    expect(all).toHaveLength(6);
    for (const f of all) expect(f.id).toBe(f.series.id);
    const byPatientId = await t.json<FlatSeries[]>(
      '/api/metadata/flatseries?orderby=patientID&orderascending=false',
    );
    const ids = byPatientId.map((f) => f.patient.patientID.value);
    expect(ids).toEqual([...ids].sort().reverse());
    const page = await t.json<FlatSeries[]>('/api/metadata/flatseries?startindex=4&count=5');
    expect(page.map((f) => f.id)).toEqual(all.slice(4).map((f) => f.id));
    expect((await t.api('/api/metadata/flatseries/99999')).status).toBe(404);
  });

  test('studies, series and images below a patient', async () => {
    const peter = (await t.json<Patient[]>('/api/metadata/patients?filter=peter'))[0] as Patient;
    const studies = await t.json<Study[]>(`/api/metadata/studies?patientid=${peter.id}`);
    expect(studies).toHaveLength(1);
    const study = studies[0] as Study;
    const series = await t.json<Series[]>(`/api/metadata/series?studyid=${study.id}`);
    expect(series).toHaveLength(2);
    const images = await t.json<Image[]>(
      `/api/metadata/images?seriesid=${(series[1] as Series).id}&orderby=instanceNumber&orderascending=false`,
    );
    expect(images).toHaveLength(2);
    expect(images.map((i) => i.instanceNumber.value)).toEqual(
      [...images.map((i) => i.instanceNumber.value)].sort().reverse(),
    );
    expect(await t.json<Image[]>(`/api/metadata/patients/${peter.id}/images`)).toHaveLength(4);
    expect(await t.json<Image[]>(`/api/metadata/studies/${study.id}/images`)).toHaveLength(4);
    expect(
      await t.json<Image[]>(`/api/metadata/patients/${peter.id}/images?sources=user:2`),
    ).toEqual([]);
    expect(await t.json<Image[]>('/api/metadata/patients/99999/images')).toEqual([]);
    expect(await t.json<Study[]>('/api/metadata/studies?patientid=99999')).toEqual([]);
  });

  test('missing required query parameters → 404 with the parameter name', async () => {
    for (const [path, name] of [
      ['/api/metadata/studies', 'patientid'],
      ['/api/metadata/series', 'studyid'],
      ['/api/metadata/images', 'seriesid'],
    ]) {
      const res = await t.api(path as string);
      expect(res.status).toBe(404);
      expect(await res.text()).toBe(`Request is missing required query parameter '${name}'`);
    }
    expect((await t.api('/api/metadata/studies?patientid=x')).status).toBe(400);
  });

  test('unknown entities → 404', async () => {
    for (const path of ['patients', 'studies', 'series', 'images']) {
      expect((await t.api(`/api/metadata/${path}/99999`)).status).toBe(404);
    }
    expect((await t.api('/api/metadata/series/99999/source')).status).toBe(404);
  });
});
