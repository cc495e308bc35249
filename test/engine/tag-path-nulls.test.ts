/**
 * Tag paths with `null` fields, as Slicebox's own web UI (v2.0.2) sends them (issue 9): null means absent on every
 * route that reads a TagPath — modify, anonymization tag values (in place, copy, bulk, box send), filter tag
 * paths — and on the nullable strings of series-type rule attributes.
 */
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type {
  Image,
  ImageAttribute,
  OutgoingTransactionImage,
  TagFilter,
  TagFilterTagPath,
} from '../../src-main/slicebox/types.js';
import { TAG, rootText } from './anonymization-support.js';
import { createConnection, postJson, tokenPath } from './box-support.js';
import { startTestBox, testFile } from './support.js';
import type { TestBox } from './support.js';

let t: TestBox;
beforeAll(async () => {
  t = await startTestBox();
});
afterAll(async () => {
  await t.stop();
});

async function upload(): Promise<Image> {
  const res = await t.upload('/api/images', testFile('test.dcm'));
  expect(res.status).toBeLessThan(300);
  return (await res.json()) as Image;
}

async function attributes(id: number): Promise<ImageAttribute[]> {
  return t.json<ImageAttribute[]>(`/api/images/${id}/attributes`);
}

function valueAt(attrs: ImageAttribute[], names: string[]): string[] | undefined {
  return attrs.find((a) => a.namePath.join('.') === names.join('.'))?.values;
}

/** Exactly the web UI's shapes. */
const AGE_BY_NAME = '{"tag":null,"name":"PatientAge","previous":null}';
const AGE_BY_TAG = '{"tag":1052688,"name":null,"previous":null}';
const NAME_BY_NAME = '{"tag":null,"name":"PatientName","previous":null}';
/** EnergyWindowUpperLimit in item 2 of EnergyWindowRangeSequence in item 1 of EnergyWindowInformationSequence. */
const NESTED_UPPER_LIMIT =
  '{"tag":null,"name":"EnergyWindowUpperLimit","item":null,"previous":' +
  '{"tag":5505043,"name":null,"item":"2","previous":' +
  '{"tag":null,"name":"EnergyWindowInformationSequence","item":"1","previous":null}}}';

const profileJson = '{"options":[{"name":"BASIC_PROFILE"}]}';

describe('PUT /images/{id}/modify', () => {
  test('null tag, name, item and previous read as absent → 201 with the new values', async () => {
    const image = await upload();
    const res = await t.api(`/api/images/${image.id}/modify`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body:
        `[{"tagPath":${AGE_BY_NAME},"value":"042Y"},` +
        `{"tagPath":${NESTED_UPPER_LIMIT},"value":"777"}]`,
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const modified = (await res.json()) as Image;
    const attrs = await attributes(modified.id);
    expect(valueAt(attrs, ['PatientAge'])).toEqual(['042Y']);
    const limits = attrs.filter((a) => a.namePath.at(-1) === 'EnergyWindowUpperLimit');
    expect(limits.map((a) => a.values[0])).toEqual(['155', '777']);
  });

  test('null in place of the whole tag path, or a null tag with a null name → 400', async () => {
    const image = await upload();
    for (const body of [
      '[{"tagPath":null,"value":"042Y"}]',
      '[{"tagPath":{"tag":null,"name":null,"previous":null},"value":"042Y"}]',
    ]) {
      const res = await t.api(`/api/images/${image.id}/modify`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(res.status, body).toBe(400);
    }
  });
});

describe('anonymization tag values', () => {
  test('POST /images/{id}/anonymized with a null-field tag path → 200, value applied', async () => {
    const image = await upload();
    const res = await t.api(`/api/images/${image.id}/anonymized`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"profile":${profileJson},"tagValues":[{"tagPath":${NAME_BY_NAME},"value":"Anon 001"}]}`,
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(rootText(new Uint8Array(await res.arrayBuffer()), TAG.PatientName)).toBe('Anon 001');
  });

  test('PUT /images/{id}/anonymize → 200, value applied', async () => {
    const image = await upload();
    const res = await t.api(`/api/images/${image.id}/anonymize`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: `{"profile":${profileJson},"tagValues":[{"tagPath":${NAME_BY_NAME},"value":"Anon 002"}]}`,
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const anonymized = (await res.json()) as Image;
    expect(valueAt(await attributes(anonymized.id), ['PatientName'])).toEqual(['Anon 002']);
  });

  test('POST /anonymization/anonymize (bulk) → 200, value applied', async () => {
    const image = await upload();
    const res = await t.api('/api/anonymization/anonymize', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body:
        `{"profile":${profileJson},"imageTagValuesSet":[{"imageId":${image.id},` +
        `"tagValues":[{"tagPath":${NAME_BY_NAME},"value":"Anon 003"}]}]}`,
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const [anonymized] = (await res.json()) as Image[];
    expect(valueAt(await attributes((anonymized as Image).id), ['PatientName'])).toEqual([
      'Anon 003',
    ]);
  });

  test('POST /boxes/{id}/send → 204, and the box serves the image with the value', async () => {
    const image = await upload();
    const box = await createConnection(t, 'nulls');
    const res = await postJson(
      t,
      `/api/boxes/${box.id}/send`,
      `{"profile":{"options":[]},"imageTagValuesSet":[{"imageId":${image.id},` +
        `"tagValues":[{"tagPath":${NAME_BY_NAME},"value":"Anon 004"}]}]}`,
    );
    expect(res.status, await res.clone().text()).toBe(204);
    const polled = await t.api(`${tokenPath(box)}/outgoing/poll`, { auth: null });
    expect(polled.status).toBe(200);
    const [entry] = (await polled.json()) as OutgoingTransactionImage[];
    const served = await t.api(
      `${tokenPath(box)}/outgoing?transactionid=${entry?.transaction.id}&imageid=${entry?.image.id}`,
      { auth: null },
    );
    expect(served.status).toBe(200);
    const bytes = inflateSync(Buffer.from(await served.arrayBuffer()));
    expect(rootText(new Uint8Array(bytes), TAG.PatientName)).toBe('Anon 004');
  });
});

describe('POST /filtering/filters/{id}/tagpaths', () => {
  test('the web UI shapes → 201, stored as the element they name', async () => {
    const filter = await t.json<TagFilter>('/api/filtering/filters', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"id":-1,"name":"nulls","tagFilterType":"BLACKLIST","tagPaths":[]}',
    });
    const added: TagFilterTagPath[] = [];
    for (const tagPath of [
      AGE_BY_TAG,
      NAME_BY_NAME,
      '{"tag":null,"name":"EnergyWindowUpperLimit","item":null,"previous":' +
        '{"tag":5505042,"name":null,"item":"*","previous":null}}',
    ]) {
      const res = await t.api(`/api/filtering/filters/${filter.id}/tagpaths`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: `{"id":-1,"tagFilterId":${filter.id},"tagPath":${tagPath}}`,
      });
      expect(res.status, `${tagPath}: ${await res.clone().text()}`).toBe(201);
      added.push((await res.json()) as TagFilterTagPath);
    }
    expect(added.map((a) => a.tagPath)).toEqual([
      { tag: 1052688, name: 'PatientAge' },
      { tag: 1048592, name: 'PatientName' },
      {
        tag: 5505045,
        name: 'EnergyWindowUpperLimit',
        previous: { tag: 5505042, name: 'EnergyWindowInformationSequence', item: '*' },
      },
    ]);
  });
});

describe('POST /seriestypes/rules/{id}/attributes', () => {
  test('null tagPath and namePath read as absent → 201', async () => {
    const type = await t.json<{ id: number }>('/api/seriestypes', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"id":-1,"name":"nulls"}',
    });
    const rule = await t.json<{ id: number }>('/api/seriestypes/rules', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"id":-1,"seriesTypeId":${type.id}}`,
    });
    const res = await t.api(`/api/seriestypes/rules/${rule.id}/attributes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body:
        `{"id":-1,"seriesTypeRuleId":${rule.id},"tag":1052688,"name":"",` +
        '"tagPath":null,"namePath":null,"values":"042Y"}',
    });
    expect(res.status, await res.clone().text()).toBe(201);
    expect(await res.json()).toMatchObject({ tag: 1052688, name: 'PatientAge', values: '042Y' });
  });
});
