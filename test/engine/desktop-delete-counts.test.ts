/**
 * What a delete touches, counted for its confirmation (issue 10, "confirmations that name things"), by the
 * desktop's services against a real local box over HTTP: the log's entries by type (Clear log), the series
 * and patients that carry a series tag or have a series type (their deletes), and a box's transactions
 * (unfinished outgoing ones with their images not sent, finished, failed, incoming). Counts read in pages
 * say when they stopped early (`complete: false`).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogService } from '../../src-main/services/admin/log-service.js';
import { SeriesTagsService } from '../../src-main/services/admin/series-tags-service.js';
import { SeriesTypesService } from '../../src-main/services/admin/series-types-service.js';
import { seriesUsage } from '../../src-main/services/admin/series-usage.js';
import { ConnectionService } from '../../src-main/services/connections/connection-service.js';
import { NetworkService } from '../../src-main/services/network/network-service.js';
import type { SliceboxClient } from '../../src-main/slicebox/client.js';
import { startLocalbox } from '../../src-main/localbox/server.js';
import { pydicomFile, testFile } from '../fixtures/paths.js';

describe('desktop services: what a delete touches, counted', () => {
  let dir: string;
  let box: Awaited<ReturnType<typeof startLocalbox>>;
  let connections: ConnectionService;
  let client: SliceboxClient;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sbx-delete-counts-'));
    box = await startLocalbox({ dataDir: join(dir, 'box'), port: 0 });
    connections = new ConnectionService(() => undefined);
    connections.add({
      id: 'local',
      name: 'Local box',
      url: box.url,
      kind: 'local',
      user: 'admin',
      password: 'admin',
    });
    client = connections.client('local');
  });

  afterEach(async () => {
    await box?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function upload(path: string) {
    return (await client.uploadImage(new Uint8Array(await readFile(path)))).image;
  }

  it('counts the log by type, in pages, and says when it stopped early', async () => {
    const log = new LogService(connections);
    await client.clearLog();
    // Three rejected uploads into an import session: three ERROR entries (subject Import).
    const session = await client.createImportSession('count test');
    for (let i = 0; i < 3; i++) {
      await client
        .uploadToImportSession(session.id, Buffer.from(`not dicom ${i}`))
        .catch(() => undefined);
    }
    const all = await client.log({ count: 1000 });
    expect(all.length).toBeGreaterThanOrEqual(3);
    const expected = { ERROR: 0, WARN: 0, INFO: 0, DEFAULT: 0 };
    for (const entry of all) expected[entry.entryType]++;
    expect(expected.ERROR).toBeGreaterThanOrEqual(3);

    expect(await log.summary('local')).toEqual({
      entries: all.length,
      byType: expected,
      complete: true,
    });
    // Pages of 2: the same counts.
    expect(await log.summary('local', { page: 2, limit: 1000 })).toEqual({
      entries: all.length,
      byType: expected,
      complete: true,
    });
    // At most 2 entries read of more: a lower bound, said so.
    const partial = await log.summary('local', { page: 2, limit: 2 });
    expect(partial.entries).toBe(2);
    expect(partial.complete).toBe(false);

    await client.clearLog();
    expect(await log.summary('local')).toEqual({
      entries: 0,
      byType: { ERROR: 0, WARN: 0, INFO: 0, DEFAULT: 0 },
      complete: true,
    });
  });

  it('counts the series and patients of a series tag and of a series type', async () => {
    const tags = new SeriesTagsService(connections);
    const types = new SeriesTypesService(connections);
    // Three series of three patients: Doe^Peter (CT), the MR patient and test.dcm's patient.
    const ct = await upload(pydicomFile('dicomdir_98892001_CT5N_2062.dcm'));
    const mr = await upload(pydicomFile('MR_small.dcm'));
    const other = await upload(testFile('test.dcm'));
    const tag = await tags.add('local', 'Research');
    const unused = await tags.add('local', 'Unused');
    await client.addSeriesTag(ct.seriesId, 'Research');
    await client.addSeriesTag(mr.seriesId, 'Research');

    const usage = await tags.usage('local', tag.id);
    expect(usage).toMatchObject({ series: 2, patients: 2, complete: true });
    const flat = await client.flatSeries({ count: 100 });
    const nameOf = (seriesId: number) =>
      flat.find((f) => f.id === seriesId)!.patient.patientName.value;
    const names = [nameOf(ct.seriesId), nameOf(mr.seriesId)];
    expect(names[0]).toContain('Peter');
    expect([...usage.patientNames].sort()).toEqual([...names].sort());
    expect(await tags.usage('local', unused.id)).toEqual({
      series: 0,
      patients: 0,
      patientNames: [],
      complete: true,
    });
    // Pages of one series, stopping after one: a lower bound, said so.
    const partial = await seriesUsage(
      client,
      { seriestags: String(tag.id) },
      { page: 1, limit: 1 },
    );
    expect(partial).toMatchObject({ series: 1, patients: 1, complete: false });

    const type = await types.add('local', 'Head CT');
    await client.addSeriesType(ct.seriesId, type.id);
    await client.addSeriesType(other.seriesId, type.id);
    const typed = await types.usage('local', type.id);
    expect(typed).toMatchObject({ series: 2, patients: 2, complete: true });
    expect(typed.patientNames).toContain(names[0]);
  });

  it("counts a box's transactions: unfinished (images not sent), finished, failed, incoming", async () => {
    const network = new NetworkService(connections);
    const images = [
      await upload(testFile('test.dcm')),
      await upload(pydicomFile('CT_small.dcm')),
      await upload(pydicomFile('MR_small.dcm')),
    ];
    // Two POLL boxes: nobody polls them, so what is queued for them waits.
    const hospital = await client.createBoxConnection('Hospital', []);
    const other = await client.createBoxConnection('Other', []);
    const token = hospital.baseUrl.split('/').pop()!;
    const send = (boxId: number, ids: number[]) =>
      client.sendToBox(boxId, {
        profile: { options: [] },
        imageTagValuesSet: ids.map((imageId) => ({ imageId, tagValues: [] })),
      });
    const remote = (path: string, init: RequestInit = {}) =>
      fetch(`${box.url}/api/transactions/${token}${path}`, init);

    // 1: finished (the other side polls and confirms its one image).
    await send(hospital.id, [images[0]!.id]);
    const polled = await remote('/outgoing/poll?n=10');
    expect(polled.status).toBe(200);
    const [work] = (await polled.json()) as unknown[];
    expect(
      (
        await remote('/outgoing/done', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(work),
        })
      ).status,
    ).toBe(204);
    // 2: failed (the other side reports it).
    await send(hospital.id, [images[1]!.id]);
    const [failing] = (await (await remote('/outgoing/poll?n=10')).json()) as unknown[];
    expect(
      (
        await remote('/outgoing/failed', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ transactionImage: failing, message: 'refused' }),
        })
      ).status,
    ).toBe(204);
    // 3: unfinished, three images not sent; and one for the other box.
    await send(
      hospital.id,
      images.map((i) => i.id),
    );
    await send(other.id, [images[0]!.id]);
    // One incoming transaction from the Hospital side.
    const pushed = await remote('/image?transactionid=77&sequencenumber=1&totalimagecount=1', {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: new Uint8Array(deflateSync(await readFile(testFile('test.dcm')))),
    });
    expect(pushed.status).toBe(204);

    const statuses = (await client.outgoingTransactions({ count: 100 }))
      .filter((t) => t.boxId === hospital.id)
      .map((t) => t.status)
      .sort();
    expect(statuses).toEqual(['FAILED', 'FINISHED', 'WAITING']);

    const expected = {
      outgoingUnfinished: 1,
      imagesNotSent: 3,
      outgoingFinished: 1,
      outgoingFailed: 1,
      incoming: 1,
      complete: true,
    };
    expect(await network.boxUsage('local', hospital.id)).toEqual(expected);
    // Pages of one transaction: the same counts.
    expect(await network.boxUsage('local', hospital.id, { page: 1, limit: 100 })).toEqual(expected);
    expect(await network.boxUsage('local', other.id)).toEqual({
      outgoingUnfinished: 1,
      imagesNotSent: 1,
      outgoingFinished: 0,
      outgoingFailed: 0,
      incoming: 0,
      complete: true,
    });
    // Stopping after two outgoing transactions of five: lower bounds, said so.
    expect((await network.boxUsage('local', hospital.id, { page: 1, limit: 2 })).complete).toBe(
      false,
    );
  });
});
