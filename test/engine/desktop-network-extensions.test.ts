/**
 * The desktop's network extensions service (C-ECHO, SCP state, edits) against a real local box over HTTP,
 * and its detection of servers without the extensions: a server answering Slicebox's 404 for
 * `/api/x-desktop/capabilities` (as a real Slicebox does), or something that is not the capabilities JSON,
 * has none of them.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionService } from '../../src-main/services/connections/connection-service.js';
import { NetworkExtensionsService } from '../../src-main/services/network/extensions-service.js';
import { NetworkService } from '../../src-main/services/network/network-service.js';
import { startLocalbox } from '../../src-main/localbox/server.js';
import { freePort } from '../fixtures/free-port.js';

const NONE = { echo: false, scpState: false, editScp: false, editScu: false, editBox: false };

/** An HTTP server answering every request with `status` and `body` (a stand-in for other servers). */
async function answering(status: number, body: string, type: string): Promise<HttpServer> {
  const server = createHttpServer((_request, response) => {
    response.writeHead(status, { 'content-type': type, server: 'slicebox' });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function urlOf(server: HttpServer): string {
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

describe('desktop network extensions service', () => {
  let dir: string;
  let box: Awaited<ReturnType<typeof startLocalbox>>;
  let connections: ConnectionService;
  let network: NetworkService;
  let extensions: NetworkExtensionsService;
  let blocker: Server;
  let busyPort: number;
  const others: HttpServer[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sbx-network-ext-'));
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
    extensions = new NetworkExtensionsService(connections);
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    busyPort = typeof address === 'object' && address ? address.port : 0;
  });

  afterAll(async () => {
    await box?.close();
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
    for (const server of others)
      await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  function remote(id: string, url: string): void {
    connections.add({ id, name: id, url, kind: 'remote', user: 'admin', password: 'admin' });
  }

  it('the local box has every extension', async () => {
    expect(await extensions.capabilities('local')).toEqual({
      echo: true,
      scpState: true,
      editScp: true,
      editScu: true,
      editBox: true,
    });
  });

  it('a server that answers Slicebox’s 404 there, or not the capabilities JSON, has none', async () => {
    const slicebox = await answering(
      404,
      'The requested resource could not be found.',
      'text/plain; charset=UTF-8',
    );
    const html = await answering(200, '<!doctype html><title>Slicebox</title>', 'text/html');
    const other = await answering(200, JSON.stringify({ version: 1 }), 'application/json');
    others.push(slicebox, html, other);
    remote('slicebox', urlOf(slicebox));
    remote('html', urlOf(html));
    remote('other', urlOf(other));
    expect(await extensions.capabilities('slicebox')).toEqual(NONE);
    expect(await extensions.capabilities('html')).toEqual(NONE);
    expect(await extensions.capabilities('other')).toEqual(NONE);
  });

  it('an SCP on a port another program holds fails with the reason; moved, it listens', async () => {
    const scp = await network.addScp('local', {
      name: 'Blocked',
      aeTitle: 'BLOCKED',
      port: busyPort,
    });
    expect(await extensions.scpStates('local')).toContainEqual({
      scpId: scp.id,
      state: 'failed',
      reason: `Port ${busyPort} is already in use on 127.0.0.1`,
    });
    const port = await freePort();
    const moved = await extensions.updateScp('local', { ...scp, name: 'Moved', port });
    expect(moved).toEqual({ id: scp.id, name: 'Moved', aeTitle: 'BLOCKED', port });
    expect(await network.scps('local')).toContainEqual(moved);
    expect(await extensions.scpStates('local')).toContainEqual({
      scpId: scp.id,
      state: 'listening',
    });

    // Echo through an SCU pointing at it; edited to a wrong AE title, the node refuses it.
    const scu = await network.addScu('local', {
      name: 'To moved',
      aeTitle: 'BLOCKED',
      host: '127.0.0.1',
      port,
    });
    expect(await extensions.echoScu('local', scu.id)).toEqual({
      success: true,
      message: `BLOCKED@127.0.0.1:${port} answered the C-ECHO`,
    });
    const wrong = await extensions.updateScu('local', { ...scu, aeTitle: 'WRONG' });
    expect(wrong).toEqual({ ...scu, aeTitle: 'WRONG' });
    const refused = await extensions.echoScu('local', scu.id);
    expect(refused.success).toBe(false);
    expect(refused.message).toContain('called AE title not recognized');

    // The server's refusal keeps its words.
    const other = await network.addScp('local', {
      name: 'Other',
      aeTitle: 'OTHER',
      port: await freePort(),
    });
    await expect(extensions.updateScp('local', { ...other, port })).rejects.toThrow(
      `Port ${port} is already in use`,
    );
  });

  it('a box: renamed, with other default options', async () => {
    const box = await network.createBoxConnection('local', 'Hospital', []);
    const edited = await extensions.updateBox('local', box.id, 'University', [
      'RETAIN_PATIENT_CHARACTERISTICS',
    ]);
    expect(edited).toMatchObject({
      id: box.id,
      name: 'University',
      sendMethod: 'POLL',
      baseUrl: box.baseUrl,
      defaultOptions: ['RETAIN_PATIENT_CHARACTERISTICS'],
    });
    expect(await network.boxes('local')).toEqual([edited]);
  });
});
