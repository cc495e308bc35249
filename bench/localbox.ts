/**
 * The local box, run as the product runs it: `out/main/localbox.js` in its own Node process on a temporary
 * data folder, port 0 on 127.0.0.1; the URL comes from its `Local box ready at …` line.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { basicAuth } from './http.js';
import { stopChild } from './process.js';

export interface LocalboxServer {
  url: string;
  pid: number;
  auth: string;
  user: string;
  password: string;
  dataDir: string;
  /** Where the stored DICOM file of an image id is. */
  fileOf(imageId: number): string;
  stop(): Promise<void>;
}

/** `out/main/localbox.js`, next to this bundle's folder (`out/bench/run.js`). */
export function localboxScript(): string {
  return fileURLToPath(new URL('../main/localbox.js', import.meta.url));
}

export async function startLocalbox(
  dataDir: string,
  options: { startTimeoutMs?: number; profileDir?: string } = {},
): Promise<LocalboxServer> {
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const profile = options.profileDir ? ['--cpu-prof', '--cpu-prof-dir', options.profileDir] : [];
  const script = localboxScript();
  if (!existsSync(script))
    throw new Error(`${script} is missing: run \`npm run bench\` (it builds it first)`);
  await mkdir(dataDir, { recursive: true });
  const user = 'bench';
  const password = 'bench-' + Math.random().toString(36).slice(2);
  const child = spawn(
    process.execPath,
    [
      ...profile,
      script,
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--data',
      dataDir,
      '--user',
      user,
      '--password',
      password,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => fail(new Error(`local box not ready within ${startTimeoutMs} ms`)),
      startTimeoutMs,
    );
    const fail = (error: Error) => {
      clearTimeout(timer);
      void stopChild(child).then(() => reject(error));
    };
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /Local box ready at (http:\/\/\S+)/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) =>
      fail(new Error(`local box exited with ${code} at start: ${stderr.trim()}`)),
    );
    child.once('error', (e) => fail(e));
  });
  child.stdout?.resume();
  return {
    url,
    pid: child.pid as number,
    auth: basicAuth(user, password),
    user,
    password,
    dataDir,
    fileOf: (imageId) => join(dataDir, 'dicom', String(imageId)),
    stop: () => stopChild(child, 15_000),
  };
}
