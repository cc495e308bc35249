/**
 * Engine tests run the engine from its TypeScript sources, but its worker threads need JavaScript: before the
 * tests, the worker entry (src-main/localbox/codec/worker.ts) is bundled from the current sources, as
 * scripts/build.mjs bundles it for out/main, at the path the engine project names in SLICEBOX_LOCALBOX_WORKER
 * (vitest.config.ts; read by pool/worker-file.ts). Built fresh every run, so a test never runs a stale worker.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { build } from 'esbuild';

const ROOT = resolve(import.meta.dirname, '../..');
/** Inside node_modules so that the bundle resolves its external packages as out/main/localbox-worker.js does. */
export const TEST_WORKER_BUNDLE = join(
  ROOT,
  'node_modules',
  '.cache',
  'localbox-worker',
  'localbox-worker.js',
);

export default async function setup(): Promise<void> {
  const outfile = TEST_WORKER_BUNDLE;
  mkdirSync(dirname(outfile), { recursive: true });
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
}
