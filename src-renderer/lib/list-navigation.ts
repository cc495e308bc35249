/** Keyboard movement in a list: which row a key moves the selection to. */

export type NavigationKey = 'ArrowUp' | 'ArrowDown' | 'Home' | 'End' | 'PageUp' | 'PageDown';

export function isNavigationKey(key: string): key is NavigationKey {
  return ['ArrowUp', 'ArrowDown', 'Home', 'End', 'PageUp', 'PageDown'].includes(key);
}

/** The index to move to, or -1 for an empty list. `current` -1 means nothing selected yet. */
export function nextIndex(key: NavigationKey, current: number, length: number, page = 10): number {
  if (length <= 0) return -1;
  const last = length - 1;
  if (current < 0 || current > last) return key === 'End' || key === 'ArrowUp' ? last : 0;
  switch (key) {
    case 'ArrowUp':
      return Math.max(0, current - 1);
    case 'ArrowDown':
      return Math.min(last, current + 1);
    case 'Home':
      return 0;
    case 'End':
      return last;
    case 'PageUp':
      return Math.max(0, current - page);
    case 'PageDown':
      return Math.min(last, current + page);
  }
}
