/**
 * The desktop's Send, Send to SCP and Network services against real local boxes over HTTP: box set-up
 * (create connection on one server, connect from the other), Send with Anonymization Details (the
 * transaction is found and reaches FINISHED; the receiver holds the images under the chosen name), Keep
 * Names, Send to SCP into the receiver's own SCP, and the servers' refusals kept as the error text.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SendService } from '../../src-main/services/actions/send-service.js';
import { ConnectionService } from '../../src-main/services/connections/connection-service.js';
import { NetworkService } from '../../src-main/services/network/network-service.js';
import { ServiceError } from '../../src-main/services/service-error.js';
import { SliceboxHttpError, type SliceboxClient } from '../../src-main/slicebox/client.js';
import { startLocalbox } from '../../src-main/localbox/server.js';
import { pydicomFile, testFile } from '../fixtures/paths.js';
import { freePort } from '../fixtures/free-port.js';

const PETER = ['2062', '2392', '2693'].map((n) => pydicomFile(`dicomdir_98892001_CT5N_${n}.dcm`));
/**
 * Peter's files are flagged PatientIdentityRemoved = YES, which a box send passes through unchanged
 * (BEHAVIOR §11.1); CT_small is identified data, so it is anonymized on the way.
 */
const CT1 = [pydicomFile('CT_small.dcm')];

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('desktop Send / Send to SCP / Network against local boxes', () => {
  let dataDir: string;
  let boxes: Awaited<ReturnType<typeof startLocalbox>>[];
  let sender: SliceboxClient;
  let receiver: SliceboxClient;
  let network: NetworkService;
  let sending: SendService;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sbx-send-'));
    boxes = await Promise.all(
      ['desk', 'remote'].map((name) =>
        startLocalbox({ dataDir: join(dataDir, name), port: 0, boxes: { tickMs: 200 } }),
      ),
    );
    const connections = new ConnectionService(() => undefined);
    for (const [i, id] of ['desk', 'remote'].entries()) {
      connections.add({
        id,
        name: id,
        url: boxes[i]!.url,
        kind: id === 'desk' ? 'local' : 'remote',
        user: 'admin',
        password: 'admin',
      });
    }
    sender = connections.client('desk');
    receiver = connections.client('remote');
    network = new NetworkService(connections);
    sending = new SendService(connections);
    for (const file of [...PETER, testFile('test.dcm'), ...CT1])
      await sender.uploadImage(await readFile(file));
  });

  afterEach(async () => {
    await Promise.all(boxes.map((b) => b.close()));
    await rm(dataDir, { recursive: true, force: true });
  });

  async function ct1Id(): Promise<number> {
    const patients = await sender.patients();
    return patients.find((p) => p.patientName.value.includes('CT1'))!.id;
  }

  async function peterId(): Promise<number> {
    const patients = await sender.patients();
    return patients.find((p) => p.patientName.value.includes('Peter'))!.id;
  }

  /** The receiver creates a connection; the sender connects to it (a PUSH box). */
  async function pair(options: string[] = []) {
    const poll = await network.createBoxConnection('remote', 'Desk', []);
    expect(poll.sendMethod).toBe('POLL');
    expect(poll.baseUrl).toMatch(/\/api\/transactions\/[0-9a-f-]{36}$/);
    const push = await network.connectBox('desk', 'Research', poll.baseUrl, options);
    expect(push).toMatchObject({ sendMethod: 'PUSH', name: 'Research', defaultOptions: options });
    return push;
  }

  it('lists, creates and removes boxes; the default options come back without BASIC_PROFILE', async () => {
    const push = await pair(['RETAIN_SAFE_PRIVATE']);
    expect((await network.boxes('desk')).map((b) => [b.name, b.sendMethod])).toEqual([
      ['Research', 'PUSH'],
    ]);
    expect((await network.boxes('remote')).map((b) => [b.name, b.sendMethod])).toEqual([
      ['Desk', 'POLL'],
    ]);
    await until('the PUSH box to be online', async () =>
      (await network.boxes('desk'))[0]?.online ? true : undefined,
    );
    await network.removeBox('desk', push.id);
    expect(await network.boxes('desk')).toEqual([]);
  });

  it('Send: the transaction is found, reaches FINISHED, and the receiver has the named images', async () => {
    const box = await pair();
    const result = await sending.sendToBox(
      'desk',
      { kind: 'patients', ids: [await ct1Id()] },
      box.id,
      [],
      [{ patientId: await ct1Id(), name: 'trial 001' }],
    );
    expect(result.queued).toBe(1);
    expect(result.transactionId).not.toBeNull();
    const finished = await until('the outgoing transaction to finish', async () => {
      const t = (await network.transfers('desk')).outgoing.find(
        (o) => o.id === result.transactionId,
      );
      return t?.status === 'FINISHED' ? t : undefined;
    });
    expect(finished).toMatchObject({
      done: 1,
      total: 1,
      boxName: 'Research',
      direction: 'outgoing',
    });
    const incoming = await until('the incoming transaction to finish', async () => {
      const t = (await network.transfers('remote')).incoming[0];
      return t?.status === 'FINISHED' ? t : undefined;
    });
    expect(incoming).toMatchObject({ done: 1, added: 1, total: 1, boxName: 'Desk' });
    expect((await receiver.patients()).map((p) => p.patientName.value)).toEqual(['trial 001']);

    await network.removeTransfer('remote', 'incoming', incoming.id);
    expect((await network.transfers('remote')).incoming).toEqual([]);
  });

  it('Send with Keep Names: the profile decides; "send as is" passes flagged data unchanged', async () => {
    const box = await pair();
    const { queued, transactionId, anonymizedFirst } = await sending.sendToBox(
      'desk',
      { kind: 'patients', ids: [await ct1Id(), await peterId()] },
      box.id,
      [],
      undefined,
      'asIs',
    );
    expect(anonymizedFirst).toBe(0);
    expect(queued).toBe(4);
    await until('the send to finish', async () =>
      (await network.transfers('desk')).outgoing.find((o) => o.id === transactionId)?.status ===
      'FINISHED'
        ? true
        : undefined,
    );
    const names = await until('the receiver to store the images', async () => {
      const patients = await receiver.patients();
      return patients.length === 2 ? patients.map((p) => p.patientName.value) : undefined;
    });
    // CT1 got an anonymous name from BASIC_PROFILE; Peter's data says PatientIdentityRemoved = YES.
    expect(names).toContain('Doe^Peter');
    expect(names.filter((n) => n !== 'Doe^Peter')).toHaveLength(1);
    expect(names.join()).not.toContain('CompressedSamples');
  });

  it('Send to an unknown box keeps the server’s 404 text; nothing to send is refused', async () => {
    const error = await sending
      .sendToBox('desk', { kind: 'patients', ids: [await peterId()] }, 999, [])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SliceboxHttpError);
    expect((error as SliceboxHttpError).status).toBe(404);
    expect((error as Error).message).toContain('No box found for id 999');
    const nothing = await sending
      .sendToBox('desk', { kind: 'patients', ids: [123456] }, 1, [])
      .catch((e: unknown) => e);
    expect(nothing).toBeInstanceOf(ServiceError);
    expect((nothing as Error).message).toBe('Nothing to send');
  });

  it('Send to SCP: C-STORE into the receiver’s SCP; a node that is down is a 502 with a reason', async () => {
    const port = await freePort();
    const scp = await network.addScp('remote', { name: 'Inbox', aeTitle: 'INBOX', port });
    expect(scp).toMatchObject({ name: 'Inbox', aeTitle: 'INBOX', port });
    const scu = await network.addScu('desk', {
      name: 'Remote inbox',
      aeTitle: 'INBOX',
      host: '127.0.0.1',
      port,
    });
    expect(await network.scus('desk')).toEqual([scu]);
    const { sent } = await sending.sendToScu(
      'desk',
      { kind: 'patients', ids: [await peterId()] },
      scu.id,
    );
    expect(sent).toBe(3);
    const stored = await until('the SCP to store the images', async () => {
      const patients = await receiver.patients();
      return patients.length === 1 ? patients[0] : undefined;
    });
    expect(stored.patientName.value).toBe('Doe^Peter');
    expect(await receiver.patientImages(stored.id)).toHaveLength(3);

    await network.removeScp('remote', scp.id);
    expect(await network.scps('remote')).toEqual([]);
    const error = await sending
      .sendToScu('desk', { kind: 'patients', ids: [await peterId()] }, scu.id)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SliceboxHttpError);
    expect((error as SliceboxHttpError).status).toBe(502);
    await network.removeScu('desk', scu.id);
    expect(await network.scus('desk')).toEqual([]);
  });

  it('refusals from the server are kept: a bad AE title, a malformed box URL', async () => {
    await expect(
      network.addScu('desk', {
        name: 'Bad',
        aeTitle: 'A'.repeat(17),
        host: '127.0.0.1',
        port: 104,
      }),
    ).rejects.toThrow(/Ae title must not exceed 16 characters/);
    await expect(network.connectBox('desk', 'Bad', 'malformed/url', [])).rejects.toThrow(
      /Malformed box base url/,
    );
  });
});
