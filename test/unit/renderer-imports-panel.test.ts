/** The Imports panel's pure helpers: remembered state, the current connection's jobs, the readable notes. */
import { describe, expect, it } from 'vitest';
import type { ImportFileResult, ImportJob } from '../../src-preload/contract.js';
import {
  jobNotes,
  jobStateLabel,
  jobsInto,
  otherConnectionImports,
  problemCount,
} from '../../src-renderer/lib/import-jobs.js';
import {
  clampPanelHeight,
  parsePanelPrefs,
  PANEL_DEFAULT_HEIGHT,
  PANEL_MIN_HEIGHT,
} from '../../src-renderer/lib/import-panel.js';

function job(overrides: Partial<ImportJob> = {}): ImportJob {
  return {
    id: 'j1',
    name: 'Drop',
    connectionId: 'local',
    state: 'done',
    created: 1000,
    filesTotal: 0,
    filesDone: 0,
    bytesTotal: 0,
    bytesDone: 0,
    counts: { added: 0, present: 0, rejected: 0, failed: 0, skipped: 0 },
    files: [],
    ...overrides,
  };
}

const file = (name: string, more: Partial<ImportFileResult>): ImportFileResult => ({
  name,
  path: `/x/${name}`,
  size: 1,
  state: 'added',
  ...more,
});

describe('the panel remembers its state', () => {
  it('starts folded, reads what was saved, survives garbage', () => {
    expect(parsePanelPrefs(null)).toEqual({ open: false, height: PANEL_DEFAULT_HEIGHT });
    expect(parsePanelPrefs('{"open":true,"height":300}')).toEqual({ open: true, height: 300 });
    expect(parsePanelPrefs('{"open":"yes","height":5}')).toEqual({
      open: false,
      height: PANEL_MIN_HEIGHT,
    });
    expect(parsePanelPrefs('not json')).toEqual({ open: false, height: PANEL_DEFAULT_HEIGHT });
  });

  it('never takes more than 45% of the window', () => {
    expect(clampPanelHeight(600, 860)).toBe(387);
    expect(clampPanelHeight(200, 860)).toBe(200);
    expect(clampPanelHeight(10, 860)).toBe(PANEL_MIN_HEIGHT);
  });
});

describe('imports of the current connection', () => {
  it('lists the current connection’s jobs and counts the others per connection', () => {
    const jobs = [
      job({ id: 'a', connectionId: 'local' }),
      job({ id: 'b', connectionId: 'remote', state: 'running' }),
      job({ id: 'c', connectionId: 'remote' }),
      job({ id: 'd', connectionId: 'other' }),
    ];
    expect(jobsInto(jobs, 'local').map((j) => j.id)).toEqual(['a']);
    expect(otherConnectionImports(jobs, 'local')).toEqual([
      { connectionId: 'remote', jobs: 2, running: 1 },
      { connectionId: 'other', jobs: 1, running: 0 },
    ]);
  });
});

describe('what a finished job says beyond its counts', () => {
  const family = job({
    counts: { added: 1, present: 0, rejected: 2, failed: 0, skipped: 2 },
    files: [
      file('MR_small.dcm', { state: 'added' }),
      file('MR_small_implicit.dcm', {
        state: 'skipped',
        reason: 'Same image as MR_small.dcm, which was stored',
        sameImageAs: 'MR_small.dcm',
      }),
      file('MR_small_RLE.dcm', {
        state: 'skipped',
        reason: 'Same image as MR_small.dcm, which was stored',
        sameImageAs: 'MR_small.dcm',
      }),
      file('a/MR_truncated.dcm', {
        state: 'rejected',
        hint: 'The same image was stored from MR_small.dcm.',
        sameImageAs: 'MR_small.dcm',
      }),
      file('SC.dcm', { state: 'rejected', hint: 'Import takes image objects only.' }),
    ],
  });

  it('a rejected copy whose image arrived is no problem; a refused object is', () => {
    expect(problemCount(family)).toBe(1);
    expect(jobStateLabel(family)).toBe('Done with problems');
    const onlyCopies = job({
      counts: { added: 1, present: 0, rejected: 1, failed: 0 },
      files: family.files.slice(0, 4),
    });
    expect(problemCount(onlyCopies)).toBe(0);
    expect(jobStateLabel(onlyCopies)).toBe('Done');
  });

  it('names the stored copy, the no-loss rejections, and each hint with its count', () => {
    expect(jobNotes(family)).toEqual([
      {
        tone: 'info',
        text: '2 files are other copies of MR_small.dcm, which was stored: not sent.',
      },
      {
        tone: 'info',
        text: '1 file rejected, but no loss: the same image was stored from another copy.',
      },
      { tone: 'warn', text: '1 file rejected: Import takes image objects only.' },
    ]);
  });
});
