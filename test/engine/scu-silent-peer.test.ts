/**
 * An SCU send to a node that accepts the TCP connection and then never answers (a hung PACS, a firewall that
 * swallows the association request) must end with a clear error once the association timeout passes, not wait
 * forever: `POST /scus/{id}/send` and forwarding would hang on it.
 * (A guard: dcmjs-dimse 0.3.3 closes the socket itself after its connection timeout; the sender no longer relies
 * on that, it closes the socket and ends on the first network error.)
 */
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { sendToScu } from '../../src-main/localbox/dimse/scu-sender.js';
import { PYDICOM } from './support.js';

let server: Server;
let port = 0;
const sockets: Socket[] = [];

beforeAll(async () => {
  server = createServer((socket) => {
    // Accept, read whatever comes, never write a byte.
    sockets.push(socket);
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => server.close(resolve));
});

test('a node that accepts the connection and stays silent fails the send after the association timeout', async () => {
  const logs: string[] = [];
  const send = sendToScu(
    { id: 1, name: 'silent', aeTitle: 'SILENT', host: '127.0.0.1', port },
    [1],
    {
      storedPath: () => `${PYDICOM}/CT_small.dcm`,
      log: (type, message) => void logs.push(`${type} ${message}`),
    },
    { connectTimeoutMs: 1000, associationTimeoutMs: 1000, pduTimeoutMs: 1000 },
  );
  // Generous bound: only a send that never ends (the bug) can exceed it.
  const outcome = await Promise.race([
    send.then(
      () => 'sent',
      (e: Error) => e.message,
    ),
    new Promise<string>((resolve) => setTimeout(() => resolve('still waiting'), 20_000)),
  ]);
  expect(outcome).not.toBe('still waiting');
  expect(outcome).not.toBe('sent');
  expect(outcome).toContain('SILENT@127.0.0.1');
  // The socket was closed on our side.
  await expect
    .poll(() => sockets.every((s) => s.destroyed || s.readableEnded), { timeout: 5000 })
    .toBe(true);
});
