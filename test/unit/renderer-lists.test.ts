import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ImportJob } from '../../src-preload/contract.js';
import { debounce, throttle } from '../../src-renderer/lib/debounce.js';
import {
  addsImages,
  jobStateLabel,
  jobSummary,
  mergeJobs,
  upsertJob,
} from '../../src-renderer/lib/import-jobs.js';
import { isNavigationKey, nextIndex } from '../../src-renderer/lib/list-navigation.js';
import { PAGE_SIZE, appendPage, refreshCount } from '../../src-renderer/lib/paging.js';
import { nextTheme, parseTheme } from '../../src-renderer/lib/theme.js';

function job(overrides: Partial<ImportJob> = {}): ImportJob {
  return {
    id: 'j1',
    name: 'Drop',
    connectionId: 'local',
    state: 'running',
    created: 1000,
    filesTotal: 4,
    filesDone: 0,
    bytesTotal: 400,
    bytesDone: 0,
    counts: { added: 0, present: 0, rejected: 0, failed: 0 },
    files: [],
    ...overrides,
  };
}

describe('paging', () => {
  it('appends a page without duplicating rows that shifted', () => {
    const items = [{ id: 1 }, { id: 2 }];
    const merged = appendPage(items, {
      items: [{ id: 2 }, { id: 3 }],
      startIndex: 2,
      hasMore: false,
    });
    expect(merged.map((i) => i.id)).toEqual([1, 2, 3]);
    expect(items).toHaveLength(2);
  });

  it('refreshes at least one page and whole pages of what was loaded', () => {
    expect(refreshCount(0)).toBe(PAGE_SIZE);
    expect(refreshCount(37)).toBe(100);
    expect(refreshCount(100)).toBe(100);
    expect(refreshCount(101)).toBe(200);
  });
});

describe('import jobs', () => {
  it('adds jobs newest first and replaces by id', () => {
    const older = job({ id: 'a', created: 1 });
    const newer = job({ id: 'b', created: 2 });
    let jobs = upsertJob([], older);
    jobs = upsertJob(jobs, newer);
    expect(jobs.map((j) => j.id)).toEqual(['b', 'a']);
    jobs = upsertJob(jobs, job({ id: 'a', created: 1, filesDone: 2 }));
    expect(jobs.find((j) => j.id === 'a')?.filesDone).toBe(2);
    expect(jobs).toHaveLength(2);
  });

  it('keeps the newer state when a stale update arrives late', () => {
    const progressed = job({ filesDone: 3, bytesDone: 300 });
    const jobs = [progressed];
    expect(upsertJob(jobs, job())).toBe(jobs);
    expect(upsertJob(jobs, job({ filesDone: 3, bytesDone: 250 }))).toBe(jobs);
    expect(upsertJob(jobs, job({ filesDone: 4, bytesDone: 400, state: 'done' }))[0]?.state).toBe(
      'done',
    );
  });

  it('merges a listed snapshot into what events already delivered', () => {
    const live = [job({ id: 'a', filesDone: 2 })];
    const merged = mergeJobs(live, [
      job({ id: 'a', filesDone: 1 }),
      job({ id: 'b', created: 5000 }),
    ]);
    expect(merged.map((j) => [j.id, j.filesDone])).toEqual([
      ['b', 0],
      ['a', 2],
    ]);
  });

  it('labels and summarises jobs', () => {
    expect(jobStateLabel(job())).toBe('Starting');
    expect(jobStateLabel(job({ filesDone: 1 }))).toBe('Importing');
    expect(jobStateLabel(job({ state: 'failed' }))).toBe('Failed');
    const done = job({ state: 'done', counts: { added: 2, present: 1, rejected: 1, failed: 0 } });
    expect(jobStateLabel(done)).toBe('Done with problems');
    expect(jobSummary(done)).toBe('2 added · 1 already present · 1 rejected');
    expect(
      jobStateLabel(
        job({ state: 'done', counts: { added: 4, present: 0, rejected: 0, failed: 0 } }),
      ),
    ).toBe('Done');
  });

  it('says when an update can change the browser', () => {
    const before = job({ counts: { added: 1, present: 0, rejected: 0, failed: 0 } });
    expect(addsImages(undefined, job())).toBe(false);
    expect(addsImages(undefined, before)).toBe(true);
    expect(
      addsImages(before, job({ counts: { added: 1, present: 1, rejected: 0, failed: 0 } })),
    ).toBe(false);
    expect(
      addsImages(before, job({ counts: { added: 2, present: 0, rejected: 0, failed: 0 } })),
    ).toBe(true);
    expect(addsImages(before, { ...before, state: 'done' })).toBe(true);
  });
});

describe('list keyboard navigation', () => {
  it('recognises navigation keys', () => {
    expect(isNavigationKey('ArrowDown')).toBe(true);
    expect(isNavigationKey('Enter')).toBe(false);
  });

  it('moves within bounds', () => {
    expect(nextIndex('ArrowDown', 0, 3)).toBe(1);
    expect(nextIndex('ArrowDown', 2, 3)).toBe(2);
    expect(nextIndex('ArrowUp', 0, 3)).toBe(0);
    expect(nextIndex('Home', 2, 3)).toBe(0);
    expect(nextIndex('End', 0, 3)).toBe(2);
    expect(nextIndex('PageDown', 1, 30)).toBe(11);
    expect(nextIndex('PageUp', 5, 30)).toBe(0);
  });

  it('starts from the top (or bottom) when nothing is selected', () => {
    expect(nextIndex('ArrowDown', -1, 3)).toBe(0);
    expect(nextIndex('ArrowUp', -1, 3)).toBe(2);
    expect(nextIndex('ArrowDown', -1, 0)).toBe(-1);
  });
});

describe('theme preference', () => {
  it('parses stored values and cycles', () => {
    expect(parseTheme('dark')).toBe('dark');
    expect(parseTheme('nonsense')).toBe('system');
    expect(parseTheme(null)).toBe('system');
    expect(nextTheme('system')).toBe('light');
    expect(nextTheme('light')).toBe('dark');
    expect(nextTheme('dark')).toBe('system');
  });
});

describe('debounce and throttle', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('debounce calls once with the last arguments; cancel and flush work', () => {
    vi.useFakeTimers();
    const fn = vi.fn();
    const d = debounce(fn, 300);
    d('a');
    d('ab');
    vi.advanceTimersByTime(299);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledExactlyOnceWith('ab');
    d('x');
    d.cancel();
    vi.advanceTimersByTime(1000);
    expect(fn).toHaveBeenCalledTimes(1);
    d('y');
    d.flush();
    expect(fn).toHaveBeenLastCalledWith('y');
    vi.advanceTimersByTime(1000);
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it('throttle runs at once, then at most once per interval with a trailing call', () => {
    vi.useFakeTimers();
    const fn = vi.fn();
    const t = throttle(fn, 1000);
    t();
    expect(fn).toHaveBeenCalledTimes(1);
    t();
    t();
    expect(fn).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1000);
    expect(fn).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(5000);
    expect(fn).toHaveBeenCalledTimes(2);
  });
});
