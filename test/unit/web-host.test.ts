import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CHANNELS } from '../../src-preload/contract.js';
import { createHandlerTable, type Implementation } from '../../src-main/services/handlers.js';
import { startWebHost, type WebHost } from '../../src-main/web/host.js';
import { safeFileName } from '../../src-main/web/staging.js';

function implementation(): Implementation {
  const impl = {} as Record<string, (args: unknown) => Promise<unknown>>;
  for (const channel of CHANNELS) impl[channel] = async () => ({ answered: channel });
  return impl as unknown as Implementation;
}

/** Raw HTTP so the Host header can be set (fetch forbids it). */
function rawRequest(
  port: number,
  options: { path: string; method?: string; headers?: Record<string, string>; body?: Buffer },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: options.path,
        method: options.method ?? 'GET',
        headers: options.headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('browser-mode web host', () => {
  let host: WebHost;
  let staging: string;

  beforeAll(async () => {
    const root = await mkdtemp(join(tmpdir(), 'sbx-host-'));
    const renderer = join(root, 'renderer') + '/';
    staging = join(root, 'staging');
    await mkdir(renderer);
    await mkdir(staging);
    await writeFile(join(renderer, 'index.html'), '<!doctype html><title>ok</title>');
    await writeFile(join(root, 'secret.txt'), 'secret');
    host = await startWebHost({
      rendererDir: renderer,
      stagingDir: staging,
      handlers: createHandlerTable(implementation()),
    });
  });

  afterAll(async () => {
    await host?.close();
  });

  it('serves the renderer with a content security policy, and nothing outside it', async () => {
    const res = await fetch(`http://127.0.0.1:${host.port}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await res.text()).toContain('<title>ok</title>');
    const escape = await rawRequest(host.port, {
      path: '/..%2fsecret.txt',
      headers: { host: `127.0.0.1:${host.port}` },
    });
    expect([403, 404]).toContain(escape.status);
    expect(escape.body).not.toContain('secret');
  });

  it('refuses requests addressed to another host name (DNS rebinding)', async () => {
    const res = await rawRequest(host.port, { path: '/', headers: { host: 'evil.example:80' } });
    expect(res.status).toBe(421);
  });

  it('carries calls over the WebSocket only with the launch token', async () => {
    const refused = new WebSocket(`ws://127.0.0.1:${host.port}/bridge?token=wrong`);
    const refusal = await new Promise<string>((resolve) => {
      refused.on('error', (error) => resolve(error.message));
      refused.on('open', () => resolve('opened'));
    });
    expect(refusal).toContain('401');

    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/bridge?token=${host.token}`);
    await new Promise((resolve, reject) => {
      ws.on('open', resolve);
      ws.on('error', reject);
    });
    const replies: unknown[] = [];
    ws.on('message', (data) => replies.push(JSON.parse(data.toString())));
    ws.send(
      JSON.stringify({ type: 'invoke', id: 7, channel: 'connections.list', args: undefined }),
    );
    ws.send(JSON.stringify({ type: 'invoke', id: 8, channel: 'no.such', args: {} }));
    host.broadcast('connections.status', { id: 'local' });
    await expect.poll(() => replies.length).toBe(3);
    expect(replies).toContainEqual({
      type: 'result',
      id: 7,
      ok: true,
      result: { answered: 'connections.list' },
    });
    expect(replies).toContainEqual({
      type: 'result',
      id: 8,
      ok: false,
      error: { code: 'unknown-channel', message: 'Unknown call no.such' },
    });
    expect(replies).toContainEqual({
      type: 'event',
      event: 'connections.status',
      payload: { id: 'local' },
    });
    ws.close();
  });

  it('stages uploaded files under a safe name, only with the token', async () => {
    const url = `http://127.0.0.1:${host.port}/stage?name=${encodeURIComponent('../../etc/passwd')}`;
    const denied = await fetch(url, { method: 'POST', body: 'x' });
    expect(denied.status).toBe(401);
    const bytes = Buffer.from('DICM-ish bytes');
    const res = await fetch(url, {
      method: 'POST',
      body: bytes,
      headers: { 'x-bridge-token': host.token },
    });
    expect(res.status).toBe(200);
    const ref = (await res.json()) as { path: string; name: string; size: number };
    expect(ref.size).toBe(bytes.length);
    expect(ref.name).toBe('../../etc/passwd');
    expect(ref.path.startsWith(staging)).toBe(true);
    expect(ref.path.endsWith('/passwd')).toBe(true);
    expect(await readFile(ref.path)).toEqual(bytes);
    expect((await readdir(staging)).length).toBe(1);
  });

  it('reduces hostile file names to one harmless path segment', () => {
    expect(safeFileName('../../etc/passwd')).toBe('passwd');
    expect(safeFileName('..\\..\\windows\\win.ini')).toBe('win.ini');
    expect(safeFileName('..')).toBe('file');
    expect(safeFileName('')).toBe('file');
    expect(safeFileName('.hidden')).toBe('hidden');
    expect(safeFileName('a\u0000b:c?.dcm')).toBe('a_b_c_.dcm');
    expect(safeFileName('x'.repeat(500)).length).toBe(200);
  });
});
