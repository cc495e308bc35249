/**
 * The CLI as shipped: bundled with esbuild (ESM, packages external) with its worker beside it, and run as a child
 * process (the worker is found next to the bundle, as in out/main: the tests' worker variable is cleared).
 */
import { fork, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildCli } from './cli-support.js';
import { bigDeflatedCt } from './generated-files.js';
import { basic } from './support.js';

let BUNDLE: string;
let dataDir: string;
const env = { ...process.env, SLICEBOX_LOCALBOX_WORKER: '' };

beforeAll(async () => {
  BUNDLE = await buildCli('localbox-cli-test');
  dataDir = mkdtempSync(join(tmpdir(), 'localbox-cli-'));
});
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((r) => child.once('exit', (code) => r(code)));
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((r, reject) => {
    let buf = '';
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) r(buf.slice(0, nl));
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before printing: ${buf}`)));
  });
}

test('prints the ready line, serves the API with the configured superuser, stops on SIGTERM with 0', async () => {
  const child = spawn(
    process.execPath,
    [BUNDLE, '--port', '0', '--data', dataDir, '--user', 'boss', '--password', 'pw'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    },
  );
  const exited = exitOf(child);
  const line = await firstLine(child);
  const m = /^Local box ready at (http:\/\/127\.0\.0\.1:(\d+))$/.exec(line);
  expect(m, line).not.toBeNull();
  const url = m?.[1] as string;
  expect(
    (await fetch(`${url}/api/users`, { headers: { authorization: basic('boss', 'pw') } })).status,
  ).toBe(200);
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
});

test('sends {type: ready, url} over IPC when forked; SIGINT stops it with 0', async () => {
  const child = fork(BUNDLE, ['--port', '0', '--data', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env,
  });
  const exited = exitOf(child);
  const message = await new Promise<{ type: string; url: string }>((r) =>
    child.once('message', (msg) => r(msg as never)),
  );
  expect(message.type).toBe('ready');
  expect((await fetch(`${message.url}/api/system/health`)).status).toBe(200);
  child.kill('SIGINT');
  expect(await exited).toBe(0);
});

test('POST /api/system/stop ends a forked engine with 0, IPC channel and all', async () => {
  const child = fork(BUNDLE, ['--port', '0', '--data', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env,
  });
  const exited = exitOf(child);
  const message = await new Promise<{ type: string; url: string }>((r) =>
    child.once('message', (msg) => r(msg as never)),
  );
  const res = await fetch(`${message.url}/api/system/stop`, {
    method: 'POST',
    headers: { authorization: basic('admin', 'admin') },
  });
  expect(res.status).toBe(200);
  expect(await exited).toBe(0);
});

test('budget flags reach the engine: --max-inflated-mb 1 refuses a 2 MiB deflated dataset, naming the limit', async () => {
  const child = spawn(
    process.execPath,
    [BUNDLE, '--port', '0', '--data', dataDir, '--max-inflated-mb', '1', '--workers', '1'],
    { stdio: ['ignore', 'pipe', 'pipe'], env },
  );
  const exited = exitOf(child);
  const url = /(http:\/\/\S+)/.exec(await firstLine(child))?.[1] as string;
  const res = await fetch(`${url}/api/images`, {
    method: 'POST',
    headers: { authorization: basic('admin', 'admin') },
    body: bigDeflatedCt(1024, 1024),
  });
  expect(res.status).toBe(400);
  expect(await res.text()).toBe(
    'Invalid DICOM data: the inflated dataset is larger than the limit of 1 MiB (--max-inflated-mb)',
  );
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
});

test('login and DICOM flags reach the box: --login-max-failures 2 answers 429 at the third wrong password', async () => {
  const child = spawn(
    process.execPath,
    [
      BUNDLE,
      '--port',
      '0',
      '--data',
      dataDir,
      '--login-max-failures',
      '2',
      '--login-window-s',
      '60',
      '--dicom-idle-timeout-s',
      '5',
      '--dicom-max-associations',
      '4',
      '--dicom-max-dataset-mb',
      '64',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env },
  );
  const exited = exitOf(child);
  const url = /(http:\/\/\S+)/.exec(await firstLine(child))?.[1] as string;
  const statuses: number[] = [];
  for (const password of ['wrong-1', 'wrong-2', 'wrong-3']) {
    const res = await fetch(`${url}/api/users`, {
      headers: { authorization: basic('admin', password) },
    });
    statuses.push(res.status);
    if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    await res.text();
  }
  expect(statuses).toEqual([401, 401, 429]);
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
});

test.each([
  [['--port', 'abc']],
  [['--port', '70000']],
  [['--nope']],
  [['positional']],
  [['--dicom-host', ' ']],
  [['--public-url', 'not a url']],
  [['--workers', '0']],
  [['--workers', 'two']],
  [['--max-inflated-mb', '-1']],
  [['--job-timeout-s', '1.5']],
  [['--worker-heap-mb', '']],
  [['--login-max-failures', '0']],
  [['--dicom-max-dataset-mb', 'big']],
])('bad arguments %j → exit 2', async (args) => {
  const child = spawn(process.execPath, [BUNDLE, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  expect(await exitOf(child)).toBe(2);
  expect(stderr).toMatch(/^localbox: /);
});
