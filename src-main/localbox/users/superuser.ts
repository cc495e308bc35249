/**
 * Built-in superuser (BEHAVIOR.md §3.7): exactly one SUPERUSER with the configured name and password. If there is
 * none, or the first one has another name or a non-matching password, all SUPERUSER rows are replaced.
 */
import type { Database } from 'better-sqlite3';
import { hashPassword, verifyPassword } from './passwords.js';
import type { UserStore } from './user-store.js';

export async function ensureSuperuser(
  db: Database,
  users: UserStore,
  name: string,
  password: string,
): Promise<void> {
  const existing = users.firstSuperuser();
  if (
    existing &&
    existing.user === name &&
    (await verifyPassword(password, existing.hashedPassword))
  )
    return;
  const hashed = await hashPassword(password);
  db.transaction(() => {
    users.deleteSuperusers();
    const clash = users.byName(name);
    if (clash) {
      throw new Error(
        `Cannot create the superuser '${name}': a ${clash.role} user with that name already exists (id ${clash.id})`,
      );
    }
    users.insert(name, 'SUPERUSER', hashed);
  })();
}
