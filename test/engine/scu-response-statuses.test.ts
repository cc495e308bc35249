/**
 * What an SCU send does with each C-STORE response status (BEHAVIOR.md §17), against a peer that answers the
 * statuses it is told to: Success, the warnings Slicebox counts as sent (B000, B006, B007, with an Error Comment),
 * and a failure (A700), which stops the send. The responses take the fast path of fast-path.ts
 * (`installFastStoreResponse`), so this is also its test through a real association.
 */
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { dimse } from '../../src-main/localbox/dimse/dimse-module.js';
import { readFileMetaSync } from '../../src-main/localbox/dimse/part10.js';
import { ScuSendError, sendToScu } from '../../src-main/localbox/dimse/scu-sender.js';
import type { ScuSenderDeps } from '../../src-main/localbox/dimse/scu-sender.js';
import type { ScuData } from '../../src-main/slicebox/types.js';
import { PYDICOM } from './support.js';

const FILES = ['CT_small.dcm', 'MR_small.dcm', 'JPEG2000.dcm', 'MR_small_implicit.dcm'];

/** The statuses the peer answers, in the order C-STOREs arrive, and the SOP instance UIDs it received. */
interface StatusPeer {
  server: Server;
  port: number;
  statuses: { status: number; comment?: string }[];
  received: string[];
}

async function startStatusPeer(): Promise<StatusPeer> {
  const D = dimse();
  const { PresentationContextResult, Status } = D.constants;
  const peer: Omit<StatusPeer, 'port'> & { port: number } = {
    server: createServer(),
    port: 0,
    statuses: [],
    received: [],
  };
  class StatusScp extends D.Scp {
    override associationRequested(association: InstanceType<typeof D.association.Association>) {
      for (const { context } of association.getPresentationContexts())
        context.setResult(PresentationContextResult.Accept, context.getTransferSyntaxUids()[0]);
      this.sendAssociationAccept();
    }
    override cStoreRequest(
      request: InstanceType<typeof D.requests.CStoreRequest>,
      callback: (r: InstanceType<typeof D.responses.CStoreResponse>) => void,
    ) {
      peer.received.push(request.getAffectedSopInstanceUid());
      const answer = peer.statuses.shift() ?? { status: Status.Success };
      const response = D.responses.CStoreResponse.fromRequest(request);
      response.setStatus(answer.status);
      if (answer.comment !== undefined) response.setErrorComment(answer.comment);
      callback(response);
    }
    override associationReleaseRequested() {
      this.sendAssociationReleaseResponse();
    }
  }
  peer.server.on('connection', (socket) => new StatusScp(socket, {}));
  await new Promise<void>((resolve) => peer.server.listen(0, '127.0.0.1', resolve));
  peer.port = (peer.server.address() as { port: number }).port;
  return peer;
}

describe('SCU send: the statuses of C-STORE responses', () => {
  let peer: StatusPeer;
  let scu: ScuData;
  beforeAll(async () => {
    peer = await startStatusPeer();
    scu = { id: 1, name: 'status peer', aeTitle: 'STATUSSCP', host: '127.0.0.1', port: peer.port };
  });
  afterAll(() => new Promise<void>((resolve) => peer.server.close(() => resolve())));

  function send(ids: number[], readMetas?: ScuSenderDeps['readMetas']) {
    const log: { type: string; message: string }[] = [];
    const result = sendToScu(scu, ids, {
      storedPath: (id) => (FILES[id - 1] ? join(PYDICOM, FILES[id - 1]!) : undefined),
      log: (type, message) => log.push({ type, message }),
      ...(readMetas ? { readMetas } : {}),
    });
    return { result, log };
  }

  test('file metas come from readMetas when given; a readMetas that fails falls back to reading each file', async () => {
    peer.received.length = 0;
    peer.statuses = [];
    const asked: string[][] = [];
    const viaJob = send([1, 2], (paths) => {
      asked.push([...paths]);
      return Promise.resolve(paths.map((p) => readFileMetaSync(p)));
    });
    expect(await viaJob.result).toEqual({ sent: [1, 2], notFound: [], skipped: [] });
    expect(asked).toEqual([[join(PYDICOM, FILES[0]!), join(PYDICOM, FILES[1]!)]]);
    const failing = send([3, 4], () => Promise.reject(new Error('the pool is closed')));
    expect(await failing.result).toEqual({ sent: [3, 4], notFound: [], skipped: [] });
    expect(peer.received).toHaveLength(4);
  });

  test('Success and the accepted warnings count as sent; each warning is logged with its status', async () => {
    peer.received.length = 0;
    peer.statuses = [
      { status: 0xb000, comment: 'Coercion of data elements' },
      { status: 0x0000 },
      { status: 0xb007, comment: 'odd' },
      { status: 0xb006 },
    ];
    const { result, log } = send([1, 2, 3, 4]);
    expect(await result).toEqual({ sent: [1, 2, 3, 4], notFound: [], skipped: [] });
    expect(peer.received).toHaveLength(4);
    expect(log.filter((l) => l.type === 'WARN').map((l) => l.message)).toEqual([
      'SCU send file issues: SCU status B000, image ID 1',
      'SCU send file issues: SCU status B007, image ID 3',
      'SCU send file issues: SCU status B006, image ID 4',
    ]);
  });

  test('a failure status stops the send at that image: 502 message, ERROR logged, nothing after it sent', async () => {
    peer.received.length = 0;
    peer.statuses = [{ status: 0x0000 }, { status: 0xa700, comment: 'Out of resources' }];
    const { result, log } = send([1, 2, 3, 4]);
    const error = await result.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ScuSendError);
    expect((error as Error).message).toBe(
      `Unable to send images to STATUSSCP@127.0.0.1:${peer.port}: SCU send failed for image with ID 2`,
    );
    expect(log.filter((l) => l.type === 'ERROR').map((l) => l.message)).toEqual([
      'SCU send file error: SCU status A700, image ID 2',
    ]);
    // Sending stopped at the failure: the later images never went out.
    expect(peer.received).toHaveLength(2);
  });
});
