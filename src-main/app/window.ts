/**
 * The one application window: sandboxed, context-isolated, no Node in the renderer, a strict CSP,
 * no navigation away from the renderer, no new windows, no permissions. External http(s) links open
 * in the system browser after validation.
 */
import { BrowserWindow, session, shell, type Session } from 'electron';
import { PRELOAD_PATH, RENDERER_INDEX, isRendererUrl } from './paths.js';

/**
 * Sent as a header on the renderer's documents, on top of the renderer's own meta tag (the
 * browser enforces both). `'wasm-unsafe-eval'` lets the renderer compile WebAssembly (DICOM codecs)
 * without allowing `eval`.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' blob: data: sbx-media:",
  "font-src 'self'",
  "connect-src 'self' sbx-media:",
  "worker-src 'self' blob:",
  "media-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "frame-src 'none'",
].join('; ');

const MAX_EXTERNAL_URL_LENGTH = 2048;

/** An http(s) URL that is safe to hand to the system browser, or null. */
export function externalUrl(raw: string): string | null {
  if (raw.length > MAX_EXTERNAL_URL_LENGTH) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.username || url.password || !url.hostname) return null;
  return url.href;
}

function openExternally(raw: string): void {
  const url = externalUrl(raw);
  if (url === null) {
    console.warn(`Blocked opening ${raw.slice(0, 200)}`);
    return;
  }
  shell.openExternal(url).catch((error: unknown) => {
    console.warn(`Could not open ${url}: ${(error as Error).message}`);
  });
}

/** Once per session: CSP header and a deny-all permission policy. */
const hardened = new WeakSet<Session>();
function hardenSession(ses: Session): void {
  if (hardened.has(ses)) return;
  hardened.add(ses);

  ses.webRequest.onHeadersReceived((details, callback) => {
    const isDocument = details.resourceType === 'mainFrame' || details.resourceType === 'subFrame';
    if (!isDocument) {
      callback({});
      return;
    }
    const headers = { ...details.responseHeaders };
    for (const name of Object.keys(headers)) {
      if (name.toLowerCase() === 'content-security-policy') delete headers[name];
    }
    headers['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY];
    callback({ responseHeaders: headers });
  });

  // Writing to the clipboard (copying a UID) is the only permission the renderer gets.
  const allowed = (permission: string, url: string) =>
    permission === 'clipboard-sanitized-write' && isRendererUrl(url);
  ses.setPermissionRequestHandler((webContents, permission, callback) => {
    callback(allowed(permission, webContents.getURL()));
  });
  ses.setPermissionCheckHandler((webContents, permission) =>
    allowed(permission, webContents?.getURL() ?? ''),
  );
  ses.setDevicePermissionHandler(() => false);
  ses.on('will-download', (event) => event.preventDefault());
}

export function createMainWindow(): BrowserWindow {
  hardenSession(session.defaultSession);

  const window = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 800,
    minHeight: 560,
    show: false,
    title: 'Slicebox Desktop',
    webPreferences: {
      preload: PRELOAD_PATH,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  });
  const contents = window.webContents;

  contents.setWindowOpenHandler(({ url }) => {
    openExternally(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event) => {
    if (isRendererUrl(event.url)) return;
    event.preventDefault();
    openExternally(event.url);
  });
  contents.on('will-frame-navigate', (event) => {
    if (!event.isMainFrame && !isRendererUrl(event.url)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!isRendererUrl(event.url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());

  window.once('ready-to-show', () => window.show());
  void window.loadFile(RENDERER_INDEX).catch((error: unknown) => {
    console.error(`Could not load the renderer: ${(error as Error).message}`);
  });
  return window;
}
