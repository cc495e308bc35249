/**
 * Where the worker bundle is. scripts/build.mjs writes it next to the engine's bundle
 * (`out/main/localbox-worker.js` beside `out/main/localbox.js`), so the engine finds it relative to its own module.
 * When the engine runs from its TypeScript sources (the engine tests), there is no bundle beside it: the test
 * set-up builds one from the sources (test/engine/global-setup.ts) and the engine project names it in
 * SLICEBOX_LOCALBOX_WORKER (vitest.config.ts).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const WORKER_FILE_ENV = 'SLICEBOX_LOCALBOX_WORKER';
export const WORKER_BUNDLE_NAME = 'localbox-worker.js';

/**
 * The worker bundle to use: the given path, else SLICEBOX_LOCALBOX_WORKER (when not empty), else the one beside
 * this module.
 */
export function resolveWorkerFile(given?: string): string {
  const path =
    given ||
    process.env[WORKER_FILE_ENV] ||
    fileURLToPath(new URL(`./${WORKER_BUNDLE_NAME}`, import.meta.url));
  if (!existsSync(path)) {
    throw new Error(
      `The engine's worker bundle ${path} is missing: build it with \`npm run build\` (or name one in ${WORKER_FILE_ENV})`,
    );
  }
  return path;
}
