/**
 * Tag filters applied on ingestion (Slicebox's Admin → Filtering, WEB-UI §1.2; BEHAVIOR §19): filters, their
 * tag paths (entered as keyword paths, turned into TagPath JSON with the server's dictionary) and which
 * sources use which filter.
 *
 * Slicebox's web UI pre-fills a new WHITELIST with 33 default tag paths; neither WEB-UI.md, BEHAVIOR.md nor
 * the openapi lists them, so a new whitelist starts empty here (the Filtering section says so).
 */
import type {
  SourceFilterItem,
  SourceRef,
  TagFilterItem,
  TagFilterPathItem,
} from '../../../src-preload/contract.js';
import type { SourceTagFilter, TagFilterTagPath, TagTree } from '../../slicebox/types.js';
import { ActionService, type ActionConnections } from '../actions/action-service.js';
import { ServiceError } from '../service-error.js';
import { hexTag } from './series-types-service.js';

const ALL = 10_000;
const SOURCE_TYPES: readonly SourceRef['type'][] = ['user', 'box', 'directory', 'scp', 'import'];

/** Both string forms of a tag tree, root first: tags `(0010,0010)` and keywords `PatientName`. */
export function tagTreeStrings(tree: TagTree): { tags: string; names: string } {
  const steps: TagTree[] = [];
  for (let p: TagTree | undefined = tree; p; p = p.previous) steps.unshift(p);
  const item = (s: TagTree) => (s.item !== undefined ? `[${s.item}]` : '');
  const hex = (s: TagTree) => (typeof s.tag === 'number' ? hexTag(s.tag) : '(????,????)');
  return {
    tags: steps.map((s) => `${hex(s)}${item(s)}`).join('.'),
    names: steps.map((s) => `${s.name || hex(s)}${item(s)}`).join('.'),
  };
}

function pathItem(p: TagFilterTagPath, filterId: number): TagFilterPathItem {
  return { id: p.id, filterId: p.tagFilterId ?? filterId, ...tagTreeStrings(p.tagPath) };
}

function associationItem(a: SourceTagFilter): SourceFilterItem | null {
  const type = SOURCE_TYPES.find((t) => t === a.sourceType);
  if (!type) return null;
  return {
    id: a.id,
    source: { type, id: a.sourceId, name: a.sourceName },
    filterId: a.tagFilterId,
    filterName: a.tagFilterName,
  };
}

export class FilteringService {
  private readonly actions: ActionService;

  constructor(
    private readonly connections: ActionConnections,
    actions?: ActionService,
  ) {
    this.actions = actions ?? new ActionService(connections);
  }

  async filters(connectionId: string): Promise<TagFilterItem[]> {
    const filters = await this.connections
      .client(connectionId)
      .tagFilters({ startindex: 0, count: ALL });
    return filters.map((f) => ({ id: f.id, name: f.name, type: f.tagFilterType }));
  }

  async add(
    connectionId: string,
    name: string,
    type: TagFilterItem['type'],
  ): Promise<TagFilterItem> {
    const f = await this.connections.client(connectionId).createTagFilter(name.trim(), type);
    return { id: f.id, name: f.name, type: f.tagFilterType };
  }

  /** Deletes the filter; the server deletes its tag paths and source associations with it. */
  async remove(connectionId: string, filterId: number): Promise<void> {
    await this.connections.client(connectionId).removeTagFilter(filterId);
  }

  async tagPaths(connectionId: string, filterId: number): Promise<TagFilterPathItem[]> {
    const paths = await this.connections
      .client(connectionId)
      .tagFilterTagPaths(filterId, { startindex: 0, count: ALL });
    return paths.map((p) => pathItem(p, filterId));
  }

  async addTagPath(
    connectionId: string,
    filterId: number,
    path: string,
  ): Promise<TagFilterPathItem> {
    const client = this.connections.client(connectionId);
    const [tagPath] = await this.actions.tagPaths(client, [path]);
    const created = await client.addTagFilterTagPath(filterId, tagPath!);
    return pathItem(created, filterId);
  }

  async removeTagPath(connectionId: string, filterId: number, tagPathId: number): Promise<void> {
    await this.connections.client(connectionId).removeTagFilterTagPath(filterId, tagPathId);
  }

  async associations(connectionId: string): Promise<SourceFilterItem[]> {
    const rows = await this.connections
      .client(connectionId)
      .sourceTagFilters({ startindex: 0, count: ALL });
    return rows.map(associationItem).filter((a): a is SourceFilterItem => a !== null);
  }

  /**
   * Links a source to a filter (an existing equal link is answered as is); the filter's name is looked up
   * so the server stores the real one.
   */
  async addAssociation(
    connectionId: string,
    filterId: number,
    source: SourceRef,
  ): Promise<SourceFilterItem> {
    const client = this.connections.client(connectionId);
    const filter = (await client.tagFilters({ startindex: 0, count: ALL })).find(
      (f) => f.id === filterId,
    );
    if (!filter) throw new ServiceError('not-found', 'That filter no longer exists');
    const existing = (await this.associations(connectionId)).find(
      (a) => a.filterId === filterId && a.source.type === source.type && a.source.id === source.id,
    );
    if (existing) return existing;
    const created = await client.addSourceTagFilter({
      sourceType: source.type,
      sourceName: source.name,
      sourceId: source.id,
      tagFilterId: filterId,
      tagFilterName: filter.name,
    });
    return associationItem(created) ?? { id: created.id, source, filterId, filterName: '' };
  }

  async removeAssociation(connectionId: string, associationId: number): Promise<void> {
    await this.connections.client(connectionId).removeSourceTagFilter(associationId);
  }
}
