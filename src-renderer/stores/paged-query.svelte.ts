/**
 * One page of a server list at a time, as Slicebox's grids page (WEB-UI §1.1): a start index, a page size,
 * a filter and an order, with Previous and Next. The Slicebox API has no totals: the main side asks for
 * `count + 1` rows and answers `hasMore` when the extra row came, so Next is offered only when a next page
 * exists. Built on `Loader`: only the latest request counts, and a failure keeps the page shown (with
 * the error). A page left empty by a deletion steps back to the one before.
 */
import type { Page } from '../../src-preload/contract.js';
import { nextSort } from '../components/table/client-rows.js';
import type { Paging, SortState, TableStatus } from '../components/table/types.js';
import { Loader } from './loader.svelte.js';

export interface PageQuery<Order extends string> {
  startIndex: number;
  count: number;
  filter?: string;
  orderBy?: Order;
  orderAscending?: boolean;
}

export interface PagedQueryOptions<T, Order extends string> {
  pageSize: number;
  /** The order to start with; none when the list cannot be sorted. */
  sort?: SortState<Order>;
  /** Runs with each page taken, just before it is shown (e.g. to keep a selection valid). */
  apply?: (page: Page<T>) => void;
}

export class PagedQuery<T, Order extends string = never> implements Paging, TableStatus {
  readonly pageSize: number;
  filter = $state('');
  sort = $state.raw<SortState<Order> | null>(null);
  /** The index of the first row shown (of the page that was taken, not of one still asked for). */
  startIndex = $state(0);

  readonly #loader: Loader<Page<T>>;
  readonly #fetch: (query: PageQuery<Order>) => Promise<Page<T>>;
  readonly #apply: ((page: Page<T>) => void) | undefined;

  constructor(
    fetch: (query: PageQuery<Order>) => Promise<Page<T>>,
    options: PagedQueryOptions<T, Order>,
  ) {
    this.#fetch = fetch;
    this.pageSize = options.pageSize;
    this.sort = options.sort ?? null;
    this.#apply = options.apply;
    this.#loader = new Loader<Page<T>>({ items: [], startIndex: 0, hasMore: false });
  }

  get rows(): T[] {
    return this.#loader.value.items;
  }

  get hasMore(): boolean {
    return this.#loader.value.hasMore;
  }

  get loading(): boolean {
    return this.#loader.loading;
  }

  get loaded(): boolean {
    return this.#loader.loaded;
  }

  get error(): string | null {
    return this.#loader.error;
  }

  /** The request for the page at `startIndex`, as the bridge's list calls take it. */
  query(startIndex: number): PageQuery<Order> {
    const filter = this.filter.trim();
    return {
      startIndex,
      count: this.pageSize,
      ...(filter ? { filter } : {}),
      ...(this.sort ? { orderBy: this.sort.key, orderAscending: this.sort.ascending } : {}),
    };
  }

  /** Loads the page at `startIndex` (the page shown, by default). Resolves to whether it was taken. */
  async load(startIndex = this.startIndex): Promise<boolean> {
    const taken = await this.#loader.load(
      () => this.#fetch(this.query(startIndex)),
      (page) => {
        this.#apply?.(page);
        this.startIndex = startIndex;
      },
    );
    if (taken && this.rows.length === 0 && startIndex > 0)
      return this.load(Math.max(0, startIndex - this.pageSize));
    return taken;
  }

  /** Forgets what was shown (another server): nothing, not loaded, until the next load answers. */
  clear(): void {
    this.#loader.value = { items: [], startIndex: 0, hasMore: false };
    this.#loader.loaded = false;
    this.#loader.error = null;
    this.startIndex = 0;
  }

  /** From the first page: after the filter, the order or another condition of the list changed. */
  restart(): Promise<boolean> {
    return this.load(0);
  }

  setFilter(filter: string): Promise<boolean> {
    this.filter = filter;
    return this.restart();
  }

  /** A click on a column header: that column ascending, or the other way round when it is the one. */
  sortBy(key: Order): Promise<boolean> {
    this.sort = nextSort(this.sort, key);
    return this.restart();
  }

  next(): void {
    if (this.hasMore && !this.loading) void this.load(this.startIndex + this.pageSize);
  }

  previous(): void {
    if (this.startIndex > 0 && !this.loading)
      void this.load(Math.max(0, this.startIndex - this.pageSize));
  }
}
