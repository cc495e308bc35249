/**
 * The PACS screen's query side for one connection: what the server can do (its `pacs-*` extensions), its PACS
 * nodes and the chosen one (remembered per connection), the query form, the studies the PACS answered (or its
 * failure in its own words), the series of expanded studies, and the selection to retrieve.
 *
 * A PACS failure is an answer (`ok: false`), shown as such; only the server's own refusals (bad input) and an
 * unreachable server are errors. Nothing here changes the connection's status.
 */
import type {
  Bridge,
  PacsCapabilities,
  PacsErrorInfo,
  PacsNodeItem,
  PacsNodeSettings,
  PacsStudyItem,
  ScpItem,
} from '../../src-preload/contract.js';
import { SvelteMap, SvelteSet } from 'svelte/reactivity';
import { TableSelection } from '../components/table/table-selection.svelte.js';
import type { SortState, TableStatus } from '../components/table/types.js';
import { errorMessage } from '../lib/format.js';
import { EMPTY_FORM, formToQuery, type PacsQueryForm } from '../lib/pacs/query-form.js';
import {
  entries,
  flattenRows,
  selectedItems,
  sortStudies,
  type SeriesState,
  type StudyEntry,
  type StudySortKey,
} from '../lib/pacs/result-rows.js';
import { errorTitle } from '../lib/pacs/retrieve-view.js';

export const NO_PACS: PacsCapabilities = {
  nodes: false,
  query: false,
  retrieveMove: false,
  retrieveGet: false,
};

const NODE_STORAGE_KEY = 'sbx-pacs-node';

/** The results area: nothing asked yet, asking, an answer, the PACS's failure, or the server's error. */
export type ResultState =
  | { kind: 'idle' }
  | { kind: 'loading' }
  | { kind: 'answer'; truncated: boolean; limit: number; notes: string[] }
  | { kind: 'pacs-error'; error: PacsErrorInfo }
  | { kind: 'error'; message: string };

function rememberedNodes(): Record<string, number> {
  try {
    const value = JSON.parse(localStorage.getItem(NODE_STORAGE_KEY) ?? '{}') as unknown;
    return value && typeof value === 'object' ? (value as Record<string, number>) : {};
  } catch {
    return {};
  }
}

export class PacsStore {
  connectionId = $state<string | null>(null);
  capabilities = $state.raw<PacsCapabilities>(NO_PACS);
  /** True once the server said which extensions it has. */
  capabilitiesKnown = $state(false);
  capabilitiesError = $state<string | null>(null);
  nodes = $state.raw<PacsNodeItem[]>([]);
  nodesStatus = $state<TableStatus>({ loading: false, loaded: false, error: null });
  /** Whether the signed-in user may change node settings (administrators). */
  canEditSettings = $state(false);
  nodeId = $state<number | null>(null);
  node = $derived(this.nodes.find((n) => n.id === this.nodeId) ?? null);

  form = $state<PacsQueryForm>({ ...EMPTY_FORM });
  result = $state.raw<ResultState>({ kind: 'idle' });
  /** The node the shown results came from. */
  resultNodeId = $state<number | null>(null);
  studies = $state.raw<StudyEntry[]>([]);
  readonly expanded = new SvelteSet<number>();
  readonly series = new SvelteMap<number, SeriesState>();
  sort = $state.raw<SortState<StudySortKey> | null>(null);
  readonly selection = new TableSelection();

  rows = $derived(flattenRows(sortStudies(this.studies, this.sort), this.expanded, this.series));
  /** What Retrieve would fetch now. */
  items = $derived(selectedItems(this.rows, this.selection.ids));

  #bridge: Bridge;
  #query = 0;

  constructor(bridge: Bridge) {
    this.#bridge = bridge;
  }

  /** Shows another connection (and loads it); false when it was already shown. */
  setConnection(connectionId: string | null): boolean {
    if (connectionId === this.connectionId) return false;
    this.connectionId = connectionId;
    this.capabilities = NO_PACS;
    this.capabilitiesKnown = false;
    this.capabilitiesError = null;
    this.nodes = [];
    this.nodesStatus = { loading: false, loaded: false, error: null };
    this.canEditSettings = false;
    this.nodeId = null;
    this.#clearResults();
    void this.load();
    return true;
  }

  /** Capabilities, then (when the server has them) the nodes. */
  async load(): Promise<void> {
    const connectionId = this.connectionId;
    if (!connectionId) return;
    try {
      const capabilities = await this.#bridge.invoke('pacs.capabilities', { connectionId });
      if (connectionId !== this.connectionId) return;
      this.capabilities = capabilities;
      this.capabilitiesKnown = true;
      this.capabilitiesError = null;
    } catch (error) {
      if (connectionId === this.connectionId) this.capabilitiesError = errorMessage(error);
      return;
    }
    if (this.capabilities.nodes) await this.loadNodes();
  }

  async loadNodes(): Promise<void> {
    const connectionId = this.connectionId;
    if (!connectionId) return;
    this.nodesStatus = { ...this.nodesStatus, loading: true };
    try {
      const { nodes, canEditSettings } = await this.#bridge.invoke('pacs.nodes', { connectionId });
      if (connectionId !== this.connectionId) return;
      this.nodes = nodes;
      this.canEditSettings = canEditSettings;
      this.nodesStatus = { loading: false, loaded: true, error: null };
      if (!nodes.some((n) => n.id === this.nodeId)) {
        const remembered = rememberedNodes()[connectionId];
        const node = nodes.find((n) => n.id === remembered) ?? nodes[0] ?? null;
        this.nodeId = node?.id ?? null;
      }
    } catch (error) {
      if (connectionId === this.connectionId)
        this.nodesStatus = {
          loading: false,
          loaded: this.nodesStatus.loaded,
          error: errorMessage(error),
        };
    }
  }

  /** Another node: its results are not this one's, so they go. */
  selectNode(nodeId: number): void {
    if (nodeId === this.nodeId) return;
    this.nodeId = nodeId;
    this.#clearResults();
    const connectionId = this.connectionId;
    if (connectionId) {
      try {
        localStorage.setItem(
          NODE_STORAGE_KEY,
          JSON.stringify({ ...rememberedNodes(), [connectionId]: nodeId }),
        );
      } catch {
        // Not remembered: the first node is chosen next time.
      }
    }
  }

  /** Saves the node's settings (administrators); the server's refusal is thrown in its words. */
  async updateNode(scuId: number, settings: Partial<PacsNodeSettings>): Promise<PacsNodeItem> {
    const connectionId = this.#require();
    const node = await this.#bridge.invoke('pacs.updateNode', { connectionId, scuId, settings });
    if (connectionId === this.connectionId)
      this.nodes = this.nodes.map((n) => (n.id === node.id ? node : n));
    return node;
  }

  /** The server's SCPs (the settings' destination choices). */
  scps(): Promise<ScpItem[]> {
    return this.#bridge.invoke('network.scps', { connectionId: this.#require() });
  }

  /** C-FIND of studies with the form's keys on the chosen node. */
  async search(): Promise<void> {
    const connectionId = this.connectionId;
    const scuId = this.nodeId;
    if (!connectionId || scuId === null) return;
    this.#clearResults();
    const mine = this.#query;
    this.result = { kind: 'loading' };
    this.resultNodeId = scuId;
    try {
      const answer = await this.#bridge.invoke('pacs.queryStudies', {
        connectionId,
        scuId,
        query: formToQuery(this.form),
      });
      if (mine !== this.#query) return;
      if (answer.ok) {
        this.studies = entries(answer.matches);
        this.result = {
          kind: 'answer',
          truncated: answer.truncated,
          limit: answer.limit,
          notes: answer.notes,
        };
      } else this.result = { kind: 'pacs-error', error: answer.error };
    } catch (error) {
      if (mine === this.#query) this.result = { kind: 'error', message: errorMessage(error) };
    }
  }

  clearForm(): void {
    this.form = { ...EMPTY_FORM };
  }

  sortBy(key: StudySortKey): void {
    this.sort =
      this.sort?.key === key ? { key, ascending: !this.sort.ascending } : { key, ascending: true };
  }

  /** Shows a study's series (C-FIND at series level), or hides them. */
  toggle(studyRowId: number): void {
    if (this.expanded.has(studyRowId)) this.collapse(studyRowId);
    else void this.expand(studyRowId);
  }

  collapse(studyRowId: number): void {
    if (!this.expanded.has(studyRowId)) return;
    this.expanded.delete(studyRowId);
  }

  async expand(studyRowId: number): Promise<void> {
    const entry = this.studies.find((s) => s.rowId === studyRowId);
    const connectionId = this.connectionId;
    const scuId = this.resultNodeId;
    if (!entry || !connectionId || scuId === null || this.expanded.has(studyRowId)) return;
    this.expanded.add(studyRowId);
    const known = this.series.get(studyRowId);
    if (known && known.status !== 'error') return;
    const query = this.#query;
    this.#setSeries(studyRowId, { status: 'loading' });
    let state: SeriesState;
    try {
      const answer = await this.#bridge.invoke('pacs.querySeries', {
        connectionId,
        scuId,
        studyInstanceUid: entry.study.studyInstanceUid,
      });
      state = answer.ok
        ? {
            status: 'done',
            series: answer.matches,
            notes: answer.notes,
            truncated: answer.truncated,
          }
        : { status: 'error', message: `${errorTitle(answer.error)}: ${answer.error.message}` };
    } catch (error) {
      state = { status: 'error', message: errorMessage(error) };
    }
    if (query === this.#query) this.#setSeries(studyRowId, state);
  }

  /** The study of the shown results with this row id. */
  study(studyRowId: number): PacsStudyItem | null {
    return this.studies.find((s) => s.rowId === studyRowId)?.study ?? null;
  }

  #setSeries(studyRowId: number, state: SeriesState): void {
    this.series.set(studyRowId, state);
  }

  #clearResults(): void {
    this.#query++;
    this.result = { kind: 'idle' };
    this.resultNodeId = null;
    this.studies = [];
    this.expanded.clear();
    this.series.clear();
    this.selection.clear();
  }

  #require(): string {
    if (!this.connectionId) throw new Error('No connection is selected.');
    return this.connectionId;
  }
}
