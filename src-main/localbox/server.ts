/**
 * The local box: a Slicebox-2.x-compatible HTTP server on a data directory
 * (`<data>/slicebox.sqlite`, `<data>/dicom/<imageId>`, `<data>/tmp/`).
 */
import {
  DEFAULT_HOST,
  DEFAULT_SESSION_TIMEOUT_MS,
  DEFAULT_SUPERUSER,
  SLICEBOX_API_VERSION,
} from './config.js';
import type { BoxOptions } from './boxes/box-service.js';
import type { ScpLimits } from './dimse/scp-limits.js';
import type { ForwardingOptions } from './forwarding/forwarding-service.js';
import type { WatchOptions } from './watching/directory-watcher.js';
import type { Budgets } from './codec/budgets.js';
import { apiBaseUrl } from './config.js';
import { openEngine } from './engine.js';
import type { Engine } from './engine.js';
import { buildApp } from './http/app.js';
import type { RequestTimeouts } from './http/request-timeouts.js';
import type { LoginThrottleOptions } from './users/login-throttle.js';

export interface LocalboxOptions {
  dataDir: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 = a random free port. Default 0. */
  port?: number;
  /** Default admin/admin, as Slicebox. */
  superuser?: { user: string; password: string };
  sessionTimeoutMs?: number;
  logger?: boolean;
  /**
   * The URL under which remote Slicebox servers reach this box, without `/api` (e.g. `https://box.example.org`).
   * POLL boxes' base URLs are `<publicUrl>/api/transactions/<token>` (§12.2). Default: the address this box
   * listens on, with the actual port (DECISIONS.md).
   */
  publicUrl?: string;
  /** Box worker timing (tests use short ticks). */
  boxes?: BoxOptions;
  /** Forwarding timing (tests use short ticks; defaults 30 s, §18). */
  forwarding?: ForwardingOptions;
  /** Address the SCP (DICOM) listeners bind (§16). Default 127.0.0.1. */
  dicomHost?: string;
  /** SCP timeouts, association and dataset limits (tests use small ones); defaults in DECISIONS.md. */
  dicomLimits?: Partial<ScpLimits>;
  /**
   * Directory watches (§15): poll interval (default 5 s), write-finish wait (default 2 s) and
   * `directory-watch.delete-on-import` (default false, §2). Tests use short intervals.
   */
  watches?: Partial<WatchOptions>;
  /**
   * Called ~1 s after an administrator's `POST /system/stop` (§7.3). Default: close the server and the engine.
   * The CLI passes a callback that also exits the process.
   */
  onStopRequested?: () => void;
  /** Worker threads for the CPU-heavy DICOM work (default: one per core, at most 8). */
  workers?: number;
  /** Budgets of the CPU work (defaults and meaning in codec/budgets.ts, DECISIONS.md). */
  budgets?: Partial<Budgets>;
  /** HTTP header and body-idle timeouts (defaults 20 s each; DECISIONS.md "HTTP hardening"). */
  timeouts?: Partial<RequestTimeouts>;
  /** Failed-login throttling (default 5 different failures per 5 minutes; DECISIONS.md "HTTP hardening"). */
  loginThrottle?: Partial<LoginThrottleOptions>;
  /** The worker bundle (default beside the engine's bundle; see pool/worker-file.ts). */
  workerFile?: string;
  /** One line per job and kind of message the DICOM libraries logged (default: stderr). */
  workerLog?: (line: string) => void;
  /** Group commit wait of ingest in ms (default 4). */
  groupCommitWaitMs?: number;
}

export interface Localbox {
  /** `http://host:port`, no trailing slash. */
  url: string;
  port: number;
  /** The engine behind the server (for embedding and tests). */
  engine: Engine;
  close(): Promise<void>;
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export async function startLocalbox(opts: LocalboxOptions): Promise<Localbox> {
  const host = opts.host ?? DEFAULT_HOST;
  const engine = await openEngine({
    dataDir: opts.dataDir,
    superuser: opts.superuser ?? { ...DEFAULT_SUPERUSER },
    sessionTimeoutMs: opts.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS,
    ...(opts.boxes ? { boxes: opts.boxes } : {}),
    ...(opts.forwarding ? { forwarding: opts.forwarding } : {}),
    ...(opts.dicomHost !== undefined ? { dicomHost: opts.dicomHost } : {}),
    ...(opts.dicomLimits ? { dicomLimits: opts.dicomLimits } : {}),
    ...(opts.watches ? { watches: opts.watches } : {}),
    ...(opts.workers !== undefined ? { workers: opts.workers } : {}),
    ...(opts.budgets ? { budgets: opts.budgets } : {}),
    ...(opts.workerFile !== undefined ? { workerFile: opts.workerFile } : {}),
    ...(opts.workerLog ? { workerLog: opts.workerLog } : {}),
    ...(opts.groupCommitWaitMs !== undefined ? { groupCommitWaitMs: opts.groupCommitWaitMs } : {}),
  });
  let app;
  // The default stop action closes this box (created below, before any request can arrive).
  const self: { box?: Localbox } = {};
  const onStopRequested =
    opts.onStopRequested ?? (() => void self.box?.close().catch(() => undefined));
  try {
    app = await buildApp(engine, {
      logger: opts.logger ?? false,
      version: SLICEBOX_API_VERSION,
      onStopRequested,
      ...(opts.timeouts ? { timeouts: opts.timeouts } : {}),
      ...(opts.loginThrottle ? { loginThrottle: opts.loginThrottle } : {}),
    });
    await app.listen({ host, port: opts.port ?? 0 });
  } catch (e) {
    await app?.close().catch(() => undefined);
    await engine.close().catch(() => undefined);
    throw e;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (opts.port ?? 0);
  engine.boxes.apiBaseUrl = apiBaseUrl(opts.publicUrl, urlHost(host), port);
  let closing: Promise<void> | undefined;
  const box: Localbox = {
    url: `http://${urlHost(host)}:${port}`,
    port,
    engine,
    close() {
      closing ??= (async () => {
        // Stop accepting connections; the requests in flight are answered as the engine closes under them.
        const http = app.close();
        try {
          // Intake stops first, then the worker pool is terminated (requests waiting for a job answer at once,
          // never after a job's time limit), prepared stores are committed, and the database closes last.
          await engine.close();
        } finally {
          await http;
        }
      })();
      return closing;
    },
  };
  self.box = box;
  return box;
}
