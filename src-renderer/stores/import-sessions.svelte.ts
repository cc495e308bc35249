/**
 * The Import sessions screen (WEB-UI Import): one page of sessions at a time (20, no sorting), a
 * multi-selection, the "current" session whose "Add files to …" panel is shown, and its actions.
 */
import type { Bridge, ImportSessionItem } from '../../src-preload/contract.js';
import { TableSelection } from '../components/table/table-selection.svelte.js';
import { actions } from './actions.svelte.js';
import type { ErrorStore } from './errors.svelte.js';
import { PagedQuery } from './paged-query.svelte.js';

export const SESSIONS_PAGE = 20;

export class ImportSessionsStore {
  connectionId = $state<string | null>(null);
  readonly list: PagedQuery<ImportSessionItem>;
  /** The selected rows; the cursor (when selected) is the current session. */
  readonly selection = new TableSelection();
  /** The confirm dialog of Delete, or the name dialog of Add. */
  confirmingDelete = $state(false);
  adding = $state(false);

  /** The selected sessions shown, in their order. */
  get selected(): number[] {
    return this.selection.inOrder(this.list.rows.map((s) => s.id));
  }

  /** The session the "Add files to …" panel imports into: the cursor's, else the first selected. */
  get current(): ImportSessionItem | null {
    const { active } = this.selection;
    const selected = this.selected;
    const id = active !== null && selected.includes(active) ? active : selected[0];
    return this.list.rows.find((s) => s.id === id) ?? null;
  }

  #bridge: Bridge;
  #errors: ErrorStore;

  constructor(bridge: Bridge, errors: ErrorStore) {
    this.#bridge = bridge;
    this.#errors = errors;
    this.list = new PagedQuery<ImportSessionItem>(
      ({ startIndex, count }) => {
        const connectionId = this.connectionId;
        if (!connectionId) return Promise.resolve({ items: [], startIndex, hasMore: false });
        return bridge.invoke('importSessions.list', { connectionId, startIndex, count });
      },
      { pageSize: SESSIONS_PAGE },
    );
  }

  setConnection(connectionId: string | null): void {
    if (connectionId === this.connectionId) return;
    this.connectionId = connectionId;
    this.selection.clear();
    this.list.clear();
    void this.list.restart();
  }

  /** Reloads the page shown (or the one at `startIndex`). */
  load(startIndex?: number): Promise<boolean> {
    return this.list.load(startIndex);
  }

  async create(name: string): Promise<boolean> {
    const connectionId = this.connectionId;
    if (!connectionId) return false;
    try {
      const session = await this.#bridge.invoke('importSessions.create', { connectionId, name });
      const shown = () => this.list.rows.some((s) => s.id === session.id);
      await this.load();
      // Sessions are listed in creation order: the new one is on the last page.
      while (!shown() && this.list.hasMore) {
        if (!(await this.load(this.list.startIndex + SESSIONS_PAGE))) break;
      }
      this.selection.select(session.id);
      return true;
    } catch (error) {
      this.#errors.report('Adding the import session', error);
      return false;
    }
  }

  async removeSelected(): Promise<void> {
    const connectionId = this.connectionId;
    const sessionIds = this.selected;
    if (!connectionId || sessionIds.length === 0) return;
    try {
      await this.#bridge.invoke('importSessions.remove', { connectionId, sessionIds });
      this.selection.clear();
    } catch (error) {
      this.#errors.report('Deleting import sessions', error);
    }
    // A page left empty steps back to the one before.
    await this.load();
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
