/**
 * Browser mode: the services and the local box run under Node, the renderer runs in any browser on
 * this computer, and the bridge travels over the loopback WebSocket of the web host.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { startServices } from '../services/index.js';
import { forkLauncher } from '../services/localbox/launcher.js';
import { startWebHost, type WebHost } from './host.js';
import { browserMediaUrls, createMediaRoutes } from './media-routes.js';

export interface BrowserModeOptions {
  dataDir: string;
  version: string;
  port?: number;
  /** Folder of the built renderer; defaults to out/renderer next to this bundle. */
  rendererDir?: string;
  localboxScript?: string;
}

export interface BrowserMode {
  host: WebHost;
  localboxUrl: string;
  stop(): Promise<void>;
}

export async function startBrowserMode(options: BrowserModeOptions): Promise<BrowserMode> {
  let host: WebHost | undefined;
  const token = randomBytes(24).toString('base64url');
  const services = await startServices({
    ...browserMediaUrls(token),
    dataDir: options.dataDir,
    mode: 'browser',
    version: options.version,
    emit: (event, payload) => host?.broadcast(event, payload),
    launchLocalbox: forkLauncher(
      options.localboxScript ?? fileURLToPath(new URL('./localbox.js', import.meta.url)),
    ),
  });
  try {
    host = await startWebHost({
      rendererDir: options.rendererDir ?? fileURLToPath(new URL('../renderer/', import.meta.url)),
      stagingDir: services.stagingDir,
      handlers: services.handlers,
      port: options.port,
      token,
      routes: createMediaRoutes({
        bridgeToken: token,
        media: () => services.media,
        exports: () => services.exports,
      }),
    });
  } catch (error) {
    await services.stop();
    throw error;
  }
  const running = host;
  return {
    host: running,
    localboxUrl: services.localboxUrl,
    async stop() {
      await running.close();
      await services.stop();
    },
  };
}
