/** The Electron implementation of the services' `Dialogs` port: the native save dialog and the file manager. */
import { app, dialog, shell, type BrowserWindow, type SaveDialogOptions } from 'electron';
import { join } from 'node:path';
import type { Dialogs } from '../services/exports/export-service.js';

export function electronDialogs(getWindow: () => BrowserWindow | null): Dialogs {
  return {
    async saveFile(suggestedName, filter) {
      const options: SaveDialogOptions = {
        title: filter ? 'Save' : 'Save export',
        buttonLabel: 'Save',
        defaultPath: join(app.getPath('downloads'), suggestedName),
        filters: [filter ?? { name: 'Zip archive', extensions: ['zip'] }],
        properties: ['createDirectory', 'showOverwriteConfirmation'],
      };
      const window = getWindow();
      const picked = window
        ? await dialog.showSaveDialog(window, options)
        : await dialog.showSaveDialog(options);
      return picked.canceled || !picked.filePath ? undefined : picked.filePath;
    },
    revealFile(path) {
      shell.showItemInFolder(path);
    },
  };
}
