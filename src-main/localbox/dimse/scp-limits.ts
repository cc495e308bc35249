/**
 * The limits that keep a DICOM receiver (SCP) bounded whatever a peer sends: timers for each phase of an
 * association, the number of simultaneous associations, and the size of one received dataset. Defaults and their
 * reasons: DECISIONS.md, "SCP hardening". Engine option `dicomLimits` (partial) overrides them.
 */

export interface ScpLimits {
  /** A connection must deliver its A-ASSOCIATE-RQ within this time (the ARTIM timer of PS3.8 §9.1.5). */
  associationRequestTimeoutMs: number;
  /** An established association that receives no PDU for this long (while no store is in progress) is aborted. */
  idleTimeoutMs: number;
  /** After A-ASSOCIATE-RJ, A-RELEASE-RP or A-ABORT, the peer must close within this time, else the SCP does. */
  releaseTimeoutMs: number;
  /** Simultaneous connections per SCP; more are answered with A-ASSOCIATE-RJ (transient, local limit exceeded). */
  maxAssociations: number;
  /** Largest dataset of one C-STORE; a larger one is aborted as it arrives and its temp file removed. */
  maxDatasetBytes: number;
}

export const DEFAULT_SCP_LIMITS: Readonly<ScpLimits> = {
  associationRequestTimeoutMs: 30_000,
  idleTimeoutMs: 60_000,
  releaseTimeoutMs: 10_000,
  maxAssociations: 32,
  maxDatasetBytes: 2 * 1024 ** 3,
};

/** Largest A-ASSOCIATE-RQ accepted (PDU length field): far above any real request (128 contexts, user items). */
export const MAX_ASSOCIATE_RQ_BYTES = 1024 * 1024;

/** The defaults with `overrides` applied; throws on a value that is not a positive integer. */
export function resolveScpLimits(overrides: Partial<ScpLimits> = {}): ScpLimits {
  const limits = { ...DEFAULT_SCP_LIMITS };
  for (const key of Object.keys(DEFAULT_SCP_LIMITS) as Array<keyof ScpLimits>) {
    const value = overrides[key];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new Error(`DICOM limit ${key} must be a positive integer, not ${String(value)}`);
    }
    limits[key] = value;
  }
  return limits;
}

/** `1500` → `1.5 s`, for log lines. */
export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}
