/**
 * The Electron shell's entry point (out/main/app/main.js): app lifecycle, one instance, the window,
 * the menu and the IPC transport. Everything else is the plain-Node services, started here with the
 * Electron implementations of their ports.
 */
import { BrowserWindow, Menu, app, dialog } from 'electron';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { FileRef } from '../../src-preload/contract.js';
import { LOCAL_CONNECTION_ID } from '../services/connections/connection-service.js';
import { dispatch, type HandlerTable } from '../services/handlers.js';
import { startServices } from '../services/index.js';
import { electronDialogs } from './dialogs.js';
import { eventForwarder, registerIpc } from './ipc.js';
import { handleMediaProtocol, registerMediaScheme } from './media-protocol.js';
import { utilityLauncher } from './localbox-utility.js';
import { buildMenu } from './menu.js';
import { LOCALBOX_SCRIPT } from './paths.js';
import { safeStorageSecretStore } from './secret-store-safe-storage.js';
import { createMainWindow } from './window.js';

type Services = Awaited<ReturnType<typeof startServices>>;

let mainWindow: BrowserWindow | null = null;
const getWindow = () => mainWindow;

function showWindow(): void {
  if (mainWindow === null || mainWindow.isDestroyed()) {
    mainWindow = createMainWindow();
    mainWindow.on('closed', () => {
      mainWindow = null;
    });
    return;
  }
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.focus();
}

/**
 * File › Import Files… / Import Folder…: picks files or folders and imports them into the local box.
 * Folders are walked recursively by the import service (zips and DICOMDIR media included).
 */
async function importFiles(
  handlers: Promise<HandlerTable>,
  pick: 'files' | 'folders',
): Promise<void> {
  const window = getWindow();
  const options = {
    title: pick === 'files' ? 'Import DICOM files' : 'Import folders of DICOM files',
    buttonLabel: 'Import',
    properties: [pick === 'files' ? 'openFile' : 'openDirectory', 'multiSelections'] as Array<
      'openFile' | 'openDirectory' | 'multiSelections'
    >,
  };
  const picked = window
    ? await dialog.showOpenDialog(window, options)
    : await dialog.showOpenDialog(options);
  if (picked.canceled || picked.filePaths.length === 0) return;
  const files: FileRef[] = await Promise.all(
    picked.filePaths.map(async (path) => ({
      path,
      name: basename(path),
      size: (await stat(path)).size,
    })),
  );
  const first = files[0]?.name ?? 'files';
  const name = files.length === 1 ? first : `${first} and ${files.length - 1} more`;
  const outcome = await dispatch(await handlers, 'imports.start', {
    connectionId: LOCAL_CONNECTION_ID,
    name,
    files,
  });
  if (!outcome.ok) dialog.showErrorBox('Import failed', outcome.error.message);
}

function main(): void {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  // Every renderer is sandboxed, whatever its webPreferences say.
  app.enableSandbox();
  // Image media for the viewer (before ready, as privileged schemes must be).
  registerMediaScheme();
  app.setAboutPanelOptions({
    applicationName: 'Slicebox Desktop',
    applicationVersion: app.getVersion(),
    copyright: 'Apache License 2.0',
  });

  const dataDir = app.getPath('userData');
  let services: Promise<Services> | null = null;
  let stopped = false;

  app.on('second-instance', () => {
    if (app.isReady()) showWindow();
  });

  app.on('before-quit', (event) => {
    if (stopped || services === null) return;
    event.preventDefault();
    const running = services;
    services = null;
    void running
      .then((s) => s.stop())
      .catch((error: unknown) => console.error(`Stopping the services failed: ${String(error)}`))
      .finally(() => {
        stopped = true;
        app.quit();
      });
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  app.on('activate', () => {
    if (app.isReady() && BrowserWindow.getAllWindows().length === 0) showWindow();
  });

  void app.whenReady().then(() => {
    services = startServices({
      dataDir,
      mode: 'electron',
      version: app.getVersion(),
      emit: eventForwarder(getWindow),
      launchLocalbox: utilityLauncher(LOCALBOX_SCRIPT),
      secretStore: safeStorageSecretStore(dataDir),
      dialogs: electronDialogs(getWindow),
    });
    const handlers = services.then((s) => s.handlers);
    handleMediaProtocol(services.then((s) => s.media));
    handlers.catch((error: unknown) => {
      console.error(error);
      dialog.showErrorBox(
        'Slicebox Desktop could not start',
        `The local box or the services failed to start:\n\n${(error as Error).message ?? String(error)}`,
      );
    });

    // The window opens at once; calls made while the local box boots wait for the handlers.
    registerIpc(handlers, getWindow);
    Menu.setApplicationMenu(
      buildMenu(
        {
          importFiles: (pick) => {
            importFiles(handlers, pick).catch((error: unknown) =>
              dialog.showErrorBox('Import failed', (error as Error).message ?? String(error)),
            );
          },
        },
        !app.isPackaged,
      ),
    );
    showWindow();
  });
}

main();
