import { describe, expect, it } from 'vitest';
import { formatSeenAt } from '../../src-renderer/lib/seen-at.js';

describe('when cached rows were seen', () => {
  it('says the time today and the date on another day', () => {
    const now = new Date(2026, 10, 30, 15, 0).getTime();
    expect(formatSeenAt(new Date(2026, 10, 30, 9, 5).getTime(), now)).toBe('at 09:05');
    expect(formatSeenAt(new Date(2026, 10, 29, 23, 59).getTime(), now)).toBe(
      'on 2026-11-29 at 23:59',
    );
  });
});
