/**
 * The worker bundle (src-main/localbox/codec/worker.ts, bundled as scripts/build.mjs does) contains only the
 * worker layer of eslint.config.js and loads no database or HTTP package: what the lint rule states per import,
 * checked here for the whole bundle.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WORKER_LAYER =
  /^src-main\/localbox\/(codec|dicom|rendering|anonymization|jpeg)\/[^/]+\.ts$|^src-main\/localbox\/(modify\/rewrite|modify\/tag-mapping|filtering\/apply-filters|filtering\/tag-tree|seriestypes\/rule-evaluation|dimse\/transcode|dimse\/part10|system\/errors)\.ts$/;

test('the worker bundle holds the worker layer only, and no database or HTTP package', async () => {
  const result = await build({
    entryPoints: ['src-main/localbox/codec/worker.ts'],
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs);
  expect(inputs).toContain('src-main/localbox/codec/jobs.ts');
  expect(inputs).toContain('src-main/localbox/rendering/render-png.ts');
  expect(inputs.filter((i) => !WORKER_LAYER.test(i))).toEqual([]);
  const packages = Object.values(result.metafile.outputs).flatMap((o) =>
    o.imports.map((i) => i.path),
  );
  expect(packages.filter((p) => /better-sqlite3|fastify|chokidar|dcmjs-dimse/.test(p))).toEqual([]);
});
