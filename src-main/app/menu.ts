/** The application menu: small on purpose. */
import { Menu, app, nativeTheme, type MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  importFiles(pick: 'files' | 'folders'): void;
}

/** Switches between dark and light, starting from what the system shows now. */
function toggleDark(): void {
  nativeTheme.themeSource = nativeTheme.shouldUseDarkColors ? 'light' : 'dark';
}

export function buildMenu(actions: MenuActions, isDev: boolean): Menu {
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' } satisfies MenuItemConstructorOptions] : []),
    {
      label: '&File',
      submenu: [
        {
          label: 'Import Files…',
          accelerator: 'CmdOrCtrl+O',
          click: () => actions.importFiles('files'),
        },
        {
          label: 'Import Folder…',
          accelerator: 'CmdOrCtrl+Shift+O',
          click: () => actions.importFiles('folders'),
        },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: '&View',
      submenu: [
        ...(isDev
          ? ([
              { role: 'reload' },
              { role: 'toggleDevTools' },
              { type: 'separator' },
            ] satisfies MenuItemConstructorOptions[])
          : []),
        { label: 'Toggle Dark Mode', accelerator: 'CmdOrCtrl+Shift+D', click: toggleDark },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { role: 'togglefullscreen' },
      ],
    },
    {
      role: 'help',
      submenu: [{ label: `About ${app.name}`, click: () => app.showAboutPanel() }],
    },
  ];
  return Menu.buildFromTemplate(template);
}
