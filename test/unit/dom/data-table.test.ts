// @vitest-environment jsdom
/**
 * The data table of every admin, network and import-session list (components/table/DataTable.svelte on a
 * PagedQuery), rendered in jsdom and driven as a user does: header clicks sort on the "server" (and say
 * so in `aria-sort`), the pager follows the `count + 1` look-ahead, rows are selected by click, Ctrl-click,
 * Shift-click, checkboxes, Space and Ctrl+A, the loading, empty and error states show, and the keyboard
 * moves the cursor (arrows, Home/End, PageUp/PageDown), activates (Enter) and deletes (Delete).
 */
import { cleanup, fireEvent, render, screen, within } from '@testing-library/svelte';
import { tick } from 'svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Page } from '../../../src-preload/contract.js';
import type { TableSelection } from '../../../src-renderer/components/table/table-selection.svelte.js';
import type { PageQuery, PagedQuery } from '../../../src-renderer/stores/paged-query.svelte.js';
import Harness from './DataTableHarness.svelte';

interface Thing {
  id: number;
  name: string;
  size: number;
}

type Query = PageQuery<'name' | 'size'>;

const NAMES = ['kiwi', 'Apple', 'mango', 'banana', 'Cherry', 'fig', 'date'];
const things = (count: number): Thing[] =>
  Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    name: NAMES[i] ?? `thing ${String(i + 1).padStart(2, '0')}`,
    size: (i * 7) % 10,
  }));

/**
 * A server as the main side presents it: it answers one page for `startIndex`/`count` after asking its
 * database for `count + 1` rows, so `hasMore` is true exactly when a next page exists.
 */
function server(all: Thing[]) {
  const calls: Query[] = [];
  const fetch = vi.fn(async (query: Query): Promise<Page<Thing>> => {
    calls.push(query);
    const needle = query.filter?.toLowerCase() ?? '';
    const key = query.orderBy ?? 'name';
    const sign = query.orderAscending === false ? -1 : 1;
    const rows = all
      .filter((t) => t.name.toLowerCase().includes(needle))
      .sort((a, b) =>
        key === 'size'
          ? sign * (a.size - b.size || a.id - b.id)
          : sign * a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }),
      );
    const lookAhead = rows.slice(query.startIndex, query.startIndex + query.count + 1);
    return {
      items: lookAhead.slice(0, query.count),
      startIndex: query.startIndex,
      hasMore: lookAhead.length > query.count,
    };
  });
  return { calls, fetch };
}

interface Exports {
  selection: TableSelection;
  query: PagedQuery<Thing, 'name' | 'size'>;
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await Promise.resolve();
    await tick();
  }
}

async function show(props: Record<string, unknown>) {
  const view = render(Harness, { props });
  await settle();
  return { ...view, exports: view.component as unknown as Exports };
}

const rows = () => screen.queryAllByTestId('thing-row');
const names = () => rows().map((r) => r.dataset.name);
const row = (name: string) => rows().find((r) => r.dataset.name === name)!;
/** The row's cells (`td`; a grid's cells are gridcells to assistive technology). */
const cellsOf = (tr: HTMLElement) => Array.from(tr.querySelectorAll('td'));
const header = (key: string) =>
  screen.getAllByTestId('things-sort').find((b) => b.dataset.key === key)!;
const selectedNames = () =>
  rows()
    .filter((r) => r.getAttribute('aria-selected') === 'true')
    .map((r) => r.dataset.name);

afterEach(() => cleanup());

describe('DataTable: sort', () => {
  it('sorts on the server by a header click, and says so in aria-sort', async () => {
    const { calls, fetch } = server(things(5));
    await show({ fetch, pageSize: 10 });
    expect(calls.at(-1)).toMatchObject({ orderBy: 'name', orderAscending: true, startIndex: 0 });
    expect(names()).toEqual(['Apple', 'banana', 'Cherry', 'kiwi', 'mango']);
    expect(header('name').closest('th')!.getAttribute('aria-sort')).toBe('ascending');
    expect(header('size').closest('th')!.getAttribute('aria-sort')).toBe('none');

    await fireEvent.click(header('name'));
    await settle();
    expect(calls.at(-1)).toMatchObject({ orderBy: 'name', orderAscending: false });
    expect(names()).toEqual(['mango', 'kiwi', 'Cherry', 'banana', 'Apple']);
    expect(header('name').closest('th')!.getAttribute('aria-sort')).toBe('descending');

    await fireEvent.click(header('size'));
    await settle();
    expect(calls.at(-1)).toMatchObject({ orderBy: 'size', orderAscending: true });
    expect(rows().map((r) => Number(cellsOf(r)[2]!.textContent))).toEqual([0, 1, 4, 7, 8]);
    expect(header('size').closest('th')!.getAttribute('aria-sort')).toBe('ascending');
    expect(header('name').closest('th')!.getAttribute('aria-sort')).toBe('none');
  });

  it('a new order or filter starts again from the first page', async () => {
    const { calls, fetch } = server(things(7));
    const { exports } = await show({ fetch, pageSize: 3 });
    await fireEvent.click(screen.getByTestId('things-next'));
    await settle();
    expect(exports.query.startIndex).toBe(3);
    await fireEvent.click(header('size'));
    await settle();
    expect(calls.at(-1)).toMatchObject({ startIndex: 0, orderBy: 'size' });
    await exports.query.setFilter('an');
    await settle();
    expect(calls.at(-1)).toMatchObject({ startIndex: 0, filter: 'an' });
    expect(names().sort()).toEqual(['banana', 'mango']);
  });
});

describe('DataTable: count + 1 paging', () => {
  it('asks for a page, offers Next only while the look-ahead found more', async () => {
    const { calls, fetch } = server(things(7));
    await show({ fetch, pageSize: 3 });
    expect(calls.map((c) => [c.startIndex, c.count])).toEqual([[0, 3]]);
    expect(rows()).toHaveLength(3);
    expect(screen.getByTestId('things-range').textContent).toBe('1–3+');
    const next = screen.getByTestId('things-next') as HTMLButtonElement;
    const previous = screen.getByTestId('things-previous') as HTMLButtonElement;
    expect(previous.disabled).toBe(true);
    expect(next.disabled).toBe(false);

    await fireEvent.click(next);
    await settle();
    expect(calls.at(-1)).toMatchObject({ startIndex: 3, count: 3 });
    expect(screen.getByTestId('things-range').textContent).toBe('4–6+');
    await fireEvent.click(next);
    await settle();
    expect(screen.getByTestId('things-range').textContent).toBe('7–7');
    expect(rows()).toHaveLength(1);
    expect(next.disabled).toBe(true);
    expect(previous.disabled).toBe(false);

    await fireEvent.click(previous);
    await settle();
    expect(calls.at(-1)).toMatchObject({ startIndex: 3 });
    expect(screen.getByTestId('things-range').textContent).toBe('4–6+');
  });

  it('a full last page has no Next, and one page has no pager at all', async () => {
    const six = server(things(6));
    await show({ fetch: six.fetch, pageSize: 3 });
    await fireEvent.click(screen.getByTestId('things-next'));
    await settle();
    expect(screen.getByTestId('things-range').textContent).toBe('4–6');
    expect((screen.getByTestId('things-next') as HTMLButtonElement).disabled).toBe(true);
    cleanup();

    const two = server(things(2));
    await show({ fetch: two.fetch, pageSize: 3 });
    expect(rows()).toHaveLength(2);
    expect(screen.queryByTestId('things-next')).toBeNull();
  });

  it('a page emptied by deletions steps back to the page before', async () => {
    const all = things(4);
    const { calls, fetch } = server(all);
    const { exports } = await show({ fetch, pageSize: 3 });
    await fireEvent.click(screen.getByTestId('things-next'));
    await settle();
    expect(rows()).toHaveLength(1);
    all.splice(0, all.length, ...all.slice(0, 3));
    await exports.query.load();
    await settle();
    expect(calls.slice(-2).map((c) => c.startIndex)).toEqual([3, 0]);
    expect(rows()).toHaveLength(3);
    expect(screen.queryByTestId('things-range')).toBeNull();
  });
});

describe('DataTable: selection', () => {
  it('click, Ctrl-click, Shift-click and the checkboxes select like a file manager', async () => {
    const { fetch } = server(things(5));
    const { exports } = await show({ fetch, pageSize: 10 });
    const table = screen.getByRole('grid', { name: 'Things' });
    expect(table.getAttribute('aria-multiselectable')).toBe('true');
    expect(selectedNames()).toEqual([]);

    await fireEvent.click(cellsOf(row('banana'))[1]!);
    expect(selectedNames()).toEqual(['banana']);
    await fireEvent.click(cellsOf(row('kiwi'))[1]!, { ctrlKey: true });
    expect(selectedNames()).toEqual(['banana', 'kiwi']);
    await fireEvent.click(cellsOf(row('Apple'))[1]!, { shiftKey: true });
    expect(selectedNames()).toEqual(['Apple', 'banana', 'Cherry', 'kiwi']);
    await fireEvent.click(cellsOf(row('Cherry'))[1]!);
    expect(selectedNames()).toEqual(['Cherry']);

    const box = within(row('mango')).getByRole('checkbox', { name: 'Select mango' });
    await fireEvent.click(box);
    expect(selectedNames()).toEqual(['Cherry', 'mango']);
    expect((box as HTMLInputElement).checked).toBe(true);
    const all = screen.getByRole('checkbox', { name: 'Select all rows shown' }) as HTMLInputElement;
    expect(all.indeterminate).toBe(true);
    await fireEvent.click(all);
    expect(selectedNames()).toHaveLength(5);
    expect(all.checked).toBe(true);
    await fireEvent.click(all);
    expect(selectedNames()).toEqual([]);
    expect(exports.selection.count).toBe(0);
  });

  it('single selection follows the cursor; no selection has no aria-selected', async () => {
    const single = server(things(3));
    await show({ fetch: single.fetch, selectionMode: 'single', pageSize: 10 });
    expect(names()).toEqual(['Apple', 'kiwi', 'mango']);
    expect(screen.queryAllByRole('checkbox')).toHaveLength(0);
    await fireEvent.click(cellsOf(row('Apple'))[0]!);
    expect(selectedNames()).toEqual(['Apple']);
    row('Apple').focus();
    await fireEvent.keyDown(row('Apple'), { key: 'ArrowDown' });
    expect(selectedNames()).toEqual(['kiwi']);
    cleanup();

    const none = server(things(3));
    await show({ fetch: none.fetch, selectionMode: 'none', pageSize: 10 });
    await fireEvent.click(cellsOf(row('kiwi'))[0]!);
    expect(rows().every((r) => !r.hasAttribute('aria-selected'))).toBe(true);
    expect(screen.getByRole('grid').hasAttribute('aria-multiselectable')).toBe(false);
  });

  it('rows that leave the list leave the selection', async () => {
    const all = things(5);
    const { fetch } = server(all);
    const { exports } = await show({ fetch, pageSize: 10 });
    await fireEvent.click(cellsOf(row('banana'))[1]!);
    await fireEvent.click(cellsOf(row('kiwi'))[1]!, { ctrlKey: true });
    all.splice(
      all.findIndex((t) => t.name === 'kiwi'),
      1,
    );
    await exports.query.load();
    await settle();
    expect(selectedNames()).toEqual(['banana']);
    expect([...exports.selection.ids]).toEqual([4]);
  });
});

describe('DataTable: loading, empty and error', () => {
  it('says Loading… until the first answer, then the empty message', async () => {
    let answer!: (page: Page<Thing>) => void;
    const fetch = vi.fn(() => new Promise<Page<Thing>>((resolve) => (answer = resolve)));
    await show({ fetch });
    const table = screen.getByRole('grid');
    expect(table.getAttribute('aria-busy')).toBe('true');
    expect(screen.getByTestId('things-empty').textContent).toContain('Loading…');
    answer({ items: [], startIndex: 0, hasMore: false });
    await settle();
    expect(table.getAttribute('aria-busy')).toBe('false');
    expect(screen.getByTestId('things-empty').textContent?.trim()).toBe('No things.');
  });

  it('shows the error in place of rows, and above the rows it keeps', async () => {
    const good = server(things(2));
    let fail = true;
    const fetch = vi.fn((query: Query) =>
      fail ? Promise.reject(new Error('Server said no')) : good.fetch(query),
    );
    const { exports } = await show({ fetch });
    expect(within(screen.getByTestId('things-empty')).getByRole('alert').textContent).toBe(
      'Server said no',
    );
    fail = false;
    await exports.query.load();
    await settle();
    expect(rows()).toHaveLength(2);
    expect(screen.queryByRole('alert')).toBeNull();
    fail = true;
    await exports.query.load();
    await settle();
    expect(rows()).toHaveLength(2);
    expect(screen.getByRole('alert').textContent).toBe('Server said no');
  });
});

describe('DataTable: keyboard', () => {
  it('one row is in the Tab order; arrows, Home/End and PageUp/PageDown move it', async () => {
    const { fetch } = server(things(25));
    await show({ fetch, pageSize: 30 });
    const tabbable = () => rows().filter((r) => r.tabIndex === 0);
    expect(tabbable()).toHaveLength(1);
    const first = rows()[0]!;
    expect(tabbable()[0]).toBe(first);
    // Tab into the table: the cursor and the selection go to that row.
    first.focus();
    await settle();
    expect(selectedNames()).toEqual([first.dataset.name]);

    const press = async (key: string, init: KeyboardEventInit = {}) => {
      await fireEvent.keyDown(document.activeElement!, { key, ...init });
      await settle();
      return rows().indexOf(document.activeElement as HTMLElement);
    };
    expect(await press('ArrowDown')).toBe(1);
    expect(await press('PageDown')).toBe(11);
    expect(await press('End')).toBe(24);
    expect(await press('ArrowDown')).toBe(24);
    expect(await press('PageUp')).toBe(14);
    expect(await press('Home')).toBe(0);
    expect(tabbable()).toEqual([rows()[0]]);
    expect(selectedNames()).toEqual([rows()[0]!.dataset.name]);

    // Shift+arrows extend; Ctrl+arrows move the cursor only; Space toggles; Escape goes back to one.
    await press('ArrowDown', { shiftKey: true });
    await press('ArrowDown', { shiftKey: true });
    expect(selectedNames()).toEqual(names().slice(0, 3));
    await press('ArrowDown', { ctrlKey: true });
    await press('ArrowDown', { ctrlKey: true });
    expect(rows().indexOf(document.activeElement as HTMLElement)).toBe(4);
    expect(selectedNames()).toEqual(names().slice(0, 3));
    await press(' ');
    expect(selectedNames()).toEqual([...names().slice(0, 3), names()[4]]);
    await press('Escape');
    expect(selectedNames()).toEqual([names()[4]]);
    await press('a', { ctrlKey: true });
    expect(selectedNames()).toHaveLength(25);
  });

  it('Enter activates, Delete deletes the selected rows, and row actions follow the cursor', async () => {
    const { fetch } = server(things(5));
    const onActivate = vi.fn();
    const onDelete = vi.fn();
    const onAction = vi.fn();
    await show({ fetch, pageSize: 10, onActivate, onDelete, onAction });
    // The actions of the row Tab reaches are in the Tab order, the others are not.
    const deletes = screen.getAllByRole('button', { name: /^Delete / });
    expect(deletes.map((b) => b.tabIndex)).toEqual([0, -1, -1, -1, -1]);

    row('Apple').focus();
    await fireEvent.keyDown(row('Apple'), { key: 'ArrowDown' });
    await settle();
    expect(document.activeElement).toBe(row('banana'));
    expect(screen.getByRole('button', { name: 'Delete banana' }).tabIndex).toBe(0);
    expect(screen.getByRole('button', { name: 'Delete Apple' }).tabIndex).toBe(-1);

    await fireEvent.keyDown(row('banana'), { key: 'Enter' });
    expect(onActivate).toHaveBeenCalledWith(expect.objectContaining({ name: 'banana' }));
    await fireEvent.dblClick(cellsOf(row('kiwi'))[1]!);
    expect(onActivate).toHaveBeenLastCalledWith(expect.objectContaining({ name: 'kiwi' }));

    await fireEvent.keyDown(row('banana'), { key: 'ArrowDown', shiftKey: true });
    await settle();
    await fireEvent.keyDown(document.activeElement!, { key: 'Delete' });
    expect(onDelete).toHaveBeenCalledTimes(1);
    expect(onDelete.mock.calls[0]![0].map((t: Thing) => t.name)).toEqual(['banana', 'Cherry']);

    // Keys pressed on a button inside a row are the button's: Enter runs the action only.
    const action = screen.getByRole('button', { name: 'Delete Cherry' });
    await fireEvent.click(action);
    expect(onAction).toHaveBeenCalledWith(expect.objectContaining({ name: 'Cherry' }));
    await fireEvent.keyDown(action, { key: 'Enter' });
    expect(onActivate).toHaveBeenCalledTimes(2);
  });
});
