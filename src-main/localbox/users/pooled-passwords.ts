/**
 * Password hashing and checking in the engine's worker pool (jobs `password.hash`, `password.verify`), so that
 * bcrypt's ~70 ms of CPU per check never runs on the event loop: logins, Basic auth and user creation leave the
 * engine responsive. A failure of the pool itself (shutting down) is an error, never a wrong password.
 */
import type { CodecRunner } from '../pool/worker-pool.js';
import type { PasswordHasher } from './passwords.js';

export function pooledPasswords(codec: CodecRunner): PasswordHasher {
  return {
    hash: async (password) =>
      (await codec.run('password.hash', { password }, { label: 'password hashing' })).hash,
    verify: async (password, hash) =>
      (await codec.run('password.verify', { password, hash }, { label: 'password check' })).ok,
  };
}
