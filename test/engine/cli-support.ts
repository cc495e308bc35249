/**
 * The local box CLI as shipped, for tests that run it as a child process: `localbox.js` and its worker bundle
 * `localbox-worker.js` side by side, bundled from the current sources as scripts/build.mjs bundles out/main.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const ROOT = resolve(import.meta.dirname, '../..');

/** Bundles the CLI and its worker into `node_modules/.cache/<name>/`; returns the path of `localbox.js`. */
export async function buildCli(name: string): Promise<string> {
  // Inside node_modules so the bundle resolves its external packages like out/main/localbox.js does.
  const outdir = join(ROOT, 'node_modules', '.cache', name);
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: {
      localbox: join(ROOT, 'src-main/localbox/cli.ts'),
      'localbox-worker': join(ROOT, 'src-main/localbox/codec/worker.ts'),
    },
    outdir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'silent',
  });
  return join(outdir, 'localbox.js');
}

export interface CliBox {
  child: ChildProcess;
  url: string;
  /** Resolves with the exit code (or the signal's name) when the process has exited. */
  exited: Promise<number | string | null>;
  stderr(): string;
}

/** Starts the bundled CLI and waits for its ready line (bounded). */
export function startCli(bundle: string, args: string[], timeoutMs = 60_000): Promise<CliBox> {
  const child = spawn(process.execPath, [bundle, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SLICEBOX_LOCALBOX_WORKER: '' },
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
  const exited = new Promise<number | string | null>((r) =>
    child.once('exit', (code, signal) => r(code ?? signal)),
  );
  return new Promise((resolvePromise, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the local box did not start within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Local box ready at (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolvePromise({ child, url: m[1] as string, exited, stderr: () => stderr });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the local box exited with ${String(code)} before it was ready: ${stderr}`));
    });
  });
}
