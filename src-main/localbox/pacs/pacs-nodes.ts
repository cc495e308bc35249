/**
 * PACS nodes: the SCUs (`/api/scus`) seen as nodes to query and retrieve from, with their extra settings
 * (table `pacs_nodes`, migration 010) and what those resolve to now: the calling AE title and the SCP of this
 * box that receives retrieved images (the C-MOVE destination, and the series source of C-GET images).
 */
import type { Database } from 'better-sqlite3';
import type { ScpData, ScuData, XPacsNode, XPacsNodeSettings } from '../../slicebox/types.js';
import { SCU_CALLING_AE_TITLE } from '../dimse/scu-sender.js';
import type { ScpStore } from '../dimse/scp-store.js';
import { InvalidArgument } from '../system/errors.js';

export const DEFAULT_NODE_SETTINGS: Readonly<XPacsNodeSettings> = {
  retrieveMethod: 'C-MOVE',
  callingAeTitle: null,
  destinationScpId: null,
  timeoutSeconds: 30,
  maxResults: 500,
};

/** Bounds of the settings (and of a query's `limit`). */
export const MAX_TIMEOUT_SECONDS = 3600;
export const MAX_RESULTS_CEILING = 10_000;

interface NodeRow {
  scu_id: number;
  retrieve_method: 'C-MOVE' | 'C-GET';
  calling_ae_title: string | null;
  destination_scp_id: number | null;
  timeout_seconds: number;
  max_results: number;
}

/** AE title rules (PS3.5 6.2: at most 16 characters, no backslash or control characters; not only spaces). */
export function checkAeTitle(value: string, what: string): string {
  const trimmed = value.trim();
  if (trimmed.length === 0) throw new InvalidArgument(`${what} must not be empty`);
  if (trimmed.length > 16)
    throw new InvalidArgument(`${what} must not exceed 16 characters: ${trimmed}`);
  if ([...trimmed].some((c) => c === '\\' || c < ' ' || c > '~'))
    throw new InvalidArgument(
      `${what} may only hold printable ASCII characters other than backslash: ${trimmed}`,
    );
  return trimmed;
}

export class PacsNodeStore {
  constructor(
    private readonly db: Database,
    private readonly scps: ScpStore,
  ) {}

  settings(scuId: number): XPacsNodeSettings {
    const row = this.db.prepare('SELECT * FROM pacs_nodes WHERE scu_id = ?').get(scuId) as
      NodeRow | undefined;
    if (!row) return { ...DEFAULT_NODE_SETTINGS };
    return {
      retrieveMethod: row.retrieve_method,
      callingAeTitle: row.calling_ae_title,
      destinationScpId: row.destination_scp_id,
      timeoutSeconds: row.timeout_seconds,
      maxResults: row.max_results,
    };
  }

  /** Saves `changes` over the current settings (validated); the SCU must exist (the caller checks). */
  update(scuId: number, changes: Partial<XPacsNodeSettings>): XPacsNodeSettings {
    const next: XPacsNodeSettings = { ...this.settings(scuId), ...changes };
    if (next.callingAeTitle !== null)
      next.callingAeTitle = checkAeTitle(next.callingAeTitle, 'Calling AE title');
    if (next.destinationScpId !== null && !this.scps.get(next.destinationScpId))
      throw new InvalidArgument(`SCP with id ${next.destinationScpId} not found`);
    if (
      !Number.isInteger(next.timeoutSeconds) ||
      next.timeoutSeconds < 1 ||
      next.timeoutSeconds > MAX_TIMEOUT_SECONDS
    )
      throw new InvalidArgument(`Timeout must be between 1 and ${MAX_TIMEOUT_SECONDS} seconds`);
    if (
      !Number.isInteger(next.maxResults) ||
      next.maxResults < 1 ||
      next.maxResults > MAX_RESULTS_CEILING
    )
      throw new InvalidArgument(`Max results must be between 1 and ${MAX_RESULTS_CEILING}`);
    this.db
      .prepare(
        `INSERT INTO pacs_nodes (scu_id, retrieve_method, calling_ae_title, destination_scp_id, timeout_seconds, max_results)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (scu_id) DO UPDATE SET retrieve_method = excluded.retrieve_method,
           calling_ae_title = excluded.calling_ae_title, destination_scp_id = excluded.destination_scp_id,
           timeout_seconds = excluded.timeout_seconds, max_results = excluded.max_results`,
      )
      .run(
        scuId,
        next.retrieveMethod,
        next.callingAeTitle,
        next.destinationScpId,
        next.timeoutSeconds,
        next.maxResults,
      );
    return next;
  }

  /** The node of `scu` with its settings resolved. */
  node(scu: ScuData): XPacsNode {
    const settings = this.settings(scu.id);
    const destination = this.destination(settings);
    return {
      scu,
      settings,
      callingAeTitle:
        settings.callingAeTitle ?? destination?.aeTitle.trim() ?? SCU_CALLING_AE_TITLE,
      destination,
    };
  }

  /** The chosen SCP, or the first SCP when none is chosen; null when there is none (or the chosen one is gone). */
  private destination(settings: XPacsNodeSettings): ScpData | null {
    if (settings.destinationScpId !== null) return this.scps.get(settings.destinationScpId) ?? null;
    return this.scps.all()[0] ?? null;
  }
}
