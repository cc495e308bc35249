/**
 * PACS query/retrieve against a real Orthanc (Debian's), over the local box's HTTP API as the app uses it:
 * C-FIND of studies and series, C-MOVE into the box's own SCP and C-GET, with the images compared byte for byte
 * with what Orthanc stores; a refused association, a move destination Orthanc does not know, a restart in the
 * middle of a retrieve, each followed by a retry that succeeds. Orthanc runs with its called AE checked and a
 * DicomModalities entry for the box's SCP, on random ports, and is stopped (and waited for) at the end.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateSlices, makeTemplate } from '../../bench/generate-slices.js';
import type {
  Image,
  LogEntry,
  ScpData,
  ScuData,
  Series,
  Source,
  XPacsError,
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
  orthancFile,
  orthancPutModality,
  orthancUploadAll,
  requirePeerTools,
  startOrthancPeer,
  waitForJob,
} from './pacs-support.js';
import type { OrthancServer } from './pacs-support.js';
import { PYDICOM, startTestBox, TESTDATA } from './support.js';
import type { TestBox } from './support.js';

const DOE_STUDY = '1.3.6.1.4.1.5962.1.1.0.0.0.1194734704.16302.0.1';
const DOE_SERIES_A = '1.3.6.1.4.1.5962.1.1.0.0.0.1194734704.16302.0.2';
const CT_STUDY = '1.3.6.1.4.1.5962.1.2.1.20040119072730.12322';
const MR_STUDY = '1.3.6.1.4.1.5962.1.2.4.20040826185059.5457';
const NM_STUDY = '1.2.752.24.5.4236802714.20070711135934.4103859';
const SC_STUDY = '1.3.6.1.4.1.5962.1.2.0.1175775772.5723.0';
const DOE_FILES = [
  'CT2N_6293',
  'CT2N_6924',
  'CT5N_2062',
  'CT5N_2392',
  'CT5N_2693',
  'CT5N_3023',
  'CT5N_3353',
].map((n) => join(PYDICOM, `dicomdir_98892001_${n}.dcm`));
const BIG_SERIES = 400;

describe('PACS query/retrieve with Orthanc', () => {
  let t: TestBox;
  let orthanc: OrthancServer;
  let orthancDir: string;
  let scp: ScpData;
  let scp2: ScpData;
  let scu: ScuData;
  let bigStudy: string;

  const api = <T>(path: string, body: unknown): Promise<{ status: number; body: T }> =>
    postJson(t, path, body).then(async (res) => ({
      status: res.status,
      body: (await res.json()) as T,
    }));
  const studies = (scuId: number, query: object) =>
    api<XPacsQueryResult<XPacsStudy>>(`/api/x-desktop/pacs/nodes/${scuId}/query/studies`, query);
  const retrieve = async (body: object): Promise<XRetrieveJob> => {
    const res = await postJson(t, '/api/x-desktop/pacs/retrieves', body);
    expect(res.status, 'POST /retrieves').toBe(201);
    return (await res.json()) as XRetrieveJob;
  };
  /** The stored files of the local study/series rows of a job item, by SOP Instance UID. */
  const localFiles = async (seriesIds: number[]): Promise<Map<string, Buffer>> => {
    const out = new Map<string, Buffer>();
    for (const seriesId of seriesIds) {
      const images = await t.json<Image[]>(`/api/metadata/images?seriesid=${seriesId}&count=10000`);
      for (const image of images) {
        const bytes = Buffer.from(await (await t.api(`/api/images/${image.id}`)).arrayBuffer());
        out.set(fileMetaOf(bytes).sopInstanceUid, bytes);
      }
    }
    return out;
  };
  /**
   * Every stored file holds exactly the bytes Orthanc sent: its stored file as its DICOM layer (dcmtk) encodes it
   * on the wire (`dcmtkWireBytes`), in the same transfer syntax. Where that encoding changes nothing (no
   * undefined-length sequence, no trailing padding), that is Orthanc's stored file byte for byte.
   */
  const expectSameAsOrthanc = async (files: Map<string, Buffer>): Promise<void> => {
    for (const [uid, stored] of files) {
      const original = await orthancFile(orthanc, uid);
      expectSameDataset(stored, await dcmtkWireBytes(original, orthancDir), uid);
      expect(fileMetaOf(stored).transferSyntaxUid).toBe(fileMetaOf(original).transferSyntaxUid);
    }
  };

  beforeAll(async () => {
    const { orthanc: bin } = requirePeerTools();
    const scpPort = await freePort();
    const scp2Port = await freePort();
    orthancDir = mkdtempSync(join(tmpdir(), 'pacs-orthanc-'));
    orthanc = await startOrthancPeer(bin, orthancDir, {
      slicebox: ['SLICEBOX', '127.0.0.1', scpPort],
    });
    const template = makeTemplate(join(PYDICOM, 'CT_small.dcm'), 8, 8);
    const big = [
      ...generateSlices(template, {
        count: BIG_SERIES,
        imagesPerSeries: BIG_SERIES,
        seriesPerStudy: 1,
        studiesPerPatient: 1,
        firstPatient: 4242,
      }),
    ];
    bigStudy = big[0]!.studyUid;
    await orthancUploadAll(orthanc, [
      readFileSync(join(PYDICOM, 'CT_small.dcm')),
      readFileSync(join(PYDICOM, 'MR_small.dcm')),
      readFileSync(join(TESTDATA, 'test.dcm')),
      readFileSync(join(PYDICOM, 'chrGerm.dcm')),
      ...DOE_FILES.map((f) => readFileSync(f)),
      ...big.map((s) => s.bytes),
    ]);
    t = await startTestBox();
    scp = await t.json<ScpData>('/api/scps', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: -1, name: 'local-scp', aeTitle: 'SLICEBOX', port: scpPort }),
    });
    scp2 = await t.json<ScpData>('/api/scps', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: -1, name: 'second-scp', aeTitle: 'SLICEBOX2', port: scp2Port }),
    });
    await waitFor(() => canConnect(scpPort), 10_000, 'the SCP to listen');
    await waitFor(() => canConnect(scp2Port), 10_000, 'the second SCP to listen');
    scu = await t.json<ScuData>('/api/scus', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id: -1,
        name: 'orthanc',
        aeTitle: orthanc.aeTitle,
        host: '127.0.0.1',
        port: orthanc.dicomPort,
      }),
    });
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
    await orthanc?.stop();
    if (orthancDir) rmSync(orthancDir, { recursive: true, force: true });
  });

  test('a node is an SCU with settings: defaults, the destination SCP and its AE title as calling AE', async () => {
    const nodes = await t.json<XPacsNode[]>('/api/x-desktop/pacs/nodes');
    const node = nodes.find((n) => n.scu.id === scu.id)!;
    expect(node.settings).toEqual({
      retrieveMethod: 'C-MOVE',
      callingAeTitle: null,
      destinationScpId: null,
      timeoutSeconds: 30,
      maxResults: 500,
    });
    expect(node.destination).toEqual(scp);
    expect(node.callingAeTitle).toBe('SLICEBOX');

    const put = (body: unknown) =>
      t.api(`/api/x-desktop/pacs/nodes/${scu.id}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await put({ timeoutSeconds: 0 })).status).toBe(400);
    const bad = await put({ callingAeTitle: 'MUCH-TOO-LONG-AE-TITLE' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('16 characters');
    expect((await put({ destinationScpId: 999 })).status).toBe(400);
    const ok = await put({ timeoutSeconds: 20, maxResults: 100 });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as XPacsNode).settings).toMatchObject({
      timeoutSeconds: 20,
      maxResults: 100,
      retrieveMethod: 'C-MOVE',
    });
    expect((await t.api('/api/x-desktop/pacs/nodes/999')).status).toBe(404);
  });

  test('C-FIND studies by patient name, date range, modality, ID and a non-ASCII name', async () => {
    const doe = await studies(scu.id, { patientName: 'Doe*' });
    expect(doe.status).toBe(200);
    expect(doe.body.matches).toHaveLength(1);
    expect(doe.body.matches[0]).toMatchObject({
      studyInstanceUid: DOE_STUDY,
      patientName: 'Doe^Peter',
      patientId: '98890234',
      patientSex: 'M',
      studyDate: '20010101',
      modalitiesInStudy: ['CT'],
      numberOfStudyRelatedSeries: 2,
      numberOfStudyRelatedInstances: 7,
    });
    expect(doe.body.truncated).toBe(false);

    // The generated study copies CT_small's date (20040119).
    const in2004 = await studies(scu.id, { studyDateFrom: '20040101', studyDateTo: '20041231' });
    expect(in2004.body.matches.map((s) => s.studyInstanceUid).sort()).toEqual(
      [CT_STUDY, MR_STUDY, bigStudy].sort(),
    );
    const august = await studies(scu.id, { studyDateFrom: '20040801', studyDateTo: '20040831' });
    expect(august.body.matches.map((s) => s.studyInstanceUid)).toEqual([MR_STUDY]);

    const mr = await studies(scu.id, { modality: 'MR' });
    expect(mr.body.matches.map((s) => s.studyInstanceUid)).toEqual([MR_STUDY]);
    expect(mr.body.matches[0]!.patientName).toBe('CompressedSamples^MR1');

    const byId = await studies(scu.id, { patientId: 'anon270' });
    expect(byId.body.matches.map((s) => [s.studyInstanceUid, s.studyDescription])).toEqual([
      [NM_STUDY, 'Statisk njurscintigrafi'],
    ]);

    const german = await studies(scu.id, { patientName: 'Äneas*' });
    expect(german.body.matches.map((s) => [s.studyInstanceUid, s.patientName])).toEqual([
      [SC_STUDY, 'Äneas^Rüdiger'],
    ]);

    const byAccession = await studies(scu.id, { accessionNumber: '2' });
    expect(byAccession.body.matches.map((s) => s.studyInstanceUid)).toEqual([DOE_STUDY]);
    const byDescription = await studies(scu.id, { studyDescription: 'Statisk*' });
    expect(byDescription.body.matches.map((s) => s.studyInstanceUid)).toEqual([NM_STUDY]);
    // No test patient has a birth date: a range matches none of them, so the key does reach the PACS.
    const born = await studies(scu.id, { patientBirthDate: '19000101-' });
    expect(born.body.matches).toEqual([]);

    const none = await studies(scu.id, { patientName: 'Nobody*' });
    expect(none.body.matches).toEqual([]);
  });

  test('the result count is bounded: beyond the limit the PACS is asked to stop and the answer says so', async () => {
    const two = await studies(scu.id, { limit: 2 });
    expect(two.status).toBe(200);
    expect(two.body.matches).toHaveLength(2);
    expect(two.body.truncated).toBe(true);
    expect(two.body.limit).toBe(2);
    const all = await studies(scu.id, {});
    expect(all.body.matches).toHaveLength(6);
    expect(all.body.truncated).toBe(false);
  });

  test('C-FIND series of a study: UIDs, modality, number and instance counts', async () => {
    const res = await api<XPacsQueryResult<XPacsSeries>>(
      `/api/x-desktop/pacs/nodes/${scu.id}/query/series`,
      { studyInstanceUid: DOE_STUDY },
    );
    expect(res.status).toBe(200);
    const series = [...res.body.matches].sort((a, b) =>
      a.seriesInstanceUid.localeCompare(b.seriesInstanceUid),
    );
    expect(
      series.map((s) => [s.seriesInstanceUid, s.modality, s.numberOfSeriesRelatedInstances]),
    ).toEqual([
      [DOE_SERIES_A, 'CT', 2],
      ['1.3.6.1.4.1.5962.1.1.0.0.0.1194734704.16302.0.6', 'CT', 5],
    ]);
    expect(series.every((s) => s.studyInstanceUid === DOE_STUDY)).toBe(true);
    expect(series.map((s) => s.seriesNumber).sort()).toEqual([4, 5]);
  });

  test('bad queries are refused before any DICOM: 400 with the field, 404 for an unknown node', async () => {
    const bad = await postJson(t, `/api/x-desktop/pacs/nodes/${scu.id}/query/studies`, {
      studyDateFrom: '2004-01-01',
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('studyDateFrom');
    const multi = await postJson(t, `/api/x-desktop/pacs/nodes/${scu.id}/query/studies`, {
      patientName: 'A\\B',
    });
    expect(multi.status).toBe(400);
    const reversed = await postJson(t, `/api/x-desktop/pacs/nodes/${scu.id}/query/studies`, {
      studyDateFrom: '20050101',
      studyDateTo: '20040101',
    });
    expect(reversed.status).toBe(400);
    const noStudy = await postJson(t, `/api/x-desktop/pacs/nodes/${scu.id}/query/series`, {});
    expect(noStudy.status).toBe(400);
    const unknown = await postJson(t, '/api/x-desktop/pacs/nodes/999/query/studies', {});
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toBe('SCU with id 999 not found');
  });

  test('C-MOVE a study: every instance arrives through the SCP, byte-exact with private tags, and the job says so', async () => {
    const job = await retrieve({
      scuId: scu.id,
      items: [{ level: 'STUDY', studyInstanceUid: DOE_STUDY, label: 'Doe^Peter' }],
    });
    expect(['queued', 'running']).toContain(job.status);
    expect(job.method).toBe('C-MOVE');
    const done = await waitForJob(t, job.id, finished);
    expect(done.status).toBe('completed');
    expect(done.destinationAeTitle).toBe('SLICEBOX');
    const item = done.items[0]!;
    expect(item).toMatchObject({
      status: 'completed',
      label: 'Doe^Peter',
      completed: 7,
      remaining: 0,
      failed: 0,
      warning: 0,
      received: 7,
      dimseStatus: 0,
      error: null,
    });
    expect(item.local.images).toBe(7);
    expect(item.local.studyIds).toHaveLength(1);
    expect(item.local.seriesIds).toHaveLength(2);
    expect(done.totals).toMatchObject({ completed: 7, remaining: 0, received: 7 });
    const files = await localFiles(item.local.seriesIds);
    expect([...files.keys()]).toHaveLength(7);
    await expectSameAsOrthanc(files);
    for (const seriesId of item.local.seriesIds) {
      const source = await t.json<Source>(`/api/metadata/series/${seriesId}/source`);
      expect(source).toEqual({ sourceType: 'scp', sourceName: 'local-scp', sourceId: scp.id });
    }
    const log = await t.json<LogEntry[]>('/api/log?subject=PACS&count=100');
    expect(
      log.some(
        (e) =>
          e.entryType === 'INFO' &&
          e.message.startsWith(`Retrieve ${job.id}: C-MOVE of study ${DOE_STUDY} from orthanc`) &&
          e.message.includes('7 images received'),
      ),
    ).toBe(true);
  });

  test('C-MOVE keeps private tags: the GE private groups of CT_small arrive as Orthanc stores them', async () => {
    const job = await retrieve({
      scuId: scu.id,
      items: [{ level: 'STUDY', studyInstanceUid: CT_STUDY }],
    });
    const done = await waitForJob(t, job.id, finished);
    expect(done.status).toBe('completed');
    const files = await localFiles(done.items[0]!.local.seriesIds);
    expect(files.size).toBe(1);
    const stored = [...files.values()][0]!;
    expect(stored.includes(Buffer.from('GEMS_IDEN_01'))).toBe(true);
    await expectSameAsOrthanc(files);
  });

  test('C-GET a series: the images come back on the association, byte-exact, through the SCP ingest', async () => {
    const job = await retrieve({
      scuId: scu.id,
      method: 'C-GET',
      items: [
        { level: 'STUDY', studyInstanceUid: MR_STUDY },
        { level: 'SERIES', studyInstanceUid: DOE_STUDY, seriesInstanceUid: DOE_SERIES_A },
      ],
    });
    expect(job.method).toBe('C-GET');
    const done = await waitForJob(t, job.id, finished);
    expect(done.status).toBe('completed');
    expect(done.destinationAeTitle).toBeNull();
    const [mrItem, seriesItem] = done.items;
    expect(mrItem).toMatchObject({ status: 'completed', completed: 1, remaining: 0, received: 1 });
    expect(seriesItem).toMatchObject({
      status: 'completed',
      completed: 2,
      remaining: 0,
      received: 2,
    });
    expect(seriesItem!.local.seriesIds).toHaveLength(1);
    expect(seriesItem!.local.images).toBe(2);
    const files = await localFiles([...mrItem!.local.seriesIds, ...seriesItem!.local.seriesIds]);
    expect(files.size).toBe(3);
    await expectSameAsOrthanc(files);
    const mrSeries = await t.json<Series>(`/api/metadata/series/${mrItem!.local.seriesIds[0]}`);
    expect(mrSeries.modality.value).toBe('MR');
    const source = await t.json<Source>(
      `/api/metadata/series/${mrItem!.local.seriesIds[0]}/source`,
    );
    expect(source).toEqual({ sourceType: 'scp', sourceName: 'local-scp', sourceId: scp.id });
  });

  test('the box validates retrieved images like any SCP: a secondary capture is refused, and the job says it failed', async () => {
    // Orthanc 1.10 answers C000 for both: for C-MOVE without counting the refused image, for C-GET with it.
    for (const [method, failedCount] of [
      ['C-MOVE', 0],
      ['C-GET', 1],
    ] as const) {
      const job = await retrieve({
        scuId: scu.id,
        method,
        items: [{ level: 'STUDY', studyInstanceUid: SC_STUDY }],
      });
      const done = await waitForJob(t, job.id, finished);
      const item = done.items[0]!;
      expect(done.status, method).toBe('failed');
      expect(item, method).toMatchObject({
        status: 'failed',
        completed: 0,
        failed: failedCount,
        received: 0,
        dimseStatus: 0xc000,
      });
      expect(item.error, method).toMatchObject({
        code: 'failed',
        status: 0xc000,
        statusText: 'Failed: Unable to process',
      });
      if (method === 'C-MOVE') expect(item.error?.message).toContain('refused every image');
      expect(item.local.images, method).toBe(0);
    }
  });

  test('a refused association (wrong called AE) is a clear error; the job is retried on the corrected node', async () => {
    const wrong = await t.json<ScuData>('/api/scus', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id: -1,
        name: 'orthanc-wrong-ae',
        aeTitle: 'NOT-ORTHANC',
        // (host, port) is unique among SCUs (Slicebox's rule): the same Orthanc under another name.
        host: 'localhost',
        port: orthanc.dicomPort,
      }),
    });
    const find = await studies(wrong.id, {});
    expect(find.status).toBe(502);
    const error = find.body as unknown as XPacsError;
    expect(error.code).toBe('association-rejected');
    expect(error.reject).toMatchObject({ result: 1, source: 1, reason: 7 });
    expect(error.message).toContain('called AE title not recognized');
    expect(error.peer).toBe(`NOT-ORTHANC@localhost:${orthanc.dicomPort}`);

    const job = await retrieve({
      scuId: wrong.id,
      items: [{ level: 'STUDY', studyInstanceUid: NM_STUDY }],
    });
    const failed = await waitForJob(t, job.id, finished);
    expect(failed.status).toBe('failed');
    expect(failed.error?.code).toBe('association-rejected');
    expect(failed.items[0]!.local.images).toBe(0);

    const retry = await postJson(t, `/api/x-desktop/pacs/retrieves/${job.id}/retry`, {
      scuId: scu.id,
    });
    expect(retry.status).toBe(200);
    expect(((await retry.json()) as XRetrieveJob).scuId).toBe(scu.id);
    const done = await waitForJob(t, job.id, (j) => j.status !== 'queued' && finished(j));
    expect(done.status).toBe('completed');
    expect(done.nodeName).toBe('orthanc');
    expect(done.items[0]).toMatchObject({
      status: 'completed',
      completed: 1,
      received: 1,
      error: null,
    });
    expect(done.items[0]!.local.images).toBe(1);
  });

  test('a move destination Orthanc does not know fails with its status and a hint; registered, the retry succeeds', async () => {
    const put = await t.api(`/api/x-desktop/pacs/nodes/${scu.id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ destinationScpId: scp2.id, callingAeTitle: 'SLICEBOX' }),
    });
    expect(put.status).toBe(200);
    const node = (await put.json()) as XPacsNode;
    expect(node.destination).toEqual(scp2);
    const job = await retrieve({
      scuId: scu.id,
      items: [
        {
          level: 'SERIES',
          studyInstanceUid: DOE_STUDY,
          seriesInstanceUid: '1.3.6.1.4.1.5962.1.1.0.0.0.1194734704.16302.0.6',
        },
      ],
    });
    const failed = await waitForJob(t, job.id, finished);
    expect(failed.status).toBe('failed');
    expect(failed.destinationAeTitle).toBe('SLICEBOX2');
    const error = failed.items[0]!.error!;
    // Orthanc 1.10 answers C000 (unable to process), not A801, for an unknown destination.
    expect(error.status).toBe(0xc000);
    expect(error.statusText).toBe('Failed: Unable to process');
    expect(error.message).toContain('C000');
    expect(error.message).toContain('move destination SLICEBOX2');
    const log = await t.json<LogEntry[]>('/api/log?subject=PACS&count=100');
    expect(
      log.some((e) => e.entryType === 'ERROR' && e.message.startsWith(`Retrieve ${job.id}:`)),
    ).toBe(true);

    await orthancPutModality(orthanc, 'slicebox2', 'SLICEBOX2', scp2.port);
    const retry = await t.api(`/api/x-desktop/pacs/retrieves/${job.id}/retry`, { method: 'POST' });
    expect(retry.status).toBe(200);
    const done = await waitForJob(t, job.id, (j) => j.status !== 'queued' && finished(j));
    expect(done.status).toBe('completed');
    expect(done.items[0]).toMatchObject({ status: 'completed', completed: 5, received: 5 });
    const source = await t.json<Source>(
      `/api/metadata/series/${done.items[0]!.local.seriesIds[0]}/source`,
    );
    expect(source).toEqual({ sourceType: 'scp', sourceName: 'second-scp', sourceId: scp2.id });
    // Nothing more to retry.
    const again = await t.api(`/api/x-desktop/pacs/retrieves/${job.id}/retry`, { method: 'POST' });
    expect(again.status).toBe(409);
    await t.api(`/api/x-desktop/pacs/nodes/${scu.id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ destinationScpId: null, callingAeTitle: null }),
    });
  });

  test('a calling AE title Orthanc does not know: the query ends with a clear error', async () => {
    await t.api(`/api/x-desktop/pacs/nodes/${scu.id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ callingAeTitle: 'STRANGER' }),
    });
    try {
      const find = await studies(scu.id, {});
      expect(find.status).toBe(502);
      const error = find.body as unknown as XPacsError;
      expect(['closed', 'aborted', 'no-presentation-context']).toContain(error.code);
      expect(error.message).toContain('STRANGER');
    } finally {
      await t.api(`/api/x-desktop/pacs/nodes/${scu.id}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ callingAeTitle: null }),
      });
    }
  });

  test('a restart in the middle of a retrieve marks it interrupted; the retry brings every image', async () => {
    const job = await retrieve({
      scuId: scu.id,
      items: [{ level: 'STUDY', studyInstanceUid: bigStudy }],
    });
    await waitForJob(t, job.id, (j) => j.items[0]!.received > 0 || finished(j));
    await t.restart();
    const after = await t.json<XRetrieveJob>(`/api/x-desktop/pacs/retrieves/${job.id}`);
    expect(after.status).toBe('interrupted');
    expect(after.items[0]!.status).toBe('interrupted');
    expect(after.items[0]!.error).toMatchObject({ code: 'interrupted', peer: 'orthanc' });
    expect(after.items[0]!.local.images).toBeLessThan(BIG_SERIES);
    const log = await t.json<LogEntry[]>('/api/log?subject=PACS&count=100');
    expect(log.some((e) => e.message.includes('interrupted by the last shutdown'))).toBe(true);

    await waitFor(() => canConnect(scp.port), 10_000, 'the SCP to listen again');
    const retry = await t.api(`/api/x-desktop/pacs/retrieves/${job.id}/retry`, { method: 'POST' });
    expect(retry.status).toBe(200);
    const done = await waitForJob(t, job.id, (j) => j.status !== 'queued' && finished(j), 120_000);
    expect(done.status).toBe('completed');
    expect(done.items[0]).toMatchObject({
      status: 'completed',
      completed: BIG_SERIES,
      remaining: 0,
    });
    expect(done.items[0]!.local.images).toBe(BIG_SERIES);
  }, 180_000);

  test('jobs are listed newest first; a finished job can be deleted, a running one cannot be retried', async () => {
    const list = await t.json<XRetrieveJob[]>('/api/x-desktop/pacs/retrieves?count=100');
    expect(list.length).toBeGreaterThanOrEqual(5);
    expect(list.map((j) => j.id)).toEqual([...list.map((j) => j.id)].sort((a, b) => b - a));
    const last = list[0]!;
    expect(
      (await t.api(`/api/x-desktop/pacs/retrieves/${last.id}`, { method: 'DELETE' })).status,
    ).toBe(204);
    expect((await t.api(`/api/x-desktop/pacs/retrieves/${last.id}`)).status).toBe(404);
    const cancelFinished = await t.api(`/api/x-desktop/pacs/retrieves/${list[1]!.id}/cancel`, {
      method: 'POST',
    });
    expect(cancelFinished.status).toBe(409);
    const unknownScu = await postJson(t, '/api/x-desktop/pacs/retrieves', {
      scuId: 999,
      items: [{ level: 'STUDY', studyInstanceUid: DOE_STUDY }],
    });
    expect(unknownScu.status).toBe(404);
    const badItem = await postJson(t, '/api/x-desktop/pacs/retrieves', {
      scuId: scu.id,
      items: [{ level: 'SERIES', studyInstanceUid: DOE_STUDY }],
    });
    expect(badItem.status).toBe(400);
    expect(await badItem.text()).toContain('seriesInstanceUid');
  });
});
