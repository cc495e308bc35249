/**
 * Connections: the Slicebox servers the app talks to. The local box is always there (id `local`,
 * credentials from the data folder, never stored as a profile); remote servers are added, edited,
 * tested and removed by the user and kept as profiles in the cache database, their passwords in the
 * SecretStore port. Each connection owns a typed client and a status (online, offline, auth failed),
 * checked on demand, on a timer, and after every call; changes are pushed as `connections.status`.
 *
 * There is no session to lose: the client sends HTTP Basic on every call, so a server that restarted
 * (or dropped its sessions) is simply logged in to again by the next call. A 401 marks the connection
 * auth-failed and tells the UI.
 */
import { randomUUID } from 'node:crypto';
import type {
  ConnectionDraft,
  ConnectionInfo,
  ConnectionStatus,
  ConnectionTestResult,
} from '../../../src-preload/contract.js';
import {
  SliceboxClient,
  SliceboxHttpError,
  SliceboxUnreachableError,
} from '../../slicebox/client.js';
import type { EmitEvent } from '../events.js';
import { ServiceError } from '../service-error.js';
import type { ProfileStore } from './profile-store.js';
import type { SecretStore } from './secret-store.js';
import { normalizeServerUrl } from './url.js';

export const LOCAL_CONNECTION_ID = 'local';

/** How often statuses are re-checked: online connections, and those that are not. */
export const STATUS_INTERVAL_ONLINE_MS = 30_000;
export const STATUS_INTERVAL_OTHER_MS = 10_000;

const AUTH_FAILED_DETAIL = 'The server refused the user name or password';

export interface ConnectionProfile {
  id: string;
  name: string;
  url: string;
  kind: 'local' | 'remote';
  user: string;
  password: string;
}

export interface ConnectionServiceOptions {
  /** Where remote profiles persist; without it they live in memory only (tests). */
  profiles?: ProfileStore;
  secrets?: SecretStore;
  /** Called after a connection is removed or points at another server: drop what was cached. */
  forgetCached?: (connectionId: string) => Promise<void> | void;
  now?: () => number;
  clientTimeoutMs?: number;
}

interface Entry {
  profile: ConnectionProfile;
  client: SliceboxClient;
  status: ConnectionStatus;
  statusDetail?: string;
  checkedAt: number;
  checking?: Promise<ConnectionInfo>;
  created: number;
}

export class ConnectionService {
  private readonly entries = new Map<string, Entry>();
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(
    private readonly emit: EmitEvent,
    private readonly options: ConnectionServiceOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Registers a connection in memory (the local box, and profiles loaded at start). */
  add(profile: ConnectionProfile, created = this.now()): void {
    this.entries.set(profile.id, {
      profile,
      client: this.clientFor(profile),
      status: 'unknown',
      checkedAt: 0,
      created,
    });
  }

  /** Loads the saved remote profiles and their passwords. */
  async loadSaved(): Promise<void> {
    const { profiles, secrets } = this.options;
    if (!profiles) return;
    for (const stored of profiles.list()) {
      let password = '';
      try {
        password = (await secrets?.get(stored.secretRef)) ?? '';
      } catch (error) {
        console.error(`Reading the password of ${stored.name} failed: ${String(error)}`);
      }
      this.add(
        {
          id: stored.id,
          name: stored.name,
          url: stored.url,
          kind: 'remote',
          user: stored.user,
          password,
        },
        stored.created,
      );
    }
  }

  list(): ConnectionInfo[] {
    return [...this.entries.values()]
      .sort((a, b) =>
        a.profile.kind !== b.profile.kind
          ? a.profile.kind === 'local'
            ? -1
            : 1
          : a.created - b.created,
      )
      .map(toInfo);
  }

  info(connectionId: string): ConnectionInfo {
    return toInfo(this.entry(connectionId));
  }

  client(connectionId: string): SliceboxClient {
    return this.entry(connectionId).client;
  }

  /** Adds a remote server: validated, saved (password in the SecretStore), then checked. */
  async create(draft: ConnectionDraft): Promise<ConnectionInfo> {
    const clean = this.validate(draft);
    if (!draft.password) throw new ServiceError('invalid-arguments', 'A password is required');
    const id = `remote-${randomUUID()}`;
    const profile: ConnectionProfile = { id, kind: 'remote', ...clean, password: draft.password };
    await this.persist(profile, this.now());
    this.add(profile);
    return this.check(id);
  }

  /** Edits a remote server; an omitted password keeps the stored one. */
  async update(connectionId: string, draft: ConnectionDraft): Promise<ConnectionInfo> {
    const entry = this.entry(connectionId);
    if (entry.profile.kind === 'local') {
      throw new ServiceError('invalid-arguments', 'The local box cannot be edited');
    }
    const clean = this.validate(draft);
    const before = entry.profile;
    const profile: ConnectionProfile = {
      ...before,
      ...clean,
      password: draft.password ? draft.password : before.password,
    };
    await this.persist(profile, entry.created);
    entry.profile = profile;
    entry.client = this.clientFor(profile);
    if (before.url !== profile.url || before.user !== profile.user) {
      // Another server or another user's view: what was seen before no longer describes it.
      await this.options.forgetCached?.(connectionId);
    }
    entry.status = 'unknown';
    entry.statusDetail = undefined;
    return this.check(connectionId);
  }

  async remove(connectionId: string): Promise<void> {
    const entry = this.entry(connectionId);
    if (entry.profile.kind === 'local') {
      throw new ServiceError(
        'invalid-arguments',
        'The local box is always there and cannot be removed',
      );
    }
    this.options.profiles?.remove(connectionId);
    await this.options.secrets?.delete(secretRef(connectionId));
    this.entries.delete(connectionId);
    await this.options.forgetCached?.(connectionId);
  }

  /**
   * Tries a candidate profile before it is saved. With `connectionId` and no password, the stored
   * password of that connection is used (editing without retyping it).
   */
  async test(draft: ConnectionDraft & { connectionId?: string }): Promise<ConnectionTestResult> {
    const clean = this.validate(draft);
    let password = draft.password;
    if (!password && draft.connectionId) password = this.entry(draft.connectionId).profile.password;
    if (!password) throw new ServiceError('invalid-arguments', 'A password is required');
    const client = new SliceboxClient({
      baseUrl: clean.url,
      user: clean.user,
      password,
      timeoutMs: this.options.clientTimeoutMs ?? 10_000,
    });
    const outcome = await probe(client);
    if (outcome.status !== 'online') return outcome;
    try {
      const { version } = await client.information();
      if (typeof version === 'string' && version) return { ...outcome, version };
    } catch {
      // The version is a nicety; the connection works.
    }
    return outcome;
  }

  /** Checks reachability and credentials; updates and broadcasts the status. */
  check(connectionId: string): Promise<ConnectionInfo> {
    const entry = this.entry(connectionId);
    if (entry.checking) return entry.checking;
    const client = entry.client;
    const running = (async () => {
      const outcome = await probe(client);
      // A check that raced an edit describes the old profile: drop it.
      if (this.entries.get(connectionId) === entry && entry.client === client) {
        entry.checkedAt = this.now();
        this.setStatus(entry, outcome.status, outcome.detail);
      }
      return toInfo(entry);
    })().finally(() => {
      entry.checking = undefined;
    });
    entry.checking = running;
    return running;
  }

  /** Checks every connection now. */
  async checkAll(): Promise<ConnectionInfo[]> {
    return Promise.all([...this.entries.keys()].map((id) => this.check(id)));
  }

  /** Re-checks statuses on a timer: online ones every 30 s, the others every 10 s. */
  startStatusRefresh(
    intervals: { online?: number; other?: number; tick?: number } = {},
  ): () => void {
    this.stopStatusRefresh();
    const online = intervals.online ?? STATUS_INTERVAL_ONLINE_MS;
    const other = intervals.other ?? STATUS_INTERVAL_OTHER_MS;
    const tick = intervals.tick ?? Math.min(5_000, other);
    this.timer = setInterval(() => {
      const now = this.now();
      for (const [id, entry] of this.entries) {
        const due = entry.status === 'online' ? online : other;
        if (!entry.checking && now - entry.checkedAt >= due) void this.check(id).catch(() => {});
      }
    }, tick);
    this.timer.unref();
    return () => this.stopStatusRefresh();
  }

  stopStatusRefresh(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Records what a call just learned about a connection (e.g. a browse call that failed). */
  noteFailure(connectionId: string, error: unknown): void {
    const entry = this.entries.get(connectionId);
    if (!entry) return;
    const outcome = classify(error);
    if (outcome) {
      entry.checkedAt = this.now();
      this.setStatus(entry, outcome.status, outcome.detail);
    }
  }

  noteSuccess(connectionId: string): void {
    const entry = this.entries.get(connectionId);
    if (!entry) return;
    entry.checkedAt = this.now();
    if (entry.status !== 'online') this.setStatus(entry, 'online');
  }

  private validate(draft: ConnectionDraft): { name: string; url: string; user: string } {
    const name = draft.name.trim();
    const user = draft.user.trim();
    if (!name) throw new ServiceError('invalid-arguments', 'A name is required');
    if (!user) throw new ServiceError('invalid-arguments', 'A user name is required');
    return { name, url: normalizeServerUrl(draft.url), user };
  }

  private async persist(profile: ConnectionProfile, created: number): Promise<void> {
    const ref = secretRef(profile.id);
    await this.options.secrets?.set(ref, profile.password);
    this.options.profiles?.save({
      id: profile.id,
      name: profile.name,
      url: profile.url,
      user: profile.user,
      secretRef: ref,
      created,
      updated: this.now(),
    });
  }

  private clientFor(profile: ConnectionProfile): SliceboxClient {
    return new SliceboxClient({
      baseUrl: profile.url,
      user: profile.user,
      password: profile.password,
      timeoutMs: this.options.clientTimeoutMs,
    });
  }

  private entry(connectionId: string): Entry {
    const entry = this.entries.get(connectionId);
    if (!entry) throw new ServiceError('not-found', `No connection with id ${connectionId}`);
    return entry;
  }

  private setStatus(entry: Entry, status: ConnectionStatus, detail?: string): void {
    const changed = entry.status !== status || entry.statusDetail !== detail;
    entry.status = status;
    entry.statusDetail = detail;
    if (changed) this.emit('connections.status', toInfo(entry));
  }
}

export function secretRef(connectionId: string): string {
  return `connection:${connectionId}`;
}

/** Health (no auth) then an authenticated call: online, offline or auth-failed with a reason. */
async function probe(client: SliceboxClient): Promise<ConnectionTestResult> {
  try {
    await client.health();
    await client.verifyCredentials();
    return { status: 'online' };
  } catch (error) {
    return classify(error) ?? { status: 'offline', detail: (error as Error).message };
  }
}

function classify(error: unknown): ConnectionTestResult | undefined {
  if (error instanceof SliceboxHttpError && error.status === 401) {
    return { status: 'auth-failed', detail: AUTH_FAILED_DETAIL };
  }
  if (error instanceof SliceboxHttpError && error.status === 429) {
    // Too many failed logins: the server throttles this user from this computer for a while.
    return { status: 'auth-failed', detail: `${AUTH_FAILED_DETAIL} ${error.message}`.trim() };
  }
  if (error instanceof SliceboxUnreachableError) {
    return { status: 'offline', detail: unreachableDetail(error) };
  }
  if (error instanceof SliceboxHttpError && [502, 503, 504].includes(error.status)) {
    return { status: 'offline', detail: error.message };
  }
  return undefined;
}

/** "connection refused" rather than the fetch stack's wording, with the code kept for support. */
export function unreachableDetail(error: SliceboxUnreachableError): string {
  const codes: string[] = [];
  for (let cause: unknown = error.cause; cause instanceof Error;) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code) codes.push(code);
    if (cause.name === 'TimeoutError') codes.push('TIMEOUT');
    cause = (cause as Error & { cause?: unknown }).cause;
  }
  const code = codes[0];
  switch (code) {
    case 'ECONNREFUSED':
      return 'Cannot reach the server: connection refused (is it running?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'Cannot reach the server: its host name was not found';
    case 'TIMEOUT':
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'Cannot reach the server: no answer in time';
    case 'ECONNRESET':
      return 'Cannot reach the server: the connection was reset';
    default:
      return code ? `Cannot reach the server (${code})` : error.message;
  }
}

function toInfo(entry: Entry): ConnectionInfo {
  const { id, name, url, kind, user } = entry.profile;
  const info: ConnectionInfo = { id, name, url, kind, user, status: entry.status };
  if (entry.statusDetail) info.statusDetail = entry.statusDetail;
  if (entry.checkedAt) info.checkedAt = entry.checkedAt;
  return info;
}
