/**
 * Passwords: bcrypt (codec/password-hashing.ts), run in the engine's worker pool (pooled-passwords.ts) or, before
 * the engine serves requests and in tests, on this thread.
 */
import { hashPassword, verifyPassword } from '../codec/password-hashing.js';

export { hashPassword, verifyPassword };

/**
 * A cost-10 hash of a random password nobody knows: checked against when a user name does not exist, so that
 * answer takes as long as a wrong password for a real user.
 */
export const DUMMY_HASH = '$2a$10$HK7hsrAFhM21K5Xra0snIusf70s/wEBZz12PuMsxMYrYiYk7uNnqq';

/**
 * Hashing and checking passwords. bcryptjs is pure JavaScript: a cost-10 check takes ~70 ms of CPU, which on the
 * event loop would stall every other request, so the engine runs them in its worker pool (pooled-passwords.ts).
 */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, hash: string): Promise<boolean>;
}

/** On this thread: for start-up (before any request), tests, and the workers themselves. */
export const LOCAL_PASSWORDS: PasswordHasher = { hash: hashPassword, verify: verifyPassword };
