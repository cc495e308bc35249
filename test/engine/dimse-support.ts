/** Helpers for the SCP/SCU tests: free ports, bounded child processes (dcmtk), DICOM dataset bytes. */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { parseFileMeta } from '../../src-main/localbox/dimse/part10.js';
import { freePort } from '../fixtures/free-port.js';

export { freePort };

const DCMTK_TOOLS = ['storescp', 'storescu', 'dcmsend', 'echoscu', 'dcmdump', 'dcmodify'];

/** The dcmtk tools the peer tests need that are not installed (empty when all are there). */
export function missingDcmtkTools(): string[] {
  return DCMTK_TOOLS.filter((tool) => spawnSync(tool, ['--version']).status !== 0);
}

/** dcmtk waits ~40 ms per PDU for a delayed ACK without this (STACK.md). */
const DCMTK_ENV = { ...process.env, TCP_NODELAY: '1' };

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, killing it after `timeoutMs`. */
export function run(cmd: string, args: string[], timeoutMs = 30_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: DCMTK_ENV });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A long-running peer (storescp) started by a test and stopped by `stop()`. */
export interface Peer {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export function startPeer(cmd: string, args: string[]): Peer {
  const child = spawn(cmd, args, { env: DCMTK_ENV });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Waits until `probe` resolves true, at most `timeoutMs`. */
export async function waitFor(
  probe: () => Promise<boolean> | boolean,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The dataset bytes of a Part 10 file (everything after the file meta information). */
export function datasetBytes(file: Buffer): Buffer {
  const meta = parseFileMeta(file);
  if (meta === 'need-more') throw new Error('truncated file meta');
  return file.subarray(meta.datasetOffset);
}

export function fileMetaOf(file: Buffer): { transferSyntaxUid: string; sopInstanceUid: string } {
  const meta = parseFileMeta(file);
  if (meta === 'need-more') throw new Error('truncated file meta');
  return meta;
}

/** POST/PUT a JSON body through the test box (admin unless `auth` is given). */
export function postJson(
  t: { api(path: string, init?: RequestInit & { auth?: string | null }): Promise<Response> },
  path: string,
  body: unknown,
  auth?: string | null,
): Promise<Response> {
  return t.api(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...(auth !== undefined ? { auth } : {}),
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(2000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
