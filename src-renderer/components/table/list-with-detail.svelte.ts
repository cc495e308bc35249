/**
 * A master/detail pair (Series types → rules, Filters → tag paths): a list whose selected row (single
 * selection) has its details loaded beside it. The selection stays on its row while that is there, else
 * moves to the first. Only the latest answers count (`Loader`).
 */
import { Loader } from '../../stores/loader.svelte.js';
import { TableSelection } from './table-selection.svelte.js';

export class ListWithDetail<T extends { id: number }, D> {
  readonly list: Loader<T[]>;
  readonly selection = new TableSelection();
  /** The details, with the id of the row they belong to. */
  readonly detail: Loader<{ id: number | null; value: D }>;

  readonly #fetchList: () => Promise<T[]>;
  readonly #fetchDetail: (id: number) => Promise<D>;
  readonly #empty: D;

  constructor(fetchList: () => Promise<T[]>, fetchDetail: (id: number) => Promise<D>, empty: D) {
    this.#fetchList = fetchList;
    this.#fetchDetail = fetchDetail;
    this.#empty = empty;
    this.list = new Loader<T[]>([]);
    this.detail = new Loader<{ id: number | null; value: D }>({ id: null, value: empty });
  }

  get rows(): T[] {
    return this.list.value;
  }

  /** The selected row, or null. */
  get selected(): T | null {
    return this.list.value.find((row) => row.id === this.selection.active) ?? null;
  }

  /** The selected row's details once they came; null while they are loading (or nothing is selected). */
  get current(): D | null {
    const selected = this.selected;
    return selected && this.detail.value.id === selected.id ? this.detail.value.value : null;
  }

  load(): Promise<boolean> {
    return this.list.load(this.#fetchList, (rows) => {
      if (!rows.some((row) => row.id === this.selection.active))
        this.selection.select(rows[0]?.id ?? null);
    });
  }

  /** Loads the details of the selected row (nothing for no row). */
  loadDetail(): Promise<boolean> {
    const id = this.selection.active;
    return this.detail.load(async () => ({
      id,
      value: id === null ? this.#empty : await this.#fetchDetail(id),
    }));
  }
}
