/**
 * What `npm start` prints is for people: the build that runs first prints no bundler noise (the `[EVAL]`
 * warnings about dcmjs-imaging's own code, rolldown's plugin timings), only its one-line summary, and the
 * app then says what it is and where to open it. The build goes to a temporary folder, so the app other
 * tests run from out/ is left alone.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from './support/app-process.js';

const BUILD_TIMEOUT_MS = 170_000;

function run(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`build did not finish in time:\n${output}`));
    }, BUILD_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('npm start output', () => {
  let outDir: string | undefined;
  let app: RunningApp | undefined;

  afterAll(async () => {
    if (app) expect(await app.stop()).toBe(0);
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it('the build prints its summary and no [EVAL] or plugin-timing warnings', async () => {
    outDir = await mkdtemp(join(tmpdir(), 'sbx-build-'));
    const { code, output } = await run(['scripts/build.mjs', '--out-dir', outDir]);
    expect(code, output).toBe(0);
    expect(output).not.toMatch(/\[EVAL\]/);
    expect(output).not.toMatch(/PLUGIN_TIMINGS|JavaScript callbacks ran for/);
    expect(output).not.toMatch(/direct `eval`/);
    expect(output.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^Built app into ${outDir}/ in \\d+ ms$`)),
    ]);
    // The build really happened, renderer (with the decoding worker) included.
    expect(existsSync(join(outDir, 'renderer', 'index.html'))).toBe(true);
    expect(existsSync(join(outDir, 'main', 'start.js'))).toBe(true);
  });

  it('the app names itself, says it is ready, where its data is and which address to open', async () => {
    app = await startApp();
    const lines = app.output.filter((line) => line.trim() !== '');
    expect(lines[0]).toMatch(/^Slicebox Desktop \d+\.\d+\.\d+$/);
    const ready = lines.indexOf('Ready.');
    expect(ready).toBeGreaterThan(0);
    const after = lines.slice(ready + 1);
    expect(after[0]).toBe(`Data folder: ${app.dataDir}`);
    expect(after).toContain(`Local box: ${app.localboxApi}`);
    expect(after).toContain(app.url);
  });
});
