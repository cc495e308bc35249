/**
 * The Import sessions screen (WEB-UI Import): one page of sessions at a time (20, no sorting), a
 * multi-selection, the "current" session whose "Add files to …" panel is shown, and its actions.
 */
import type { Bridge, ImportSessionItem } from '../../src-preload/contract.js';
import { errorMessage } from '../lib/format.js';
import { actions } from './actions.svelte.js';
import type { ErrorStore } from './errors.svelte.js';

export const SESSIONS_PAGE = 20;

export class ImportSessionsStore {
  items = $state.raw<ImportSessionItem[]>([]);
  startIndex = $state(0);
  hasMore = $state(false);
  loading = $state(false);
  error = $state<string | null>(null);
  /** Checked rows (ids). */
  selected = $state.raw<number[]>([]);
  /** The session the "Add files to …" panel imports into. */
  currentId = $state<number | null>(null);
  connectionId = $state<string | null>(null);
  /** The confirm dialog of Delete, or the name dialog of Add. */
  confirmingDelete = $state(false);
  adding = $state(false);

  current = $derived(this.items.find((s) => s.id === this.currentId) ?? null);

  #bridge: Bridge;
  #errors: ErrorStore;
  #request = 0;

  constructor(bridge: Bridge, errors: ErrorStore) {
    this.#bridge = bridge;
    this.#errors = errors;
  }

  setConnection(connectionId: string | null): void {
    if (connectionId === this.connectionId) return;
    this.connectionId = connectionId;
    this.items = [];
    this.selected = [];
    this.currentId = null;
    this.startIndex = 0;
    void this.load();
  }

  async load(startIndex = this.startIndex): Promise<void> {
    const connectionId = this.connectionId;
    if (!connectionId) return;
    const request = ++this.#request;
    this.loading = true;
    try {
      const page = await this.#bridge.invoke('importSessions.list', {
        connectionId,
        startIndex,
        count: SESSIONS_PAGE,
      });
      if (request !== this.#request) return;
      this.items = page.items;
      this.hasMore = page.hasMore;
      this.startIndex = startIndex;
      this.error = null;
      const ids = page.items.map((s) => s.id);
      this.selected = this.selected.filter((id) => ids.includes(id));
    } catch (error) {
      if (request === this.#request) this.error = errorMessage(error);
    } finally {
      if (request === this.#request) this.loading = false;
    }
  }

  /** Row click: that row alone is selected and current. */
  selectOnly(id: number): void {
    this.selected = [id];
    this.currentId = id;
  }

  toggle(id: number): void {
    if (this.selected.includes(id)) {
      this.selected = this.selected.filter((s) => s !== id);
      if (this.currentId === id) this.currentId = this.selected[0] ?? null;
    } else {
      this.selected = [...this.selected, id];
      this.currentId = id;
    }
  }

  toggleAll(): void {
    const all = this.items.map((s) => s.id);
    this.selected = this.selected.length === all.length ? [] : all;
    if (!this.selected.includes(this.currentId ?? -1)) this.currentId = this.selected[0] ?? null;
  }

  async create(name: string): Promise<boolean> {
    const connectionId = this.connectionId;
    if (!connectionId) return false;
    try {
      const session = await this.#bridge.invoke('importSessions.create', { connectionId, name });
      await this.load(this.startIndex);
      if (!this.items.some((s) => s.id === session.id)) {
        // Sessions are listed in creation order: the new one is on the last page.
        let start = this.startIndex;
        while (this.hasMore && !this.items.some((s) => s.id === session.id)) {
          start += SESSIONS_PAGE;
          await this.load(start);
        }
      }
      this.selectOnly(session.id);
      return true;
    } catch (error) {
      this.#errors.report('Adding the import session', error);
      return false;
    }
  }

  async removeSelected(): Promise<void> {
    const connectionId = this.connectionId;
    if (!connectionId || this.selected.length === 0) return;
    try {
      await this.#bridge.invoke('importSessions.remove', {
        connectionId,
        sessionIds: this.selected,
      });
      if (this.currentId !== null && this.selected.includes(this.currentId)) this.currentId = null;
      this.selected = [];
    } catch (error) {
      this.#errors.report('Deleting import sessions', error);
    }
    await this.load(this.startIndex);
    if (this.items.length === 0 && this.startIndex > 0) {
      await this.load(Math.max(0, this.startIndex - SESSIONS_PAGE));
    }
  }

  /** Tag Series on the series of the selected sessions' images. */
  async tagSeries(): Promise<void> {
    const connectionId = this.connectionId;
    if (!connectionId || this.selected.length === 0) return;
    try {
      const seriesIds: number[] = [];
      for (const sessionId of this.selected) {
        const images = await this.#bridge.invoke('importSessions.images', {
          connectionId,
          sessionId,
        });
        for (const image of images) {
          if (!seriesIds.includes(image.seriesId)) seriesIds.push(image.seriesId);
        }
      }
      if (seriesIds.length === 0) {
        this.#errors.report(
          'Tag Series',
          new Error('The selected import sessions have no images (any more).'),
        );
        return;
      }
      actions.open('tagSeries', connectionId, { kind: 'series', ids: seriesIds });
    } catch (error) {
      this.#errors.report('Tag Series', error);
    }
  }
}
