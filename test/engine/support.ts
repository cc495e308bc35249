/** Helpers for engine tests: a real local box on 127.0.0.1 over real HTTP, with a fresh data directory. */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalbox } from '../../src-main/localbox/server.js';
import type { Localbox, LocalboxOptions } from '../../src-main/localbox/server.js';

export const TESTDATA = '/work/shared/testdata/dicom';
export const PYDICOM = join(TESTDATA, 'pydicom');

export function testFile(name: string): Buffer {
  return readFileSync(name.startsWith('/') ? name : join(TESTDATA, name));
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export const ADMIN = { user: 'admin', pass: 'admin' };

export function basic(user: string, pass: string): string {
  return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
}

export interface TestBox {
  box: Localbox;
  dataDir: string;
  url(path: string): string;
  /** fetch with admin Basic auth unless `auth: null` or another header is given. */
  api(path: string, init?: RequestInit & { auth?: string | null }): Promise<Response>;
  json<T>(path: string, init?: RequestInit & { auth?: string | null }): Promise<T>;
  upload(
    path: string,
    data: Uint8Array,
    opts?: { multipart?: string; auth?: string | null },
  ): Promise<Response>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export function newDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'localbox-test-'));
}

export async function startTestBox(
  options: Partial<LocalboxOptions> = {},
  dataDir = newDataDir(),
): Promise<TestBox> {
  let box = await startLocalbox({ dataDir, port: 0, ...options });
  const t: TestBox = {
    get box() {
      return box;
    },
    dataDir,
    url: (path) => `${box.url}${path}`,
    api(path, init = {}) {
      const { auth, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (auth !== null && !headers.has('authorization'))
        headers.set('authorization', auth ?? basic(ADMIN.user, ADMIN.pass));
      return fetch(`${box.url}${path}`, { ...rest, headers });
    },
    async json<T>(path: string, init?: RequestInit & { auth?: string | null }): Promise<T> {
      const res = await t.api(path, init);
      if (!res.ok) throw new Error(`${path} → ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    },
    upload(path, data, opts = {}) {
      if (opts.multipart !== undefined) {
        const form = new FormData();
        form.append(opts.multipart, new Blob([data]), 'upload.dcm');
        return t.api(path, { method: 'POST', body: form, auth: opts.auth });
      }
      return t.api(path, {
        method: 'POST',
        body: data,
        headers: { 'content-type': 'application/octet-stream' },
        auth: opts.auth,
      });
    },
    async restart() {
      await box.close();
      box = await startLocalbox({ dataDir, port: 0, ...options });
    },
    async stop() {
      await box.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return t;
}

/** A request with exact control over headers (fetch always adds a User-Agent). */
export function rawRequest(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<{ status: number; headers: import('node:http').IncomingHttpHeaders; body: string }> {
  return import('node:http').then(
    (http) =>
      new Promise((resolvePromise, reject) => {
        const req = http.request(
          url,
          { method: opts.method ?? 'GET', headers: opts.headers ?? {} },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolvePromise({
                status: res.statusCode ?? 0,
                headers: res.headers,
                body: Buffer.concat(chunks).toString('utf8'),
              }),
            );
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        if (opts.body !== undefined) req.write(opts.body);
        req.end();
      }),
  );
}

/** Expected outcomes per file, read from the test-data READMEs (columns: upload, import). */
export function expectedOutcomes(): Array<{ file: string; upload: number; importSession: number }> {
  const rows: Array<{ file: string; upload: number; importSession: number }> = [
    { file: join(TESTDATA, 'test.dcm'), upload: 201, importSession: 201 },
    { file: join(TESTDATA, 'sc.dcm'), upload: 201, importSession: 400 },
    { file: join(TESTDATA, 'invalid.dcm'), upload: 400, importSession: 400 },
    { file: join(TESTDATA, 'cat.jpg'), upload: 400, importSession: 400 },
  ];
  const readme = readFileSync(join(PYDICOM, 'README.md'), 'utf8');
  for (const line of readme.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const name = /^`([^`]+\.dcm)`$/.exec(cells[1] ?? '')?.[1];
    if (!name) continue;
    const upload = Number(/^(\d{3})/.exec(cells[8] ?? '')?.[1]);
    const importSession = Number(/^(\d{3})/.exec(cells[9] ?? '')?.[1]);
    if (!upload || !importSession) throw new Error(`cannot read expected outcome for ${name}`);
    rows.push({ file: join(PYDICOM, name), upload, importSession });
  }
  return rows;
}
