/**
 * `node out/main/localbox.js [--port 5000] [--host 127.0.0.1] [--data ./data] [--user admin] [--password admin]
 *   [--public-url https://box.example.org] [--dicom-host 127.0.0.1] [--delete-on-import] [--workers N]
 *   [--max-inflated-mb N] [--max-decoded-mb N] [--job-timeout-s N] [--worker-heap-mb N]
 *   [--login-max-failures N] [--login-window-s N] [--dicom-idle-timeout-s N] [--dicom-max-associations N]
 *   [--dicom-max-dataset-mb N]`
 * `--public-url`: how remote Slicebox servers reach this box (POLL box base URLs, BEHAVIOR §12.2); default the
 * listen address and port. `--dicom-host`: the address the SCPs' DICOM listeners bind (default 127.0.0.1).
 * `--delete-on-import`: delete files from watched directories after they were imported (BEHAVIOR §2, §15).
 * `--workers`: worker threads for the CPU-heavy DICOM work (default: one per core, at most 8). Budgets (defaults in
 * codec/budgets.ts, DECISIONS.md): `--max-inflated-mb` (a deflated dataset inflated), `--max-decoded-mb` (one
 * decoded frame), `--job-timeout-s` (one job in a worker), `--worker-heap-mb` (a worker's heap).
 * Failed logins (DECISIONS.md "HTTP hardening"): `--login-max-failures` different wrong passwords within
 * `--login-window-s` answer 429 (default 5 in 300 s). DICOM receivers (DECISIONS.md "SCP hardening"):
 * `--dicom-idle-timeout-s` (default 60), `--dicom-max-associations` per SCP (32), `--dicom-max-dataset-mb` (2048).
 * Superuser also from SLICEBOX_SUPERUSER / SLICEBOX_SUPERUSER_PASSWORD (flags win).
 * Prints `Local box ready at http://HOST:PORT` once listening (and sends `{type:'ready', url}` over IPC when
 * forked); stops cleanly on SIGTERM/SIGINT, within STOP_DEADLINE_MS whatever is running (past it the process
 * exits with status 1: the database is crash-safe, as after a kill). Bad arguments exit with status 2.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Budgets } from './codec/budgets.js';
import type { ScpLimits } from './dimse/scp-limits.js';
import type { LoginThrottleOptions } from './users/login-throttle.js';
import { DEFAULT_HOST, DEFAULT_PORT, DEFAULT_SUPERUSER, checkPublicUrl } from './config.js';
import { startLocalbox } from './server.js';

const USAGE =
  'Usage: localbox [--port <0-65535>] [--host <address>] [--data <dir>] [--user <name>] [--password <password>] [--public-url <url>] [--dicom-host <address>] [--delete-on-import] [--workers <n>] [--max-inflated-mb <n>] [--max-decoded-mb <n>] [--job-timeout-s <n>] [--worker-heap-mb <n>] [--login-max-failures <n>] [--login-window-s <n>] [--dicom-idle-timeout-s <n>] [--dicom-max-associations <n>] [--dicom-max-dataset-mb <n>]';

/** A stop (SIGTERM, SIGINT, POST /system/stop) ends the process within this time, closed or not. */
const STOP_DEADLINE_MS = 4000;
const MIB = 1024 * 1024;

/** A positive integer flag value (at most `max`), or undefined when the flag is absent. */
function positiveInt(name: string, value: string | undefined, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max)
    fail(`invalid --${name} '${value}' (a whole number from 1 to ${max})`);
  return Number(value);
}

function fail(message: string): never {
  process.stderr.write(`localbox: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parse(): {
  port: number;
  host: string;
  data: string;
  user: string;
  password: string;
  publicUrl?: string;
  dicomHost?: string;
  deleteOnImport: boolean;
  workers?: number;
  budgets: Partial<Budgets>;
  loginThrottle: Partial<LoginThrottleOptions>;
  dicomLimits: Partial<ScpLimits>;
} {
  let values;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        data: { type: 'string' },
        user: { type: 'string' },
        password: { type: 'string' },
        'public-url': { type: 'string' },
        'dicom-host': { type: 'string' },
        'delete-on-import': { type: 'boolean' },
        workers: { type: 'string' },
        'max-inflated-mb': { type: 'string' },
        'max-decoded-mb': { type: 'string' },
        'job-timeout-s': { type: 'string' },
        'worker-heap-mb': { type: 'string' },
        'login-max-failures': { type: 'string' },
        'login-window-s': { type: 'string' },
        'dicom-idle-timeout-s': { type: 'string' },
        'dicom-max-associations': { type: 'string' },
        'dicom-max-dataset-mb': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    fail((e as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const portText = values.port ?? String(DEFAULT_PORT);
  if (!/^\d+$/.test(portText) || Number(portText) > 65535) fail(`invalid --port '${portText}'`);
  const host = values.host ?? DEFAULT_HOST;
  if (host.trim() === '') fail('--host must not be empty');
  const data = values.data ?? './data';
  if (data.trim() === '') fail('--data must not be empty');
  const user = values.user ?? process.env.SLICEBOX_SUPERUSER ?? DEFAULT_SUPERUSER.user;
  const password =
    values.password ?? process.env.SLICEBOX_SUPERUSER_PASSWORD ?? DEFAULT_SUPERUSER.password;
  if (user === '') fail('the superuser name must not be empty');
  if (password === '') fail('the superuser password must not be empty');
  const publicUrl = values['public-url'];
  if (publicUrl !== undefined) {
    const problem = checkPublicUrl(publicUrl);
    if (problem) fail(problem);
  }
  const dicomHost = values['dicom-host'];
  if (dicomHost !== undefined && dicomHost.trim() === '') fail('--dicom-host must not be empty');
  const workers = positiveInt('workers', values.workers, 256);
  const budgets: Partial<Budgets> = {};
  const inflatedMb = positiveInt('max-inflated-mb', values['max-inflated-mb'], 1024 * 1024);
  if (inflatedMb !== undefined) budgets.maxInflatedBytes = inflatedMb * MIB;
  const decodedMb = positiveInt('max-decoded-mb', values['max-decoded-mb'], 1024 * 1024);
  if (decodedMb !== undefined) budgets.maxDecodedBytes = decodedMb * MIB;
  const timeoutS = positiveInt('job-timeout-s', values['job-timeout-s'], 24 * 3600);
  if (timeoutS !== undefined) budgets.jobTimeoutMs = timeoutS * 1000;
  const heapMb = positiveInt('worker-heap-mb', values['worker-heap-mb'], 1024 * 1024);
  if (heapMb !== undefined) budgets.workerHeapMb = heapMb;
  const loginThrottle: Partial<LoginThrottleOptions> = {};
  const maxFailures = positiveInt('login-max-failures', values['login-max-failures'], 1000);
  if (maxFailures !== undefined) loginThrottle.maxFailures = maxFailures;
  const windowS = positiveInt('login-window-s', values['login-window-s'], 24 * 3600);
  if (windowS !== undefined) loginThrottle.windowMs = windowS * 1000;
  const dicomLimits: Partial<ScpLimits> = {};
  const idleS = positiveInt('dicom-idle-timeout-s', values['dicom-idle-timeout-s'], 24 * 3600);
  if (idleS !== undefined) dicomLimits.idleTimeoutMs = idleS * 1000;
  const maxAssociations = positiveInt(
    'dicom-max-associations',
    values['dicom-max-associations'],
    10_000,
  );
  if (maxAssociations !== undefined) dicomLimits.maxAssociations = maxAssociations;
  const datasetMb = positiveInt(
    'dicom-max-dataset-mb',
    values['dicom-max-dataset-mb'],
    1024 * 1024,
  );
  if (datasetMb !== undefined) dicomLimits.maxDatasetBytes = datasetMb * MIB;
  return {
    port: Number(portText),
    host,
    data: resolve(data),
    user,
    password,
    ...(publicUrl !== undefined ? { publicUrl } : {}),
    ...(dicomHost !== undefined ? { dicomHost: dicomHost.trim() } : {}),
    deleteOnImport: values['delete-on-import'] === true,
    ...(workers !== undefined ? { workers } : {}),
    budgets,
    loginThrottle,
    dicomLimits,
  };
}

async function main(): Promise<void> {
  const args = parse();
  const box = await startLocalbox({
    dataDir: args.data,
    host: args.host,
    port: args.port,
    superuser: { user: args.user, password: args.password },
    ...(args.publicUrl !== undefined ? { publicUrl: args.publicUrl } : {}),
    ...(args.dicomHost !== undefined ? { dicomHost: args.dicomHost } : {}),
    ...(args.deleteOnImport ? { watches: { deleteOnImport: true } } : {}),
    ...(args.workers !== undefined ? { workers: args.workers } : {}),
    budgets: args.budgets,
    loginThrottle: args.loginThrottle,
    dicomLimits: args.dicomLimits,
    // POST /api/system/stop ends the process, as Slicebox does (BEHAVIOR §7.3).
    onStopRequested: () => stop('POST /api/system/stop'),
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    // Whatever is running (a request whose body never ends, a peer that does not let go), the process ends in time.
    setTimeout(() => {
      process.stderr.write(
        `localbox: not closed ${STOP_DEADLINE_MS / 1000} s after ${signal}: exiting (the database is crash-safe)\n`,
      );
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    box.close().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`localbox: error while stopping on ${signal}: ${String(e)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.stdout.write(`Local box ready at ${box.url}\n`);
  announceReady(box.url);
}

/**
 * Tells a parent process the engine is ready: over the IPC channel when forked by Node, over
 * `process.parentPort` when started as an Electron utility process.
 */
function announceReady(url: string): void {
  const message = { type: 'ready', url };
  if (process.send) process.send(message);
  const parentPort = (process as { parentPort?: { postMessage(m: unknown): void } }).parentPort;
  parentPort?.postMessage(message);
}

main().catch((e: unknown) => {
  process.stderr.write(
    `localbox: failed to start: ${e instanceof Error ? e.message : String(e)}\n`,
  );
  process.exit(1);
});
