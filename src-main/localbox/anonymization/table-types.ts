/** Row shapes of the generated PS3.15 tables (table-e1-1.ts, safe-private.ts). */

/** Option columns of Table E.1-1 (CLEAN_PIXEL_DATA and CLEAN_RECOGNIZABLE_VISUAL_FEATURES have none). */
export type TableColumn =
  | 'BASIC_PROFILE'
  | 'RETAIN_SAFE_PRIVATE'
  | 'RETAIN_UIDS'
  | 'RETAIN_DEVICE_IDENTITY'
  | 'RETAIN_INSTITUTION_IDENTITY'
  | 'RETAIN_PATIENT_CHARACTERISTICS'
  | 'RETAIN_LONGITUDINAL_TEMPORAL_INFORMATION'
  | 'RETAIN_LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED_DATES'
  | 'CLEAN_DESCRIPTORS'
  | 'CLEAN_STRUCTURED_CONTENT'
  | 'CLEAN_GRAPHICS';

export interface TableRow {
  /** Tag as (group << 16 | element); for pattern rows the masked value. */
  tag: number;
  /** 0xFFFFFFFF for exact rows; a row matches `t` when `(t & mask) === tag`. */
  mask: number;
  name: string;
  /** Action code (X, Z, D, U, K, C, X/Z, X/D, X/Z/D, Z/D, X/Z/U*) per option column that has one. */
  codes: Partial<Record<TableColumn, string>>;
}

export interface SafePrivateRow {
  tag: number;
  mask: number;
  creator: string;
}
