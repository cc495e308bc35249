/**
 * PACS query/retrieve against dcmtk's dcmqrscp, a stricter PACS than Orthanc: it matches text case-sensitively,
 * supports no optional key such as ModalitiesInStudy or the instance counts, answers A801 for a move destination
 * missing from its HostTable, and honours C-CANCEL during a C-MOVE. Loaded with storescu; runs on a random port in
 * its default forking mode and is stopped (and waited for) at the end.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateSlices, makeTemplate, writeSlices } from '../../bench/generate-slices.js';
import type {
  Image,
  ScpData,
  ScuData,
  Source,
  XPacsNode,
  XPacsQueryResult,
  XPacsSeries,
  XPacsStudy,
  XRetrieveJob,
} from '../../src-main/slicebox/types.js';
import { canConnect, fileMetaOf, freePort, postJson, waitFor } from './dimse-support.js';
import {
  dcmtkWireBytes,
  expectSameDataset,
  finished,
  loadDcmqrscp,
  requirePeerTools,
  startDcmqrscp,
  waitForJob,
} from './pacs-support.js';
import type { Dcmqrscp } from './pacs-support.js';
import { PYDICOM, startTestBox, TESTDATA } from './support.js';
import type { TestBox } from './support.js';

const DOE_STUDY = '1.3.6.1.4.1.5962.1.1.0.0.0.1194734704.16302.0.1';
const MR_STUDY = '1.3.6.1.4.1.5962.1.2.4.20040826185059.5457';
const CT_STUDY = '1.3.6.1.4.1.5962.1.2.1.20040119072730.12322';
const NM_STUDY = '1.2.752.24.5.4236802714.20070711135934.4103859';
const DOE_FILES = [
  'CT2N_6293',
  'CT2N_6924',
  'CT5N_2062',
  'CT5N_2392',
  'CT5N_2693',
  'CT5N_3023',
  'CT5N_3353',
].map((n) => join(PYDICOM, `dicomdir_98892001_${n}.dcm`));
const BIG_SERIES = 600;

describe('PACS query/retrieve with dcmqrscp', () => {
  let t: TestBox;
  let q: Dcmqrscp;
  let dir: string;
  let scp: ScpData;
  let scp2: ScpData;
  let scu: ScuData;
  let bigStudy: string;
  /** The original files by SOP Instance UID. */
  const originals = new Map<string, Buffer>();

  const query = <T>(path: string, body: object) =>
    postJson(t, `/api/x-desktop/pacs/nodes/${scu.id}/query/${path}`, body).then(async (res) => ({
      status: res.status,
      body: (await res.json()) as XPacsQueryResult<T>,
    }));
  const retrieve = async (body: object): Promise<XRetrieveJob> => {
    const res = await postJson(t, '/api/x-desktop/pacs/retrieves', { scuId: scu.id, ...body });
    expect(res.status).toBe(201);
    return (await res.json()) as XRetrieveJob;
  };
  const setNode = async (settings: object): Promise<XPacsNode> => {
    const res = await t.api(`/api/x-desktop/pacs/nodes/${scu.id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(settings),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as XPacsNode;
  };
  /** Every image of the series is the original as dcmtk sends it (see dcmtkWireBytes). */
  const expectOriginals = async (seriesIds: number[], count: number): Promise<void> => {
    let n = 0;
    for (const seriesId of seriesIds) {
      const images = await t.json<Image[]>(`/api/metadata/images?seriesid=${seriesId}&count=1000`);
      for (const image of images) {
        const stored = Buffer.from(await (await t.api(`/api/images/${image.id}`)).arrayBuffer());
        const uid = fileMetaOf(stored).sopInstanceUid;
        const original = originals.get(uid);
        expect(original, uid).toBeDefined();
        expectSameDataset(stored, await dcmtkWireBytes(original!, dir), uid);
        n++;
      }
    }
    expect(n).toBe(count);
  };

  beforeAll(async () => {
    requirePeerTools();
    dir = mkdtempSync(join(tmpdir(), 'pacs-dcmqrscp-'));
    const scpPort = await freePort();
    const scp2Port = await freePort();
    q = await startDcmqrscp(join(dir, 'qr'), [{ aeTitle: 'SLICEBOX', port: scpPort }]);
    const files = [
      join(PYDICOM, 'CT_small.dcm'),
      join(PYDICOM, 'MR_small.dcm'),
      join(TESTDATA, 'test.dcm'),
      ...DOE_FILES,
    ];
    for (const f of files) {
      const bytes = readFileSync(f);
      originals.set(fileMetaOf(bytes).sopInstanceUid, bytes);
    }
    await loadDcmqrscp(q, files);
    const slices = [
      ...generateSlices(makeTemplate(join(PYDICOM, 'CT_small.dcm'), 8, 8), {
        count: BIG_SERIES,
        imagesPerSeries: BIG_SERIES,
        seriesPerStudy: 1,
        studiesPerPatient: 1,
        firstPatient: 777,
      }),
    ];
    bigStudy = slices[0]!.studyUid;
    await writeSlices(join(dir, 'big'), slices);
    await loadDcmqrscp(q, ['+sd', join(dir, 'big')]);

    t = await startTestBox();
    const post = <T>(path: string, body: object) =>
      t.json<T>(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    scp = await post<ScpData>('/api/scps', {
      id: -1,
      name: 'box',
      aeTitle: 'SLICEBOX',
      port: scpPort,
    });
    scp2 = await post<ScpData>('/api/scps', {
      id: -1,
      name: 'box2',
      aeTitle: 'SLICEBOX2',
      port: scp2Port,
    });
    await waitFor(() => canConnect(scpPort), 10_000, 'the SCP to listen');
    await waitFor(() => canConnect(scp2Port), 10_000, 'the second SCP to listen');
    scu = await post<ScuData>('/api/scus', {
      id: -1,
      name: 'dcmqrscp',
      aeTitle: q.aeTitle,
      host: '127.0.0.1',
      port: q.port,
    });
  }, 180_000);

  afterAll(async () => {
    await t?.stop();
    await q?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('C-FIND studies: exact name (dcmqrscp matches case-sensitively), date range, ID', async () => {
    const doe = await query<XPacsStudy>('studies', { patientName: 'Doe^Peter' });
    expect(doe.status).toBe(200);
    expect(doe.body.matches.map((s) => [s.studyInstanceUid, s.patientId, s.studyDate])).toEqual([
      [DOE_STUDY, '98890234', '20010101'],
    ]);
    // dcmqrscp supports none of these optional keys: empty, not invented.
    expect(doe.body.matches[0]).toMatchObject({
      modalitiesInStudy: [],
      numberOfStudyRelatedInstances: null,
    });
    const wildcard = await query<XPacsStudy>('studies', { patientName: 'Doe*' });
    expect(wildcard.body.matches.map((s) => s.studyInstanceUid)).toEqual([DOE_STUDY]);
    const range = await query<XPacsStudy>('studies', {
      studyDateFrom: '20040101',
      studyDateTo: '20041231',
    });
    expect(range.body.matches.map((s) => s.studyInstanceUid).sort()).toEqual(
      [CT_STUDY, MR_STUDY, bigStudy].sort(),
    );
    const byId = await query<XPacsStudy>('studies', { patientId: 'anon270' });
    expect(byId.body.matches.map((s) => s.studyInstanceUid)).toEqual([NM_STUDY]);
  });

  test('a modality filter the PACS cannot apply is said so, not silently dropped', async () => {
    const mr = await query<XPacsStudy>('studies', { modality: 'MR' });
    expect(mr.status).toBe(200);
    expect(mr.body.matches.map((s) => s.studyInstanceUid)).toContain(MR_STUDY);
    expect(mr.body.notes.join(' ')).toContain('returned no ModalitiesInStudy');
  });

  test('C-FIND series of a study', async () => {
    const res = await query<XPacsSeries>('series', { studyInstanceUid: DOE_STUDY });
    expect(res.status).toBe(200);
    expect(
      res.body.matches.map((s) => [s.seriesNumber, s.modality, s.studyInstanceUid]).sort(),
    ).toEqual([
      [4, 'CT', DOE_STUDY],
      [5, 'CT', DOE_STUDY],
    ]);
    const ct = await query<XPacsSeries>('series', { studyInstanceUid: DOE_STUDY, modality: 'MR' });
    expect(ct.body.matches).toEqual([]);
  });

  test('C-MOVE a study into the box: every image, as dcmqrscp sends it', async () => {
    const job = await retrieve({ items: [{ level: 'STUDY', studyInstanceUid: DOE_STUDY }] });
    const done = await waitForJob(t, job.id, finished);
    expect(done.status).toBe('completed');
    expect(done.items[0]).toMatchObject({
      status: 'completed',
      completed: 7,
      remaining: 0,
      failed: 0,
      received: 7,
      dimseStatus: 0,
    });
    expect(done.items[0]!.local.images).toBe(7);
    await expectOriginals(done.items[0]!.local.seriesIds, 7);
    const source = await t.json<Source>(
      `/api/metadata/series/${done.items[0]!.local.seriesIds[0]}/source`,
    );
    expect(source).toEqual({ sourceType: 'scp', sourceName: 'box', sourceId: scp.id });
  });

  test('C-GET a study from dcmqrscp', async () => {
    const job = await retrieve({
      method: 'C-GET',
      items: [
        { level: 'STUDY', studyInstanceUid: MR_STUDY },
        { level: 'STUDY', studyInstanceUid: CT_STUDY },
      ],
    });
    const done = await waitForJob(t, job.id, finished);
    expect(done.status).toBe('completed');
    expect(done.items.map((i) => [i.status, i.completed, i.received])).toEqual([
      ['completed', 1, 1],
      ['completed', 1, 1],
    ]);
    await expectOriginals(
      [...done.items[0]!.local.seriesIds, ...done.items[1]!.local.seriesIds],
      2,
    );
  });

  test('an unknown move destination is A801 in the PACS words; after fixing the PACS the retry succeeds', async () => {
    await setNode({ destinationScpId: scp2.id, callingAeTitle: 'SLICEBOX' });
    const job = await retrieve({ items: [{ level: 'STUDY', studyInstanceUid: NM_STUDY }] });
    const failed = await waitForJob(t, job.id, finished);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({
      code: 'move-destination-unknown',
      status: 0xa801,
      statusText: 'Refused: Move destination unknown',
      peer: `DCMQR@127.0.0.1:${q.port}`,
    });
    expect(failed.error!.message).toContain('does not know the AE title SLICEBOX2');
    expect(failed.error!.message).toContain(`port ${scp2.port}`);

    await q.restart([
      { aeTitle: 'SLICEBOX', port: scp.port },
      { aeTitle: 'SLICEBOX2', port: scp2.port },
    ]);
    const retry = await t.api(`/api/x-desktop/pacs/retrieves/${job.id}/retry`, {
      method: 'POST',
    });
    expect(retry.status).toBe(200);
    const done = await waitForJob(t, job.id, (j) => j.status !== 'queued' && finished(j));
    expect(done.status).toBe('completed');
    expect(done.items[0]).toMatchObject({ status: 'completed', completed: 1, received: 1 });
    const source = await t.json<Source>(
      `/api/metadata/series/${done.items[0]!.local.seriesIds[0]}/source`,
    );
    expect(source).toEqual({ sourceType: 'scp', sourceName: 'box2', sourceId: scp2.id });
    await setNode({ destinationScpId: null, callingAeTitle: null });
  });

  test('cancel a running C-MOVE: C-CANCEL, the PACS stops (FE00), the job is cancelled; the retry completes it', async () => {
    const job = await retrieve({
      items: [
        { level: 'STUDY', studyInstanceUid: bigStudy },
        { level: 'STUDY', studyInstanceUid: MR_STUDY },
      ],
    });
    await waitForJob(t, job.id, (j) => j.items[0]!.received > 0 || finished(j));
    const cancel = await t.api(`/api/x-desktop/pacs/retrieves/${job.id}/cancel`, {
      method: 'POST',
    });
    expect(cancel.status).toBe(200);
    expect(['cancelling', 'cancelled']).toContain(((await cancel.json()) as XRetrieveJob).status);
    const cancelled = await waitForJob(t, job.id, finished);
    expect(cancelled.status).toBe('cancelled');
    const [big, mr] = cancelled.items;
    expect(big).toMatchObject({ status: 'cancelled', dimseStatus: 0xfe00, error: null });
    expect(big!.completed).toBeGreaterThan(0);
    expect(big!.completed + (big!.remaining ?? 0)).toBe(BIG_SERIES);
    expect(big!.local.images).toBeLessThan(BIG_SERIES);
    // The item after it never started.
    expect(mr).toMatchObject({ status: 'cancelled', started: null, completed: 0 });

    const retry = await t.api(`/api/x-desktop/pacs/retrieves/${job.id}/retry`, {
      method: 'POST',
    });
    expect(retry.status).toBe(200);
    const done = await waitForJob(t, job.id, (j) => j.status !== 'queued' && finished(j), 120_000);
    expect(done.status).toBe('completed');
    expect(done.items[0]).toMatchObject({ status: 'completed', completed: BIG_SERIES });
    expect(done.items[0]!.local.images).toBe(BIG_SERIES);
    expect(done.items[1]!.status).toBe('completed');
  }, 180_000);
});
