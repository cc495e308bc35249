/**
 * The Slicebox Desktop extensions of the local box over real HTTP (`/api/x-desktop/…`, DECISIONS.md "Desktop
 * extensions"): the capabilities list; C-ECHO to an SCU's node (this box's own SCP, dcmtk's storescp, a wrong
 * AE title refused by the node, a closed port, a node that never answers); the listening state of SCPs (a
 * port held by another program → failed, with the reason); and editing SCPs (the listener re-binds), SCUs and
 * boxes, validated as creating them is.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { echoScu } from '../../src-main/localbox/dimse/scu-echo.js';
import type { Box, ScpData, ScuData } from '../../src-main/slicebox/types.js';
import {
  canConnect,
  freePort,
  missingDcmtkTools,
  postJson,
  run,
  startPeer,
  waitFor,
  type Peer,
} from './dimse-support.js';
import { basic, startTestBox, type TestBox } from './support.js';

interface Echo {
  success: boolean;
  message: string;
}
interface ScpState {
  scpId: number;
  state: string;
  reason?: string;
}
interface LogEntry {
  entryType: string;
  subject: string;
  message: string;
}

const JSON_HEADERS = { 'content-type': 'application/json' };

/** A TCP server on 127.0.0.1 that accepts connections and never says a word. */
async function silentPeer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('desktop extensions (/api/x-desktop)', () => {
  let t: TestBox;
  let userAuth: string;

  const put = (path: string, body: unknown, auth?: string) =>
    t.api(path, {
      method: 'PUT',
      headers: JSON_HEADERS,
      body: JSON.stringify(body),
      ...(auth ? { auth } : {}),
    });
  const echo = async (scu: ScuData, auth?: string): Promise<Echo> => {
    const res = await t.api(`/api/x-desktop/scus/${scu.id}/echo`, {
      method: 'POST',
      ...(auth ? { auth } : {}),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as Echo;
  };
  const addScp = async (name: string, aeTitle: string, port: number): Promise<ScpData> => {
    const res = await postJson(t, '/api/scps', { id: -1, name, aeTitle, port });
    expect(res.status).toBe(201);
    return (await res.json()) as ScpData;
  };
  const addScu = async (name: string, aeTitle: string, port: number): Promise<ScuData> => {
    const res = await postJson(t, '/api/scus', {
      id: -1,
      name,
      aeTitle,
      host: '127.0.0.1',
      port,
    });
    expect(res.status).toBe(201);
    return (await res.json()) as ScuData;
  };
  const stateOf = async (scp: ScpData): Promise<ScpState | undefined> =>
    (await t.json<ScpState[]>('/api/x-desktop/scps/state')).find((s) => s.scpId === scp.id);

  beforeAll(async () => {
    t = await startTestBox();
    const res = await postJson(t, '/api/users', { user: 'viewer', role: 'USER', password: 'pw' });
    expect(res.status).toBe(201);
    userAuth = basic('viewer', 'pw');
  });
  afterAll(async () => {
    await t.stop();
  });

  test('capabilities: every extension, for any signed-in user; 401 without credentials', async () => {
    const caps = await t.json<{ version: number; extensions: string[] }>(
      '/api/x-desktop/capabilities',
      { auth: userAuth },
    );
    expect(caps).toEqual({
      version: 1,
      extensions: [
        'scu-echo',
        'scp-state',
        'scp-edit',
        'scu-edit',
        'box-edit',
        'anonymization-preview',
        'identity-removed',
        'metadata-contents',
        'pacs-nodes',
        'pacs-query',
        'pacs-retrieve-move',
        'pacs-retrieve-get',
      ],
    });
    expect((await t.api('/api/x-desktop/capabilities', { auth: null })).status).toBe(401);
    // Beside the extensions nothing answers: an unknown extension path is Slicebox's 404.
    expect((await t.api('/api/x-desktop/nothing-here')).status).toBe(404);
  });

  describe('C-ECHO', () => {
    let port: number;

    beforeAll(async () => {
      port = await freePort();
      await addScp('Echo target', 'ECHOSCP', port);
    });

    test('to this box’s own SCP: success, also for a user who is not an administrator', async () => {
      const scu = await addScu('Own SCP', 'ECHOSCP', port);
      expect(await echo(scu, userAuth)).toEqual({
        success: true,
        message: `ECHOSCP@127.0.0.1:${port} answered the C-ECHO`,
      });
    });

    test('a called AE title the node does not know: the node’s refusal, in words, and logged', async () => {
      // One SCU per host and port: another SCP of this box to point at.
      const port = await freePort();
      await addScp('Second echo target', 'SECONDSCP', port);
      const scu = await addScu('Wrong AE', 'NOTTHISONE', port);
      const result = await echo(scu);
      expect(result.success).toBe(false);
      expect(result.message).toBe(
        `NOTTHISONE@127.0.0.1:${port} rejected the association permanently: called AE title not recognized (result 1, source 1, reason 7)`,
      );
      const log = await t.json<LogEntry[]>('/api/log?subject=SCU&type=WARN&count=1');
      expect(log[0]?.message).toBe(`C-ECHO using SCU Wrong AE failed: ${result.message}`);
    });

    test('nothing listening: connection refused', async () => {
      const closed = await freePort();
      const scu = await addScu('Nobody', 'NOBODY', closed);
      expect(await echo(scu)).toEqual({
        success: false,
        message: `Connection refused on host NOBODY@127.0.0.1:${closed}`,
      });
    });

    test('a node that accepts the connection and never answers: no answer in time', async () => {
      const peer = await silentPeer();
      try {
        const result = await echoScu(
          { id: 1, name: 'Silent', aeTitle: 'SILENT', host: '127.0.0.1', port: peer.port },
          { timeoutMs: 1000 },
        );
        expect(result).toEqual({
          success: false,
          message: `No answer from SILENT@127.0.0.1:${peer.port} within 1 s`,
        });
      } finally {
        await peer.close();
      }
    });

    test('an unknown SCU → 404', async () => {
      const res = await t.api('/api/x-desktop/scus/666/echo', { method: 'POST' });
      expect(res.status).toBe(404);
      expect(await res.text()).toBe('SCU with id 666 not found');
    });

    const missing = missingDcmtkTools();
    test.skipIf(missing.length > 0)('to dcmtk’s storescp: success', async () => {
      const storescpPort = await freePort();
      const peer: Peer = startPeer('storescp', [
        '--aetitle',
        'STORESCP',
        '-od',
        t.dataDir,
        `${storescpPort}`,
      ]);
      try {
        await waitFor(
          async () =>
            (await run('echoscu', ['-aec', 'STORESCP', '127.0.0.1', `${storescpPort}`], 5000))
              .code === 0,
          15_000,
          `storescp on port ${storescpPort}`,
        );
        const scu = await addScu('storescp', 'STORESCP', storescpPort);
        expect(await echo(scu)).toEqual({
          success: true,
          message: `STORESCP@127.0.0.1:${storescpPort} answered the C-ECHO`,
        });
      } finally {
        await peer.stop();
      }
    });
  });

  describe('SCP state and edit', () => {
    let blocker: Server;
    let busyPort: number;

    beforeAll(async () => {
      blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      const address = blocker.address();
      busyPort = typeof address === 'object' && address ? address.port : 0;
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    });

    test('a port held by another program: created (201, as Slicebox), state failed with the reason', async () => {
      const scp = await addScp('Blocked', 'BLOCKED', busyPort);
      expect(await stateOf(scp)).toEqual({
        scpId: scp.id,
        state: 'failed',
        reason: `Port ${busyPort} is already in use on 127.0.0.1`,
      });
      const users = await t.json<ScpState[]>('/api/x-desktop/scps/state', { auth: userAuth });
      expect(users.find((s) => s.scpId === scp.id)?.state).toBe('failed');

      // Moved to a free port, it listens there, and an echo reaches it under its new AE title.
      const free = await freePort();
      const res = await put(`/api/x-desktop/scps/${scp.id}`, {
        id: scp.id,
        name: 'Unblocked',
        aeTitle: 'UNBLOCKED',
        port: free,
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        id: scp.id,
        name: 'Unblocked',
        aeTitle: 'UNBLOCKED',
        port: free,
      });
      expect(await stateOf(scp)).toEqual({ scpId: scp.id, state: 'listening' });
      expect(await canConnect(free)).toBe(true);
      const scu = await addScu('To unblocked', 'UNBLOCKED', free);
      expect((await echo(scu)).success).toBe(true);
      expect((await t.json<ScpData[]>('/api/scps')).find((s) => s.id === scp.id)).toEqual({
        id: scp.id,
        name: 'Unblocked',
        aeTitle: 'UNBLOCKED',
        port: free,
      });
    });

    test('moving a listening SCP frees its old port; deleting it leaves the state list', async () => {
      const first = await freePort();
      const scp = await addScp('Mover', 'MOVER', first);
      expect(await stateOf(scp)).toEqual({ scpId: scp.id, state: 'listening' });
      const second = await freePort();
      const res = await put(`/api/x-desktop/scps/${scp.id}`, {
        name: 'Mover',
        aeTitle: 'MOVER',
        port: second,
      });
      expect(res.status).toBe(200);
      expect(await canConnect(first)).toBe(false);
      expect(await canConnect(second)).toBe(true);
      expect(await stateOf(scp)).toEqual({ scpId: scp.id, state: 'listening' });

      // The same values again: the listener re-binds the same port.
      expect(
        (
          await put(`/api/x-desktop/scps/${scp.id}`, {
            name: 'Mover',
            aeTitle: 'MOVER',
            port: second,
          })
        ).status,
      ).toBe(200);
      expect(await stateOf(scp)).toEqual({ scpId: scp.id, state: 'listening' });

      expect((await t.api(`/api/scps/${scp.id}`, { method: 'DELETE' })).status).toBe(204);
      expect(await stateOf(scp)).toBeUndefined();
      expect(await canConnect(second)).toBe(false);
    });

    test('edits are validated as creating is; nothing changes on a refusal', async () => {
      const a = await addScp('Edit A', 'EDITA', await freePort());
      const b = await addScp('Edit B', 'EDITB', await freePort());
      const refused = async (body: unknown, status: number, text: string, auth?: string) => {
        const res = await put(`/api/x-desktop/scps/${a.id}`, body, auth);
        expect(res.status).toBe(status);
        expect(await res.text()).toBe(text);
      };
      await refused(
        { name: 'Edit A', aeTitle: 'ABCDEFGHIJKLMNOPQ', port: a.port },
        400,
        'Ae title must not exceed 16 characters, excluding leading and trailing epaces.',
      );
      await refused(
        { name: 'Edit A', aeTitle: '  ', port: a.port },
        400,
        'Ae title must not be empty',
      );
      await refused(
        { name: 'Edit A', aeTitle: 'EDITA', port: 70000 },
        400,
        'Port must be a value between 0 and 65535',
      );
      await refused(
        { name: 'Edit A', aeTitle: 'EDITA', port: b.port },
        400,
        `Port ${b.port} is already in use`,
      );
      await refused(
        { name: 'Edit B', aeTitle: 'EDITA', port: a.port },
        400,
        'An SCP named Edit B already exists',
      );
      await refused({ name: ' ', aeTitle: 'EDITA', port: a.port }, 400, 'Name must not be empty');
      const forbidden = await put(
        `/api/x-desktop/scps/${a.id}`,
        { name: 'Mine', aeTitle: 'EDITA', port: a.port },
        userAuth,
      );
      expect(forbidden.status).toBe(403);
      const missing = await put('/api/x-desktop/scps/666', {
        name: 'X',
        aeTitle: 'X',
        port: 104,
      });
      expect(missing.status).toBe(404);
      expect(await missing.text()).toBe('SCP with id 666 not found');
      expect((await t.json<ScpData[]>('/api/scps')).find((s) => s.id === a.id)).toEqual(a);
      expect(await stateOf(a)).toEqual({ scpId: a.id, state: 'listening' });
    });
  });

  describe('SCU and box edit', () => {
    test('an SCU: changed, validated, and the change is what a send or echo uses', async () => {
      const scpPort = await freePort();
      await addScp('Edit target', 'TARGET', scpPort);
      const scu = await addScu('Editable', 'WRONG', scpPort);
      const other = await addScu('Other', 'OTHER', await freePort());
      expect((await echo(scu)).success).toBe(false);

      const res = await put(`/api/x-desktop/scus/${scu.id}`, {
        id: -1,
        name: 'Edited',
        aeTitle: 'TARGET',
        host: '127.0.0.1',
        port: scpPort,
      });
      expect(res.status).toBe(200);
      const edited = {
        id: scu.id,
        name: 'Edited',
        aeTitle: 'TARGET',
        host: '127.0.0.1',
        port: scpPort,
      };
      expect(await res.json()).toEqual(edited);
      expect((await t.json<ScuData[]>('/api/scus')).find((s) => s.id === scu.id)).toEqual(edited);
      expect((await echo(edited)).success).toBe(true);

      const refusal = async (body: Partial<ScuData>, text: string) => {
        const r = await put(`/api/x-desktop/scus/${scu.id}`, { ...edited, ...body });
        expect(r.status).toBe(400);
        expect(await r.text()).toBe(text);
      };
      await refusal({ name: 'Other' }, 'An SCU named Other already exists');
      await refusal(
        { port: other.port },
        `Host 127.0.0.1 and port ${other.port} is already in use`,
      );
      await refusal({ aeTitle: '' }, 'Ae title must not be empty');
      await refusal({ host: ' ' }, 'Host must not be empty');
      const forbidden = await put(`/api/x-desktop/scus/${scu.id}`, edited, userAuth);
      expect(forbidden.status).toBe(403);
      expect((await t.json<ScuData[]>('/api/scus')).find((s) => s.id === scu.id)).toEqual(edited);
    });

    test('a box: name and default options, validated; type and URL stay', async () => {
      const create = await postJson(t, '/api/boxes/createconnection', {
        name: 'Hospital',
        defaultProfile: { options: [] },
      });
      expect(create.status).toBe(201);
      const box = (await create.json()) as Box;
      await postJson(t, '/api/boxes/createconnection', {
        name: 'Clinic',
        defaultProfile: { options: [] },
      });

      const res = await put(`/api/x-desktop/boxes/${box.id}`, {
        name: 'University hospital',
        defaultProfile: { options: [{ name: 'RETAIN_PATIENT_CHARACTERISTICS' }] },
      });
      expect(res.status).toBe(200);
      const edited = (await res.json()) as Box;
      expect(edited).toMatchObject({
        id: box.id,
        name: 'University hospital',
        baseUrl: box.baseUrl,
        sendMethod: 'POLL',
        token: box.token,
      });
      const listed = (await t.json<Box[]>('/api/boxes')).find((b) => b.id === box.id)!;
      expect(listed.name).toBe('University hospital');
      expect(listed.defaultProfile.options.map((o) => o.name)).toEqual([
        'RETAIN_PATIENT_CHARACTERISTICS',
      ]);

      const refusal = async (body: unknown, status: number, text: string) => {
        const r = await put(`/api/x-desktop/boxes/${box.id}`, body);
        expect(r.status).toBe(status);
        expect(await r.text()).toBe(text);
      };
      await refusal(
        { name: 'Clinic', defaultProfile: { options: [] } },
        400,
        'A box named Clinic already exists',
      );
      await refusal({ name: '', defaultProfile: { options: [] } }, 400, 'Name must not be empty');
      const unknown = await put(`/api/x-desktop/boxes/${box.id}`, {
        name: 'X',
        defaultProfile: { options: [{ name: 'NO_SUCH_OPTION' }] },
      });
      expect(unknown.status).toBe(400);
      const missing = await put('/api/x-desktop/boxes/666', {
        name: 'Y',
        defaultProfile: { options: [] },
      });
      expect(missing.status).toBe(404);
      expect(await missing.text()).toBe('No box found for id 666');
      const after = (await t.json<Box[]>('/api/boxes')).find((b) => b.id === box.id)!;
      expect(after.name).toBe('University hospital');
      expect(after.defaultProfile.options.map((o) => o.name)).toEqual([
        'RETAIN_PATIENT_CHARACTERISTICS',
      ]);
    });
  });
});
