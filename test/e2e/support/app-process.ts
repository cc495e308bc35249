/** Starts the app exactly as `npm start` does (the built out/main/start.js) and stops it again. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface RunningApp {
  url: string;
  localboxApi: string;
  dataDir: string;
  output: string[];
  process: ChildProcess;
  stop(): Promise<number | null>;
}

const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 20_000;

export async function startApp(
  options: { dataDir?: string; args?: string[] } = {},
): Promise<RunningApp> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'sbx-e2e-data-')));
  const env = { ...process.env };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  const child = spawn(
    process.execPath,
    ['out/main/start.js', '--no-open', '--data', dataDir, ...(options.args ?? [])],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  child.stderr?.on('data', (chunk: Buffer) => output.push(...chunk.toString().split('\n')));

  const found = await new Promise<{ url: string; localboxApi: string }>((resolve, reject) => {
    let localboxApi = '';
    const timer = setTimeout(
      () => reject(new Error(`App did not print its URL in time:\n${output.join('\n')}`)),
      START_TIMEOUT_MS,
    );
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`App exited (code ${code}) before it was ready:\n${output.join('\n')}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      output.push(line);
      const box = /^Local box: (http:\/\/127\.0\.0\.1:\d+\/api)$/.exec(line);
      if (box?.[1]) localboxApi = box[1];
      if (/^http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+$/.test(line)) {
        clearTimeout(timer);
        resolve({ url: line, localboxApi });
      }
    });
  });

  return {
    ...found,
    dataDir,
    output,
    process: child,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timeout = new Promise<'timeout'>((resolve) =>
        setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS).unref(),
      );
      const result = await Promise.race([exited, timeout]);
      if (result === 'timeout') {
        child.kill('SIGKILL');
        throw new Error('App did not stop within 20 s of SIGTERM');
      }
      return result;
    },
  };
}
