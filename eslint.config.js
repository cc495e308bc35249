// Lint for Slicebox Desktop: code quality for every layer, plus the import rules of
// /work/shared/DESIGN.md ("enforced by lint, not by goodwill"):
//   (a) src-renderer → packages, its own files and src-preload/contract only;
//   (b) src-main/services, src-main/slicebox, src-main/localbox (and src-main/web, which also runs
//       under plain Node in browser mode) → never `electron`, nor src-main/app (which would drag it in);
//   (c) src-main/localbox → never src-main/services, src-main/app, src-main/web;
//   (d) src-preload/contract.ts imports nothing;
//   (e) the worker layer of the local box (the code its worker threads run: src-main/localbox/codec and the pure
//       DICOM libraries it uses) → never the database, the HTTP server, the engine, its stores or the pool.
// The layer rules use `no-restricted-imports` regex patterns. `no-restricted-imports` only sees the
// import specifier, not the resolved path, so "a relative path that leaves the layer" is expressed per
// directory depth (LAYER_DEPTHS blocks per layer); test/unit/lint-layers.test.ts proves each rule.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const CODE = '{js,mjs,cjs,ts,mts,cts,svelte}';
/** Directory depths below a layer root that get their own, exact "leaves the layer" pattern. */
const LAYER_DEPTHS = 12;

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Regex for a relative specifier that climbs exactly `ups` directories and then enters `rest`. */
const climb = (ups, rest) => `^(\\./)?(\\.\\./){${ups}}${rest}`;
/** Files exactly `depth` directories below `root`. */
const filesAt = (root, depth) => [`${root}/${'*/'.repeat(depth)}*.${CODE}`];

const ELECTRON = {
  regex: '^electron(/.*)?$',
  message: 'Services, the Slicebox client and the engine are plain Node: never import electron.',
};
const NODE_BUILTINS = {
  regex: `^(node:.*|(${builtinModules.map(escape).join('|')})(/.*)?)$`,
  message: 'The renderer is sandboxed: no Node built-ins. Ask the main side through the bridge.',
};

/** (a) The renderer: packages, its own files and src-preload/contract. */
function rendererPatterns(depth) {
  const contract = 'src-preload/contract(\\.js|\\.ts)?$';
  const patterns = [
    {
      regex: `(^|/)src-main(/|$)`,
      message: 'The renderer never imports the main side; use the bridge (src-preload/contract).',
    },
    {
      regex: `(^|/)src-preload/(?!contract(\\.js|\\.ts)?$)`,
      message: 'The renderer may import only src-preload/contract from the preload layer.',
    },
    { ...ELECTRON, message: 'The renderer is sandboxed: never import electron.' },
    NODE_BUILTINS,
  ];
  if (depth !== undefined) {
    patterns.push({
      // Any relative path that climbs out of src-renderer/, except to the contract.
      regex: `${climb(depth + 1, '')}(?!${contract})`,
      message: 'The renderer may import only its own files, packages and src-preload/contract.',
    });
  }
  return patterns;
}

/**
 * Plain-Node layers under src-main/: never electron, and never the listed sibling layers
 * (`banned`, directory names under src-main/).
 */
function plainNodePatterns(layer, banned, depth) {
  const list = banned.join('|');
  const message = `src-main/${layer} must not import src-main/{${banned.join(',')}}.`;
  const patterns = [ELECTRON, { regex: `(^|/)src-main/(${list})(/|$)`, message }];
  if (depth !== undefined) {
    patterns.push({ regex: climb(depth + 1, `(${list})(/|$)`), message });
  }
  return patterns;
}

/**
 * (e) The worker layer (VS Code's `worker` layer, issue 9): what the engine's worker threads load. Bytes in, bytes
 * out: no better-sqlite3, no fastify, no engine, no stores, no pool. Every entry is one folder below
 * src-main/localbox (the localbox patterns of depth 1 apply too). test/unit/codec-worker-bundle.test.ts checks
 * that the worker bundle contains nothing but these files.
 */
const WORKER_LAYER = [
  'codec/*',
  'dicom/*',
  'rendering/*',
  'anonymization/*',
  'jpeg/*',
  'modify/rewrite',
  'modify/tag-mapping',
  'filtering/apply-filters',
  'filtering/tag-tree',
  'seriestypes/rule-evaluation',
  'dimse/transcode',
  'dimse/part10',
  'system/errors',
].map((f) => `src-main/localbox/${f}.${CODE}`);

const WORKER_MESSAGE =
  "The worker layer runs in the engine's worker threads: bytes in, bytes out. No database, HTTP server, engine, store or pool (look values up on the main thread and pass them in).";
function workerPatterns() {
  return [
    ...plainNodePatterns('localbox', ['app', 'services', 'web'], 1),
    { regex: '^better-sqlite3(/.*)?$', message: WORKER_MESSAGE },
    { regex: '^(fastify|@fastify/[^/]+)(/.*)?$', message: WORKER_MESSAGE },
    { regex: '(^|/)(engine|server|cli)(\\.js|\\.ts)?$', message: WORKER_MESSAGE },
    { regex: '(^|/)[^/]*-store(\\.js|\\.ts)?$', message: WORKER_MESSAGE },
    {
      regex:
        '(^|/)(db|http|metadata|pool|lifecycle|storage|images|importing|boxes|forwarding|watching|users|log|exporting|anonymization-store)/',
      message: WORKER_MESSAGE,
    },
  ];
}

/** A block for `root/**` plus one exact block per depth (later blocks override the rule options). */
function layerBlocks(name, root, patternsFor) {
  const blocks = [
    {
      name: `layers/${name}`,
      files: [`${root}/**/*.${CODE}`],
      rules: { 'no-restricted-imports': ['error', { patterns: patternsFor(undefined) }] },
    },
  ];
  for (let depth = 0; depth < LAYER_DEPTHS; depth++) {
    blocks.push({
      name: `layers/${name}/depth-${depth}`,
      files: filesAt(root, depth),
      rules: { 'no-restricted-imports': ['error', { patterns: patternsFor(depth) }] },
    });
  }
  return blocks;
}

export default defineConfig([
  globalIgnores([
    'out/',
    'dist/',
    'node_modules/',
    'test-artifacts/',
    'data/',
    'coverage/',
    '.vitest-cache/',
  ]),

  {
    name: 'slicebox/javascript',
    files: [`**/*.${CODE}`],
    extends: [js.configs.recommended],
  },
  {
    name: 'slicebox/typescript',
    files: ['**/*.{ts,mts,cts,svelte}'],
    extends: [tseslint.configs.recommended],
  },
  {
    name: 'slicebox/svelte',
    files: ['**/*.svelte', '**/*.svelte.ts', '**/*.svelte.js'],
    extends: [svelte.configs.recommended],
    languageOptions: {
      parserOptions: {
        parser: tseslint.parser,
        extraFileExtensions: ['.svelte'],
      },
    },
    rules: {
      // Type names are checked by tsc/svelte-check; no-undef does not understand them.
      'no-undef': 'off',
    },
  },
  {
    name: 'slicebox/unused',
    files: [`**/*.${CODE}`],
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
  {
    name: 'slicebox/unused-js',
    files: ['**/*.{js,mjs,cjs}'],
    rules: {
      '@typescript-eslint/no-unused-vars': 'off',
      'no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },

  // Globals per runtime.
  {
    name: 'slicebox/globals-node',
    files: [
      `src-main/**/*.${CODE}`,
      `test/**/*.${CODE}`,
      `scripts/**/*.${CODE}`,
      `bench/**/*.${CODE}`,
      `*.${CODE}`,
    ],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    name: 'slicebox/globals-browser',
    files: [`src-renderer/**/*.${CODE}`],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    name: 'slicebox/globals-preload',
    files: [`src-preload/**/*.${CODE}`],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
  },

  // Layer rules. Blocks for the same files replace each other's options, so each layer's block
  // carries its whole list.
  ...layerBlocks('renderer', 'src-renderer', rendererPatterns),
  ...layerBlocks('services', 'src-main/services', (d) => plainNodePatterns('services', ['app'], d)),
  ...layerBlocks('slicebox', 'src-main/slicebox', (d) =>
    plainNodePatterns('slicebox', ['app', 'services', 'web'], d),
  ),
  ...layerBlocks('web', 'src-main/web', (d) => plainNodePatterns('web', ['app'], d)),
  ...layerBlocks('localbox', 'src-main/localbox', (d) =>
    plainNodePatterns('localbox', ['app', 'services', 'web'], d),
  ),
  {
    name: 'layers/localbox-worker',
    files: WORKER_LAYER,
    rules: { 'no-restricted-imports': ['error', { patterns: workerPatterns() }] },
  },
  {
    name: 'layers/preload',
    files: [`src-preload/**/*.${CODE}`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)(src-main|src-renderer)(/|$)',
              message: 'The preload is bundled on its own: only electron and ./contract.',
            },
          ],
        },
      ],
    },
  },
  {
    name: 'layers/contract',
    files: ['src-preload/contract.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '.*',
              message: 'src-preload/contract.ts is the one shared contract: it imports nothing.',
            },
          ],
        },
      ],
    },
  },
]);
