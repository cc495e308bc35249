/** Automatic series type assignment (BEHAVIOR.md §20.3) and its triggers. */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Image } from '../../src-main/slicebox/types.js';
import { TAG, derive } from './anonymization-support.js';
import { startTestBox, testFile } from './support.js';
import type { TestBox } from './support.js';
import { postJson, seriesTypesIdle, upload } from './query-support.js';

interface SeriesType {
  id: number;
  name: string;
}

const PATIENT_NAME = 0x00100010;
const PIXEL_SPACING = 0x00280030;
const COLLIMATOR_TYPE = 0x00181181;
const DETECTOR_INFORMATION_SEQUENCE = 0x00540022;

let t: TestBox;
let image: Image;

async function type(name: string): Promise<SeriesType> {
  return (await (await postJson(t, '/api/seriestypes', { id: -1, name })).json()) as SeriesType;
}
async function rule(seriesTypeId: number): Promise<number> {
  const res = await postJson(t, '/api/seriestypes/rules', { id: -1, seriesTypeId });
  return ((await res.json()) as { id: number }).id;
}
async function attribute(
  ruleId: number,
  tag: number,
  values: string,
  tagPath?: string,
): Promise<number> {
  const res = await postJson(t, `/api/seriestypes/rules/${ruleId}/attributes`, {
    id: -1,
    seriesTypeRuleId: ruleId,
    tag,
    name: '',
    ...(tagPath !== undefined ? { tagPath } : {}),
    values,
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: number }).id;
}
async function assigned(seriesId = image.seriesId): Promise<string[]> {
  await seriesTypesIdle(t);
  return (await t.json<SeriesType[]>(`/api/metadata/series/${seriesId}/seriestypes`)).map(
    (x) => x.name,
  );
}

beforeAll(async () => {
  t = await startTestBox();
});
afterAll(async () => {
  await t.stop();
});

let byName: SeriesType;
let noRules: SeriesType;
let nested: SeriesType;
let nestedRule: number;
let mismatch: SeriesType;
let mismatchAttribute: number;
let mismatchRule: number;

test('a type whose rule requires PatientName anon270 is assigned to test.dcm; a type without rules is not', async () => {
  byName = await type('by-name');
  const r = await rule(byName.id);
  await attribute(r, PATIENT_NAME, 'anon270');
  noRules = await type('no-rules');
  const res = await t.upload('/api/images', testFile('test.dcm'));
  expect(res.status).toBe(201);
  image = (await res.json()) as Image;
  expect(await assigned()).toEqual(['by-name']);
  expect(noRules.id).toBeGreaterThan(0);
});

test('rules: nested attributes (item 1 of a sequence), multi-valued attributes joined with ",", AND within a rule, OR across rules', async () => {
  nested = await type('nested');
  nestedRule = await rule(nested.id);
  await attribute(nestedRule, COLLIMATOR_TYPE, 'PARA', String(DETECTOR_INFORMATION_SEQUENCE));
  await attribute(nestedRule, PIXEL_SPACING, '1.066407,1.066407');
  mismatch = await type('mismatch');
  mismatchRule = await rule(mismatch.id);
  await attribute(mismatchRule, PATIENT_NAME, 'anon270');
  mismatchAttribute = await attribute(mismatchRule, COLLIMATOR_TYPE, 'PARA'); // not at the root
  const either = await type('either');
  await attribute(await rule(either.id), PATIENT_NAME, 'somebody else');
  await attribute(await rule(either.id), PATIENT_NAME, 'anon270');
  const missing = await type('missing-is-empty');
  await attribute(await rule(missing.id), 0x00091001, '');
  expect(await assigned()).toEqual(['by-name', 'nested', 'either', 'missing-is-empty']);
});

test('deleting an attribute re-evaluates all series', async () => {
  const res = await t.api(
    `/api/seriestypes/rules/${mismatchRule}/attributes/${mismatchAttribute}`,
    {
      method: 'DELETE',
    },
  );
  expect(res.status).toBe(204);
  expect(await assigned()).toContain('mismatch');
});

test('deleting a rule re-evaluates all series', async () => {
  expect((await t.api(`/api/seriestypes/rules/${nestedRule}`, { method: 'DELETE' })).status).toBe(
    204,
  );
  expect(await assigned()).not.toContain('nested');
});

test('adding an image to the series replaces manual assignments with the rule results', async () => {
  expect(
    (
      await t.api(`/api/metadata/series/${image.seriesId}/seriestypes/${noRules.id}`, {
        method: 'PUT',
      })
    ).status,
  ).toBe(204);
  expect(await assigned()).toContain('no-rules');
  const second = derive(testFile('test.dcm'), { [TAG.SOPInstanceUID]: '1.2.3.4.5.6.7' });
  const added = await upload(t, second);
  expect(added.seriesId).toBe(image.seriesId);
  expect(await assigned()).not.toContain('no-rules');
  // An overwrite triggers too.
  await t.api(`/api/metadata/series/${image.seriesId}/seriestypes/${noRules.id}`, {
    method: 'PUT',
  });
  expect((await t.upload('/api/images', testFile('test.dcm'))).status).toBe(200);
  expect(await assigned()).not.toContain('no-rules');
});

test('a new series of another patient is evaluated on its own; a rule without attributes matches any series', async () => {
  const catchAll = await type('catch-all');
  await rule(catchAll.id); // creating a rule does not re-evaluate (nothing to see until an image arrives)
  const other = await upload(
    t,
    derive(testFile('test.dcm'), {
      [TAG.PatientName]: 'someone',
      [TAG.SeriesInstanceUID]: '9.9.9',
      [TAG.SOPInstanceUID]: '9.9.9.1',
    }),
  );
  expect(other.seriesId).not.toBe(image.seriesId);
  expect(await assigned(other.seriesId)).toEqual(['missing-is-empty', 'catch-all']);
});

test('deleting the series removes its series types', async () => {
  const ids = (await t.json<Image[]>(`/api/metadata/images?seriesid=${image.seriesId}`)).map(
    (i) => i.id,
  );
  for (const id of ids)
    expect((await t.api(`/api/images/${id}`, { method: 'DELETE' })).status).toBe(204);
  const res = await postJson(t, '/api/seriestypes/series/query', { ids: [image.seriesId] });
  expect(await res.json()).toEqual({ seriesIdSeriesTypes: [] });
});

test('the assignments survive a restart', async () => {
  const other = (await t.json<Array<{ id: number }>>('/api/metadata/flatseries'))[0]?.id as number;
  const before = await assigned(other);
  await t.restart();
  expect(await assigned(other)).toEqual(before);
});
