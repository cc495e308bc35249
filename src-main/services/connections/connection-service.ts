/**
 * Connections: the Slicebox servers the app talks to. The local box is always there (id `local`);
 * remote servers are added in a later slice. Each connection owns a typed client and a status that is
 * checked on demand and pushed to the renderer as `connections.status` events.
 */
import type { ConnectionInfo, ConnectionStatus } from '../../../src-preload/contract.js';
import {
  SliceboxClient,
  SliceboxHttpError,
  SliceboxUnreachableError,
} from '../../slicebox/client.js';
import type { EmitEvent } from '../events.js';
import { ServiceError } from '../service-error.js';

export const LOCAL_CONNECTION_ID = 'local';

export interface ConnectionProfile {
  id: string;
  name: string;
  url: string;
  kind: 'local' | 'remote';
  user: string;
  password: string;
}

interface Entry {
  profile: ConnectionProfile;
  client: SliceboxClient;
  status: ConnectionStatus;
  statusDetail?: string;
}

export class ConnectionService {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly emit: EmitEvent) {}

  add(profile: ConnectionProfile): void {
    const client = new SliceboxClient({
      baseUrl: profile.url,
      user: profile.user,
      password: profile.password,
    });
    this.entries.set(profile.id, { profile, client, status: 'unknown' });
  }

  list(): ConnectionInfo[] {
    return [...this.entries.values()].map(toInfo);
  }

  client(connectionId: string): SliceboxClient {
    return this.entry(connectionId).client;
  }

  /** Checks reachability and credentials; updates and broadcasts the status. */
  async check(connectionId: string): Promise<ConnectionInfo> {
    const entry = this.entry(connectionId);
    try {
      await entry.client.health();
      await entry.client.verifyCredentials();
      this.setStatus(entry, 'online');
    } catch (error) {
      if (error instanceof SliceboxHttpError && error.status === 401) {
        this.setStatus(entry, 'auth-failed', 'The server refused the user name or password');
      } else if (error instanceof SliceboxUnreachableError) {
        this.setStatus(entry, 'offline', error.message);
      } else {
        this.setStatus(entry, 'offline', (error as Error).message);
      }
    }
    return toInfo(entry);
  }

  /** Records what a call just learned about a connection (e.g. a browse call that failed). */
  noteFailure(connectionId: string, error: unknown): void {
    const entry = this.entries.get(connectionId);
    if (!entry) return;
    if (error instanceof SliceboxUnreachableError) this.setStatus(entry, 'offline', error.message);
    if (error instanceof SliceboxHttpError && error.status === 401) {
      this.setStatus(entry, 'auth-failed', 'The server refused the user name or password');
    }
  }

  noteSuccess(connectionId: string): void {
    const entry = this.entries.get(connectionId);
    if (entry && entry.status !== 'online') this.setStatus(entry, 'online');
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

function toInfo(entry: Entry): ConnectionInfo {
  const { id, name, url, kind, user } = entry.profile;
  const info: ConnectionInfo = { id, name, url, kind, user, status: entry.status };
  if (entry.statusDetail) info.statusDetail = entry.statusDetail;
  return info;
}
