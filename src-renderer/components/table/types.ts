/** The shapes the data table works with: columns, row actions, the sort, the list's state and paging. */

export interface Column<Key extends string = string> {
  /** The column's identity, and what a click on its header sorts by when it is sortable. */
  key: Key;
  label: string;
  sortable?: boolean;
  /** The label is for screen readers only (e.g. the "=" between a path and its value). */
  hideLabel?: boolean;
  /** Classes of the header cell (e.g. `num` to right-align it like its cells). */
  class?: string;
}

/** A button in the last column of every row (Rename, Delete, Test, …). */
export interface RowAction<T> {
  label: string;
  testId: string;
  /** What the button does to which row, for screen readers: "Delete user reader". */
  ariaLabel: (row: T) => string;
  run: (row: T) => void;
  /** Not shown for this row (e.g. the server lacks the feature). */
  hidden?: (row: T) => boolean;
  disabled?: (row: T) => boolean;
  title?: (row: T) => string | undefined;
}

export interface SortState<Key extends string = string> {
  key: Key;
  ascending: boolean;
}

/** What the table shows instead of rows: Loader, PagedQuery and the network sections all have it. */
export interface TableStatus {
  loading: boolean;
  /** True once an answer (not an error) has arrived. */
  loaded: boolean;
  error: string | null;
}

/** A paged list as the pager needs it (PagedQuery implements it). */
export interface Paging {
  /** The index of the first row shown. */
  readonly startIndex: number;
  readonly pageSize: number;
  /** The server has at least one more row after this page (the `count + 1` look-ahead). */
  readonly hasMore: boolean;
  readonly loading: boolean;
  previous(): void;
  next(): void;
}

/** No row selection (a cursor only), one row (master/detail), or many (file-manager style). */
export type SelectionMode = 'none' | 'single' | 'multi';

/** What the `cells` snippet of a row is told about it. */
export interface RowContext {
  index: number;
  /** The row has the cursor. */
  active: boolean;
  selected: boolean;
  /** For controls inside the row's cells: 0 in the row Tab reaches, -1 in the others. */
  tabindex: number;
}
