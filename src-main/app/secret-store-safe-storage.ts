/**
 * Electron's SecretStore: each password is encrypted with safeStorage (the system keychain: macOS
 * Keychain, Windows DPAPI, libsecret/kwallet on Linux) and the ciphertext is kept in the same 0600 file
 * browser mode uses. Where safeStorage cannot encrypt (no keyring on Linux, or only its plain-text
 * fallback), the UI is told passwords are in a user-only file instead.
 */
import { safeStorage } from 'electron';
import { join } from 'node:path';
import { FileSecretStore, SECRETS_FILE } from '../services/connections/file-secret-store.js';
import type { SecretStore } from '../services/connections/secret-store.js';

const KEYCHAIN_PREFIX = 'safe:';

export function safeStorageSecretStore(dataDir: string): SecretStore {
  const path = join(dataDir, SECRETS_FILE);
  const linuxBackend =
    process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : undefined;
  const usable = safeStorage.isEncryptionAvailable() && linuxBackend !== 'basic_text';
  if (!usable) {
    return new FileSecretStore(path, {
      kind: 'file',
      description:
        'Passwords are kept in a file only your user can read (no system keychain is available).',
      // A password encrypted while the keychain worked cannot be read now: it is missing (the
      // connection then reports a failed login and asks for it again), never sent as ciphertext.
      codec: {
        encode: (secret) => secret,
        decode: (encoded) => (encoded.startsWith(KEYCHAIN_PREFIX) ? undefined : encoded),
      },
    });
  }
  return new FileSecretStore(path, {
    kind: 'keychain',
    description: 'Passwords are encrypted with the system keychain.',
    codec: {
      encode: (secret) => KEYCHAIN_PREFIX + safeStorage.encryptString(secret).toString('base64'),
      decode: (encoded) =>
        encoded.startsWith(KEYCHAIN_PREFIX)
          ? safeStorage.decryptString(Buffer.from(encoded.slice(KEYCHAIN_PREFIX.length), 'base64'))
          : encoded,
    },
  });
}
