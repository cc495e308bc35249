/**
 * A local box built from the engine and the HTTP app directly, so a test can pass app options that the server
 * entry point leaves at their defaults (short timeouts, a short login-throttle window). Real HTTP on 127.0.0.1.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SLICEBOX_API_VERSION } from '../../src-main/localbox/config.js';
import { openEngine } from '../../src-main/localbox/engine.js';
import type { Engine } from '../../src-main/localbox/engine.js';
import { buildApp } from '../../src-main/localbox/http/app.js';
import type { AppOptions } from '../../src-main/localbox/http/app.js';
import { ADMIN, basic } from './support.js';

export interface AppBox {
  url: string;
  port: number;
  dataDir: string;
  engine: Engine;
  /** fetch with admin Basic auth unless `auth: null` or another header is given. */
  api(path: string, init?: RequestInit & { auth?: string | null }): Promise<Response>;
  stop(): Promise<void>;
}

export async function startAppBox(options: Partial<AppOptions>): Promise<AppBox> {
  const dataDir = mkdtempSync(join(tmpdir(), 'localbox-app-test-'));
  const engine = await openEngine({
    dataDir,
    superuser: { user: ADMIN.user, password: ADMIN.pass },
    sessionTimeoutMs: 3600 * 1000,
  });
  const app = await buildApp(engine, { logger: false, version: SLICEBOX_API_VERSION, ...options });
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
  } catch (e) {
    await app.close();
    engine.close();
    throw e;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  engine.boxes.apiBaseUrl = `${url}/api`;
  return {
    url,
    port,
    dataDir,
    engine,
    api(path, init = {}) {
      const { auth, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (auth !== null && !headers.has('authorization'))
        headers.set('authorization', auth ?? basic(ADMIN.user, ADMIN.pass));
      return fetch(`${url}${path}`, { ...rest, headers });
    },
    async stop() {
      await app.close();
      engine.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
