/**
 * `npm start`: opens the Electron window where Electron can start; otherwise falls back to browser
 * mode on 127.0.0.1, says why, prints the URL on a line of its own and opens the system browser
 * (unless `--no-open`).
 *
 * Flags: --no-open, --browser (skip Electron), --data <dir>, --port <web host port>.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultDataDir } from './app-paths.js';
import { startBrowserMode } from './web/browser-mode.js';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

function readVersion(): string {
  try {
    return (JSON.parse(readFileSync(`${projectRoot}package.json`, 'utf8')) as { version: string })
      .version;
  } catch {
    return '0.0.0';
  }
}

/** The Electron binary, or the reason it cannot be used on this machine. */
function findElectron(): { path: string } | { reason: string } {
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return { reason: 'there is no graphical display (DISPLAY and WAYLAND_DISPLAY are unset)' };
  }
  try {
    const electronPath = createRequire(import.meta.url)('electron') as unknown;
    if (typeof electronPath === 'string' && existsSync(electronPath)) return { path: electronPath };
    return { reason: 'the Electron binary is not installed' };
  } catch (error) {
    return {
      reason: `the Electron binary is not installed (${(error as Error).message.split('\n')[0]})`,
    };
  }
}

/** Native modules must match Electron's ABI before Electron loads them. */
function rebuildNativeModulesForElectron(): boolean {
  console.log('Rebuilding native modules (better-sqlite3) for Electron…');
  const result = spawnSync('npx', ['electron-builder', 'install-app-deps'], {
    cwd: projectRoot,
    stdio: 'inherit',
  });
  return result.status === 0;
}

function launchElectron(electronPath: string): Promise<{ ok: true } | { reason: string }> {
  return new Promise((resolve) => {
    const child = spawn(electronPath, [projectRoot], { stdio: 'inherit' });
    let settled = false;
    const startedOk = setTimeout(() => {
      settled = true;
      resolve({ ok: true });
    }, 8000);
    child.once('error', (error) => {
      clearTimeout(startedOk);
      if (!settled) resolve({ reason: `Electron failed to start (${error.message})` });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(startedOk);
      if (!settled)
        resolve({ reason: `Electron exited at start (code ${code}, signal ${signal})` });
      else process.exit(code ?? 0);
    });
  });
}

function openInBrowser(url: string): string | undefined {
  const opener =
    process.platform === 'darwin'
      ? { cmd: 'open', args: [url] }
      : process.platform === 'win32'
        ? { cmd: 'cmd', args: ['/c', 'start', '""', url] }
        : { cmd: 'xdg-open', args: [url] };
  if (process.platform === 'linux') {
    if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY)
      return 'there is no graphical display';
    const which = spawnSync('sh', ['-c', 'command -v xdg-open'], { encoding: 'utf8' });
    if (which.status !== 0) return 'xdg-open is not installed';
  }
  const child = spawn(opener.cmd, opener.args, { stdio: 'ignore', detached: true });
  child.on('error', () => undefined);
  child.unref();
  return undefined;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'no-open': { type: 'boolean', default: false },
      browser: { type: 'boolean', default: false },
      data: { type: 'string' },
      port: { type: 'string' },
    },
    strict: true,
  });
  const dataDir = values.data ?? defaultDataDir();
  console.log(`Slicebox Desktop ${readVersion()}`);

  let reason = 'browser mode was asked for (--browser)';
  if (!values.browser) {
    const electron = findElectron();
    if ('path' in electron) {
      if (rebuildNativeModulesForElectron()) {
        const launched = await launchElectron(electron.path);
        if ('ok' in launched) return;
        reason = launched.reason;
      } else {
        reason = 'native modules could not be rebuilt for Electron';
      }
    } else {
      reason = electron.reason;
    }
  }

  console.log(`Electron cannot start here: ${reason}.`);
  console.log('Starting Slicebox Desktop in browser mode instead (same app, served on 127.0.0.1).');
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    console.error(`--port must be a port number, not ${values.port}`);
    process.exit(2);
  }
  const app = await startBrowserMode({ dataDir, version: readVersion(), port });
  console.log('Ready.');
  console.log(`Data folder: ${dataDir}`);
  console.log(`Local box: ${app.localboxUrl}/api`);
  console.log('Open this address in a browser on this computer:');
  console.log(app.host.url);
  if (!values['no-open']) {
    const notOpened = openInBrowser(app.host.url);
    if (notOpened) console.log(`(Not opening a browser: ${notOpened}.)`);
  }
  console.log('Press Ctrl+C to stop.');

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    console.log('Stopping…');
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`Slicebox Desktop could not start: ${(error as Error).message}`);
  process.exit(1);
});
