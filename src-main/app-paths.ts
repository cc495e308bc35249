/** Where the app keeps its data: the same folder Electron's `app.getPath('userData')` gives. */
import { homedir } from 'node:os';
import { join } from 'node:path';

export const PRODUCT_NAME = 'Slicebox Desktop';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  switch (process.platform) {
    case 'darwin':
      return join(homedir(), 'Library', 'Application Support', PRODUCT_NAME);
    case 'win32':
      return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), PRODUCT_NAME);
    default:
      return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), PRODUCT_NAME);
  }
}
