/**
 * Box transfer bodies are inflated to disk as a stream, cut at a ceiling (issue 9; `boxes.maxImageBytes`,
 * default 2 GiB): a small zlib body that inflates to more is refused without filling the disk, on the passive side
 * (`POST /transactions/{token}/image`, 400) and on the active side (a remote serving it to our poll: logged and
 * skipped). The ceiling is set to 16 MiB here so that a 32 MiB image (a 32 KB body) is over it.
 */
import { readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import type { Image, IncomingTransaction, LogEntry } from '../../src-main/slicebox/types.js';
import { compress, connect, createConnection, tokenPath, waitFor } from './box-support.js';
import { syntheticCt } from './generated-files.js';
import { PYDICOM, startTestBox, testFile } from './support.js';
import type { TestBox } from './support.js';

const MIB = 1024 * 1024;
let t: TestBox | undefined;
let server: Server | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

/** A valid 32 MiB CT image (4096 × 4096 × 16 bits of zeros) whose zlib body is about 32 KB. */
function bomb(): Buffer {
  return compress(syntheticCt({ rows: 4096, columns: 4096, pixel: () => 0 }));
}

function tempFiles(box: TestBox): string[] {
  return readdirSync(join(box.dataDir, 'tmp'));
}

async function warnings(box: TestBox): Promise<string[]> {
  const log = await box.json<LogEntry[]>('/api/log?count=100');
  return log.filter((l) => l.entryType === 'WARN').map((l) => l.message);
}

test('passive side: a body inflating past the ceiling → 400 naming it, counted as rejected, nothing left in tmp; smaller images still arrive', async () => {
  t = await startTestBox({ boxes: { maxImageBytes: 16 * MIB } });
  const box = await createConnection(t, 'remote');
  const image = (n: number, body: Buffer): Promise<Response> =>
    t!.api(`${tokenPath(box)}/image?transactionid=7&sequencenumber=${n}&totalimagecount=2`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body,
      auth: null,
    });
  const body = bomb();
  expect(body.length).toBeLessThan(100_000);

  const refused = await image(1, body);
  expect(refused.status).toBe(400);
  expect(await refused.text()).toBe(
    'Image rejected: the inflated image is larger than the limit of 16 MiB for box transfers',
  );
  expect(tempFiles(t)).toEqual([]);
  expect(await warnings(t)).toContain(
    'Ignoring rejected image from remote in transaction 7: the inflated image is larger than the limit of 16 MiB for box transfers',
  );
  const [incoming] = await t.json<IncomingTransaction[]>('/api/boxes/incoming');
  expect(incoming).toMatchObject({ receivedImageCount: 1, addedImageCount: 0, totalImageCount: 2 });

  // An image under the ceiling is stored; the transaction finishes.
  const ok = await image(2, compress(testFile(join(PYDICOM, 'CT_small.dcm'))));
  expect(ok.status).toBe(204);
  const [after] = await t.json<IncomingTransaction[]>('/api/boxes/incoming');
  expect(after).toMatchObject({ receivedImageCount: 2, addedImageCount: 1, status: 'FINISHED' });
  expect(tempFiles(t)).toEqual([]);
});

test('the default ceiling is 2 GiB: the same 32 MiB image is stored', async () => {
  t = await startTestBox();
  expect(t.box.engine.boxes.options.maxImageBytes).toBe(2 * 1024 * MIB);
  const box = await createConnection(t, 'remote');
  const res = await t.api(
    `${tokenPath(box)}/image?transactionid=1&sequencenumber=1&totalimagecount=1`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: bomb(),
      auth: null,
    },
  );
  expect(res.status).toBe(204);
  const [incoming] = await t.json<IncomingTransaction[]>('/api/boxes/incoming');
  expect(incoming).toMatchObject({ receivedImageCount: 1, addedImageCount: 1 });
});

test('active side: a remote serving a body past the ceiling to our poll → logged and skipped, confirmed as received, nothing stored or left in tmp', async () => {
  const token = randomUUID();
  const base = `/api/transactions/${token}`;
  const body = bomb();
  const entry = {
    transaction: {
      id: 41,
      boxId: 1,
      boxName: 'us',
      profile: { options: [] },
      sentImageCount: 0,
      totalImageCount: 1,
      created: 1,
      updated: 1,
      status: 'WAITING',
    },
    image: { id: 5, outgoingTransactionId: 41, imageId: 9, sequenceNumber: 1, sent: false },
  };
  let polled = false;
  const done: unknown[] = [];
  const read = async (req: IncomingMessage): Promise<string> => {
    let text = '';
    for await (const chunk of req) text += String(chunk);
    return text;
  };
  server = createServer((req, res) => {
    void (async () => {
      const text = await read(req);
      const path = req.url ?? '';
      if (path.startsWith(`${base}/outgoing/poll`) && !polled) {
        polled = true;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify([entry]));
      } else if (path.startsWith(`${base}/outgoing?`)) {
        res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
      } else if (path === `${base}/outgoing/done`) {
        done.push(JSON.parse(text));
        res.writeHead(204).end();
      } else if (path.startsWith(`${base}/status`)) {
        res.writeHead(204).end();
      } else {
        res.writeHead(404).end('Not found');
      }
    })();
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;

  t = await startTestBox({ boxes: { maxImageBytes: 16 * MIB, tickMs: 200 } });
  await connect(t, 'remote', `http://127.0.0.1:${port}${base}`);
  await waitFor('the remote got our done', async () => (done.length > 0 ? true : undefined));
  expect(done[0]).toMatchObject({ transaction: { id: 41, sentImageCount: 1 }, image: { id: 5 } });
  expect(await warnings(t)).toContain(
    'remote (poll): Ignoring rejected image 9: the inflated image is larger than the limit of 16 MiB for box transfers',
  );
  expect(await t.json<Image[]>('/api/metadata/images?seriesid=1')).toEqual([]);
  expect(tempFiles(t)).toEqual([]);
});
