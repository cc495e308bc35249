import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import type { Plugin } from 'vite';

/**
 * dcmjs-imaging fetches its WASM codecs with `eval("fetch(…)")` (to hide `fetch` from bundlers), which the
 * renderer's CSP rightly refuses (no 'unsafe-eval'). Rewritten here to a plain `fetch(…)` call.
 */
function dcmjsImagingWithoutEval(): Plugin {
  const evalFetch = 'eval("fetch(this.webAssemblyModulePathOrUrl || wasmFilename)")';
  return {
    name: 'dcmjs-imaging-without-eval',
    transform(code, id) {
      if (!id.includes('dcmjs-imaging') || !code.includes(evalFetch)) return null;
      return {
        code: code.replace(evalFetch, 'fetch(this.webAssemblyModulePathOrUrl || wasmFilename)'),
        map: null,
      };
    },
  };
}

// The renderer: a static Svelte 5 app loaded from file:// in Electron and from the browser-mode host,
// hence relative asset URLs (base './'). Nothing is fetched from the network at run time.
export default defineConfig({
  root: 'src-renderer',
  base: './',
  plugins: [svelte()],
  worker: { format: 'es', plugins: () => [dcmjsImagingWithoutEval()] },
  build: {
    outDir: '../out/renderer',
    emptyOutDir: true,
    target: 'chrome120',
    sourcemap: true,
    // The decoding worker carries dcmjs-imaging and its codecs (about 0.8 MB, plus WASM). The app loads it from its
    // own files, never over a network, so a chunk-size warning would tell a user running `npm start` nothing.
    chunkSizeWarningLimit: 1536,
  },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
