/**
 * A second local box started as its own process (`node out/main/localbox.js`, admin/admin) that the
 * connection and offline tests use as the "remote Slicebox server", and an HTTP upload into it.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface RemoteBox {
  url: string;
  port: number;
  dataDir: string;
  /** SIGKILL: the server is simply gone, as when a machine or network drops. */
  kill(): Promise<void>;
}

export async function startRemoteBox(
  options: { port?: number; dataDir?: string } = {},
): Promise<RemoteBox> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'sbx-e2e-remote-')));
  const child = spawn(
    process.execPath,
    ['out/main/localbox.js', '--port', String(options.port ?? 0), '--data', dataDir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`Remote box did not start:\n${output.join('')}`)),
      30_000,
    );
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`Remote box exited at start:\n${output.join('')}`));
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      output.push(line);
      const match = /^Local box ready at (http:\/\/\S+)$/.exec(line);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1].replace(/\/+$/, ''));
      }
    });
  });
  return {
    url,
    port: Number(new URL(url).port),
    dataDir,
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

export const ADMIN_AUTH = 'Basic ' + Buffer.from('admin:admin').toString('base64');

/** `POST /api/images` with a file's bytes, as any Slicebox client would upload. */
export async function uploadTo(box: RemoteBox, path: string): Promise<void> {
  const res = await fetch(`${box.url}/api/images`, {
    method: 'POST',
    headers: { authorization: ADMIN_AUTH, 'content-type': 'application/octet-stream' },
    body: await readFile(path),
  });
  if (res.status !== 201 && res.status !== 200) {
    throw new Error(`Upload of ${path} answered ${res.status}: ${await res.text()}`);
  }
}
