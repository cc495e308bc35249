/**
 * One level of the drill-down: rows loaded page by page (100 at a time, "Load more"), the selected row,
 * and the loading/error state. Answers to superseded requests are dropped.
 */
import type { Page } from '../../src-preload/contract.js';
import { errorMessage } from '../lib/format.js';
import { PAGE_SIZE, appendPage, refreshCount } from '../lib/paging.js';
import {
  SINGLE,
  prune,
  selectedInOrder,
  selectedSet,
  type SelectionState,
} from '../lib/selection.js';

export type PageFetcher<T> = (startIndex: number, count: number) => Promise<Page<T>>;

export class PagedList<T extends { id: number }> {
  items = $state.raw<T[]>([]);
  hasMore = $state(false);
  loading = $state(false);
  /** True once the first page for the current source has arrived. */
  loaded = $state(false);
  error = $state<string | null>(null);
  /** Whether a source is set (e.g. a parent row is selected). */
  active = $state(false);
  selectedId = $state<number | null>(null);
  /** The rows shown are what was seen before: the server could not be reached. */
  fromCache = $state(false);
  /** When the oldest cached page shown was fetched (ms since the epoch), or null for live rows. */
  cachedAt = $state<number | null>(null);

  selected = $derived(this.items.find((item) => item.id === this.selectedId) ?? null);

  /**
   * Multi-selection on top of `selectedId` (the focused row, which drives the next level). While
   * `selection.marked` is null the selection is the focused row alone.
   */
  selection = $state.raw<SelectionState>(SINGLE);
  /** The ids selected, in display order. */
  selectedIds = $derived(
    selectedInOrder(
      this.items.map((item) => item.id),
      this.selection,
      this.selectedId,
    ),
  );
  selectedSet = $derived(selectedSet(this.selection, this.selectedId));

  #fetch: PageFetcher<T> | null = null;
  #generation = 0;
  #onError: (error: unknown) => void;

  constructor(onError: (error: unknown) => void) {
    this.#onError = onError;
  }

  /** Show the rows of a new source (or nothing, with null) from the first page. */
  async reset(fetch: PageFetcher<T> | null): Promise<void> {
    this.#fetch = fetch;
    this.active = fetch !== null;
    const generation = ++this.#generation;
    this.items = [];
    this.hasMore = false;
    this.loaded = false;
    this.error = null;
    this.selectedId = null;
    this.selection = SINGLE;
    this.loading = false;
    this.fromCache = false;
    this.cachedAt = null;
    if (fetch) await this.#load(generation, 0, PAGE_SIZE, 'replace');
  }

  async loadMore(): Promise<void> {
    if (!this.#fetch || this.loading || !this.hasMore) return;
    await this.#load(this.#generation, this.items.length, PAGE_SIZE, 'append');
  }

  /** Reload what is shown (same source), keeping the selection if the row is still there. */
  async refresh(): Promise<void> {
    if (!this.#fetch) return;
    const generation = ++this.#generation;
    await this.#load(generation, 0, refreshCount(this.items.length), 'replace');
  }

  async retry(): Promise<void> {
    if (this.loaded) await this.loadMore();
    else await this.refresh();
  }

  async #load(
    generation: number,
    startIndex: number,
    count: number,
    mode: 'replace' | 'append',
  ): Promise<void> {
    const fetch = this.#fetch;
    if (!fetch) return;
    this.loading = true;
    this.error = null;
    try {
      const page = await fetch(startIndex, count);
      if (generation !== this.#generation) return;
      this.items = mode === 'append' ? appendPage(this.items, page) : appendPage([], page);
      this.hasMore = page.hasMore;
      this.loaded = true;
      const append = mode === 'append';
      if (page.fromCache) {
        const at = page.cachedAt ?? null;
        this.cachedAt =
          append && this.fromCache && this.cachedAt !== null && at !== null
            ? Math.min(this.cachedAt, at)
            : at;
        this.fromCache = true;
      } else if (!append || !this.fromCache) {
        this.fromCache = false;
        this.cachedAt = null;
      }
      if (this.selectedId !== null && !this.items.some((item) => item.id === this.selectedId))
        this.selectedId = null;
      this.selection = prune(
        this.selection,
        this.items.map((item) => item.id),
      );
    } catch (error) {
      if (generation !== this.#generation) return;
      this.error = errorMessage(error);
      this.#onError(error);
    } finally {
      if (generation === this.#generation) this.loading = false;
    }
  }
}
