/**
 * `node out/main/localbox.js [--port 5000] [--host 127.0.0.1] [--data ./data] [--user admin] [--password admin]
 *   [--public-url https://box.example.org] [--dicom-host 127.0.0.1] [--delete-on-import]`
 * `--public-url`: how remote Slicebox servers reach this box (POLL box base URLs, BEHAVIOR §12.2); default the
 * listen address and port. `--dicom-host`: the address the SCPs' DICOM listeners bind (default 127.0.0.1).
 * `--delete-on-import`: delete files from watched directories after they were imported (BEHAVIOR §2, §15).
 * Superuser also from SLICEBOX_SUPERUSER / SLICEBOX_SUPERUSER_PASSWORD (flags win).
 * Prints `Local box ready at http://HOST:PORT` once listening (and sends `{type:'ready', url}` over IPC when
 * forked); stops cleanly on SIGTERM/SIGINT. Bad arguments exit with status 2.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_HOST, DEFAULT_PORT, DEFAULT_SUPERUSER, checkPublicUrl } from './config.js';
import { startLocalbox } from './server.js';

const USAGE =
  'Usage: localbox [--port <0-65535>] [--host <address>] [--data <dir>] [--user <name>] [--password <password>] [--public-url <url>] [--dicom-host <address>] [--delete-on-import]';

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
  return {
    port: Number(portText),
    host,
    data: resolve(data),
    user,
    password,
    ...(publicUrl !== undefined ? { publicUrl } : {}),
    ...(dicomHost !== undefined ? { dicomHost: dicomHost.trim() } : {}),
    deleteOnImport: values['delete-on-import'] === true,
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
    // POST /api/system/stop ends the process, as Slicebox does (BEHAVIOR §7.3).
    onStopRequested: () => stop('POST /api/system/stop'),
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
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
