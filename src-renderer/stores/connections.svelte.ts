/** The Slicebox connections in the sidebar and which one is being browsed. */
import type { Bridge, ConnectionInfo } from '../../src-preload/contract.js';
import type { ErrorStore } from './errors.svelte.js';

export class ConnectionStore {
  list = $state<ConnectionInfo[]>([]);
  selectedId = $state<string | null>(null);
  loading = $state(true);
  checking = $state<Record<string, boolean>>({});

  selected = $derived(this.list.find((c) => c.id === this.selectedId) ?? null);

  #bridge: Bridge;
  #errors: ErrorStore;

  constructor(bridge: Bridge, errors: ErrorStore) {
    this.#bridge = bridge;
    this.#errors = errors;
  }

  /** Load the list and follow status events. Returns the unsubscribe function. */
  start(): () => void {
    const off = this.#bridge.on('connections.status', (info) => this.#update(info));
    void this.load();
    return off;
  }

  async load(): Promise<void> {
    this.loading = true;
    try {
      const list = await this.#bridge.invoke('connections.list', undefined);
      this.list = list;
      if (!this.selectedId || !list.some((c) => c.id === this.selectedId)) {
        this.selectedId = (list.find((c) => c.kind === 'local') ?? list[0])?.id ?? null;
      }
    } catch (error) {
      this.#errors.report('Loading connections', error);
    } finally {
      this.loading = false;
    }
  }

  select(id: string): void {
    this.selectedId = id;
  }

  async check(id: string): Promise<void> {
    this.checking = { ...this.checking, [id]: true };
    try {
      this.#update(await this.#bridge.invoke('connections.check', { connectionId: id }));
    } catch (error) {
      this.#errors.report('Checking the connection', error);
    } finally {
      this.checking = { ...this.checking, [id]: false };
    }
  }

  #update(info: ConnectionInfo): void {
    const index = this.list.findIndex((c) => c.id === info.id);
    if (index === -1) this.list = [...this.list, info];
    else this.list[index] = info;
    if (!this.selectedId) this.selectedId = info.id;
  }
}

export const STATUS_LABEL: Record<ConnectionInfo['status'], string> = {
  unknown: 'Checking…',
  online: 'Online',
  offline: 'Offline',
  'auth-failed': 'Login failed',
};
