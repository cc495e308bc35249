// Builds the app into out/: the main-side bundles with esbuild (Node ESM, packages external), the
// preload as CommonJS (sandboxed preloads must be), and the renderer with Vite.
//   node scripts/build.mjs              everything
//   node scripts/build.mjs --main-only  main side only (local box)
//   node scripts/build.mjs --bench      also the benchmark runner (out/bench/run.js)
//   node scripts/build.mjs --out-dir D  into D instead of out/ (tests build there, beside a running app)
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';

const mainOnly = process.argv.includes('--main-only');
const outFlag = process.argv.indexOf('--out-dir');
const outDir = outFlag >= 0 && process.argv[outFlag + 1] ? process.argv[outFlag + 1] : 'out';
const started = Date.now();

/**
 * Warnings the bundler prints on every build that say nothing about this app, so `npm start` shows only
 * what a user can act on. Everything else (real warnings and every error) is printed as before.
 */
const KNOWN_NOISE = [
  // dcmjs-imaging's minified bundle calls direct `eval` (its emscripten loader); rolldown warns about it on
  // every build. It is the package's own code, unchanged by us; the one eval that mattered (fetching the WASM
  // codecs, refused by the renderer's CSP) is rewritten by vite.config.ts.
  (log) => log.code === 'EVAL' && /dcmjs-imaging/.test(`${log.id ?? ''} ${log.message ?? ''}`),
  // rolldown's note of how long plugins took: about the build machine, not the app.
  (log) => log.code === 'PLUGIN_TIMINGS',
];

function onLog(level, log, defaultHandler) {
  if (level === 'warn' && KNOWN_NOISE.some((known) => known(log))) return;
  defaultHandler(level, log);
}

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

await rm(join(outDir, 'main'), { recursive: true, force: true });
await build({ ...nodeEsm, entryPoints, outdir: outDir, external: ['electron'] });

if (!mainOnly) {
  if (existsSync('src-preload/index.ts')) {
    await build({
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'chrome140',
      entryPoints: ['src-preload/index.ts'],
      outfile: join(outDir, 'preload/index.cjs'),
      external: ['electron'],
      logLevel: 'warning',
    });
  }
  const { build: viteBuild } = await import('vite');
  await viteBuild({
    configFile: 'vite.config.ts',
    logLevel: 'warn',
    build: { outDir: resolve(outDir, 'renderer'), rolldownOptions: { onLog } },
  });
}
console.log(
  `Built ${mainOnly ? 'main side' : 'app'} into ${outDir}/ in ${Date.now() - started} ms`,
);
