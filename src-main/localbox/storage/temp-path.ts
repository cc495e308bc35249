/**
 * A fresh name in the store's temp folder, for a file that is written elsewhere (a worker writes the result of
 * a rewrite there, flushed, before it is stored). The store's start-up reconciliation empties the temp folder,
 * so a name left behind by a crash is removed like any upload in flight.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { FileStore } from './file-store.js';

export function newTempPath(files: FileStore): string {
  return join(files.tmpDir, `${randomUUID()}.part`);
}
