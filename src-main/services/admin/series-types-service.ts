/**
 * Series types, their rules and rule attributes (Slicebox's Admin → Series Types, WEB-UI §1.2; BEHAVIOR
 * §20), and the server's re-evaluation status. Attributes are entered as keyword paths (`PatientName`,
 * `Seq[1].Keyword`), turned into the attribute's `tag` and its `tagPath` of decimal sequence tags with the
 * server's dictionary; rule evaluation always looks at item 1 of each sequence, so other items are refused.
 */
import type {
  SeriesTypeAttributeItem,
  SeriesTypeItem,
  SeriesTypeRuleItem,
  SeriesUsage,
} from '../../../src-preload/contract.js';
import type { SeriesTypeRuleAttribute, TagPath } from '../../slicebox/types.js';
import { ActionService, type ActionConnections } from '../actions/action-service.js';
import { eachLimited } from '../actions/each-limited.js';
import { ServiceError } from '../service-error.js';
import { seriesUsage } from './series-usage.js';

const ALL = 10_000;

/** `(GGGG,EEEE)`, as Slicebox writes tags it has no keyword for. */
export function hexTag(tag: number): string {
  const t = tag >>> 0;
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');
  return `(${hex(t >>> 16)},${hex(t & 0xffff)})`;
}

/** The keyword path of an attribute: its sequences (item 1 each), then the element. */
export function attributePath(a: SeriesTypeRuleAttribute): string {
  const tags = (a.tagPath ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const names = (a.namePath ?? '').split(',').map((s) => s.trim());
  const steps = tags.map((t, i) => {
    const name = names.length === tags.length ? names[i] : '';
    return `${name || hexTag(Number(t))}[1]`;
  });
  return [...steps, a.name || hexTag(a.tag)].join('.');
}

function attributeItem(a: SeriesTypeRuleAttribute): SeriesTypeAttributeItem {
  return {
    id: a.id,
    ruleId: a.seriesTypeRuleId,
    tag: a.tag,
    path: attributePath(a),
    value: a.values,
  };
}

export class SeriesTypesService {
  private readonly actions: ActionService;

  constructor(
    private readonly connections: ActionConnections,
    actions?: ActionService,
  ) {
    this.actions = actions ?? new ActionService(connections);
  }

  async list(connectionId: string): Promise<SeriesTypeItem[]> {
    const types = await this.connections
      .client(connectionId)
      .seriesTypes({ startindex: 0, count: ALL });
    return types.map((t) => ({ id: t.id, name: t.name }));
  }

  /** `POST /seriestypes`: the server refuses a name in use (400, with its text). */
  async add(connectionId: string, name: string): Promise<SeriesTypeItem> {
    const created = await this.connections.client(connectionId).createSeriesType(name.trim());
    return { id: created.id, name: created.name };
  }

  async rename(connectionId: string, seriesTypeId: number, name: string): Promise<void> {
    const client = this.connections.client(connectionId);
    const trimmed = name.trim();
    const types = await client.seriesTypes({ startindex: 0, count: ALL });
    if (types.some((t) => t.id !== seriesTypeId && t.name === trimmed)) {
      throw new ServiceError(
        'invalid-arguments',
        `A series type with name ${trimmed} already exists`,
      );
    }
    await client.updateSeriesType(seriesTypeId, trimmed);
  }

  async remove(connectionId: string, seriesTypeId: number): Promise<void> {
    await this.connections.client(connectionId).deleteSeriesType(seriesTypeId);
  }

  /** The series that have the type now: what its delete changes. */
  usage(connectionId: string, seriesTypeId: number): Promise<SeriesUsage> {
    return seriesUsage(this.connections.client(connectionId), {
      seriestypes: String(seriesTypeId),
    });
  }

  /** The rules of a type in server order, each with its attributes. */
  async rules(connectionId: string, seriesTypeId: number): Promise<SeriesTypeRuleItem[]> {
    const client = this.connections.client(connectionId);
    const rules = await client.seriesTypeRules(seriesTypeId);
    const out: SeriesTypeRuleItem[] = rules.map((r) => ({
      id: r.id,
      seriesTypeId: r.seriesTypeId,
      attributes: [],
    }));
    await eachLimited(out, 4, async (rule) => {
      rule.attributes = (await client.seriesTypeRuleAttributes(rule.id)).map(attributeItem);
    });
    return out;
  }

  async addRule(connectionId: string, seriesTypeId: number): Promise<SeriesTypeRuleItem> {
    const rule = await this.connections.client(connectionId).createSeriesTypeRule(seriesTypeId);
    return { id: rule.id, seriesTypeId: rule.seriesTypeId, attributes: [] };
  }

  async removeRule(connectionId: string, ruleId: number): Promise<void> {
    await this.connections.client(connectionId).removeSeriesTypeRule(ruleId);
  }

  /** Adds `path = value` to the rule; the server then re-evaluates every series. */
  async addAttribute(
    connectionId: string,
    ruleId: number,
    path: string,
    value: string,
  ): Promise<SeriesTypeAttributeItem> {
    const client = this.connections.client(connectionId);
    const [tagPath] = await this.actions.tagPaths(client, [path]);
    const steps: TagPath[] = [];
    for (let p: TagPath | undefined = tagPath; p; p = p.previous) steps.unshift(p);
    const leaf = steps.pop()!;
    if (steps.some((s) => s.item !== '1')) {
      throw new ServiceError(
        'invalid-arguments',
        `"${path}": series type rules look at item 1 of each sequence only`,
      );
    }
    const created = await client.createSeriesTypeRuleAttribute({
      seriesTypeRuleId: ruleId,
      tag: leaf.tag,
      name: leaf.name,
      ...(steps.length > 0
        ? {
            tagPath: steps.map((s) => String(s.tag >>> 0)).join(','),
            namePath: steps.map((s) => s.name).join(','),
          }
        : {}),
      values: value,
    });
    return attributeItem(created);
  }

  async removeAttribute(connectionId: string, ruleId: number, attributeId: number): Promise<void> {
    await this.connections.client(connectionId).removeSeriesTypeRuleAttribute(ruleId, attributeId);
  }

  async updateStatus(connectionId: string): Promise<{ running: boolean }> {
    const status = await this.connections.client(connectionId).seriesTypesUpdateStatus();
    return { running: status.running === true };
  }
}
