/**
 * Browser mode's SecretStore: a JSON file of mode 0600 in the data folder (which is itself 0700), so
 * only the user can read it. The file is rewritten atomically (temporary file, flush, rename). Electron
 * reuses the same file layout with a codec that encrypts each value with safeStorage.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { SecretCodec, SecretStore, SecretStoreKind } from './secret-store.js';

export const SECRETS_FILE = 'connection-secrets.json';

const PLAIN: SecretCodec = { encode: (s) => s, decode: (s) => s };

export class FileSecretStore implements SecretStore {
  readonly kind: SecretStoreKind;
  readonly description: string;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly path: string,
    options: { kind?: SecretStoreKind; description?: string; codec?: SecretCodec } = {},
  ) {
    this.kind = options.kind ?? 'file';
    this.description =
      options.description ?? 'Passwords are kept in a file only your user can read (browser mode).';
    this.codec = options.codec ?? PLAIN;
  }

  private readonly codec: SecretCodec;

  static inDataDir(dataDir: string): FileSecretStore {
    return new FileSecretStore(join(dataDir, SECRETS_FILE));
  }

  async get(ref: string): Promise<string | undefined> {
    await this.queue;
    const encoded = (await this.read())[ref];
    return encoded === undefined ? undefined : this.codec.decode(encoded);
  }

  set(ref: string, secret: string): Promise<void> {
    return this.update((map) => {
      map[ref] = this.codec.encode(secret);
    });
  }

  delete(ref: string): Promise<void> {
    return this.update((map) => {
      delete map[ref];
    });
  }

  /** Writes are serialized so two quick edits cannot lose one another. */
  private update(change: (map: Record<string, string>) => void): Promise<void> {
    const next = this.queue.then(async () => {
      const map = await this.read();
      change(map);
      await this.write(map);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async read(): Promise<Record<string, string>> {
    try {
      const parsed = JSON.parse(await readFile(this.path, 'utf8')) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        return Object.fromEntries(
          Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'),
        );
      }
      return {};
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
  }

  private async write(map: Record<string, string>): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const temp = `${this.path}.${randomBytes(6).toString('hex')}.tmp`;
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(JSON.stringify(map, null, 2) + '\n');
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await chmod(temp, 0o600);
      await rename(temp, this.path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }
}
