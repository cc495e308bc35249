/**
 * The DICOM network of a connection's server, as Slicebox's Boxes, SCPs, SCUs and Transactions screens
 * show it (WEB-UI §1.5–1.8): boxes to other Slicebox servers, DICOM receivers (SCPs) and senders (SCUs),
 * and the box transactions with their progress. Every call goes to the server; nothing is kept here.
 */
import type {
  BoxItem,
  BoxUsage,
  DestinationRef,
  ForwardingRuleItem,
  ScpItem,
  ScuItem,
  TransferItem,
  TransferStatus,
  TransfersSnapshot,
  SourceRef,
  WatchItem,
} from '../../../src-preload/contract.js';
import type {
  Box,
  Destination,
  ForwardingRule,
  IncomingTransaction,
  OutgoingTransaction,
  Source,
} from '../../slicebox/types.js';
import { ServiceError } from '../service-error.js';
import type { ActionConnections } from '../actions/action-service.js';

/** Boxes, SCPs and SCUs are few; one page of this size holds them all. */
const ALL = 10_000;
/** The Transactions screen's page. */
const NEWEST = 100;
/** A box's transactions are counted in pages of this size, up to `USAGE_LIMIT` of each direction. */
const USAGE_PAGE = 1000;
const USAGE_LIMIT = 100_000;

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

const SOURCE_TYPES: readonly SourceRef['type'][] = ['user', 'box', 'directory', 'scp', 'import'];

/** A Slicebox Source as the app shows it; `null` for a type the app does not know. */
function sourceRef(source: Source): SourceRef | null {
  const type = SOURCE_TYPES.find((t) => t === source.sourceType);
  return type ? { type, id: source.sourceId, name: source.sourceName } : null;
}

function destinationRef(destination: Destination): DestinationRef | null {
  const type = destination.destinationType;
  if (type !== 'box' && type !== 'scu') return null;
  return { type, id: destination.destinationId, name: destination.destinationName };
}

function ruleItem(rule: ForwardingRule): ForwardingRuleItem | null {
  const source = sourceRef(rule.source);
  const destination = destinationRef(rule.destination);
  if (!source || !destination) return null;
  return { id: rule.id, source, destination, keepImages: rule.keepImages };
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

  /**
   * A box's transactions counted, for the confirmation of its delete: the unfinished outgoing ones
   * (waiting or in progress: never delivered once the box is gone) with their images not sent yet, the
   * finished and failed ones, and the incoming ones. Slicebox lists transactions of every box, newest
   * first, without a count: they are read in pages, up to `limit` per direction (then the counts are
   * lower bounds, `complete: false`).
   */
  async boxUsage(
    connectionId: string,
    boxId: number,
    limits: { page: number; limit: number } = { page: USAGE_PAGE, limit: USAGE_LIMIT },
  ): Promise<BoxUsage> {
    const client = this.connections.client(connectionId);
    const usage: BoxUsage = {
      outgoingUnfinished: 0,
      imagesNotSent: 0,
      outgoingFinished: 0,
      outgoingFailed: 0,
      incoming: 0,
      complete: true,
    };
    const each = async <T extends { boxId: number }>(
      read: (params: { startindex: number; count: number }) => Promise<T[]>,
      count: (t: T) => void,
    ): Promise<void> => {
      for (let start = 0; start < limits.limit; start += limits.page) {
        const n = Math.min(limits.page, limits.limit - start);
        const rows = await read({ startindex: start, count: n });
        for (const row of rows) if (row.boxId === boxId) count(row);
        if (rows.length < n) return;
      }
      usage.complete = false;
    };
    await each(
      (params) => client.outgoingTransactions(params),
      (t) => {
        const s = status(t.status);
        if (s === 'FINISHED') usage.outgoingFinished++;
        else if (s === 'FAILED') usage.outgoingFailed++;
        else {
          usage.outgoingUnfinished++;
          usage.imagesNotSent += Math.max(0, t.totalImageCount - t.sentImageCount);
        }
      },
    );
    await each(
      (params) => client.incomingTransactions(params),
      () => usage.incoming++,
    );
    return usage;
  }

  removeTransfer(
    connectionId: string,
    direction: 'outgoing' | 'incoming',
    transferId: number,
  ): Promise<void> {
    return this.connections.client(connectionId).removeTransaction(direction, transferId);
  }

  async watches(connectionId: string): Promise<WatchItem[]> {
    const watches = await this.connections
      .client(connectionId)
      .directoryWatches({ startindex: 0, count: ALL });
    return watches.map(({ id, name, path }) => ({ id, name, path }));
  }

  async addWatch(connectionId: string, name: string, path: string): Promise<WatchItem> {
    const watch = await this.connections.client(connectionId).addDirectoryWatch(name, path);
    return { id: watch.id, name: watch.name, path: watch.path };
  }

  removeWatch(connectionId: string, watchId: number): Promise<void> {
    return this.connections.client(connectionId).removeDirectoryWatch(watchId);
  }

  /** Every source and destination of the server (`GET /sources`, `GET /destinations`). */
  async endpoints(
    connectionId: string,
  ): Promise<{ sources: SourceRef[]; destinations: DestinationRef[] }> {
    const client = this.connections.client(connectionId);
    const [sources, destinations] = await Promise.all([client.sources(), client.destinations()]);
    return {
      sources: sources.map(sourceRef).filter((s): s is SourceRef => s !== null),
      destinations: destinations.map(destinationRef).filter((d): d is DestinationRef => d !== null),
    };
  }

  async forwardingRules(connectionId: string): Promise<ForwardingRuleItem[]> {
    const rules = await this.connections
      .client(connectionId)
      .forwardingRules({ startindex: 0, count: ALL });
    return rules.map(ruleItem).filter((r): r is ForwardingRuleItem => r !== null);
  }

  async addForwardingRule(
    connectionId: string,
    source: SourceRef,
    destination: DestinationRef,
    keepImages: boolean,
  ): Promise<ForwardingRuleItem> {
    const rule = await this.connections.client(connectionId).addForwardingRule({
      source: { sourceType: source.type, sourceId: source.id, sourceName: source.name },
      destination: {
        destinationType: destination.type,
        destinationId: destination.id,
        destinationName: destination.name,
      },
      keepImages,
    });
    const item = ruleItem(rule);
    if (!item) throw new ServiceError('server', 'The server answered a rule the app cannot show');
    return item;
  }

  removeForwardingRule(connectionId: string, ruleId: number): Promise<void> {
    return this.connections.client(connectionId).removeForwardingRule(ruleId);
  }
}
