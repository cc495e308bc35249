/**
 * The network features a server may have beyond the Slicebox API: C-ECHO of an SCU, the listening state of
 * SCPs, and editing SCPs, SCUs and boxes. The local box has them under `/api/x-desktop` (its DECISIONS.md,
 * "Desktop extensions"); a real Slicebox has none, and the app then hides or explains them.
 */
import type {
  BoxItem,
  EchoResultItem,
  NetworkCapabilities,
  ScpItem,
  ScpStateItem,
  ScuItem,
} from '../../../src-preload/contract.js';
import type { ActionConnections } from '../actions/action-service.js';
import { boxItem } from './network-service.js';

/** The capability of each extension name the local box announces. */
const EXTENSIONS: Record<string, keyof NetworkCapabilities> = {
  'scu-echo': 'echo',
  'scp-state': 'scpState',
  'scp-edit': 'editScp',
  'scu-edit': 'editScu',
  'box-edit': 'editBox',
};

export function capabilitiesOf(extensions: readonly string[]): NetworkCapabilities {
  const capabilities: NetworkCapabilities = {
    echo: false,
    scpState: false,
    editScp: false,
    editScu: false,
    editBox: false,
  };
  for (const name of extensions) {
    const capability = EXTENSIONS[name];
    if (capability) capabilities[capability] = true;
  }
  return capabilities;
}

export class NetworkExtensionsService {
  constructor(private readonly connections: ActionConnections) {}

  async capabilities(connectionId: string): Promise<NetworkCapabilities> {
    return capabilitiesOf(await this.connections.client(connectionId).desktopExtensions());
  }

  echoScu(connectionId: string, scuId: number): Promise<EchoResultItem> {
    return this.connections
      .client(connectionId)
      .echoScu(scuId)
      .then(({ success, message }) => ({ success, message }));
  }

  async scpStates(connectionId: string): Promise<ScpStateItem[]> {
    const states = await this.connections.client(connectionId).scpStates();
    return states.map((s) =>
      s.state === 'failed'
        ? { scpId: s.scpId, state: s.state, reason: s.reason }
        : { scpId: s.scpId, state: s.state },
    );
  }

  async updateScp(connectionId: string, scp: ScpItem): Promise<ScpItem> {
    const { id, name, aeTitle, port } = await this.connections
      .client(connectionId)
      .updateScp(scp.id, { name: scp.name, aeTitle: scp.aeTitle, port: scp.port });
    return { id, name, aeTitle, port };
  }

  async updateScu(connectionId: string, scu: ScuItem): Promise<ScuItem> {
    const { id, name, aeTitle, host, port } = await this.connections
      .client(connectionId)
      .updateScu(scu.id, { name: scu.name, aeTitle: scu.aeTitle, host: scu.host, port: scu.port });
    return { id, name, aeTitle, host, port };
  }

  async updateBox(
    connectionId: string,
    boxId: number,
    name: string,
    options: string[],
  ): Promise<BoxItem> {
    return boxItem(await this.connections.client(connectionId).updateBox(boxId, name, options));
  }
}
