/**
 * Starts the services of the main side and answers the handler table both transports register.
 * Plain Node: nothing here imports electron; Electron-only needs arrive as ports in the options.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { EventName, Events } from '../../src-preload/contract.js';
import { BrowseService } from './browse/browse-service.js';
import { ConnectionService, LOCAL_CONNECTION_ID } from './connections/connection-service.js';
import { createHandlerTable, type HandlerTable } from './handlers.js';
import { ImportService } from './imports/import-service.js';
import { loadOrCreateCredentials } from './localbox/credentials.js';
import type { LocalboxLauncher, RunningLocalbox } from './localbox/launcher.js';

export interface ServicesOptions {
  dataDir: string;
  mode: 'electron' | 'browser';
  version?: string;
  emit: (event: EventName, payload: unknown) => void;
  launchLocalbox: LocalboxLauncher;
}

export interface RunningServices {
  handlers: HandlerTable;
  /** Where browser mode stages dropped files before import; cleared at every start. */
  stagingDir: string;
  localboxUrl: string;
  imports: ImportService;
  stop(): Promise<void>;
}

export async function startServices(options: ServicesOptions): Promise<RunningServices> {
  const { dataDir } = options;
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const stagingDir = join(dataDir, 'staging');
  await rm(stagingDir, { recursive: true, force: true });
  await mkdir(stagingDir, { recursive: true, mode: 0o700 });

  const emit = <E extends EventName>(event: E, payload: Events[E]) => options.emit(event, payload);
  const credentials = await loadOrCreateCredentials(dataDir);
  const localbox: RunningLocalbox = await options.launchLocalbox({
    dataDir: join(dataDir, 'localbox'),
    port: 0,
    ...credentials,
  });

  const connections = new ConnectionService(emit);
  connections.add({
    id: LOCAL_CONNECTION_ID,
    name: 'Local box',
    url: localbox.url,
    kind: 'local',
    ...credentials,
  });
  await connections.check(LOCAL_CONNECTION_ID);
  const browse = new BrowseService(connections);
  const imports = new ImportService(connections, emit, { stagingDir });

  const handlers = createHandlerTable({
    'app.info': async () => ({
      version: options.version ?? '0.0.0',
      mode: options.mode,
      dataDir,
    }),
    'connections.list': async () => connections.list(),
    'connections.check': async ({ connectionId }) => connections.check(connectionId),
    'browse.patients': (args) => browse.patients(args),
    'browse.studies': (args) => browse.studies(args),
    'browse.series': (args) => browse.series(args),
    'browse.images': (args) => browse.images(args),
    'imports.start': async ({ connectionId, name, files }) =>
      imports.start(connectionId, name, files),
    'imports.list': async () => imports.list(),
  });

  return {
    handlers,
    stagingDir,
    localboxUrl: localbox.url,
    imports,
    stop: () => localbox.stop(),
  };
}
