/**
 * Proves the import rules of DESIGN.md are enforced by eslint.config.js: each rule fires on a
 * violating snippet and stays quiet on a legal one. Snippets are linted with the real config through
 * the ESLint Node API, at file paths that need not exist.
 */
import { ESLint } from 'eslint';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: root });
});

/** The `no-restricted-imports` messages for `code` linted as if it lived at `file`. */
async function layerErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: file });
  if (!result) throw new Error(`no lint result for ${file}`);
  const fatal = result.messages.filter((m) => m.fatal);
  expect(fatal, `parse errors in the snippet for ${file}`).toEqual([]);
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const ts = (spec: string) => `import { x } from '${spec}';\nexport const y = x;\n`;
const typeOnly = (spec: string) => `import type { X } from '${spec}';\nexport type Y = X;\n`;
const svelteTs = (spec: string) =>
  `<script lang="ts">\n  import { x } from '${spec}';\n  const y: number = x;\n</script>\n\n<p>{y}</p>\n`;

async function expectBlocked(file: string, code: string, message?: RegExp) {
  const errors = await layerErrors(file, code);
  expect(errors, `${file} should be blocked:\n${code}`).not.toEqual([]);
  if (message) expect(errors.join('\n')).toMatch(message);
}

async function expectAllowed(file: string, code: string) {
  expect(await layerErrors(file, code), `${file} should be allowed:\n${code}`).toEqual([]);
}

describe('lint layers: (a) renderer → packages, own files, src-preload/contract', () => {
  it('blocks the main side, from .ts and from <script lang="ts"> in .svelte', async () => {
    await expectBlocked(
      'src-renderer/lib/api.ts',
      ts('../../src-main/services/index.js'),
      /bridge/,
    );
    await expectBlocked('src-renderer/App.svelte', svelteTs('../src-main/slicebox/client.js'));
    await expectBlocked(
      'src-renderer/lib/api.ts',
      typeOnly('../../src-main/slicebox/types.js'),
      /bridge/,
    );
  });

  it('blocks the preload except its contract', async () => {
    await expectBlocked('src-renderer/lib/bridge.ts', ts('../../src-preload/index.js'));
    await expectAllowed('src-renderer/lib/bridge.ts', typeOnly('../../src-preload/contract.js'));
    await expectAllowed('src-renderer/lib/bridge.ts', ts('../../src-preload/contract'));
    await expectAllowed('src-renderer/App.svelte', svelteTs('../src-preload/contract.js'));
    await expectAllowed(
      'src-renderer/screens/browse/Patients.svelte',
      svelteTs('../../../src-preload/contract.js'),
    );
  });

  it('blocks relative paths that leave src-renderer, at any depth', async () => {
    await expectBlocked('src-renderer/main.ts', ts('../scripts/build.mjs'), /own files/);
    await expectBlocked('src-renderer/lib/util.ts', ts('../../test/fixtures/x.js'), /own files/);
    await expectBlocked('src-renderer/a/b/c.ts', ts('../../../../elsewhere/x.js'), /own files/);
    await expectAllowed('src-renderer/screens/browse/Patients.svelte', svelteTs('../../lib/x.js'));
    await expectAllowed('src-renderer/main.ts', ts('./lib/bridge.js'));
    await expectAllowed('src-renderer/lib/util.ts', ts('../stores/theme.svelte.js'));
  });

  it('blocks electron and Node built-ins, allows packages', async () => {
    await expectBlocked('src-renderer/main.ts', ts('electron'), /sandboxed/);
    await expectBlocked('src-renderer/main.ts', ts('node:fs'), /sandboxed/);
    await expectBlocked('src-renderer/lib/x.ts', ts('path'), /sandboxed/);
    await expectAllowed('src-renderer/main.ts', ts('svelte'));
    await expectAllowed('src-renderer/lib/x.ts', ts('svelte/store'));
    await expectAllowed('src-renderer/lib/x.ts', ts('dcmjs-imaging'));
  });
});

describe('lint layers: (b) plain-Node layers never import electron', () => {
  for (const file of [
    'src-main/services/index.ts',
    'src-main/services/imports/job.ts',
    'src-main/slicebox/client.ts',
    'src-main/localbox/cli.ts',
    'src-main/localbox/db/migrations/001.ts',
    'src-main/web/host.ts',
  ]) {
    it(`blocks electron in ${file}`, async () => {
      await expectBlocked(file, ts('electron'), /never import electron/);
      await expectBlocked(file, typeOnly('electron'), /never import electron/);
      await expectBlocked(file, ts('electron/main'), /never import electron/);
      await expectAllowed(file, ts('node:fs'));
      await expectAllowed(file, ts('electron-log-lookalike'));
    });
  }

  it('allows electron in src-main/app and the preload', async () => {
    await expectAllowed('src-main/app/main.ts', ts('electron'));
    await expectAllowed('src-main/app/main.ts', ts('../services/index.js'));
    await expectAllowed('src-preload/index.ts', ts('electron'));
    await expectAllowed('src-preload/index.ts', ts('./contract.js'));
  });

  it('blocks the Electron shell (src-main/app) from services', async () => {
    await expectBlocked('src-main/services/index.ts', ts('../app/ports.js'));
    await expectBlocked('src-main/services/imports/job.ts', ts('../../app/ports.js'));
    await expectAllowed('src-main/services/imports/job.ts', ts('../../slicebox/client.js'));
    await expectAllowed('src-main/services/imports/job.ts', ts('./app.js'));
  });
});

describe('lint layers: (c) localbox never imports services, app, web', () => {
  it('blocks each sibling at several depths', async () => {
    await expectBlocked('src-main/localbox/cli.ts', ts('../services/index.js'), /localbox/);
    await expectBlocked('src-main/localbox/http/server.ts', ts('../../services/index.js'));
    await expectBlocked('src-main/localbox/http/server.ts', ts('../../app/main.js'));
    await expectBlocked('src-main/localbox/http/routes/images.ts', ts('../../../web/host.js'));
    await expectBlocked('src-main/localbox/cli.ts', ts('../../src-main/services/index.js'));
  });

  it('allows its own files (even ones named app or web) and the Slicebox client', async () => {
    await expectAllowed('src-main/localbox/http/server.ts', ts('../../slicebox/types.js'));
    await expectAllowed('src-main/localbox/cli.ts', ts('./http/server.js'));
    await expectAllowed('src-main/localbox/http/server.ts', ts('./app.js'));
    await expectAllowed('src-main/localbox/http/server.ts', ts('../web/assets.js'));
    await expectAllowed('src-main/localbox/http/server.ts', ts('fastify'));
  });
});

describe('lint layers: (e) the worker layer of the local box: bytes in, bytes out', () => {
  const workerFiles = [
    'src-main/localbox/codec/jobs.ts',
    'src-main/localbox/rendering/render-png.ts',
    'src-main/localbox/anonymization/anonymize.ts',
    'src-main/localbox/modify/rewrite.ts',
    'src-main/localbox/seriestypes/rule-evaluation.ts',
  ];
  for (const file of workerFiles) {
    it(`blocks the database, fastify, the engine, stores and the pool in ${file}`, async () => {
      await expectBlocked(file, ts('better-sqlite3'), /worker threads/);
      await expectBlocked(file, typeOnly('better-sqlite3'), /worker threads/);
      await expectBlocked(file, ts('fastify'), /worker threads/);
      await expectBlocked(file, ts('@fastify/multipart'), /worker threads/);
      await expectBlocked(file, ts('../engine.js'), /worker threads/);
      await expectBlocked(file, ts('../storage/file-store.js'), /worker threads/);
      await expectBlocked(file, typeOnly('../anonymization-store/key-store.js'), /worker threads/);
      await expectBlocked(file, ts('../seriestypes/series-type-store.js'), /worker threads/);
      await expectBlocked(file, ts('../db/open.js'), /worker threads/);
      await expectBlocked(file, ts('../http/errors.js'), /worker threads/);
      await expectBlocked(file, ts('../pool/worker-pool.js'), /worker threads/);
      await expectBlocked(file, ts('../metadata/metadata-writes.js'), /worker threads/);
      // The localbox rules still hold there.
      await expectBlocked(file, ts('../../services/index.js'), /localbox/);
      await expectBlocked(file, ts('electron'), /never import electron/);
    });
  }

  it('allows the pure libraries, packages and Node built-ins', async () => {
    await expectAllowed('src-main/localbox/codec/jobs.ts', ts('../rendering/index.js'));
    await expectAllowed('src-main/localbox/codec/jobs.ts', ts('../dicom/parse.js'));
    await expectAllowed('src-main/localbox/codec/jobs.ts', typeOnly('../../slicebox/types.js'));
    await expectAllowed('src-main/localbox/rendering/render-png.ts', ts('../codec/budgets.js'));
    await expectAllowed('src-main/localbox/rendering/render-png.ts', ts('pngjs'));
    await expectAllowed('src-main/localbox/dicom/parse.ts', ts('node:fs/promises'));
    await expectAllowed('src-main/localbox/dicom/parse.ts', ts('dicom-parser'));
  });

  it('does not apply to the engine around it', async () => {
    await expectAllowed('src-main/localbox/images/ingest.ts', typeOnly('better-sqlite3'));
    await expectAllowed('src-main/localbox/images/ingest.ts', ts('../pool/worker-pool.js'));
    await expectAllowed('src-main/localbox/modify/modify-image.ts', typeOnly('../engine.js'));
    await expectAllowed('src-main/localbox/http/routes/images-render.ts', ts('fastify'));
  });
});

describe('lint layers: (d) src-preload/contract.ts imports nothing', () => {
  it('blocks any import, even type-only', async () => {
    await expectBlocked('src-preload/contract.ts', typeOnly('./other.js'), /imports nothing/);
    await expectBlocked('src-preload/contract.ts', ts('zod'), /imports nothing/);
  });

  it('accepts the real contract', async () => {
    const code = readFileSync(new URL('../../src-preload/contract.ts', import.meta.url), 'utf8');
    await expectAllowed('src-preload/contract.ts', code);
    await expectAllowed('src-preload/contract.ts', 'export type A = { b: string };\n');
  });
});
