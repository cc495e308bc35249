/**
 * Where the built pieces live, relative to this module. The shell is bundled into
 * out/main/app/main.js, so `import.meta.url` is in out/main/app/ both in a checkout and in app.asar.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';

const at = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

/** The sandboxed preload, bundled to CommonJS. */
export const PRELOAD_PATH = at('../../preload/index.cjs');
/** The renderer's entry page. */
export const RENDERER_INDEX = at('../../renderer/index.html');
/** The same page as the file URL the window shows (no query, no hash). */
export const RENDERER_URL = pathToFileURL(RENDERER_INDEX).href;
/** The local box engine's entry point (src-main/localbox/cli.ts). */
export const LOCALBOX_SCRIPT = at('../localbox.js');

/** True when `url` is our renderer page (a hash or query, e.g. for routing, is allowed). */
export function isRendererUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'file:') return false;
    parsed.hash = '';
    parsed.search = '';
    return parsed.href === RENDERER_URL;
  } catch {
    return false;
  }
}
