/**
 * Engines for the group-commit tests (ingest-group-commit, ingest-wal-sync): preparation runs in worker threads,
 * so when concurrent stores become ready depends on the machine's load; these engines wait up to 10 s (instead of
 * 4 ms) for stores still being prepared. The wait ends as soon as none is being prepared, so the tests are not
 * slower, and they still fail if stores are not batched.
 *
 * Call `batchingEngines()` at module level: it closes the engine and removes its data after each test.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach } from 'vitest';
import { openEngine } from '../../src-main/localbox/engine.js';
import type { Engine } from '../../src-main/localbox/engine.js';
import { newDataDir, PYDICOM, testFile } from './support.js';

export interface BatchingEngines {
  open(): Promise<Engine>;
  /** The data folder of the engine opened last. */
  readonly dataDir: string;
  /** Closes the engine now (before the test ends). */
  close(): Promise<void>;
}

export function batchingEngines(): BatchingEngines {
  let engine: Engine | undefined;
  let dataDir = '';
  afterEach(async () => {
    await engine?.close();
    engine = undefined;
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    dataDir = '';
  });
  return {
    async open() {
      dataDir = newDataDir();
      engine = await openEngine({
        dataDir,
        superuser: { user: 'admin', password: 'admin' },
        sessionTimeoutMs: 60_000,
        groupCommitWaitMs: 10_000,
      });
      return engine;
    },
    get dataDir() {
      return dataDir;
    },
    async close() {
      const e = engine;
      engine = undefined;
      await e?.close();
    },
  };
}

/** A temp file of the engine holding the pydicom test file `name`. */
export function temp(e: Engine, name: string): Promise<string> {
  return e.files.writeTemp(Readable.from([testFile(join(PYDICOM, name))]));
}
