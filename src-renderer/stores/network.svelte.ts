/**
 * The Network screen (Slicebox's Admin → Boxes, Admin → SCP / SCU, Admin → Directories, Admin → Forwarding
 * and Transactions screens, WEB-UI §1.2): the boxes, SCPs, SCUs, watched folders, forwarding rules and box
 * transactions of one connection's server. Lists are reloaded after every
 * change and, while the screen is shown, boxes (their Online state) and transactions every 5 s.
 * Loading errors are kept per section and shown inline; changes throw the server's message to the
 * dialog that asked for them.
 */
import type {
  AnonymizationOptionItem,
  BoxItem,
  BoxUsage,
  Bridge,
  DestinationRef,
  EchoResultItem,
  ForwardingRuleItem,
  NetworkCapabilities,
  ScpItem,
  ScpStateItem,
  ScuItem,
  SourceRef,
  TransferItem,
  WatchItem,
} from '../../src-preload/contract.js';
import { errorMessage } from '../lib/format.js';

/** How often boxes and transactions are reloaded while the screen is visible. */
export const NETWORK_REFRESH_MS = 5000;

export type NetworkSection = 'boxes' | 'scps' | 'scus' | 'watches' | 'forwarding' | 'transfers';

/** The list sections' state: the server's answer, whether it came, and its error. */
interface SectionState {
  loading: boolean;
  loaded: boolean;
  error: string | null;
}

function idle(): Record<NetworkSection, SectionState> {
  return {
    boxes: { loading: false, loaded: false, error: null },
    scps: { loading: false, loaded: false, error: null },
    scus: { loading: false, loaded: false, error: null },
    watches: { loading: false, loaded: false, error: null },
    forwarding: { loading: false, loaded: false, error: null },
    transfers: { loading: false, loaded: false, error: null },
  };
}

/** How the app names a source type (Slicebox's `directory` is a watched folder). */
export const SOURCE_TYPE_LABELS: Record<SourceRef['type'], string> = {
  user: 'User',
  box: 'Box',
  directory: 'Watched folder',
  scp: 'SCP',
  import: 'Import session',
};

/** How the app names a destination type. */
export const DESTINATION_TYPE_LABELS: Record<DestinationRef['type'], string> = {
  box: 'Box',
  scu: 'SCU',
};

/** Slicebox's AE title rule (BEHAVIOR §16): trimmed, 1 to 16 characters. Null when valid. */
export function aeTitleError(aeTitle: string): string | null {
  const trimmed = aeTitle.trim();
  if (trimmed === '') return 'Ae title must not be empty';
  if (trimmed.length > 16)
    return 'Ae title must not exceed 16 characters, excluding leading and trailing spaces.';
  return null;
}

/** Slicebox's port rule (BEHAVIOR §16): a whole number 0–65535. Null when valid. */
export function portError(port: string): string | null {
  const text = port.trim();
  if (!/^\d+$/.test(text) || Number(text) > 65535)
    return 'Port must be a value between 0 and 65535';
  return null;
}

/** A server without the local box's extensions (a real Slicebox), or one not asked yet. */
export const NO_CAPABILITIES: NetworkCapabilities = {
  echo: false,
  scpState: false,
  editScp: false,
  editScu: false,
  editBox: false,
};

/** A C-ECHO of an SCU: running, or its outcome (kept until the next test or another connection). */
export type EchoState = { running: true } | ({ running: false } & EchoResultItem);

export class NetworkStore {
  connectionId = $state<string | null>(null);
  boxes = $state.raw<BoxItem[]>([]);
  scps = $state.raw<ScpItem[]>([]);
  scus = $state.raw<ScuItem[]>([]);
  watches = $state.raw<WatchItem[]>([]);
  rules = $state.raw<ForwardingRuleItem[]>([]);
  /** The server's sources and destinations, for the Add rule dialog (null until loaded). */
  endpoints = $state.raw<{ sources: SourceRef[]; destinations: DestinationRef[] } | null>(null);
  endpointsError = $state<string | null>(null);
  /**
   * Whether the connection is the app's own local box (its folders are on this computer) or a remote
   * server (folders on the server's computer); null until known.
   */
  isLocal = $state<boolean | null>(null);
  outgoing = $state.raw<TransferItem[]>([]);
  incoming = $state.raw<TransferItem[]>([]);
  /** The server's anonymization options (BASIC_PROFILE left out: it always applies). */
  options = $state.raw<AnonymizationOptionItem[]>([]);
  optionsError = $state<string | null>(null);
  sections = $state(idle());
  /** What the server offers beyond the Slicebox API (echo, SCP state, edits). */
  capabilities = $state.raw<NetworkCapabilities>(NO_CAPABILITIES);
  /** True once the server said which extensions it has. */
  capabilitiesKnown = $state(false);
  /** Whether each SCP listens, by SCP id (servers with `scpState`). */
  scpStates = $state.raw<Readonly<Record<number, ScpStateItem>>>({});
  /** The last C-ECHO of each SCU, by SCU id. */
  echoes = $state.raw<Readonly<Record<number, EchoState>>>({});
  /** When the last refresh of boxes and transactions answered (ms since the epoch). */
  refreshedAt = $state<number | null>(null);

  #bridge: Bridge;
  /** The C-ECHOs running, by SCU id. */
  readonly #echoing: Record<number, Promise<EchoResultItem>> = {};
  /** Per section, the newest request; older answers are dropped. */
  #requests: Record<NetworkSection, number> = {
    boxes: 0,
    scps: 0,
    scus: 0,
    watches: 0,
    forwarding: 0,
    transfers: 0,
  };

  constructor(bridge: Bridge) {
    this.#bridge = bridge;
  }

  /** Shows another connection's network (and loads it); false when it was already shown. */
  setConnection(connectionId: string | null): boolean {
    if (connectionId === this.connectionId) return false;
    this.connectionId = connectionId;
    this.boxes = [];
    this.scps = [];
    this.scus = [];
    this.watches = [];
    this.rules = [];
    this.endpoints = null;
    this.endpointsError = null;
    this.isLocal = null;
    this.outgoing = [];
    this.incoming = [];
    this.options = [];
    this.optionsError = null;
    this.sections = idle();
    this.capabilities = NO_CAPABILITIES;
    this.capabilitiesKnown = false;
    this.scpStates = {};
    this.echoes = {};
    this.refreshedAt = null;
    for (const key of Object.keys(this.#requests) as NetworkSection[]) this.#requests[key]++;
    void this.#loadKind();
    void this.loadAll();
    return true;
  }

  loadAll(): Promise<void> {
    return Promise.all([
      this.loadCapabilities(),
      this.loadOptions(),
      this.loadBoxes(),
      this.loadScps(),
      this.loadScus(),
      this.loadWatches(),
      this.loadForwarding(),
      this.loadTransfers(),
    ]).then(() => undefined);
  }

  /** Learns whether the connection is the local box (`kind: 'local'`) or a remote server. */
  async #loadKind(): Promise<void> {
    const connectionId = this.connectionId;
    if (!connectionId) return;
    try {
      const list = await this.#bridge.invoke('connections.list', undefined);
      if (connectionId !== this.connectionId) return;
      const kind = list.find((c) => c.id === connectionId)?.kind;
      this.isLocal = kind === undefined ? null : kind === 'local';
    } catch {
      // Unknown: the dialogs then speak of "the server's computer" without assuming which.
    }
  }

  /** Asks the server which extensions it has; the SCP states follow when it can tell them. */
  async loadCapabilities(): Promise<void> {
    const connectionId = this.connectionId;
    if (!connectionId) return;
    try {
      const capabilities = await this.#bridge.invoke('network.capabilities', { connectionId });
      if (connectionId !== this.connectionId) return;
      this.capabilities = capabilities;
      this.capabilitiesKnown = true;
    } catch {
      // Unknown (the server is unreachable): the lists say so; the extensions stay hidden.
      return;
    }
    await this.loadScpStates();
  }

  /** Whether each SCP listens (servers with `scpState`); a failure leaves the last states shown. */
  async loadScpStates(): Promise<void> {
    const connectionId = this.connectionId;
    if (!connectionId || !this.capabilities.scpState) return;
    try {
      const states = await this.#bridge.invoke('network.scpStates', { connectionId });
      if (connectionId !== this.connectionId) return;
      this.scpStates = Object.fromEntries(states.map((s) => [s.scpId, s]));
    } catch {
      // The SCP list shows the server's error; the state column keeps what it knew.
    }
  }

  /** The periodic refresh: what changes by itself on the server. */
  refreshLive(): Promise<void> {
    return Promise.all([this.loadBoxes(), this.loadTransfers(), this.loadScpStates()]).then(() => {
      if (this.sections.boxes.error === null && this.sections.transfers.error === null)
        this.refreshedAt = Date.now();
    });
  }

  /**
   * Reloads boxes and transactions every `NETWORK_REFRESH_MS` while the page is visible (and at once
   * when it becomes visible again). Returns the stop function.
   */
  startRefreshing(): () => void {
    const tick = () => {
      if (document.visibilityState === 'visible') void this.refreshLive();
    };
    const timer = setInterval(tick, NETWORK_REFRESH_MS);
    document.addEventListener('visibilitychange', tick);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', tick);
    };
  }

  async #load<T>(
    section: NetworkSection,
    call: (connectionId: string) => Promise<T>,
    apply: (result: T) => void,
  ): Promise<void> {
    const connectionId = this.connectionId;
    if (!connectionId) return;
    const request = ++this.#requests[section];
    this.sections[section].loading = true;
    try {
      const result = await call(connectionId);
      if (request !== this.#requests[section]) return;
      apply(result);
      this.sections[section].error = null;
      this.sections[section].loaded = true;
    } catch (error) {
      if (request === this.#requests[section]) this.sections[section].error = errorMessage(error);
    } finally {
      if (request === this.#requests[section]) this.sections[section].loading = false;
    }
  }

  loadBoxes(): Promise<void> {
    return this.#load(
      'boxes',
      (connectionId) => this.#bridge.invoke('network.boxes', { connectionId }),
      (boxes) => (this.boxes = boxes),
    );
  }

  loadScps(): Promise<void> {
    return this.#load(
      'scps',
      (connectionId) => this.#bridge.invoke('network.scps', { connectionId }),
      (scps) => (this.scps = scps),
    ).then(() => this.loadScpStates());
  }

  loadScus(): Promise<void> {
    return this.#load(
      'scus',
      (connectionId) => this.#bridge.invoke('network.scus', { connectionId }),
      (scus) => (this.scus = scus),
    );
  }

  loadTransfers(): Promise<void> {
    return this.#load(
      'transfers',
      (connectionId) => this.#bridge.invoke('network.transfers', { connectionId }),
      (snapshot) => {
        this.outgoing = snapshot.outgoing;
        this.incoming = snapshot.incoming;
      },
    );
  }

  loadWatches(): Promise<void> {
    return this.#load(
      'watches',
      (connectionId) => this.#bridge.invoke('network.watches', { connectionId }),
      (watches) => (this.watches = watches),
    );
  }

  loadForwarding(): Promise<void> {
    return this.#load(
      'forwarding',
      (connectionId) => this.#bridge.invoke('network.forwardingRules', { connectionId }),
      (rules) => (this.rules = rules),
    );
  }

  /** The server's sources and destinations (read each time the Add rule dialog opens). */
  async loadEndpoints(): Promise<void> {
    const connectionId = this.connectionId;
    if (!connectionId) return;
    try {
      const endpoints = await this.#bridge.invoke('network.endpoints', { connectionId });
      if (connectionId !== this.connectionId) return;
      this.endpoints = endpoints;
      this.endpointsError = null;
    } catch (error) {
      if (connectionId === this.connectionId) this.endpointsError = errorMessage(error);
    }
  }

  /** The anonymization options for the box dialogs (read once per connection). */
  async loadOptions(): Promise<void> {
    const connectionId = this.connectionId;
    if (!connectionId || this.options.length > 0) return;
    try {
      const options = await this.#bridge.invoke('anonymization.options', { connectionId });
      if (connectionId !== this.connectionId) return;
      this.options = options
        .filter((o) => o.name !== 'BASIC_PROFILE')
        .sort((a, b) => a.rank - b.rank);
      this.optionsError = null;
    } catch (error) {
      if (connectionId === this.connectionId) this.optionsError = errorMessage(error);
    }
  }

  /** The title of an option name (the name itself when the server did not list it). */
  optionTitle(name: string): string {
    return this.options.find((o) => o.name === name)?.title ?? name;
  }

  #require(): string {
    if (!this.connectionId) throw new Error('No connection is selected.');
    return this.connectionId;
  }

  // ── changes: each throws the server's message, and reloads its list on success ──

  async createBoxConnection(name: string, defaultOptions: string[]): Promise<BoxItem> {
    const connectionId = this.#require();
    const box = await this.#bridge.invoke('network.createBoxConnection', {
      connectionId,
      name,
      defaultOptions,
    });
    await this.loadBoxes();
    return box;
  }

  async connectBox(name: string, baseUrl: string, defaultOptions: string[]): Promise<BoxItem> {
    const connectionId = this.#require();
    const box = await this.#bridge.invoke('network.connectBox', {
      connectionId,
      name,
      baseUrl,
      defaultOptions,
    });
    await this.loadBoxes();
    return box;
  }

  /** Renames a box and sets its default options (servers with `editBox`). */
  async updateBox(boxId: number, name: string, defaultOptions: string[]): Promise<BoxItem> {
    const connectionId = this.#require();
    const box = await this.#bridge.invoke('network.updateBox', {
      connectionId,
      boxId,
      name,
      defaultOptions,
    });
    await this.loadBoxes();
    return box;
  }

  /** The box's transactions counted (what its delete leaves behind), for the confirmation. */
  boxUsage(boxId: number): Promise<BoxUsage> {
    return this.#bridge.invoke('network.boxUsage', { connectionId: this.#require(), boxId });
  }

  async removeBox(boxId: number): Promise<void> {
    const connectionId = this.#require();
    await this.#bridge.invoke('network.removeBox', { connectionId, boxId });
    await this.loadBoxes();
  }

  async addScp(scp: Omit<ScpItem, 'id'>): Promise<ScpItem> {
    const connectionId = this.#require();
    const added = await this.#bridge.invoke('network.addScp', { connectionId, ...scp });
    await this.loadScps();
    return added;
  }

  /** Changes an SCP (servers with `editScp`): the server re-binds its listener. */
  async updateScp(scp: ScpItem): Promise<ScpItem> {
    const connectionId = this.#require();
    const { id: scpId, ...fields } = scp;
    const updated = await this.#bridge.invoke('network.updateScp', {
      connectionId,
      scpId,
      ...fields,
    });
    await this.loadScps();
    return updated;
  }

  async removeScp(scpId: number): Promise<void> {
    const connectionId = this.#require();
    await this.#bridge.invoke('network.removeScp', { connectionId, scpId });
    await this.loadScps();
  }

  async addScu(scu: Omit<ScuItem, 'id'>): Promise<ScuItem> {
    const connectionId = this.#require();
    const added = await this.#bridge.invoke('network.addScu', { connectionId, ...scu });
    await this.loadScus();
    return added;
  }

  /** Changes an SCU (servers with `editScu`); its last C-ECHO no longer says anything about it. */
  async updateScu(scu: ScuItem): Promise<ScuItem> {
    const connectionId = this.#require();
    const { id: scuId, ...fields } = scu;
    const updated = await this.#bridge.invoke('network.updateScu', {
      connectionId,
      scuId,
      ...fields,
    });
    this.echoes = Object.fromEntries(
      Object.entries(this.echoes).filter(([id]) => Number(id) !== scuId),
    );
    await this.loadScus();
    return updated;
  }

  /**
   * C-ECHO to the SCU's node (servers with `echo`); the outcome is kept in `echoes`. A second Test while
   * one runs waits for that one.
   */
  async echoScu(scuId: number): Promise<EchoResultItem> {
    const connectionId = this.#require();
    const running = this.#echoing[scuId];
    if (running) return running;
    const echo = this.#echo(connectionId, scuId).finally(() => delete this.#echoing[scuId]);
    this.#echoing[scuId] = echo;
    return echo;
  }

  async #echo(connectionId: string, scuId: number): Promise<EchoResultItem> {
    const set = (state: EchoState) => {
      if (connectionId === this.connectionId) this.echoes = { ...this.echoes, [scuId]: state };
    };
    set({ running: true });
    let result: EchoResultItem;
    try {
      result = await this.#bridge.invoke('network.echoScu', { connectionId, scuId });
    } catch (error) {
      result = { success: false, message: errorMessage(error) };
    }
    set({ running: false, ...result });
    return result;
  }

  async removeScu(scuId: number): Promise<void> {
    const connectionId = this.#require();
    await this.#bridge.invoke('network.removeScu', { connectionId, scuId });
    await this.loadScus();
  }

  async addWatch(name: string, path: string): Promise<WatchItem> {
    const connectionId = this.#require();
    const added = await this.#bridge.invoke('network.addWatch', { connectionId, name, path });
    await this.loadWatches();
    return added;
  }

  async removeWatch(watchId: number): Promise<void> {
    const connectionId = this.#require();
    await this.#bridge.invoke('network.removeWatch', { connectionId, watchId });
    await this.loadWatches();
  }

  async addForwardingRule(
    source: SourceRef,
    destination: DestinationRef,
    keepImages: boolean,
  ): Promise<ForwardingRuleItem> {
    const connectionId = this.#require();
    const added = await this.#bridge.invoke('network.addForwardingRule', {
      connectionId,
      source: { type: source.type, id: source.id, name: source.name },
      destination: { type: destination.type, id: destination.id, name: destination.name },
      keepImages,
    });
    await this.loadForwarding();
    return added;
  }

  async removeForwardingRule(ruleId: number): Promise<void> {
    const connectionId = this.#require();
    await this.#bridge.invoke('network.removeForwardingRule', { connectionId, ruleId });
    await this.loadForwarding();
  }

  async removeTransfer(transfer: TransferItem): Promise<void> {
    const connectionId = this.#require();
    await this.#bridge.invoke('network.removeTransfer', {
      connectionId,
      direction: transfer.direction,
      transferId: transfer.id,
    });
    await this.loadTransfers();
  }
}
