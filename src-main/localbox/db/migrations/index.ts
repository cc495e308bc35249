import type { Migration } from '../migration.js';
import { migration001 } from './001-initial.js';

/** All migrations, in version order. Append only; never edit a released migration. */
export const MIGRATIONS: readonly Migration[] = [migration001];
