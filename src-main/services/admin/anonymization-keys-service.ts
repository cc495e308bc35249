/**
 * Anonymization keys (Slicebox's Anonymization screen, WEB-UI §1.2; BEHAVIOR §11.5, §11.8): pages of keys
 * with the `count + 1` look-ahead, by a prefix filter and a sort column; the further values of one key with
 * their tag paths as keyword paths; deletion; and the CSV export (admin only) as text, for the renderer to
 * save — in browser mode it cannot fetch the server itself.
 */
import type {
  AnonymizationKeyItem,
  AnonymizationKeyOrder,
  AnonymizationKeyValueItem,
  Page,
  PageRequest,
} from '../../../src-preload/contract.js';
import { SliceboxHttpError } from '../../slicebox/client.js';
import type { AnonymizationKey, AnonymizationKeyValue, TagPath } from '../../slicebox/types.js';
import type { ActionConnections } from '../actions/action-service.js';
import { eachLimited } from '../actions/each-limited.js';
import { formatTag } from '../media/image-details.js';
import { ServiceError } from '../service-error.js';

/** The file name the server gives the export (its Content-Disposition). */
export const ANONYMIZATION_CSV_NAME = 'slicebox-anonymization-info.csv';

export function toKeyItem(k: AnonymizationKey): AnonymizationKeyItem {
  return {
    id: k.id,
    created: k.created,
    imageId: k.imageId,
    patientName: k.patientName,
    anonPatientName: k.anonPatientName,
    patientID: k.patientID,
    anonPatientID: k.anonPatientID,
    studyInstanceUID: k.studyInstanceUID,
    anonStudyInstanceUID: k.anonStudyInstanceUID,
    seriesInstanceUID: k.seriesInstanceUID,
    anonSeriesInstanceUID: k.anonSeriesInstanceUID,
    sopInstanceUID: k.sopInstanceUID,
    anonSOPInstanceUID: k.anonSOPInstanceUID,
  };
}

/** A tag path as keywords (`(gggg,eeee)` where the server gave no name) and as tags, root first. */
export function describeTagPath(path: TagPath): { namePath: string; tagPath: string } {
  const steps: TagPath[] = [];
  for (let step: TagPath | undefined = path; step; step = step.previous) steps.unshift(step);
  const item = (s: TagPath) => (s.item !== undefined ? `[${s.item}]` : '');
  return {
    namePath: steps.map((s) => (s.name || formatTag(s.tag)) + item(s)).join('.'),
    tagPath: steps.map((s) => formatTag(s.tag) + item(s)).join('.'),
  };
}

export function toKeyValueItem(v: AnonymizationKeyValue): AnonymizationKeyValueItem {
  return {
    id: v.id,
    ...describeTagPath(v.tagPath),
    value: v.value,
    anonymizedValue: v.anonymizedValue,
  };
}

export class AnonymizationKeysService {
  constructor(private readonly connections: ActionConnections) {}

  async page(
    request: PageRequest & {
      filter?: string;
      orderBy?: AnonymizationKeyOrder;
      orderAscending?: boolean;
    },
  ): Promise<Page<AnonymizationKeyItem>> {
    const filter = request.filter?.trim();
    const rows = await this.connections.client(request.connectionId).anonymizationKeys({
      startindex: request.startIndex,
      count: request.count + 1,
      ...(filter ? { filter } : {}),
      ...(request.orderBy
        ? { orderby: request.orderBy, orderascending: request.orderAscending ?? true }
        : {}),
    });
    return {
      items: rows.slice(0, request.count).map(toKeyItem),
      startIndex: request.startIndex,
      hasMore: rows.length > request.count,
    };
  }

  async keyValues(connectionId: string, keyId: number): Promise<AnonymizationKeyValueItem[]> {
    const values = await this.connections.client(connectionId).anonymizationKeyValues(keyId);
    return values.map(toKeyValueItem);
  }

  /** One `DELETE /anonymization/keys/{id}` per key (idempotent; the values go with it). */
  async remove(connectionId: string, ids: number[]): Promise<void> {
    const client = this.connections.client(connectionId);
    await eachLimited([...new Set(ids)], 4, (id) => client.removeAnonymizationKey(id));
  }

  /** The server's CSV; a refusal (403 for a non-admin) is shown in the server's words. */
  async exportCsv(connectionId: string): Promise<{ fileName: string; csv: string }> {
    try {
      const csv = await this.connections.client(connectionId).exportAnonymizationKeysCsv();
      return { fileName: ANONYMIZATION_CSV_NAME, csv };
    } catch (error) {
      if (error instanceof SliceboxHttpError && error.status === 403) {
        throw new ServiceError(
          'server',
          error.body
            ? `Only administrators can export the keys: ${error.body}`
            : 'Only administrators can export the keys.',
        );
      }
      throw error;
    }
  }
}
