/**
 * Password hashing: bcrypt with cost 10 and the `$2a$` prefix that Slicebox (jBCrypt) writes and reads.
 * bcryptjs 3 emits `$2b$` salts; for passwords shorter than 255 bytes 2a and 2b compute the same hash, so the
 * salt prefix is rewritten to `$2a$` to keep stored hashes interchangeable with Slicebox databases.
 */
import bcrypt from 'bcryptjs';

/**
 * A cost-10 hash of a random password nobody knows: checked against when a user name does not exist, so that
 * answer takes as long as a wrong password for a real user.
 */
export const DUMMY_HASH = '$2a$10$HK7hsrAFhM21K5Xra0snIusf70s/wEBZz12PuMsxMYrYiYk7uNnqq';

export async function hashPassword(password: string): Promise<string> {
  const salt = (await bcrypt.genSalt(10)).replace(/^\$2b\$/, '$2a$');
  return bcrypt.hash(password, salt);
}

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  try {
    return await bcrypt.compare(password, hash);
  } catch {
    return false;
  }
}
