/**
 * PACS query/retrieve through a server that has the local box's `pacs-*` extensions: the nodes and their
 * settings, C-FIND of studies and series, and the server's persisted retrieve jobs (README.md).
 *
 * A PACS that fails a query makes the server answer 502/504 with the PACS's words (`pacsErrorOf`). That is
 * an answer about the PACS, not about the server: it is returned as `{ok: false, error}` and never goes
 * through the paths that turn a 502/504 into "server offline" (nothing here touches the connection status).
 */
import type {
  PacsCapabilities,
  PacsNodeItem,
  PacsNodeSettings,
  PacsNodes,
  PacsQueryAnswer,
  PacsSeriesItem,
  PacsStudyItem,
  PacsStudyQuery,
  RetrieveItemRequest,
  RetrieveJob,
  PacsRetrieveMethod,
  StudyPlace,
} from '../../../src-preload/contract.js';
import { pacsErrorOf, SliceboxHttpError, type SliceboxClient } from '../../slicebox/client.js';
import type { XPacsQueryResult, XPacsStudyQuery } from '../../slicebox/types.js';
import {
  errorInfo,
  nodeItem,
  pacsCapabilitiesOf,
  retrieveJob,
  seriesItem,
  studyItem,
} from './pacs-items.js';

/** What the service needs of the connections: a client, and who is signed in. */
export interface PacsConnections {
  client(connectionId: string): SliceboxClient;
  info(connectionId: string): { user: string };
}

/** The retrieve jobs listed: the newest this many. */
export const RETRIEVES_LISTED = 100;
const ALL_USERS = 10_000;

const QUERY_KEYS = [
  'patientName',
  'patientId',
  'patientBirthDate',
  'studyDateFrom',
  'studyDateTo',
  'modality',
  'accessionNumber',
  'studyDescription',
] as const satisfies readonly (keyof PacsStudyQuery & keyof XPacsStudyQuery)[];

/** The query as the server takes it: values trimmed, empty ones left out (an empty key matches anything). */
export function queryBody(query: PacsStudyQuery): XPacsStudyQuery {
  const body: XPacsStudyQuery = {};
  for (const key of QUERY_KEYS) {
    const value = query[key]?.trim();
    if (value) body[key] = value;
  }
  return body;
}

export class PacsService {
  constructor(private readonly connections: PacsConnections) {}

  async capabilities(connectionId: string): Promise<PacsCapabilities> {
    return pacsCapabilitiesOf(await this.connections.client(connectionId).desktopExtensions());
  }

  async nodes(connectionId: string): Promise<PacsNodes> {
    const client = this.connections.client(connectionId);
    const [nodes, canEditSettings] = await Promise.all([
      client.pacsNodes(),
      this.isAdministrator(connectionId),
    ]);
    return { nodes: nodes.map(nodeItem), canEditSettings };
  }

  async updateNode(
    connectionId: string,
    scuId: number,
    settings: Partial<PacsNodeSettings>,
  ): Promise<PacsNodeItem> {
    return nodeItem(await this.connections.client(connectionId).updatePacsNode(scuId, settings));
  }

  queryStudies(
    connectionId: string,
    scuId: number,
    query: PacsStudyQuery,
  ): Promise<PacsQueryAnswer<PacsStudyItem>> {
    return answer(
      this.connections.client(connectionId).queryPacsStudies(scuId, queryBody(query)),
      studyItem,
    );
  }

  querySeries(
    connectionId: string,
    scuId: number,
    studyInstanceUid: string,
  ): Promise<PacsQueryAnswer<PacsSeriesItem>> {
    return answer(
      this.connections.client(connectionId).queryPacsSeries(scuId, { studyInstanceUid }),
      seriesItem,
    );
  }

  async retrieve(
    connectionId: string,
    scuId: number,
    method: PacsRetrieveMethod | undefined,
    items: RetrieveItemRequest[],
  ): Promise<RetrieveJob> {
    const job = await this.connections.client(connectionId).createRetrieve({
      scuId,
      ...(method ? { method } : {}),
      items: items.map((i) => ({
        level: i.level,
        studyInstanceUid: i.studyInstanceUid,
        ...(i.seriesInstanceUid ? { seriesInstanceUid: i.seriesInstanceUid } : {}),
        ...(i.label ? { label: i.label } : {}),
      })),
    });
    return retrieveJob(job);
  }

  async retrieves(connectionId: string): Promise<RetrieveJob[]> {
    const jobs = await this.connections
      .client(connectionId)
      .retrieves({ startindex: 0, count: RETRIEVES_LISTED });
    return jobs.map(retrieveJob);
  }

  async cancel(connectionId: string, retrieveId: number): Promise<RetrieveJob> {
    return retrieveJob(await this.connections.client(connectionId).cancelRetrieve(retrieveId));
  }

  async retry(connectionId: string, retrieveId: number, scuId?: number): Promise<RetrieveJob> {
    return retrieveJob(
      await this.connections.client(connectionId).retryRetrieve(retrieveId, scuId),
    );
  }

  remove(connectionId: string, retrieveId: number): Promise<void> {
    return this.connections.client(connectionId).deleteRetrieve(retrieveId);
  }

  /** The patient of a study, so Browse can show it; null when the study is no longer there. */
  async locateStudy(connectionId: string, studyId: number): Promise<StudyPlace | null> {
    const client = this.connections.client(connectionId);
    try {
      const study = await client.study(studyId);
      const patient = await client.patient(study.patientId);
      return {
        studyId: study.id,
        patientId: patient.id,
        patientName: patient.patientName?.value ?? '',
        patientID: patient.patientID?.value ?? '',
      };
    } catch (error) {
      if (error instanceof SliceboxHttpError && error.status === 404) return null;
      throw error;
    }
  }

  /**
   * Whether the signed-in user is an administrator (the node settings are theirs to change). Unknown (the
   * user list could not be read) counts as yes: the server still decides, and says so in its words.
   */
  private async isAdministrator(connectionId: string): Promise<boolean> {
    const { user } = this.connections.info(connectionId);
    try {
      const users = await this.connections
        .client(connectionId)
        .users({ startindex: 0, count: ALL_USERS });
      const me = users.find((u) => u.user === user);
      return me === undefined || me.role !== 'USER';
    } catch {
      return true;
    }
  }
}

/** A query's matches, or the PACS's failure in its words; any other failure is the server's and thrown. */
async function answer<X, T>(
  query: Promise<XPacsQueryResult<X>>,
  item: (x: X) => T,
): Promise<PacsQueryAnswer<T>> {
  try {
    const result = await query;
    return {
      ok: true,
      matches: result.matches.map(item),
      truncated: result.truncated,
      limit: result.limit,
      notes: [...result.notes],
    };
  } catch (error) {
    const pacs = pacsErrorOf(error);
    if (pacs) return { ok: false, error: errorInfo(pacs) };
    throw error;
  }
}
