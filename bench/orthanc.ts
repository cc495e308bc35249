/**
 * Orthanc, the peer: started from the benchmark with a temporary config and storage, HTTP on a random free
 * port with remote access off (Orthanc 1.10 binds 0.0.0.0 and has no bind-address option, so
 * `RemoteAccessAllowed: false` is what keeps it to loopback), authentication on, the DICOM server disabled
 * (and its port set to a random high one anyway) unless `dicom: true` (the `dicom` section: enabled, AE title
 * `ORTHANC`, stores accepted from any calling AE, called AE not checked; both Orthanc's defaults, set explicitly),
 * no plugins, no saved jobs. Everything else is Orthanc's
 * default, as a user would run it (notably `SyncStorageArea: true`, i.e. fsync per stored file, like the
 * local box).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { basicAuth, request } from './http.js';
import { freePort, sleep, stopChild } from './process.js';

export interface OrthancServer {
  url: string;
  pid: number;
  auth: string;
  version: string;
  storageDir: string;
  /** Orthanc's DICOM port; its C-STORE SCP listens there only when started with `dicom: true`. */
  dicomPort: number;
  aeTitle: string;
  stop(): Promise<void>;
}

export const ORTHANC_HELP =
  'Orthanc is not installed, so the Orthanc lines are skipped. On Debian/Ubuntu: `sudo apt-get install -y orthanc` ' +
  '(the benchmark starts it by itself; the package does not need to run as a service). Elsewhere: ' +
  'https://www.orthanc-server.com/download.php, with `Orthanc` on the PATH or ORTHANC_BIN=/path/to/Orthanc.';

/** The Orthanc binary, or undefined when it is not installed. */
export function findOrthanc(): string | undefined {
  // ORTHANC_BIN, when set, is the only candidate (e.g. ORTHANC_BIN=none: local-box lines only).
  const env = process.env.ORTHANC_BIN;
  const candidates = env ? [env] : ['Orthanc', '/usr/sbin/Orthanc'];
  for (const bin of candidates) {
    const probe = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 10_000 });
    if (probe.status === 0) return bin;
  }
  return undefined;
}

export async function startOrthanc(
  bin: string,
  dir: string,
  options: {
    startTimeoutMs?: number;
    dicom?: boolean;
    /** Further configuration, over the defaults above (e.g. `DicomModalities`, `DicomCheckCalledAet`). */
    config?: Record<string, unknown>;
  } = {},
): Promise<OrthancServer> {
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const aeTitle = 'ORTHANC';
  const root = resolve(dir);
  await mkdir(join(root, 'storage'), { recursive: true });
  await mkdir(join(root, 'index'), { recursive: true });
  const httpPort = await freePort();
  const dicomPort = await freePort();
  const user = 'bench';
  const password = 'bench-' + Math.random().toString(36).slice(2);
  const config = {
    Name: 'SliceboxBenchOrthanc',
    StorageDirectory: join(root, 'storage'),
    IndexDirectory: join(root, 'index'),
    HttpPort: httpPort,
    DicomPort: dicomPort,
    DicomServerEnabled: options.dicom ?? false,
    DicomAet: aeTitle,
    // Orthanc's defaults, spelled out: any calling AE may store (no DicomModalities entry needed for C-STORE), and
    // the called AE is not checked.
    DicomAlwaysAllowStore: true,
    DicomCheckCalledAet: false,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: true,
    RegisteredUsers: { [user]: password },
    SaveJobs: false,
    Plugins: [],
    TcpNoDelay: true,
    KeepAlive: true,
    ...options.config,
  };
  const configPath = join(root, 'orthanc.json');
  await writeFile(configPath, JSON.stringify(config, null, 2));
  const log = openSync(join(root, 'orthanc.log'), 'a');
  let child: ChildProcess;
  try {
    child = spawn(bin, [configPath], {
      env: { ...process.env, TCP_NODELAY: '1' },
      stdio: ['ignore', log, log],
    });
  } finally {
    closeSync(log);
  }
  const url = `http://127.0.0.1:${httpPort}`;
  const auth = basicAuth(user, password);
  const deadline = Date.now() + startTimeoutMs;
  let spawnError: Error | undefined;
  child.on('error', (e) => (spawnError = e));
  const probe = async (): Promise<string | undefined> => {
    try {
      const res = await request('GET', `${url}/system`, {
        headers: { authorization: auth },
        timeoutMs: 2_000,
      });
      if (res.status === 200)
        return (JSON.parse(res.body.toString()) as { Version?: string }).Version ?? '?';
    } catch {
      // not up yet
    }
    return undefined;
  };
  let version: string | undefined;
  while ((version = await probe()) === undefined) {
    if (spawnError || child.exitCode !== null) {
      throw new Error(
        `Orthanc did not start (${spawnError?.message ?? `exit ${child.exitCode}`}; see ${join(root, 'orthanc.log')})`,
      );
    }
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new Error(`Orthanc did not answer /system within ${startTimeoutMs} ms`);
    }
    await sleep(100);
  }
  return {
    url,
    pid: child.pid as number,
    auth,
    version,
    storageDir: join(root, 'storage'),
    dicomPort,
    aeTitle,
    // Orthanc takes 2–5 s to stop; wait for it (bounded) so its SQLite index is released.
    stop: () => stopChild(child, 20_000),
  };
}
