/**
 * Engine tests run the engine from its TypeScript sources, but its worker threads need JavaScript: before the
 * tests, the worker entry (src-main/localbox/codec/worker.ts) is bundled from the current sources, as
 * scripts/build.mjs bundles it for out/main, and named in SLICEBOX_LOCALBOX_WORKER for the engines the tests
 * open (pool/worker-file.ts). Built fresh every run, so a test never runs a stale worker.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const ROOT = resolve(import.meta.dirname, '../..');
// Inside node_modules so that the bundle resolves its external packages as out/main/localbox-worker.js does.
const OUT_DIR = join(ROOT, 'node_modules', '.cache', 'localbox-worker');

export default async function setup(): Promise<void> {
  mkdirSync(OUT_DIR, { recursive: true });
  const outfile = join(OUT_DIR, 'localbox-worker.js');
  await build({
    entryPoints: [join(ROOT, 'src-main/localbox/codec/worker.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  process.env.SLICEBOX_LOCALBOX_WORKER = outfile;
}
