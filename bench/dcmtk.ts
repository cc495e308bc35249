/**
 * dcmtk's `storescu` and `storescp` for the `dicom` section: finding them, one timed `storescu` run (one
 * association), and a `storescp` receiver on a free port. Every dcmtk process gets env `TCP_NODELAY=1`
 * (without it each C-STORE waits ~45 ms for a delayed ACK). Every wait is bounded; only processes started here
 * are ever stopped, by their own handle.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { exited, freePort, sleep, stopChild, within } from './process.js';

export interface Dcmtk {
  storescu: string;
  storescp: string;
  /** e.g. `storescu v3.6.7 2022-04-22`. */
  version: string;
}

export const DCMTK_HELP =
  'dcmtk (storescu, storescp) is not installed, so the dicom section is skipped. On Debian/Ubuntu: ' +
  '`sudo apt-get install -y dcmtk`; elsewhere https://dicom.offis.de/dcmtk, with its tools on the PATH or ' +
  'DCMTK_DIR=/folder/with/the/tools.';

const DCMTK_ENV = { ...process.env, TCP_NODELAY: '1' };

/** storescu and storescp, or undefined when either is missing (`DCMTK_DIR`, when set, is the only place looked). */
export function findDcmtk(): Dcmtk | undefined {
  const dir = process.env.DCMTK_DIR;
  const bin = (name: string) => (dir ? join(dir, name) : name);
  const probe = (path: string) =>
    spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  const scu = probe(bin('storescu'));
  if (scu.status !== 0 || probe(bin('storescp')).status !== 0) return undefined;
  const version = /storescu v\S+ \S+/.exec(scu.stdout)?.[0] ?? '?';
  return { storescu: bin('storescu'), storescp: bin('storescp'), version };
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port (bounded). */
export async function waitForListener(port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.setTimeout(1_000, () => socket.destroy());
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
      socket.once('close', () => resolve(false));
    });
    if (up) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port}`);
    await sleep(50);
  }
}

/** Number of regular files in `dir` (what storescp has written). */
export async function countFiles(dir: string): Promise<number> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).length;
}

/**
 * Polls `count()` every 10 ms until it reaches `n`; returns the seconds waited. Throws after `timeoutMs`
 * with what was last counted.
 */
export async function waitForCount(
  what: string,
  n: number,
  count: () => Promise<number>,
  timeoutMs = 60_000,
): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const last = await count();
    if (last >= n) return (performance.now() - t0) / 1000;
    if (performance.now() - t0 > timeoutMs)
      throw new Error(`${what}: ${last} of ${n} after ${timeoutMs} ms`);
    await sleep(10);
  }
}

function tail(child: ChildProcess): () => string {
  let text = '';
  const keep = (chunk: Buffer) => (text = (text + chunk.toString()).slice(-2000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => text.trim();
}

/**
 * `storescu +sd <dir>`: every file of `dir` in ONE association to 127.0.0.1:port. Resolves with the seconds from
 * spawn to exit; rejects on a non-zero exit, a spawn error, or after `timeoutMs` (the child is then killed).
 */
export async function storescu(
  tools: Dcmtk,
  options: { port: number; calledAe: string; callingAe?: string; dir: string; timeoutMs?: number },
): Promise<number> {
  const timeoutMs = options.timeoutMs ?? 300_000;
  const args = [
    '-aet',
    options.callingAe ?? 'BENCHSCU',
    '-aec',
    options.calledAe,
    '+sd', // scan the folder given below
    '127.0.0.1',
    String(options.port),
    options.dir,
  ];
  const t0 = performance.now();
  const child = spawn(tools.storescu, args, {
    env: DCMTK_ENV,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = tail(child);
  let spawnError: Error | undefined;
  child.once('error', (e) => (spawnError = e));
  const finished = await within(exited(child), timeoutMs);
  const seconds = (performance.now() - t0) / 1000;
  if (!finished) {
    await stopChild(child, 2_000);
    throw new Error(`storescu did not finish within ${timeoutMs} ms: ${output()}`);
  }
  if (spawnError) throw spawnError;
  if (child.exitCode !== 0)
    throw new Error(`storescu exited with ${child.exitCode ?? child.signalCode}: ${output()}`);
  return seconds;
}

export interface StoreScp {
  port: number;
  aeTitle: string;
  outDir: string;
  /** Files written so far. */
  count(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * `storescp +xa -od <outDir> <port>` on a free port, waited for until it accepts connections. storescp has no
 * bind-address option: it listens on all interfaces (a local peer of the benchmark only, for its lifetime).
 */
export async function startStorescp(
  tools: Dcmtk,
  outDir: string,
  aeTitle = 'STORESCP',
): Promise<StoreScp> {
  await mkdir(outDir, { recursive: true });
  const port = await freePort();
  const child = spawn(tools.storescp, ['-aet', aeTitle, '+xa', '-od', outDir, String(port)], {
    env: DCMTK_ENV,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = tail(child);
  let spawnError: Error | undefined;
  child.once('error', (e) => (spawnError = e));
  try {
    await waitForListener(port);
  } catch (e) {
    await stopChild(child, 2_000);
    throw new Error(
      `storescp did not start: ${spawnError?.message ?? (e as Error).message} ${output()}`,
      { cause: e },
    );
  }
  return {
    port,
    aeTitle,
    outDir,
    count: () => countFiles(outDir),
    stop: () => stopChild(child, 5_000),
  };
}
