/**
 * Per-install credentials of the local box: a random superuser name and password, created once and kept
 * in the app's data folder in a file only the user can read (0600), written atomically.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export interface LocalboxCredentials {
  user: string;
  password: string;
}

export function credentialsPath(dataDir: string): string {
  return join(dataDir, 'localbox-credentials.json');
}

export async function loadOrCreateCredentials(dataDir: string): Promise<LocalboxCredentials> {
  const path = credentialsPath(dataDir);
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<LocalboxCredentials>;
    if (typeof parsed.user === 'string' && typeof parsed.password === 'string') {
      await chmod(path, 0o600);
      return { user: parsed.user, password: parsed.password };
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && !(error instanceof SyntaxError)) {
      throw error;
    }
  }
  const credentials = {
    user: `desktop-${randomBytes(4).toString('hex')}`,
    password: randomBytes(24).toString('base64url'),
  };
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600 });
  await rename(temp, path);
  return credentials;
}
