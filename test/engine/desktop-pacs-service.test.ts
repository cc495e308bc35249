/**
 * The desktop's PACS service (the `pacs.*` bridge calls) against a real local box over HTTP and two real PACS:
 * Orthanc (Debian's, its called AE checked, a DicomModalities entry for the box's SCP) and dcmtk's dcmqrscp
 * (stricter: case-sensitive matching, no optional keys, A801 for a move destination missing from its HostTable).
 * Checked: capability detection (and none on a server that is not a local box), the nodes and who may change
 * their settings, the server's refusal of a bad setting in its words, C-FIND of studies and series as the app's
 * items, a PACS failure answered as the PACS's words without touching the connection status, retrieve jobs
 * (C-MOVE and C-GET, cancel, retry on the fixed node, delete) and locating a retrieved study for Browse.
 * Orthanc or dcmtk missing fails the file (requirePeerTools), never skips it.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RetrieveJob, ScpItem, ScuItem } from '../../src-preload/contract.js';
import { startLocalbox } from '../../src-main/localbox/server.js';
import { ConnectionService } from '../../src-main/services/connections/connection-service.js';
import { toBridgeError } from '../../src-main/services/handlers.js';
import { NetworkService } from '../../src-main/services/network/network-service.js';
import { PacsService } from '../../src-main/services/pacs/pacs-service.js';
import { pydicomFile } from '../fixtures/paths.js';
import { canConnect, freePort, waitFor } from './dimse-support.js';
import {
  loadDcmqrscp,
  orthancUploadAll,
  requirePeerTools,
  startDcmqrscp,
  startOrthancPeer,
  type Dcmqrscp,
  type OrthancServer,
} from './pacs-support.js';

const DOE_STUDY = '1.3.6.1.4.1.5962.1.1.0.0.0.1194734704.16302.0.1';
const DOE_SERIES_B = '1.3.6.1.4.1.5962.1.1.0.0.0.1194734704.16302.0.6';
const MR_STUDY = '1.3.6.1.4.1.5962.1.2.4.20040826185059.5457';
const CT_STUDY = '1.3.6.1.4.1.5962.1.2.1.20040119072730.12322';
const DOE_FILES = [
  'CT2N_6293',
  'CT2N_6924',
  'CT5N_2062',
  'CT5N_2392',
  'CT5N_2693',
  'CT5N_3023',
  'CT5N_3353',
].map((n) => pydicomFile(`dicomdir_98892001_${n}.dcm`));
const FINAL = ['completed', 'partial', 'failed', 'cancelled', 'interrupted'];

describe('desktop PACS service', () => {
  let dir: string;
  let box: Awaited<ReturnType<typeof startLocalbox>>;
  let connections: ConnectionService;
  let network: NetworkService;
  let pacs: PacsService;
  let orthanc: OrthancServer;
  let qr: Dcmqrscp;
  let scp: ScpItem;
  let scp2: ScpItem;
  let orthancNode: ScuItem;
  let qrNode: ScuItem;
  /** Accepts TCP and never says a word: a PACS that hangs. */
  let silent: Server;
  const sockets = new Set<Socket>();
  let notSlicebox: HttpServer;

  /** Polls the job list (as the app does) until the job has ended; bounded. */
  async function settled(id: number, timeoutMs = 60_000): Promise<RetrieveJob> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const job = (await pacs.retrieves('local')).find((j) => j.id === id);
      if (!job) throw new Error(`retrieve ${id} is not listed`);
      if (FINAL.includes(job.status)) return job;
      if (Date.now() > end) throw new Error(`retrieve ${id} did not end: ${JSON.stringify(job)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  beforeAll(async () => {
    const { orthanc: bin } = requirePeerTools();
    dir = mkdtempSync(join(tmpdir(), 'sbx-pacs-service-'));
    const scpPort = await freePort();
    const scp2Port = await freePort();
    [orthanc, qr] = await Promise.all([
      startOrthancPeer(bin, join(dir, 'orthanc'), {
        slicebox: ['SLICEBOX', '127.0.0.1', scpPort],
      }),
      startDcmqrscp(join(dir, 'qr'), [{ aeTitle: 'SLICEBOX', port: scpPort }]),
    ]);
    const files = [pydicomFile('CT_small.dcm'), pydicomFile('MR_small.dcm'), ...DOE_FILES];
    await Promise.all([
      orthancUploadAll(
        orthanc,
        files.map((f) => readFileSync(f)),
      ),
      loadDcmqrscp(qr, files),
    ]);

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
    network = new NetworkService(connections);
    pacs = new PacsService(connections);
    scp = await network.addScp('local', { name: 'Box', aeTitle: 'SLICEBOX', port: scpPort });
    scp2 = await network.addScp('local', { name: 'Box 2', aeTitle: 'SLICEBOX2', port: scp2Port });
    await waitFor(() => canConnect(scpPort), 10_000, 'the SCP to listen');
    await waitFor(() => canConnect(scp2Port), 10_000, 'the second SCP to listen');
    orthancNode = await network.addScu('local', {
      name: 'Orthanc',
      aeTitle: orthanc.aeTitle,
      host: '127.0.0.1',
      port: orthanc.dicomPort,
    });
    qrNode = await network.addScu('local', {
      name: 'dcmqrscp',
      aeTitle: qr.aeTitle,
      host: '127.0.0.1',
      port: qr.port,
    });

    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    notSlicebox = createHttpServer((_request, response) => {
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('The requested resource could not be found.');
    });
    await new Promise<void>((resolve) => notSlicebox.listen(0, '127.0.0.1', resolve));
  }, 180_000);

  afterAll(async () => {
    await box?.close();
    for (const socket of sockets) socket.destroy();
    if (silent) await new Promise<void>((resolve) => silent.close(() => resolve()));
    if (notSlicebox) await new Promise<void>((resolve) => notSlicebox.close(() => resolve()));
    await Promise.all([orthanc?.stop(), qr?.stop()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the local box has every PACS capability; a server without the extensions (Slicebox) has none', async () => {
    expect(await pacs.capabilities('local')).toEqual({
      nodes: true,
      query: true,
      retrieveMove: true,
      retrieveGet: true,
    });
    const address = notSlicebox.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    connections.add({
      id: 'slicebox',
      name: 'Slicebox',
      url: `http://127.0.0.1:${port}`,
      kind: 'remote',
      user: 'admin',
      password: 'admin',
    });
    expect(await pacs.capabilities('slicebox')).toEqual({
      nodes: false,
      query: false,
      retrieveMove: false,
      retrieveGet: false,
    });
  });

  it('every SCU is a node with its settings and destination; an administrator may change them, a user may not', async () => {
    const { nodes, canEditSettings } = await pacs.nodes('local');
    expect(canEditSettings).toBe(true);
    const node = nodes.find((n) => n.id === orthancNode.id)!;
    expect(node).toEqual({
      id: orthancNode.id,
      name: 'Orthanc',
      aeTitle: 'ORTHANC',
      host: '127.0.0.1',
      port: orthanc.dicomPort,
      settings: {
        retrieveMethod: 'C-MOVE',
        callingAeTitle: null,
        destinationScpId: null,
        timeoutSeconds: 30,
        maxResults: 500,
      },
      callingAeTitle: 'SLICEBOX',
      destination: scp,
    });
    expect(nodes.map((n) => n.name).sort()).toEqual(['Orthanc', 'dcmqrscp']);

    // A user (not an administrator) sees the nodes, is told the settings are not theirs, and the server agrees.
    const res = await fetch(`${box.url}/api/users`, {
      method: 'POST',
      headers: {
        authorization: 'Basic ' + Buffer.from('admin:admin').toString('base64'),
        'content-type': 'application/json',
      },
      body: JSON.stringify({ user: 'reader', password: 'secret', role: 'USER' }),
    });
    expect(res.status).toBe(201);
    connections.add({
      id: 'reader',
      name: 'Local box as reader',
      url: box.url,
      kind: 'remote',
      user: 'reader',
      password: 'secret',
    });
    const asReader = await pacs.nodes('reader');
    expect(asReader.canEditSettings).toBe(false);
    expect(asReader.nodes).toHaveLength(2);
    const refused = await pacs
      .updateNode('reader', orthancNode.id, { timeoutSeconds: 10 })
      .catch((e: unknown) => e);
    expect(toBridgeError(refused).code).toBe('server');
    expect(toBridgeError(refused).message).toContain('403');
  });

  it('settings are changed with the server’s checks, its refusal in its own words', async () => {
    const bad = await pacs
      .updateNode('local', orthancNode.id, { callingAeTitle: 'MUCH-TOO-LONG-AE-TITLE' })
      .catch((e: unknown) => e);
    expect(toBridgeError(bad).message).toContain('16 characters');
    const tooLong = await pacs
      .updateNode('local', orthancNode.id, { timeoutSeconds: 0 })
      .catch((e: unknown) => e);
    expect(toBridgeError(tooLong).message).toContain('timeoutSeconds');
    const changed = await pacs.updateNode('local', orthancNode.id, {
      retrieveMethod: 'C-GET',
      timeoutSeconds: 20,
    });
    expect(changed.settings).toMatchObject({ retrieveMethod: 'C-GET', timeoutSeconds: 20 });
    const back = await pacs.updateNode('local', orthancNode.id, {
      retrieveMethod: 'C-MOVE',
      timeoutSeconds: 30,
    });
    expect(back.settings).toMatchObject({ retrieveMethod: 'C-MOVE', timeoutSeconds: 30 });
  });

  it('C-FIND on Orthanc: studies by name, date range and modality, then the series of one', async () => {
    const doe = await pacs.queryStudies('local', orthancNode.id, {
      patientName: ' Doe* ',
      accessionNumber: '',
    });
    expect(doe).toEqual({
      ok: true,
      truncated: false,
      limit: 500,
      notes: [],
      matches: [
        expect.objectContaining({
          studyInstanceUid: DOE_STUDY,
          patientName: 'Doe^Peter',
          patientId: '98890234',
          studyDate: '20010101',
          modalities: ['CT'],
          seriesCount: 2,
          imageCount: 7,
        }),
      ],
    });
    const in2004 = await pacs.queryStudies('local', orthancNode.id, {
      studyDateFrom: '20040101',
      studyDateTo: '20041231',
      modality: 'MR',
    });
    expect(in2004.ok && in2004.matches.map((s) => s.studyInstanceUid)).toEqual([MR_STUDY]);

    const series = await pacs.querySeries('local', orthancNode.id, DOE_STUDY);
    expect(series.ok).toBe(true);
    if (!series.ok) return;
    expect(
      series.matches
        .map((s) => [s.seriesNumber, s.modality, s.imageCount, s.studyInstanceUid])
        .sort(),
    ).toEqual([
      [4, 'CT', 2, DOE_STUDY],
      [5, 'CT', 5, DOE_STUDY],
    ]);
  });

  it('C-FIND on dcmqrscp: case-sensitive names, and a filter it cannot apply is said in a note', async () => {
    const lower = await pacs.queryStudies('local', qrNode.id, { patientName: 'doe*' });
    expect(lower).toMatchObject({ ok: true, matches: [] });
    const doe = await pacs.queryStudies('local', qrNode.id, { patientName: 'Doe*' });
    expect(doe.ok && doe.matches.map((s) => [s.studyInstanceUid, s.modalities])).toEqual([
      [DOE_STUDY, []],
    ]);
    const ct = await pacs.queryStudies('local', qrNode.id, { modality: 'CT' });
    expect(ct.ok).toBe(true);
    if (!ct.ok) return;
    expect(ct.matches.map((s) => s.studyInstanceUid)).toContain(CT_STUDY);
    expect(ct.notes.join(' ')).toContain('ModalitiesInStudy');
  });

  it('the PACS refusing is an answer in its words, and the connection stays online', async () => {
    expect((await connections.check('local')).status).toBe('online');
    const wrong = await network.addScu('local', {
      name: 'Orthanc, wrong AE',
      aeTitle: 'NOT-ORTHANC',
      host: 'localhost',
      port: orthanc.dicomPort,
    });
    const rejected = await pacs.queryStudies('local', wrong.id, { patientName: 'Doe*' });
    expect(rejected.ok).toBe(false);
    if (rejected.ok) return;
    expect(rejected.error).toMatchObject({
      code: 'association-rejected',
      peer: `NOT-ORTHANC@localhost:${orthanc.dicomPort}`,
      reject: { result: 1, source: 1, reason: 7 },
    });
    expect(rejected.error.message).toContain('called AE title not recognized');

    const closedPort = await freePort();
    const nobody = await network.addScu('local', {
      name: 'Nobody',
      aeTitle: 'NOBODY',
      host: '127.0.0.1',
      port: closedPort,
    });
    const refused = await pacs.querySeries('local', nobody.id, DOE_STUDY);
    expect(refused).toMatchObject({ ok: false, error: { code: 'connection-refused' } });
    expect(connections.info('local').status).toBe('online');
    await network.removeScu('local', wrong.id);
    await network.removeScu('local', nobody.id);
  });

  it('a bad key is the server’s refusal (400 in its words), not a PACS answer', async () => {
    const bad = await pacs
      .queryStudies('local', orthancNode.id, { studyDateFrom: '2004-01-01' })
      .catch((e: unknown) => e);
    expect(toBridgeError(bad)).toMatchObject({ code: 'server' });
    expect(toBridgeError(bad).message).toContain('studyDateFrom');
  });

  it('retrieve a study from Orthanc (C-MOVE): the job completes, and its study is found for Browse', async () => {
    const job = await pacs.retrieve('local', orthancNode.id, undefined, [
      { level: 'STUDY', studyInstanceUid: DOE_STUDY, label: 'Doe, Peter · 2001-01-01' },
    ]);
    expect(job).toMatchObject({ scuId: orthancNode.id, nodeName: 'Orthanc', method: 'C-MOVE' });
    expect(['queued', 'running']).toContain(job.status);
    const done = await settled(job.id);
    expect(done.status).toBe('completed');
    expect(done.destinationAeTitle).toBe('SLICEBOX');
    expect(done.totals).toMatchObject({ completed: 7, remaining: 0, failed: 0, received: 7 });
    const item = done.items[0]!;
    expect(item).toMatchObject({
      level: 'STUDY',
      label: 'Doe, Peter · 2001-01-01',
      status: 'completed',
      completed: 7,
      received: 7,
      error: null,
    });
    expect(item.local.images).toBe(7);
    expect(item.local.studyIds).toHaveLength(1);
    expect(item.local.seriesIds).toHaveLength(2);

    const place = await pacs.locateStudy('local', item.local.studyIds[0]!);
    expect(place).toMatchObject({
      studyId: item.local.studyIds[0],
      patientName: 'Doe^Peter',
      patientID: '98890234',
    });
    expect(await pacs.locateStudy('local', 987_654)).toBeNull();
  });

  it('retrieve a series from dcmqrscp with C-GET', async () => {
    const job = await pacs.retrieve('local', qrNode.id, 'C-GET', [
      { level: 'SERIES', studyInstanceUid: DOE_STUDY, seriesInstanceUid: DOE_SERIES_B },
    ]);
    expect(job.method).toBe('C-GET');
    const done = await settled(job.id);
    expect(done.status).toBe('completed');
    expect(done.items[0]).toMatchObject({ status: 'completed', completed: 5, received: 5 });
    expect(done.items[0]!.local.seriesIds).toHaveLength(1);
  });

  it('a move destination dcmqrscp does not know fails in its words; fixed, the retry completes and the job is deleted', async () => {
    await pacs.updateNode('local', qrNode.id, {
      destinationScpId: scp2.id,
      callingAeTitle: 'SLICEBOX',
    });
    const job = await pacs.retrieve('local', qrNode.id, 'C-MOVE', [
      { level: 'STUDY', studyInstanceUid: MR_STUDY, label: 'MR' },
    ]);
    const failed = await settled(job.id);
    expect(failed.status).toBe('failed');
    expect(failed.destinationAeTitle).toBe('SLICEBOX2');
    expect(failed.error).toMatchObject({ code: 'move-destination-unknown', status: 0xa801 });
    expect(failed.error!.message).toContain('SLICEBOX2');

    // A finished job cannot be cancelled; a failed one can be retried once the node is fixed.
    const cancel = await pacs.cancel('local', job.id).catch((e: unknown) => e);
    expect(toBridgeError(cancel).message).toContain('409');
    await pacs.updateNode('local', qrNode.id, { destinationScpId: null, callingAeTitle: null });
    const retried = await pacs.retry('local', job.id);
    expect(['queued', 'running']).toContain(retried.status);
    const done = await settled(job.id);
    expect(done.status).toBe('completed');
    expect(done.destinationAeTitle).toBe('SLICEBOX');
    expect(done.items[0]).toMatchObject({ status: 'completed', received: 1, error: null });

    await pacs.remove('local', job.id);
    expect((await pacs.retrieves('local')).some((j) => j.id === job.id)).toBe(false);
  });

  it('a job on a PACS that hangs is cancelled; retried on another node it completes there', async () => {
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const hung = await network.addScu('local', {
      name: 'Hung PACS',
      aeTitle: 'HUNG',
      host: '127.0.0.1',
      port,
    });
    const job = await pacs.retrieve('local', hung.id, 'C-MOVE', [
      { level: 'STUDY', studyInstanceUid: CT_STUDY },
    ]);
    await waitFor(
      async () =>
        (await pacs.retrieves('local')).find((j) => j.id === job.id)?.status === 'running',
      20_000,
      'the job to run',
    );
    const cancelling = await pacs.cancel('local', job.id);
    expect(['cancelling', 'cancelled']).toContain(cancelling.status);
    const cancelled = await settled(job.id);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.items[0]!.status).toBe('cancelled');

    const elsewhere = await pacs.retry('local', job.id, orthancNode.id);
    expect(elsewhere.scuId).toBe(orthancNode.id);
    const done = await settled(job.id);
    expect(done).toMatchObject({ status: 'completed', nodeName: 'Orthanc' });
    expect(done.items[0]!.local.images).toBe(1);
  });
});
