import type { Migration } from '../migration.js';
import { migration001 } from './001-initial.js';
import { migration002 } from './002-anonymization.js';
import { migration003 } from './003-seriestypes-filtering.js';
import { migration004 } from './004-list-indexes.js';
import { migration005 } from './005-boxes.js';
import { migration006 } from './006-scp-scu.js';
import { migration007 } from './007-directory-watches.js';
import { migration008 } from './008-forwarding.js';
import { migration009 } from './009-case-insensitive-order.js';
import { migration010 } from './010-pacs.js';

/** All migrations, in version order. Append only; never edit a released migration. */
export const MIGRATIONS: readonly Migration[] = [
  migration001,
  migration002,
  migration003,
  migration004,
  migration005,
  migration006,
  migration007,
  migration008,
  migration009,
  migration010,
];
