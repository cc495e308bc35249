// Builds the app into out/: the main-side bundles with esbuild (Node ESM, packages external), the
// preload as CommonJS (sandboxed preloads must be), and the renderer with Vite.
//   node scripts/build.mjs              everything
//   node scripts/build.mjs --main-only  main side only (local box)
//   node scripts/build.mjs --bench      also the benchmark runner (out/bench/run.js)
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';

const mainOnly = process.argv.includes('--main-only');
const started = Date.now();

const nodeEsm = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
};

const entryPoints = {
  'main/start': 'src-main/start.ts',
  'main/localbox': 'src-main/localbox/cli.ts',
  // The engine's worker threads (src-main/localbox/pool/): found beside localbox.js at run time.
  'main/localbox-worker': 'src-main/localbox/codec/worker.ts',
};
if (process.argv.includes('--bench')) entryPoints['bench/run'] = 'bench/run.ts';
if (!mainOnly && existsSync('src-main/app/main.ts'))
  entryPoints['main/app/main'] = 'src-main/app/main.ts';

await rm('out/main', { recursive: true, force: true });
await build({ ...nodeEsm, entryPoints, outdir: 'out', external: ['electron'] });

if (!mainOnly) {
  if (existsSync('src-preload/index.ts')) {
    await build({
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'chrome140',
      entryPoints: ['src-preload/index.ts'],
      outfile: 'out/preload/index.cjs',
      external: ['electron'],
      logLevel: 'warning',
    });
  }
  const { build: viteBuild } = await import('vite');
  await viteBuild({ configFile: 'vite.config.ts', logLevel: 'warn' });
}
console.log(`Built ${mainOnly ? 'main side' : 'app'} into out/ in ${Date.now() - started} ms`);
