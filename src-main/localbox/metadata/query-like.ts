/**
 * Case-sensitive SQL LIKE for metadata queries (BEHAVIOR.md §9.7) and series tag filters (§9.8).
 *
 * The original ran on H2, whose LIKE is case-sensitive; SQLite's built-in LIKE is case-insensitive for ASCII and
 * `PRAGMA case_sensitive_like` is connection-wide (and deprecated). So `sbx_like(value, pattern)` is a JS function
 * registered on the connection: `%` matches any run of characters, `_` exactly one character (code point), every
 * other character — backslash included — matches itself, case-sensitively. Values are always bound parameters.
 */
import type { Database } from 'better-sqlite3';

const CACHE_LIMIT = 256;
const cache = new Map<string, RegExp>();

/** Escapes a regex syntax character (not `-`: outside a class it is literal, and `\-` is invalid with `u`). */
function escapeRegExp(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c;
}

export function likePattern(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (re) return re;
  let source = '';
  for (const c of pattern) source += c === '%' ? '.*' : c === '_' ? '.' : escapeRegExp(c);
  re = new RegExp(`^${source}$`, 'su');
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(pattern, re);
  return re;
}

/** Whether `value` matches the LIKE `pattern`, case-sensitively. */
export function likeMatches(value: string, pattern: string): boolean {
  return likePattern(pattern).test(value);
}

/** Registers `sbx_like(value, pattern)` (1/0; NULL when either argument is NULL). */
export function registerLikeFunction(db: Database): void {
  db.function('sbx_like', { deterministic: true }, (value: unknown, pattern: unknown) => {
    if (value === null || value === undefined || pattern === null || pattern === undefined)
      return null;
    return likeMatches(String(value), String(pattern)) ? 1 : 0;
  });
}
