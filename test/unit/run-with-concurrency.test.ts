import { describe, expect, it } from 'vitest';
import { runWithConcurrency } from '../../src-main/services/imports/run-with-concurrency.js';

describe('runWithConcurrency', () => {
  it('processes every item once with no more than the limit in flight', async () => {
    const items = Array.from({ length: 25 }, (_, i) => i);
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    await runWithConcurrency(items, 3, async (item) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, item % 4));
      seen.push(item);
      inFlight -= 1;
    });
    expect(peak).toBe(3);
    expect(seen.sort((a, b) => a - b)).toEqual(items);
  });

  it('copes with no items and with a limit above the item count', async () => {
    await runWithConcurrency([], 4, async () => {
      throw new Error('never called');
    });
    const seen: string[] = [];
    await runWithConcurrency(['a'], 8, async (item) => {
      seen.push(item);
    });
    expect(seen).toEqual(['a']);
  });
});
