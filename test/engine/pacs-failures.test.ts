/**
 * PACS query/retrieve failures that a real PACS cannot be made to show on demand: a port where nothing listens, a
 * peer that accepts TCP and then says nothing, a PACS that never finishes a query or a move (the timeout sends a
 * C-CANCEL, which the peer records), one that answers FF01 (pending, optional keys not supported) before its last
 * matches, a box without an SCP, a node deleted under a job. The peers here are small dcmjs-dimse SCPs on
 * 127.0.0.1 written for the purpose; the routes are driven over HTTP as the app does.
 */
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { requests, responses } from 'dcmjs-dimse';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { dimse } from '../../src-main/localbox/dimse/dimse-module.js';
import { pacsErrorOf, SliceboxClient, SliceboxHttpError } from '../../src-main/slicebox/client.js';
import type {
  ScuData,
  XPacsError,
  XPacsQueryResult,
  XPacsStudy,
  XRetrieveJob,
} from '../../src-main/slicebox/types.js';
import { freePort, postJson } from './dimse-support.js';
import { finished, waitForJob } from './pacs-support.js';
import { ADMIN, startTestBox } from './support.js';
import type { TestBox } from './support.js';

type Behaviour = 'slow-find' | 'ff01-find' | 'stalled-move';

/** A scripted Q/R SCP: what it does with C-FIND / C-MOVE, and the C-CANCELs it received. */
async function startScriptedPacs(behaviour: Behaviour): Promise<{
  port: number;
  cancels: number;
  stop(): Promise<void>;
}> {
  const D = dimse();
  const { Status } = D.constants;
  const state = { cancels: 0 };
  const sockets = new Set<Socket>();
  class Scripted extends D.Scp {
    /** The request still open. dcmjs-dimse's callback may be called once: later answers go by sendResponse. */
    private pending?:
      | { move: false; request: requests.CFindRequest }
      | { move: true; request: requests.CMoveRequest };
    override associationRequested(association: InstanceType<typeof D.association.Association>) {
      for (const { context } of association.getPresentationContexts())
        context.setResult(
          D.constants.PresentationContextResult.Accept,
          context.getTransferSyntaxUids()[0],
        );
      this.sendAssociationAccept();
    }
    override associationReleaseRequested() {
      this.sendAssociationReleaseResponse();
    }
    override cFindRequest(
      request: requests.CFindRequest,
      callback: (r: responses.CFindResponse[]) => void,
    ) {
      const match = (uid: string, name: string) => {
        const r = D.responses.CFindResponse.fromRequest(request);
        r.setStatus(behaviour === 'ff01-find' && uid.endsWith('.1') ? 0xff01 : Status.Pending);
        r.setDataset(
          new D.Dataset({ QueryRetrieveLevel: 'STUDY', StudyInstanceUID: uid, PatientName: name }),
        );
        return r;
      };
      if (behaviour === 'ff01-find') {
        // FF01 first, the rest a little later: a client that takes FF01 as final loses them.
        callback([match('1.2.3.1', 'First^One')]);
        setTimeout(() => {
          const last = D.responses.CFindResponse.fromRequest(request);
          last.setStatus(Status.Success);
          this.sendResponse(request, match('1.2.3.2', 'Second^Two'));
          this.sendResponse(request, last);
        }, 300);
        return;
      }
      // slow-find: one match, then nothing until a C-CANCEL.
      callback([match('1.2.3.1', 'Slow^One')]);
      this.pending = { request, move: false };
    }
    override cMoveRequest(
      request: requests.CMoveRequest,
      callback: (r: responses.CMoveResponse[]) => void,
    ) {
      const r = D.responses.CMoveResponse.fromRequest(request);
      r.setStatus(Status.Pending);
      r.setRemaining(10);
      r.setCompleted(0);
      r.setFailures(0);
      r.setWarnings(0);
      callback([r]);
      this.pending = { request, move: true };
    }
    override cCancelRequest() {
      state.cancels++;
      const p = this.pending;
      if (!p) return;
      if (p.move) {
        const r = D.responses.CMoveResponse.fromRequest(p.request);
        r.setStatus(Status.Cancel);
        this.sendResponse(p.request, r);
      } else {
        const r = D.responses.CFindResponse.fromRequest(p.request);
        r.setStatus(Status.Cancel);
        this.sendResponse(p.request, r);
      }
    }
    override abort() {
      // The socket closes.
    }
  }
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const scp = new Scripted(socket, {}) as unknown as {
      connected: boolean;
      connectedTime: number;
    };
    scp.connected = true;
    scp.connectedTime = Date.now();
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    get cancels() {
      return state.cancels;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('PACS query/retrieve failures', () => {
  let t: TestBox;
  const stops: Array<() => Promise<void>> = [];
  const addScu = async (name: string, port: number): Promise<ScuData> => {
    const scu = await t.json<ScuData>('/api/scus', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: -1, name, aeTitle: 'PACS', host: '127.0.0.1', port }),
    });
    const put = await t.api(`/api/x-desktop/pacs/nodes/${scu.id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ timeoutSeconds: 1 }),
    });
    expect(put.status).toBe(200);
    return scu;
  };
  const find = (scu: ScuData) =>
    postJson(t, `/api/x-desktop/pacs/nodes/${scu.id}/query/studies`, {}).then(async (res) => ({
      status: res.status,
      type: res.headers.get('content-type'),
      body: (await res.json()) as unknown,
    }));

  beforeAll(async () => {
    t = await startTestBox();
  });

  afterAll(async () => {
    for (const stop of stops) await stop();
    await t?.stop();
  });

  test('nothing listens: 502 connection-refused, as JSON in words the app can show', async () => {
    const scu = await addScu('nowhere', await freePort());
    const res = await find(scu);
    expect(res.status).toBe(502);
    expect(res.type).toContain('application/json');
    const error = res.body as XPacsError;
    expect(error.code).toBe('connection-refused');
    expect(error.peer).toBe(`PACS@127.0.0.1:${scu.port}`);
    expect(error.message).toContain('Connection refused');
  });

  test('a peer that accepts TCP and says nothing: 504 timeout after the node timeout', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((s) => {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    });
    const port = await freePort();
    await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
    stops.push(
      () =>
        new Promise<void>((resolve) => {
          for (const s of sockets) s.destroy();
          silent.close(() => resolve());
        }),
    );
    const scu = await addScu('silent', port);
    const res = await find(scu);
    expect(res.status).toBe(504);
    const error = res.body as XPacsError;
    expect(error.code).toBe('timeout');
    expect(error.message).toContain('did not accept an association within 1 s');
  });

  test('a query that does not finish in time is cancelled with C-CANCEL: 504 timeout', async () => {
    const pacs = await startScriptedPacs('slow-find');
    stops.push(() => pacs.stop());
    const scu = await addScu('slow', pacs.port);
    const res = await find(scu);
    expect(res.status).toBe(504);
    expect((res.body as XPacsError).code).toBe('timeout');
    expect((res.body as XPacsError).message).toContain('C-CANCEL');
    expect(pacs.cancels).toBe(1);
  });

  test('FF01 (pending, optional keys not supported) is not the end: every match arrives, with a note', async () => {
    const pacs = await startScriptedPacs('ff01-find');
    stops.push(() => pacs.stop());
    const scu = await addScu('ff01', pacs.port);
    const res = await find(scu);
    expect(res.status).toBe(200);
    const body = res.body as XPacsQueryResult<XPacsStudy>;
    expect(body.matches.map((m) => [m.studyInstanceUid, m.patientName])).toEqual([
      ['1.2.3.1', 'First^One'],
      ['1.2.3.2', 'Second^Two'],
    ]);
    expect(body.notes.join(' ')).toContain('FF01');
  });

  test('a move without progress for the node timeout is cancelled (C-CANCEL) and fails with timeout', async () => {
    await t.json('/api/scps', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: -1, name: 'box', aeTitle: 'SLICEBOX', port: await freePort() }),
    });
    const pacs = await startScriptedPacs('stalled-move');
    stops.push(() => pacs.stop());
    const scu = await addScu('stalled', pacs.port);
    const res = await postJson(t, '/api/x-desktop/pacs/retrieves', {
      scuId: scu.id,
      items: [{ level: 'STUDY', studyInstanceUid: '1.2.3.4' }],
    });
    expect(res.status).toBe(201);
    const job = (await res.json()) as XRetrieveJob;
    const done = await waitForJob(t, job.id, finished);
    expect(done.status).toBe('failed');
    expect(done.items[0]).toMatchObject({ status: 'failed', remaining: 10, completed: 0 });
    expect(done.items[0]!.error).toMatchObject({ code: 'timeout' });
    expect(done.items[0]!.error!.message).toContain('no sign of progress');
    expect(pacs.cancels).toBe(1);
  });
});

describe('the typed client', () => {
  test('speaks the PACS routes: nodes, queries, PACS errors, retrieve jobs', async () => {
    const t = await startTestBox();
    const pacs = await startScriptedPacs('ff01-find');
    try {
      const client = new SliceboxClient({
        baseUrl: t.box.url,
        user: ADMIN.user,
        password: ADMIN.pass,
      });
      const add = (name: string, port: number) =>
        t.json<ScuData>('/api/scus', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ id: -1, name, aeTitle: 'PACS', host: '127.0.0.1', port }),
        });
      const good = await add('scripted', pacs.port);
      const dead = await add('dead', await freePort());
      expect((await client.pacsNodes()).map((n) => n.scu.name)).toEqual(['scripted', 'dead']);
      const saved = await client.updatePacsNode(good.id, { maxResults: 1, timeoutSeconds: 5 });
      expect(saved.settings).toMatchObject({ maxResults: 1, timeoutSeconds: 5 });
      expect((await client.pacsNode(good.id)).settings.maxResults).toBe(1);

      const one = await client.queryPacsStudies(good.id, { patientName: '*' });
      expect(one.matches.map((m) => m.studyInstanceUid)).toEqual(['1.2.3.1']);
      expect(one.truncated).toBe(true);

      const refused = await client.queryPacsStudies(dead.id, {}).catch((e: unknown) => e);
      expect(pacsErrorOf(refused)?.code).toBe('connection-refused');
      expect(pacsErrorOf(new Error('not a PACS error'))).toBeUndefined();

      const job = await client.createRetrieve({
        scuId: dead.id,
        items: [{ level: 'STUDY', studyInstanceUid: '1.2.3' }],
      });
      let last = await client.retrieve(job.id);
      for (let i = 0; i < 200 && !finished(last); i++) {
        await new Promise((r) => setTimeout(r, 50));
        last = await client.retrieve(job.id);
      }
      expect(last.status).toBe('failed');
      const conflict = await client.cancelRetrieve(job.id).catch((e: unknown) => e);
      expect(conflict).toBeInstanceOf(SliceboxHttpError);
      expect((conflict as SliceboxHttpError).status).toBe(409);
      const retried = await client.retryRetrieve(job.id, good.id);
      expect(retried.scuId).toBe(good.id);
      await waitForJob(t, job.id, (j) => j.status !== 'queued' && finished(j));
      expect((await client.retrieves()).map((j) => j.id)).toEqual([job.id]);
      await client.deleteRetrieve(job.id);
      expect(await client.retrieves()).toEqual([]);
    } finally {
      await pacs.stop();
      await t.stop();
    }
  });
});

describe('retrieves that cannot start', () => {
  test('without an SCP there is nothing to retrieve into; a deleted node is said so on retry', async () => {
    const t = await startTestBox();
    try {
      const scu = await t.json<ScuData>('/api/scus', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: -1, name: 'pacs', aeTitle: 'PACS', host: '127.0.0.1', port: 1 }),
      });
      const node = await t.json<{ destination: unknown; callingAeTitle: string }>(
        `/api/x-desktop/pacs/nodes/${scu.id}`,
      );
      expect(node).toMatchObject({ destination: null, callingAeTitle: 'SLICEBOX-SCU' });
      for (const method of ['C-MOVE', 'C-GET']) {
        const res = await postJson(t, '/api/x-desktop/pacs/retrieves', {
          scuId: scu.id,
          method,
          items: [
            { level: 'STUDY', studyInstanceUid: '1.2.3' },
            { level: 'SERIES', studyInstanceUid: '1.2.3', seriesInstanceUid: '1.2.3.4' },
          ],
        });
        const job = (await res.json()) as XRetrieveJob;
        const done = await waitForJob(t, job.id, finished);
        expect(done.status, method).toBe('failed');
        expect(done.items.map((i) => i.error?.code)).toEqual(['no-destination', 'no-destination']);
        expect(done.error!.message).toContain('DICOM receiver (SCP)');
      }
      // An SCP whose port is taken does not listen: a C-MOVE to it cannot work, and the job says why.
      const busy = createServer();
      const busyPort = await freePort();
      await new Promise<void>((resolve) => busy.listen(busyPort, '127.0.0.1', resolve));
      try {
        await t.json('/api/scps', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ id: -1, name: 'deaf', aeTitle: 'DEAF', port: busyPort }),
        });
        const res = await postJson(t, '/api/x-desktop/pacs/retrieves', {
          scuId: scu.id,
          items: [{ level: 'STUDY', studyInstanceUid: '1.2.3' }],
        });
        const job = (await res.json()) as XRetrieveJob;
        const done = await waitForJob(t, job.id, finished);
        expect(done.error).toMatchObject({ code: 'no-destination' });
        expect(done.error!.message).toContain(
          `DICOM receiver deaf (AE title DEAF, port ${busyPort}) is not listening`,
        );
      } finally {
        await new Promise<void>((resolve) => busy.close(() => resolve()));
      }
      const jobs = await t.json<XRetrieveJob[]>('/api/x-desktop/pacs/retrieves');
      // Saved node settings go with their SCU.
      const put = await t.api(`/api/x-desktop/pacs/nodes/${scu.id}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ retrieveMethod: 'C-GET' }),
      });
      expect(put.status).toBe(200);
      expect((await t.api(`/api/scus/${scu.id}`, { method: 'DELETE' })).status).toBe(204);
      expect((await t.api(`/api/x-desktop/pacs/nodes/${scu.id}`)).status).toBe(404);
      const retry = await t.api(`/api/x-desktop/pacs/retrieves/${jobs[0]!.id}/retry`, {
        method: 'POST',
      });
      expect(retry.status).toBe(200);
      const done = await waitForJob(t, jobs[0]!.id, (j) => j.status !== 'queued' && finished(j));
      expect(done.error).toMatchObject({ code: 'node-deleted', peer: 'pacs' });
      expect(done.error!.message).toContain('no longer exists');
    } finally {
      await t.stop();
    }
  });
});
