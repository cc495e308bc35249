/**
 * Electron's SecretStore (src-main/app/secret-store-safe-storage.ts) against a fake `safeStorage` that
 * really transforms the bytes (a marker, then the UTF-8 bytes XOR-ed), and that fails like Electron's
 * when asked to decrypt something it did not encrypt. The store's file is real, in a temporary folder.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SECRETS_FILE } from '../../src-main/services/connections/file-secret-store.js';
import { safeStorageSecretStore } from '../../src-main/app/secret-store-safe-storage.js';

type Backend = 'basic_text' | 'gnome_libsecret' | 'kwallet' | 'kwallet5' | 'kwallet6' | 'unknown';

const fake = vi.hoisted(() => {
  const MARKER = Buffer.from('v11'); // Chromium's OSCrypt prefixes its ciphertexts similarly
  const KEY = 0x5a;
  const state = { available: true, backend: 'gnome_libsecret' as Backend };
  const safeStorage = {
    isEncryptionAvailable: vi.fn(() => state.available),
    getSelectedStorageBackend: vi.fn(() => state.backend),
    encryptString: vi.fn((plainText: string): Buffer => {
      if (!state.available)
        throw new Error(
          'Error while encrypting the text provided to safeStorage.encryptString. Encryption is not available.',
        );
      const bytes = Buffer.from(plainText, 'utf8');
      return Buffer.concat([MARKER, bytes.map((b) => b ^ KEY)]);
    }),
    decryptString: vi.fn((encrypted: Buffer): string => {
      if (!Buffer.isBuffer(encrypted) || !encrypted.subarray(0, MARKER.length).equals(MARKER)) {
        throw new Error(
          'Error while decrypting the ciphertext provided to safeStorage.decryptString.',
        );
      }
      return Buffer.from(encrypted.subarray(MARKER.length).map((b) => b ^ KEY)).toString('utf8');
    }),
  };
  return { safeStorage, state };
});

vi.mock('electron', () => ({ safeStorage: fake.safeStorage }));

const PASSWORD = 'correct horse battery staple — pässwörd';
let root: string;
/** The data folder: does not exist yet, as on a first launch. */
let dir: string;
const secretsPath = () => join(dir, SECRETS_FILE);
const fileText = () => readFileSync(secretsPath(), 'utf8');
const fileMode = () => statSync(secretsPath()).mode & 0o777;

const realPlatform = process.platform;
function setPlatform(platform: NodeJS.Platform) {
  Object.defineProperty(process, 'platform', { value: platform, configurable: true });
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'sbx-secret-store-'));
  dir = join(root, 'data');
  fake.state.available = true;
  fake.state.backend = 'gnome_libsecret';
  setPlatform('linux');
});

afterEach(() => {
  setPlatform(realPlatform);
  rmSync(root, { recursive: true, force: true });
  vi.clearAllMocks();
});

describe('with a system keychain', () => {
  it('reports kind keychain', () => {
    const store = safeStorageSecretStore(dir);
    expect(store.kind).toBe('keychain');
    expect(store.description).toMatch(/system keychain/);
  });

  it('round-trips a password through the file, which never holds the plain text', async () => {
    const store = safeStorageSecretStore(dir);
    await store.set('conn-1', PASSWORD);
    await store.set('conn-2', 'other');

    const text = fileText();
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain('correct horse');
    expect(text).not.toContain('other');
    const stored = JSON.parse(text) as Record<string, string>;
    expect(Object.keys(stored).sort()).toEqual(['conn-1', 'conn-2']);
    expect(stored['conn-1']).toMatch(/^safe:[A-Za-z0-9+/]+=*$/);
    expect(fake.safeStorage.encryptString).toHaveBeenCalledWith(PASSWORD);

    // A new store (the next launch) reads it back through safeStorage.
    const next = safeStorageSecretStore(dir);
    expect(await next.get('conn-1')).toBe(PASSWORD);
    expect(await next.get('conn-2')).toBe('other');
    expect(await next.get('conn-3')).toBeUndefined();
    expect(fake.safeStorage.decryptString).toHaveBeenCalled();
    expect(fileMode()).toBe(0o600);

    await next.delete('conn-1');
    expect(await safeStorageSecretStore(dir).get('conn-1')).toBeUndefined();
    expect(await safeStorageSecretStore(dir).get('conn-2')).toBe('other');
  });

  it('still reads values written before encryption was available (no safe: prefix)', async () => {
    fake.state.available = false;
    await safeStorageSecretStore(dir).set('old', 'plain-from-before');
    expect(JSON.parse(fileText())).toEqual({ old: 'plain-from-before' });

    fake.state.available = true;
    const store = safeStorageSecretStore(dir);
    expect(store.kind).toBe('keychain');
    expect(await store.get('old')).toBe('plain-from-before');
    // Rewriting it encrypts it.
    await store.set('old', 'plain-from-before');
    expect(fileText()).not.toContain('plain-from-before');
    expect(await safeStorageSecretStore(dir).get('old')).toBe('plain-from-before');
  });

  it('does not consult the Linux backend on other platforms', async () => {
    setPlatform('darwin');
    fake.state.backend = 'basic_text'; // would mean "no keyring" on Linux only
    const store = safeStorageSecretStore(dir);
    expect(store.kind).toBe('keychain');
    expect(fake.safeStorage.getSelectedStorageBackend).not.toHaveBeenCalled();
    await store.set('a', PASSWORD);
    expect(fileText()).not.toContain(PASSWORD);
  });

  it.each(['gnome_libsecret', 'kwallet', 'kwallet5', 'kwallet6'] as const)(
    'uses the keychain with the Linux backend %s',
    (backend) => {
      fake.state.backend = backend;
      expect(safeStorageSecretStore(dir).kind).toBe('keychain');
    },
  );
});

describe('without a usable keychain', () => {
  async function expectUserOnlyFile() {
    const store = safeStorageSecretStore(dir);
    expect(store.kind).toBe('file');
    expect(store.description).toBe(
      'Passwords are kept in a file only your user can read (no system keychain is available).',
    );
    await store.set('conn-1', PASSWORD);
    expect(JSON.parse(fileText())).toEqual({ 'conn-1': PASSWORD });
    expect(fileMode()).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700); // the data folder it created is user-only too
    expect(await safeStorageSecretStore(dir).get('conn-1')).toBe(PASSWORD);
    expect(fake.safeStorage.encryptString).not.toHaveBeenCalled();
  }

  it('falls back to the user-only file when encryption is not available', async () => {
    fake.state.available = false;
    await expectUserOnlyFile();
  });

  it('a password saved with the keychain reads as missing once the keychain is gone, never as ciphertext', async () => {
    await safeStorageSecretStore(dir).set('conn-1', PASSWORD);
    expect(fileText()).toContain('safe:');
    fake.state.available = false;
    const fallback = safeStorageSecretStore(dir);
    expect(fallback.kind).toBe('file');
    expect(await fallback.get('conn-1')).toBeUndefined();
    await fallback.set('conn-1', PASSWORD); // entered again: kept in the user-only file
    expect(await fallback.get('conn-1')).toBe(PASSWORD);
  });

  it("falls back when Linux's backend is basic_text (a hard-coded key: not a keychain)", async () => {
    fake.state.backend = 'basic_text';
    await expectUserOnlyFile();
    expect(fake.safeStorage.getSelectedStorageBackend).toHaveBeenCalled();
  });
});
