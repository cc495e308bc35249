/** Sorting and filtering done here, on rows already loaded (lists the server does not sort or filter). */
import type { SortState } from './types.js';

/** A click on a column header: that column ascending, or the other way round when it is the one. */
export function nextSort<Key extends string>(
  current: SortState<Key> | null,
  key: Key,
): SortState<Key> {
  return current?.key === key ? { key, ascending: !current.ascending } : { key, ascending: true };
}

/** The rows with any of `fields` containing `needle` (case-insensitive); all rows for an empty one. */
export function filterRows<T>(
  rows: readonly T[],
  needle: string,
  fields: (row: T) => readonly string[],
): readonly T[] {
  const wanted = needle.trim().toLowerCase();
  if (!wanted) return rows;
  return rows.filter((row) => fields(row).some((field) => field.toLowerCase().includes(wanted)));
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** The rows in the order of `sort` (text by the user's locale, numbers by value); as given without. */
export function sortRows<T, Key extends string>(
  rows: readonly T[],
  sort: SortState<Key> | null,
  value: (row: T, key: Key) => string | number,
): readonly T[] {
  if (!sort) return rows;
  const sign = sort.ascending ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = value(a, sort.key);
    const y = value(b, sort.key);
    const order =
      typeof x === 'number' && typeof y === 'number'
        ? x - y
        : collator.compare(String(x), String(y));
    return sign * order;
  });
}
