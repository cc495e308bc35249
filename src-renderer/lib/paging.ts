/** Paging rules shared by every list: pages of 100, count+1 look-ahead done by the main side. */
import type { Page } from '../../src-preload/contract.js';

export const PAGE_SIZE = 100;

/** Append a page to what is loaded, dropping rows already present (rows can shift between pages). */
export function appendPage<T extends { id: number }>(items: readonly T[], page: Page<T>): T[] {
  const seen = new Set(items.map((item) => item.id));
  const merged = items.slice();
  for (const item of page.items) {
    if (seen.has(item.id)) continue;
    seen.add(item.id);
    merged.push(item);
  }
  return merged;
}

/** How many rows a refresh asks for, so the user keeps everything they had loaded. */
export function refreshCount(loaded: number): number {
  return Math.max(PAGE_SIZE, Math.ceil(loaded / PAGE_SIZE) * PAGE_SIZE);
}
