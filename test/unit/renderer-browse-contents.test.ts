/**
 * The renderer's contents store (what the rows in view hold): rows in view are gathered into one
 * `browse.contents` call; "…" until the answer, nothing (never a number) for ids the answer leaves out or
 * when the call fails; a reload drops every count and asks again with `refresh`; answers for another
 * connection are dropped. And the words rows show and speak.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BrowseContents, Bridge, ContentsRequest } from '../../src-preload/contract.js';
import { ContentsStore } from '../../src-renderer/stores/browse-contents.svelte.js';
import {
  seriesImagesLabel,
  seriesImagesText,
  studyContentsLabel,
  studyImagesText,
  studyModalitiesText,
} from '../../src-renderer/lib/contents-label.js';

interface Call {
  request: ContentsRequest;
  resolve: (answer: BrowseContents) => void;
  reject: (error: unknown) => void;
}

function fakeBridge(): { bridge: Bridge; calls: Call[] } {
  const calls: Call[] = [];
  const bridge = {
    invoke: (channel: string, args: unknown) => {
      if (channel !== 'browse.contents') throw new Error(`unexpected ${channel}`);
      return new Promise((resolve, reject) =>
        calls.push({ request: args as ContentsRequest, resolve, reject }),
      );
    },
    on: () => () => undefined,
    fileRef: () => Promise.reject(new Error('no files')),
  } as unknown as Bridge;
  return { bridge, calls };
}

const CT_MR = { id: 1, seriesCount: 2, imageCount: 7, modalities: ['CT', 'MR'] };
const FIVE = { id: 5, imageCount: 5, thumbnailImageId: 42 };

describe('ContentsStore', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('asks once for the rows in view, and leaves out what the answer does not name', async () => {
    const { bridge, calls } = fakeBridge();
    const store = new ContentsStore(bridge);
    store.setConnection('c');
    store.setVisible('studies', [1, 2]);
    store.setVisible('series', [5]);
    store.setVisible('flat', [5, 6]);
    expect(store.study(1)).toBe('counting');
    await vi.advanceTimersByTimeAsync(100);
    expect(calls.map((c) => c.request)).toEqual([
      { connectionId: 'c', studyIds: [1, 2], seriesIds: [5, 6] },
    ]);
    calls[0]!.resolve({ studies: [CT_MR], series: [FIVE] });
    await vi.advanceTimersByTimeAsync(0);
    expect(store.study(1)).toEqual(CT_MR);
    expect(store.study(2)).toBe('unknown');
    expect(store.series(5)).toEqual(FIVE);
    expect(store.series(6)).toBe('unknown');

    // The same rows again (scrolled back): nothing is asked.
    store.setVisible('studies', [1, 2]);
    await vi.advanceTimersByTimeAsync(100);
    expect(calls).toHaveLength(1);
  });

  it('after a reload every count is dropped and the rows in view are asked again, fresh', async () => {
    const { bridge, calls } = fakeBridge();
    const store = new ContentsStore(bridge);
    store.setConnection('c');
    store.setVisible('studies', [1]);
    store.setVisible('series', [5]);
    await vi.advanceTimersByTimeAsync(100);
    calls[0]!.resolve({ studies: [CT_MR], series: [FIVE] });
    await vi.advanceTimersByTimeAsync(0);

    store.invalidate();
    expect(store.study(1)).toBe('counting');
    expect(store.series(5)).toBe('counting');
    await vi.advanceTimersByTimeAsync(100);
    expect(calls[1]!.request).toEqual({
      connectionId: 'c',
      studyIds: [1],
      seriesIds: [5],
      refresh: true,
    });
    calls[1]!.resolve({ studies: [{ ...CT_MR, imageCount: 8 }], series: [] });
    await vi.advanceTimersByTimeAsync(0);
    expect(store.study(1)).toEqual({ ...CT_MR, imageCount: 8 });
    expect(store.series(5)).toBe('unknown');

    // Only the first call after a reload asks for fresh counts.
    store.setVisible('studies', [3]);
    await vi.advanceTimersByTimeAsync(100);
    expect(calls[2]!.request).toEqual({ connectionId: 'c', studyIds: [3] });
  });

  it('counts a list again when it shows a new source; the other list of that kind is asked again', async () => {
    const { bridge, calls } = fakeBridge();
    const store = new ContentsStore(bridge);
    store.setConnection('c');
    store.setVisible('studies', [1]);
    store.setVisible('flat', [5]);
    await vi.advanceTimersByTimeAsync(100);
    calls[0]!.resolve({ studies: [CT_MR], series: [FIVE] });
    await vi.advanceTimersByTimeAsync(0);

    // Another patient, then back: the study is asked again (the server decides what it may reuse).
    store.listReset('studies');
    expect(store.study(1)).toBe('counting');
    expect(store.series(5)).toEqual(FIVE);
    store.setVisible('studies', [1]);
    await vi.advanceTimersByTimeAsync(100);
    expect(calls[1]!.request).toEqual({ connectionId: 'c', studyIds: [1] });

    // The Series column shows another study's series: the flat rows still on screen are asked again.
    store.listReset('series');
    expect(store.series(5)).toBe('counting');
    await vi.advanceTimersByTimeAsync(100);
    expect(calls[2]!.request).toEqual({ connectionId: 'c', seriesIds: [5] });
  });

  it('drops an answer meant for another connection or an earlier reload; a failure shows no number', async () => {
    const { bridge, calls } = fakeBridge();
    const store = new ContentsStore(bridge);
    store.setConnection('c');
    store.setVisible('studies', [1]);
    await vi.advanceTimersByTimeAsync(100);
    store.setConnection('d');
    calls[0]!.resolve({ studies: [CT_MR], series: [] });
    await vi.advanceTimersByTimeAsync(0);
    expect(store.study(1)).toBe('counting');

    store.setVisible('studies', [1]);
    await vi.advanceTimersByTimeAsync(100);
    expect(calls[1]!.request).toEqual({ connectionId: 'd', studyIds: [1] });
    calls[1]!.reject(new Error('server error'));
    await vi.advanceTimersByTimeAsync(0);
    expect(store.study(1)).toBe('unknown');
  });
});

describe('contents words', () => {
  it('reads "CT, MR · 7 images" and speaks "CT, MR, 2 series, 7 images"', () => {
    expect(`${studyModalitiesText(CT_MR)} · ${studyImagesText(CT_MR)}`).toBe('CT, MR · 7 images');
    expect(studyContentsLabel(CT_MR)).toBe('CT, MR, 2 series, 7 images');
    const one = { id: 2, seriesCount: 1, imageCount: 1, modalities: [] };
    expect(studyModalitiesText(one)).toBe('');
    expect(studyImagesText(one)).toBe('1 image');
    expect(studyContentsLabel(one)).toBe('1 series, 1 image');
    expect(seriesImagesText(FIVE)).toBe('5 images');
    expect(seriesImagesLabel(FIVE)).toBe('5 images');
  });

  it('shows "…" while counting and nothing when unknown', () => {
    expect(studyImagesText('counting')).toBe('…');
    expect(studyModalitiesText('counting')).toBe('');
    expect(studyImagesText('unknown')).toBe('');
    expect(seriesImagesText('counting')).toBe('…');
    expect(seriesImagesText('unknown')).toBe('');
    expect(studyContentsLabel('counting')).toBe('counting images');
    expect(seriesImagesLabel('unknown')).toBe('image count unavailable');
  });
});
