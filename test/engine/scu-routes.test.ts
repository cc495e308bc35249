/**
 * SCU routes (BEHAVIOR.md §17) and SCUs in `/destinations` (§7.5). Sending goes to this box's own SCP over
 * loopback (our SCU → our SCP), which also checks that both ends keep the dataset bytes as they are.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Image, ScpData, ScuData, Source } from '../../src-main/slicebox/types.js';
import { createConnection } from './box-support.js';
import { datasetBytes, fileMetaOf, freePort, postJson } from './dimse-support.js';
import { basic, PYDICOM, sha256, startTestBox, TESTDATA } from './support.js';
import type { TestBox } from './support.js';

const scuBody = (name: string, aeTitle: string, host: string, port: number) => ({
  id: -1,
  name,
  aeTitle,
  host,
  port,
});

interface LogEntry {
  entryType: string;
  subject: string;
  message: string;
}

describe('SCU routes (§17)', () => {
  let t: TestBox;
  let userAuth: string;
  let scp: ScpData;
  let scu: ScuData;
  let image: Image;

  function send(id: number, ids: unknown, auth?: string): Promise<Response> {
    return postJson(t, `/api/scus/${id}/send`, ids, auth);
  }

  beforeAll(async () => {
    t = await startTestBox();
    const res = await postJson(t, '/api/users', { user: 'viewer', role: 'USER', password: 'pw' });
    expect(res.status).toBe(201);
    userAuth = basic('viewer', 'pw');
    const upload = await t.upload('/api/images', readFileSync(join(TESTDATA, 'test.dcm')));
    expect(upload.status).toBe(201);
    image = (await upload.json()) as Image;
  });
  afterAll(async () => {
    await t.stop();
  });

  test('SCP and an SCU pointing to it → 201; list → 1', async () => {
    const port = await freePort();
    const scpRes = await postJson(t, '/api/scps', {
      id: -1,
      name: 'TestScp',
      aeTitle: 'TESTSCP',
      port,
    });
    expect(scpRes.status).toBe(201);
    scp = (await scpRes.json()) as ScpData;
    const scuRes = await postJson(t, '/api/scus', scuBody('TestScu', 'TESTSCP', '127.0.0.1', port));
    expect(scuRes.status).toBe(201);
    scu = (await scuRes.json()) as ScuData;
    expect(scu).toEqual({
      id: scu.id,
      name: 'TestScu',
      aeTitle: 'TESTSCP',
      host: '127.0.0.1',
      port,
    });
    expect(await t.json<ScuData[]>('/api/scus', { auth: userAuth })).toEqual([scu]);
  });

  test('send to SCU 666 → 404', async () => {
    const res = await send(666, [image.id]);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('SCU with id 666 not found');
  });

  test('send to an SCU whose port has no listener → 502', async () => {
    const port = await freePort();
    const dead = (await (
      await postJson(t, '/api/scus', scuBody('dead', 'DEAD', '127.0.0.1', port))
    ).json()) as ScuData;
    const res = await send(dead.id, [image.id]);
    expect(res.status).toBe(502);
    expect(await res.text()).toBe(`Connection refused on host DEAD@127.0.0.1:${port}`);
    // The failure is in the server's log too, naming the node and the reason (DECISIONS.md).
    const errors = await t.json<LogEntry[]>('/api/log?subject=SCU&type=ERROR&count=1');
    expect(errors[0]?.message).toBe(
      `Sending 1 images using SCU dead failed: Connection refused on host DEAD@127.0.0.1:${port}`,
    );
    expect((await send(dead.id, [])).status).toBe(502); // the association is opened even without images
    expect((await t.api(`/api/scus/${dead.id}`, { method: 'DELETE' })).status).toBe(204);
  });

  test('send an existing image to the working SCU → 204; received byte for byte with source {scp}', async () => {
    const before = readFileSync(join(TESTDATA, 'test.dcm'));
    const res = await send(scu.id, [image.id], userAuth); // any user may send
    expect(res.status, await res.text()).toBe(204);
    // Same UIDs: the received copy overwrites the image; the series' source is now the SCP.
    const stored = Buffer.from(await (await t.api(`/api/images/${image.id}`)).arrayBuffer());
    expect(fileMetaOf(stored).transferSyntaxUid).toBe(fileMetaOf(before).transferSyntaxUid);
    expect(sha256(datasetBytes(stored))).toBe(sha256(datasetBytes(before)));
    const source = await t.json<Source>(`/api/metadata/series/${image.seriesId}/source`);
    expect(source).toEqual({ sourceType: 'scp', sourceName: 'TestScp', sourceId: scp.id });
    const log = await t.json<LogEntry[]>('/api/log?subject=SCU&count=2');
    expect(log.map((l) => l.message)).toEqual([
      'Finished sending 1 images using SCU TestScu',
      'Sending 1 images using SCU TestScu',
    ]);
  });

  test('an empty list → 204; unknown image ids are skipped and logged (WARN)', async () => {
    expect((await send(scu.id, [])).status).toBe(204);
    const res = await send(scu.id, [image.id, 987654]);
    expect(res.status).toBe(204);
    const log = await t.json<LogEntry[]>('/api/log?subject=SCU&type=WARN&count=1');
    expect(log[0]?.message).toBe('1 of 2 images could not be found and were not sent');
  });

  test('body must be a JSON array of ids → 400', async () => {
    expect((await send(scu.id, { ids: [1] })).status).toBe(400);
    expect((await send(scu.id, ['a'])).status).toBe(400);
  });

  test('a called AE title the SCP does not know → 502 (association rejected)', async () => {
    const wrong = (await // (host, port) is unique per SCU: reach the same SCP as "localhost".
    (
      await postJson(t, '/api/scus', scuBody('wrong ae', 'NOTTHEAE', 'localhost', scp.port))
    ).json()) as ScuData;
    const res = await send(wrong.id, [image.id]);
    expect(res.status).toBe(502);
    expect(await res.text()).toMatch(
      /^Unable to send images to NOTTHEAE@localhost:\d+: association rejected .*called AE title not recognized/,
    );
    const errors = await t.json<LogEntry[]>('/api/log?subject=SCU&type=ERROR&count=1');
    expect(errors[0]?.message).toMatch(
      /^Sending 1 images using SCU wrong ae failed: Unable to send images to NOTTHEAE@localhost:\d+: association rejected /,
    );
    await t.api(`/api/scus/${wrong.id}`, { method: 'DELETE' });
  });

  test('a SOP class the SCP does not accept (Secondary Capture) → 502 no presentation context', async () => {
    const sc = (await (
      await t.upload('/api/images', readFileSync(join(TESTDATA, 'sc.dcm')))
    ).json()) as Image;
    const res = await send(scu.id, [sc.id]);
    expect(res.status).toBe(502);
    expect(await res.text()).toMatch(
      /^No presentation context when sending to TESTSCP@127\.0\.0\.1:\d+: no presentation context accepted for SOP class 1\.2\.840\.10008\.5\.1\.4\.1\.1\.7 /,
    );
    await t.api(`/api/images/${sc.id}`, { method: 'DELETE' });
  });

  test('the SCP answers Success even when storing fails; the failure is logged (subject SCP)', async () => {
    const ct = (await (
      await t.upload('/api/images', readFileSync(join(PYDICOM, 'CT_small.dcm')))
    ).json()) as Image;
    // Corrupt the stored dataset (keep the file meta so that the SCU can still send it).
    const path = join(t.dataDir, 'dicom', String(ct.id));
    const file = readFileSync(path);
    const dataset = datasetBytes(file);
    const corrupt = Buffer.concat([
      file.subarray(0, file.length - dataset.length),
      Buffer.from('not a dataset!'),
    ]);
    writeFileSync(path, corrupt);
    const res = await send(scu.id, [ct.id]);
    expect(res.status, await res.text()).toBe(204);
    const log = await t.json<LogEntry[]>('/api/log?subject=SCP&type=ERROR&count=1');
    expect(log[0]?.message).toMatch(
      /^SCP TestScp: could not store 1\.3\.6\.1\.4\.1\.5962\.1\.1\.1\.1\.1\.20040119072730\.12322 from SLICEBOX-SCU: /,
    );
  });

  test('create rules: invalid port / AE title → 400; 17-char AE title with spaces → 201; host+port in use → 400', async () => {
    const badPort = await postJson(t, '/api/scus', scuBody('bad port', 'AE', '127.0.0.1', 66000));
    expect(badPort.status).toBe(400);
    expect(await badPort.text()).toBe('Port must be a value between 0 and 65535');
    expect(
      (await postJson(t, '/api/scus', scuBody('neg port', 'AE', '127.0.0.1', -1))).status,
    ).toBe(400);
    const badAe = await postJson(
      t,
      '/api/scus',
      scuBody('bad ae', 'ABCDEFGHIJKLMNOPQ', '127.0.0.1', 104),
    );
    expect(badAe.status).toBe(400);
    expect(await badAe.text()).toBe(
      'Ae title must not exceed 16 characters, excluding leading and trailing epaces.',
    );
    expect(
      (await postJson(t, '/api/scus', scuBody('empty ae', ' ', '127.0.0.1', 104))).status,
    ).toBe(400);
    const spaces = await postJson(
      t,
      '/api/scus',
      scuBody('spaces', ' ABCDEFGHIJKLMNOP ', '127.0.0.1', 105),
    );
    expect(spaces.status).toBe(201);
    expect(((await spaces.json()) as ScuData).aeTitle).toBe(' ABCDEFGHIJKLMNOP ');
    const clash = await postJson(t, '/api/scus', scuBody('clash', 'AE', '127.0.0.1', 105));
    expect(clash.status).toBe(400);
    expect(await clash.text()).toBe('Host 127.0.0.1 and port 105 is already in use');
    // Another host with the same port is fine; an existing name is returned as is without validation.
    expect(
      (await postJson(t, '/api/scus', scuBody('other host', 'AE', 'localhost', 105))).status,
    ).toBe(201);
    const again = await postJson(t, '/api/scus', scuBody('spaces', '', 'x', -3));
    expect(again.status).toBe(201);
    expect(((await again.json()) as ScuData).host).toBe('127.0.0.1');
  });

  test('roles: USER may list and send, not create or delete', async () => {
    expect((await postJson(t, '/api/scus', scuBody('u', 'AE', 'h', 1), userAuth)).status).toBe(403);
    expect((await t.api(`/api/scus/${scu.id}`, { method: 'DELETE', auth: userAuth })).status).toBe(
      403,
    );
    expect((await t.api('/api/scus', { auth: null })).status).toBe(401);
    expect((await t.api(`/api/scus/${scu.id}/send`)).status).toBe(405);
  });

  test('GET /destinations: boxes, then SCUs', async () => {
    const box = await createConnection(t, 'a box');
    const destinations = await t.json<
      Array<{ destinationType: string; destinationName: string; destinationId: number }>
    >('/api/destinations', { auth: userAuth });
    expect(destinations[0]).toEqual({
      destinationType: 'box',
      destinationName: 'a box',
      destinationId: box.id,
    });
    expect(destinations.slice(1).every((d) => d.destinationType === 'scu')).toBe(true);
    expect(destinations[1]).toEqual({
      destinationType: 'scu',
      destinationName: 'TestScu',
      destinationId: scu.id,
    });
  });

  test('delete both → 204', async () => {
    expect((await t.api(`/api/scus/${scu.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await t.api(`/api/scps/${scp.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await t.json<ScuData[]>('/api/scus')).some((s) => s.id === scu.id)).toBe(false);
    expect(await t.json<ScpData[]>('/api/scps')).toEqual([]);
    expect((await send(scu.id, [image.id])).status).toBe(404);
  });
});
