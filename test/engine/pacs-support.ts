/**
 * Real PACS peers for the query/retrieve tests: Orthanc (Debian) and dcmtk's dcmqrscp, each in a temp folder on
 * random ports, loaded with test files, stopped by the handle that started them (bounded waits). Missing tools
 * make the tests fail with the command that installs them: nothing is skipped silently (.ci/run installs both).
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { findOrthanc, startOrthanc } from '../../bench/orthanc.js';
import type { OrthancServer } from '../../bench/orthanc.js';
import type { XRetrieveJob } from '../../src-main/slicebox/types.js';
import { canConnect, datasetBytes, freePort, run, waitFor } from './dimse-support.js';
import { sha256 } from './support.js';
import type { TestBox } from './support.js';

export type { OrthancServer };

const DCMTK_ENV = { ...process.env, TCP_NODELAY: '1' };

/** Throws (the test fails) when Orthanc or the dcmtk tools are missing, naming what to install. */
export function requirePeerTools(): { orthanc: string } {
  const orthanc = findOrthanc();
  const missing = ['dcmqrscp', 'storescu', 'dcmdump', 'dcmconv'].filter(
    (tool) => spawnSync(tool, ['--version']).status !== 0,
  );
  if (!orthanc) missing.unshift('Orthanc');
  if (missing.length > 0 || !orthanc) {
    throw new Error(
      `The PACS query/retrieve tests need real peers, missing: ${missing.join(', ')}. ` +
        'Install them with `apt-get install -y orthanc dcmtk` (.ci/run does).',
    );
  }
  return { orthanc };
}

/** Orthanc with its DICOM server on, the called AE checked, and `modalities` as DicomModalities. */
export function startOrthancPeer(
  bin: string,
  dir: string,
  modalities: Record<string, [string, string, number]>,
): Promise<OrthancServer> {
  return startOrthanc(bin, dir, {
    dicom: true,
    config: { DicomCheckCalledAet: true, DicomModalities: modalities },
  });
}

async function orthancRequest(
  o: OrthancServer,
  method: string,
  path: string,
  body?: Buffer | string,
): Promise<Response> {
  return fetch(`${o.url}${path}`, {
    method,
    headers: { authorization: o.auth },
    ...(body === undefined ? {} : { body }),
    signal: AbortSignal.timeout(30_000),
  });
}

/** `POST /instances`; returns Orthanc's instance id. */
export async function orthancUpload(o: OrthancServer, bytes: Buffer): Promise<string> {
  const res = await orthancRequest(o, 'POST', '/instances', bytes);
  expect(res.status, 'Orthanc POST /instances').toBe(200);
  return ((await res.json()) as { ID: string }).ID;
}

/** Uploads `files` with a few requests in flight. */
export async function orthancUploadAll(o: OrthancServer, files: Buffer[]): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) await orthancUpload(o, files[next++]!);
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}

/** The file Orthanc stores for the instance with this SOP Instance UID. */
export async function orthancFile(o: OrthancServer, sopInstanceUid: string): Promise<Buffer> {
  const found = (await (
    await orthancRequest(o, 'POST', '/tools/lookup', sopInstanceUid)
  ).json()) as Array<{ ID: string; Type: string }>;
  const instance = found.find((f) => f.Type === 'Instance');
  if (!instance) throw new Error(`Orthanc has no instance ${sopInstanceUid}`);
  return Buffer.from(
    await (await orthancRequest(o, 'GET', `/instances/${instance.ID}/file`)).arrayBuffer(),
  );
}

/** Adds (or changes) a DicomModalities entry through the REST API. */
export async function orthancPutModality(
  o: OrthancServer,
  name: string,
  aeTitle: string,
  port: number,
): Promise<void> {
  const res = await orthancRequest(
    o,
    'PUT',
    `/modalities/${name}`,
    JSON.stringify({ AET: aeTitle, Host: '127.0.0.1', Port: port }),
  );
  expect(res.status, 'Orthanc PUT /modalities').toBe(200);
}

/** dcmqrscp: AE title `DCMQR`, one storage area, the move destinations of `hosts`. */
export interface Dcmqrscp {
  port: number;
  aeTitle: string;
  /** Restarts with another HostTable (the storage stays). */
  restart(hosts: Array<{ aeTitle: string; port: number }>): Promise<void>;
  stop(): Promise<void>;
}

function dcmqrscpConfig(
  port: number,
  storage: string,
  hosts: Array<{ aeTitle: string; port: number }>,
): string {
  return [
    `NetworkTCPPort = ${port}`,
    'MaxPDUSize = 16384',
    'MaxAssociations = 16',
    '',
    'HostTable BEGIN',
    ...hosts.map((h, i) => `dest${i} = (${h.aeTitle}, 127.0.0.1, ${h.port})`),
    'HostTable END',
    '',
    'VendorTable BEGIN',
    'VendorTable END',
    '',
    'AETable BEGIN',
    `DCMQR ${storage} RW (10000, 1024mb) ANY`,
    'AETable END',
    '',
  ].join('\n');
}

/**
 * dcmqrscp in its default (forking) mode (its single-process mode crashes after an association in dcmtk 3.6.7).
 * It binds all interfaces on a random port, for the test's lifetime.
 */
export async function startDcmqrscp(
  dir: string,
  hosts: Array<{ aeTitle: string; port: number }>,
): Promise<Dcmqrscp> {
  const storage = join(dir, 'storage');
  mkdirSync(storage, { recursive: true });
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async (h: Array<{ aeTitle: string; port: number }>): Promise<void> => {
    const config = join(dir, 'dcmqrscp.cfg');
    writeFileSync(config, dcmqrscpConfig(port, storage, h));
    child = spawn('dcmqrscp', ['-c', config, String(port)], {
      env: DCMTK_ENV,
      stdio: 'ignore',
    });
    await waitFor(() => canConnect(port), 15_000, 'dcmqrscp to listen');
  };
  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
    await waitFor(async () => !(await canConnect(port)), 10_000, 'dcmqrscp to stop');
  };
  await start(hosts);
  return {
    port,
    aeTitle: 'DCMQR',
    restart: async (h) => {
      await stop();
      await start(h);
    },
    stop,
  };
}

/** Sends `paths` (files, or `+sd` folders) to dcmqrscp with storescu in one association. */
export async function loadDcmqrscp(q: Dcmqrscp, args: string[]): Promise<void> {
  const r = await run(
    'storescu',
    ['-aet', 'LOADER', '-aec', q.aeTitle, '127.0.0.1', String(q.port), ...args],
    120_000,
  );
  expect(r.code, `storescu → dcmqrscp: ${r.stderr}`).toBe(0);
}

/** Polls a retrieve job until `done(job)` (bounded); returns the last job seen. */
export async function waitForJob(
  t: TestBox,
  id: number,
  done: (job: XRetrieveJob) => boolean,
  timeoutMs = 60_000,
): Promise<XRetrieveJob> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const job = await t.json<XRetrieveJob>(`/api/x-desktop/pacs/retrieves/${id}`);
    if (done(job)) return job;
    if (Date.now() > end)
      throw new Error(`retrieve ${id} did not get there in time: ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A retrieve job has ended (any final status). */
export const finished = (job: XRetrieveJob): boolean =>
  ['completed', 'partial', 'failed', 'cancelled', 'interrupted'].includes(job.status);

/**
 * What a sender built on dcmtk (Orthanc, dcmqrscp) puts on the wire for a stored file: the dataset re-encoded with
 * explicit sequence and item lengths and without trailing padding, i.e. `dcmconv +e -p` of the file (checked
 * against Orthanc 1.10's C-STORE bytes captured at a receiver: identical). The PACS's stored file itself differs
 * from that wherever it has undefined-length sequences or trailing padding.
 */
export async function dcmtkWireBytes(file: Buffer, scratchDir: string): Promise<Buffer> {
  const input = join(scratchDir, `wire-in-${process.hrtime.bigint()}.dcm`);
  const output = `${input}.out`;
  writeFileSync(input, file);
  const r = await run('dcmconv', ['+e', '-p', input, output]);
  expect(r.code, `dcmconv: ${r.stderr}`).toBe(0);
  const bytes = readFileSync(output);
  rmSync(input, { force: true });
  rmSync(output, { force: true });
  return bytes;
}

/** `stored` holds exactly the dataset of `expected` (each file has its own file meta). */
export function expectSameDataset(stored: Buffer, expected: Buffer, what: string): void {
  const a = datasetBytes(stored);
  const b = datasetBytes(expected);
  expect(a.length, what).toBeGreaterThan(0);
  expect(a.length, what).toBe(b.length);
  expect(sha256(a), what).toBe(sha256(b));
}
