/**
 * Password hashing: bcrypt with cost 10 and the `$2a$` prefix that Slicebox (jBCrypt) writes and reads.
 * bcryptjs 3 emits `$2b$` salts; for passwords shorter than 255 bytes 2a and 2b compute the same hash, so the
 * salt prefix is rewritten to `$2a$` to keep stored hashes interchangeable with Slicebox databases.
 *
 * Pure CPU work (~70 ms per hash or check): the engine runs it in its worker pool (jobs `password.hash`,
 * `password.verify`; users/pooled-passwords.ts).
 */
import bcrypt from 'bcryptjs';

export async function hashPassword(password: string): Promise<string> {
  const salt = (await bcrypt.genSalt(10)).replace(/^\$2b\$/, '$2a$');
  return bcrypt.hash(password, salt);
}

/** A malformed hash is a wrong password. */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  try {
    return await bcrypt.compare(password, hash);
  } catch {
    return false;
  }
}
