/** Connection profiles of remote servers in the cache database; passwords stay in the SecretStore. */
import type { CacheDb } from '../cache/cache-db.js';

export interface StoredProfile {
  id: string;
  name: string;
  url: string;
  user: string;
  secretRef: string;
  created: number;
  updated: number;
}

interface Row {
  id: string;
  name: string;
  url: string;
  user: string;
  secret_ref: string;
  created: number;
  updated: number;
}

export class ProfileStore {
  constructor(private readonly db: CacheDb) {}

  list(): StoredProfile[] {
    const rows = this.db
      .prepare('SELECT * FROM connection_profiles ORDER BY created, id')
      .all() as Row[];
    return rows.map(fromRow);
  }

  get(id: string): StoredProfile | undefined {
    const row = this.db.prepare('SELECT * FROM connection_profiles WHERE id = ?').get(id) as
      Row | undefined;
    return row && fromRow(row);
  }

  save(profile: StoredProfile): void {
    this.db
      .prepare(
        `INSERT INTO connection_profiles (id, name, url, user, secret_ref, created, updated)
         VALUES (@id, @name, @url, @user, @secretRef, @created, @updated)
         ON CONFLICT (id) DO UPDATE SET name = @name, url = @url, user = @user,
           secret_ref = @secretRef, updated = @updated`,
      )
      .run(profile);
  }

  remove(id: string): void {
    this.db.prepare('DELETE FROM connection_profiles WHERE id = ?').run(id);
  }
}

function fromRow(row: Row): StoredProfile {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    user: row.user,
    secretRef: row.secret_ref,
    created: row.created,
    updated: row.updated,
  };
}
