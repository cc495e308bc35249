/** The CLI as shipped: bundled with esbuild (ESM, packages external) and run as a child process. */
import { fork, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { basic } from './support.js';

const ROOT = resolve(import.meta.dirname, '../..');
// Inside node_modules so the bundle resolves its external packages like out/main/localbox.js does.
const OUT_DIR = join(ROOT, 'node_modules', '.cache', 'localbox-cli-test');
const BUNDLE = join(OUT_DIR, 'localbox.js');
let dataDir: string;

beforeAll(async () => {
  mkdirSync(OUT_DIR, { recursive: true });
  await build({
    entryPoints: [join(ROOT, 'src-main/localbox/cli.ts')],
    outfile: BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'silent',
  });
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

test.each([
  [['--port', 'abc']],
  [['--port', '70000']],
  [['--nope']],
  [['positional']],
  [['--dicom-host', ' ']],
  [['--public-url', 'not a url']],
])('bad arguments %j → exit 2', async (args) => {
  const child = spawn(process.execPath, [BUNDLE, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  expect(await exitOf(child)).toBe(2);
  expect(stderr).toMatch(/^localbox: /);
});
