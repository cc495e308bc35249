/**
 * Measures the import rate of the desktop import service (persisted job, sniffing, duplicate check,
 * import session, concurrency 4) for 1,000 distinct files into a real local box. Reports files/s and
 * MB/s; asserts outcomes only, never timings.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalbox } from '../../src-main/localbox/server.js';
import { openCacheDb } from '../../src-main/services/cache/cache-db.js';
import { ConnectionService } from '../../src-main/services/connections/connection-service.js';
import { ImportService } from '../../src-main/services/imports/import-service.js';
import { uniqueCopies } from '../e2e/support/import-fixtures.js';
import { pydicomFile } from '../fixtures/paths.js';

const COUNT = Number(process.env.SBX_IMPORT_RATE_FILES) || 1000;

describe('import rate', () => {
  let box: Awaited<ReturnType<typeof startLocalbox>>;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sbx-import-rate-'));
    box = await startLocalbox({
      dataDir: join(dir, 'box'),
      port: 0,
      superuser: { user: 'desk', password: 'top-secret' },
    });
  });

  afterAll(async () => {
    await box?.close();
  });

  it(`imports ${COUNT} files and reports the rate`, { timeout: 300_000 }, async () => {
    const folder = join(dir, 'files');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(folder);
    let bytes = 0;
    for (const [i, copy] of (await uniqueCopies(pydicomFile('CT_small.dcm'), COUNT, 3)).entries()) {
      await writeFile(join(folder, `${i}.dcm`), copy);
      bytes += copy.length;
    }
    const connections = new ConnectionService(() => undefined);
    connections.add({
      id: 'local',
      name: 'Local box',
      url: box.url,
      kind: 'local',
      user: 'desk',
      password: 'top-secret',
    });
    const db = openCacheDb(join(dir, 'cache.sqlite'));
    const imports = new ImportService(connections, () => undefined, {
      db,
      jobsDir: join(dir, 'jobs'),
      checkServerFirst: process.env.SBX_IMPORT_RATE_CHECK !== '0',
    });
    const t0 = performance.now();
    const job = await imports.start('local', 'rate', [{ path: folder, name: 'files', size: 0 }]);
    const done = await imports.whenSettled(job.id, 290_000);
    const seconds = (performance.now() - t0) / 1000;
    imports.stop();
    db.close();
    expect(done.counts.added).toBe(COUNT);
    const line =
      `import rate (server check ${process.env.SBX_IMPORT_RATE_CHECK !== '0' ? 'on' : 'off'}): ${COUNT} files, ${(bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(2)} s = ` +
      `${(COUNT / seconds).toFixed(0)} files/s, ${(bytes / 1e6 / seconds).toFixed(2)} MB/s`;
    console.log(line);
    await writeFile(join('test-artifacts', 'import-rate.txt'), line + '\n').catch(() => undefined);
  });
});
