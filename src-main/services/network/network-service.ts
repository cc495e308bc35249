/**
 * The DICOM network of a connection's server, as Slicebox's Boxes, SCPs, SCUs and Transactions screens
 * show it (WEB-UI §1.5–1.8): boxes to other Slicebox servers, DICOM receivers (SCPs) and senders (SCUs),
 * and the box transactions with their progress. Every call goes to the server; nothing is kept here.
 */
import type {
  BoxItem,
  ScpItem,
  ScuItem,
  TransferItem,
  TransferStatus,
  TransfersSnapshot,
} from '../../../src-preload/contract.js';
import type { Box, IncomingTransaction, OutgoingTransaction } from '../../slicebox/types.js';
import type { ActionConnections } from '../actions/action-service.js';

/** Boxes, SCPs and SCUs are few; one page of this size holds them all. */
const ALL = 10_000;
/** The Transactions screen's page. */
const NEWEST = 100;

const STATUSES: readonly TransferStatus[] = ['WAITING', 'PROCESSING', 'FINISHED', 'FAILED'];

function status(value: string): TransferStatus {
  return (STATUSES as readonly string[]).includes(value) ? (value as TransferStatus) : 'UNKNOWN';
}

export function boxItem(box: Box): BoxItem {
  return {
    id: box.id,
    name: box.name,
    sendMethod: box.sendMethod,
    online: box.online,
    baseUrl: box.baseUrl,
    defaultOptions: (box.defaultProfile?.options ?? [])
      .map((o) => o.name)
      .filter((name) => name !== 'BASIC_PROFILE'),
  };
}

function outgoingItem(t: OutgoingTransaction): TransferItem {
  return {
    id: t.id,
    direction: 'outgoing',
    boxId: t.boxId,
    boxName: t.boxName,
    done: t.sentImageCount,
    added: null,
    total: t.totalImageCount,
    status: status(t.status),
    created: t.created,
    updated: t.updated,
  };
}

function incomingItem(t: IncomingTransaction): TransferItem {
  return {
    id: t.id,
    direction: 'incoming',
    boxId: t.boxId,
    boxName: t.boxName,
    done: t.receivedImageCount,
    added: t.addedImageCount,
    total: t.totalImageCount,
    status: status(t.status),
    created: t.created,
    updated: t.updated,
  };
}

export class NetworkService {
  constructor(private readonly connections: ActionConnections) {}

  async boxes(connectionId: string): Promise<BoxItem[]> {
    const boxes = await this.connections.client(connectionId).boxes({ startindex: 0, count: ALL });
    return boxes.map(boxItem);
  }

  async createBoxConnection(
    connectionId: string,
    name: string,
    options: string[],
  ): Promise<BoxItem> {
    return boxItem(await this.connections.client(connectionId).createBoxConnection(name, options));
  }

  async connectBox(
    connectionId: string,
    name: string,
    baseUrl: string,
    options: string[],
  ): Promise<BoxItem> {
    return boxItem(await this.connections.client(connectionId).connectBox(name, baseUrl, options));
  }

  removeBox(connectionId: string, boxId: number): Promise<void> {
    return this.connections.client(connectionId).removeBox(boxId);
  }

  async scus(connectionId: string): Promise<ScuItem[]> {
    const scus = await this.connections.client(connectionId).scus({ startindex: 0, count: ALL });
    return scus.map(({ id, name, aeTitle, host, port }) => ({ id, name, aeTitle, host, port }));
  }

  async addScu(connectionId: string, scu: Omit<ScuItem, 'id'>): Promise<ScuItem> {
    const { id, name, aeTitle, host, port } = await this.connections
      .client(connectionId)
      .addScu(scu);
    return { id, name, aeTitle, host, port };
  }

  removeScu(connectionId: string, scuId: number): Promise<void> {
    return this.connections.client(connectionId).removeScu(scuId);
  }

  async scps(connectionId: string): Promise<ScpItem[]> {
    const scps = await this.connections.client(connectionId).scps({ startindex: 0, count: ALL });
    return scps.map(({ id, name, aeTitle, port }) => ({ id, name, aeTitle, port }));
  }

  async addScp(connectionId: string, scp: Omit<ScpItem, 'id'>): Promise<ScpItem> {
    const { id, name, aeTitle, port } = await this.connections.client(connectionId).addScp(scp);
    return { id, name, aeTitle, port };
  }

  removeScp(connectionId: string, scpId: number): Promise<void> {
    return this.connections.client(connectionId).removeScp(scpId);
  }

  async transfers(connectionId: string): Promise<TransfersSnapshot> {
    const client = this.connections.client(connectionId);
    const [outgoing, incoming] = await Promise.all([
      client.outgoingTransactions({ startindex: 0, count: NEWEST }),
      client.incomingTransactions({ startindex: 0, count: NEWEST }),
    ]);
    return { outgoing: outgoing.map(outgoingItem), incoming: incoming.map(incomingItem) };
  }

  removeTransfer(
    connectionId: string,
    direction: 'outgoing' | 'incoming',
    transferId: number,
  ): Promise<void> {
    return this.connections.client(connectionId).removeTransaction(direction, transferId);
  }
}
