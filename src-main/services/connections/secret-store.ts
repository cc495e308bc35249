/**
 * The port through which connection passwords are kept. The services never see how: Electron
 * implements it with safeStorage (the system keychain; src-main/app/secret-store-safe-storage.ts),
 * browser mode with a file only the user can read (file-secret-store.ts).
 */
export type SecretStoreKind = 'keychain' | 'file';

export interface SecretStore {
  readonly kind: SecretStoreKind;
  /** One sentence for the UI, e.g. "Passwords are kept in the system keychain." */
  readonly description: string;
  get(ref: string): Promise<string | undefined>;
  set(ref: string, secret: string): Promise<void>;
  delete(ref: string): Promise<void>;
}

/** How FileSecretStore encodes each value: as is (browser mode), or encrypted (Electron safeStorage). */
export interface SecretCodec {
  encode(secret: string): string;
  /** `undefined` when the stored value cannot be read any more (it then counts as missing). */
  decode(encoded: string): string | undefined;
}
