/**
 * Requests that stop arriving (issue 9): a declared body that never comes, a body that stops half-way and headers
 * that never finish are closed once the (configurable) timeout has passed, and leave nothing behind; an upload
 * that is slow but keeps sending is not cut off, however long it takes in all.
 */
import { readdirSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAppBox } from './app-box-support.js';
import type { AppBox } from './app-box-support.js';
import { ADMIN, basic, startTestBox, testFile } from './support.js';
import type { TestBox } from './support.js';

const TIMEOUT_MS = 1000;
/** How long the test waits for the server to close a stalled connection before failing. */
const CLOSE_BOUND_MS = 15_000;

interface Connection {
  socket: Socket;
  /** Everything the server sent, as text. */
  received(): string;
  /** Resolves true when the server closed the connection, false when `boundMs` passed first. */
  closed(boundMs: number): Promise<boolean>;
}

function open(port: number): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let isClosed = false;
    const waiters: Array<() => void> = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      isClosed = true;
      for (const w of waiters) w();
    });
    socket.once('connect', () =>
      resolve({
        socket,
        received: () => Buffer.concat(chunks).toString('latin1'),
        closed: (boundMs) =>
          new Promise((done) => {
            if (isClosed) return done(true);
            const timer = setTimeout(() => done(false), boundMs);
            waiters.push(() => {
              clearTimeout(timer);
              done(true);
            });
          }),
      }),
    );
    socket.once('error', reject);
  });
}

function uploadHead(length: number | string): string {
  return (
    'POST /api/images HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
    `Authorization: ${basic(ADMIN.user, ADMIN.pass)}\r\n` +
    'Content-Type: application/octet-stream\r\n' +
    `Content-Length: ${length}\r\n\r\n`
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function emptied(dir: string): Promise<string[]> {
  const deadline = Date.now() + CLOSE_BOUND_MS;
  while (readdirSync(dir).length > 0 && Date.now() < deadline) await sleep(50);
  return readdirSync(dir);
}

describe('with 1 s timeouts', () => {
  let box: AppBox;
  beforeAll(async () => {
    box = await startAppBox({
      timeouts: { headersTimeoutMs: TIMEOUT_MS, bodyIdleTimeoutMs: TIMEOUT_MS },
    });
  });
  afterAll(async () => {
    await box.stop();
  });

  test('a declared body of 99,999,999,999 bytes that never comes: the connection is closed', async () => {
    const c = await open(box.port);
    c.socket.write(uploadHead('99999999999'));
    expect(await c.closed(CLOSE_BOUND_MS)).toBe(true);
    expect(await emptied(join(box.dataDir, 'tmp'))).toEqual([]);
    expect(readdirSync(join(box.dataDir, 'dicom'))).toEqual([]);
  });

  test('a body that stops half-way: closed, the partial upload removed, nothing stored', async () => {
    const bytes = testFile('test.dcm');
    const c = await open(box.port);
    c.socket.write(uploadHead(bytes.length));
    c.socket.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
    expect(await c.closed(CLOSE_BOUND_MS)).toBe(true);
    expect(await emptied(join(box.dataDir, 'tmp'))).toEqual([]);
    expect(readdirSync(join(box.dataDir, 'dicom'))).toEqual([]);
  });

  test('headers that never finish, or nothing at all: 408 and closed', async () => {
    const partial = await open(box.port);
    partial.socket.write('POST /api/images HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le');
    const silent = await open(box.port);
    expect(await partial.closed(CLOSE_BOUND_MS)).toBe(true);
    expect(await silent.closed(CLOSE_BOUND_MS)).toBe(true);
    expect(partial.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  test('a slow upload that keeps sending is not cut off, though it lasts several timeouts', async () => {
    const bytes = testFile('test.dcm');
    const c = await open(box.port);
    c.socket.write(uploadHead(bytes.length));
    const pieces = 12;
    const size = Math.ceil(bytes.length / pieces);
    for (let i = 0; i < pieces; i++) {
      await sleep(TIMEOUT_MS / 3);
      c.socket.write(bytes.subarray(i * size, (i + 1) * size));
    }
    const deadline = Date.now() + CLOSE_BOUND_MS;
    while (!/\r\n\r\n/.test(c.received()) && Date.now() < deadline) await sleep(20);
    expect(c.received()).toMatch(/^HTTP\/1\.1 201 /);
    c.socket.destroy();
    expect(readdirSync(join(box.dataDir, 'dicom'))).toHaveLength(1);
  });

  test('the engine still answers afterwards', async () => {
    const res = await box.api('/api/system/health');
    expect(res.status).toBe(200);
  });
});

describe('the default box (no options)', () => {
  let t: TestBox;
  beforeAll(async () => {
    t = await startTestBox();
  });
  afterAll(async () => {
    await t.stop();
  });

  test('a declared body that never comes is closed within 30 s', async () => {
    const c = await open(t.box.port);
    c.socket.write(uploadHead('99999999999'));
    expect(await c.closed(30_000)).toBe(true);
  });
});
