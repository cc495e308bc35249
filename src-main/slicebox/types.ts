/**
 * Slicebox 2.x wire types, written once from ../shared/slicebox/openapi corrected by BEHAVIOR.md.
 * Shared by the typed client (client.ts) and the local box engine's routes, so they cannot drift.
 * Field order matters to Slicebox clients that compare JSON textually: keep it as BEHAVIOR.md lists it.
 */

/** A DICOM-derived property: always wrapped, `{"value": ""}` when absent (BEHAVIOR §5.1). */
export interface DicomValue {
  value: string;
}

export interface Patient {
  id: number;
  patientName: DicomValue;
  patientID: DicomValue;
  patientBirthDate: DicomValue;
  patientSex: DicomValue;
}

export interface Study {
  id: number;
  patientId: number;
  studyInstanceUID: DicomValue;
  studyDescription: DicomValue;
  studyDate: DicomValue;
  studyID: DicomValue;
  accessionNumber: DicomValue;
  patientAge: DicomValue;
}

export interface Series {
  id: number;
  studyId: number;
  seriesInstanceUID: DicomValue;
  seriesDescription: DicomValue;
  seriesDate: DicomValue;
  modality: DicomValue;
  protocolName: DicomValue;
  bodyPartExamined: DicomValue;
  manufacturer: DicomValue;
  stationName: DicomValue;
  frameOfReferenceUID: DicomValue;
}

export interface Image {
  id: number;
  seriesId: number;
  sopInstanceUID: DicomValue;
  imageType: DicomValue;
  instanceNumber: DicomValue;
}

export interface FlatSeries {
  id: number;
  patient: Patient;
  study: Study;
  series: Series;
}

export type SourceType = 'user' | 'box' | 'directory' | 'scp' | 'import' | 'unknown';

export interface Source {
  sourceType: SourceType;
  sourceName: string;
  sourceId: number;
}

/** `{"id","name"}` of `/metadata/series/{id}/seriestypes` (BEHAVIOR §9.4). */
export interface SeriesType {
  id: number;
  name: string;
}

/** A rule of a series type (BEHAVIOR §20): matches when all its attributes match. */
export interface SeriesTypeRule {
  id: number;
  seriesTypeId: number;
}

/**
 * One attribute of a series type rule (BEHAVIOR §20): `tag` (inside the sequences of `tagPath`, decimal
 * sequence tags joined with `,`, item 1 each) must have the value `values`.
 */
export interface SeriesTypeRuleAttribute {
  id: number;
  seriesTypeRuleId: number;
  tag: number;
  name: string;
  tagPath?: string | null;
  namePath?: string | null;
  values: string;
}

/** A tag filter applied on ingestion (BEHAVIOR §19). */
export interface TagFilter {
  id: number;
  name: string;
  tagFilterType: 'WHITELIST' | 'BLACKLIST';
}

/** A tag tree (BEHAVIOR §5.4): like a TagPath, but `item` may be `"*"` and `tag` may be left to `name`. */
export interface TagTree {
  tag?: number;
  name?: string;
  item?: string;
  previous?: TagTree;
}

/** One tag path of a tag filter (BEHAVIOR §19). */
export interface TagFilterTagPath {
  id: number;
  tagFilterId: number;
  tagPath: TagTree;
}

/** Which source's incoming data a tag filter applies to (BEHAVIOR §19). */
export interface SourceTagFilter {
  id: number;
  sourceType: SourceType;
  sourceName: string;
  sourceId: number;
  tagFilterId: number;
  tagFilterName: string;
}

/** `{"id","name"}` of series tags (BEHAVIOR §9.8). */
export interface SeriesTag {
  id: number;
  name: string;
}

export interface SourceRef {
  sourceType: SourceType;
  sourceId: number;
}

export type Role = 'SUPERUSER' | 'ADMINISTRATOR' | 'USER';

export interface UserInfo {
  id: number;
  user: string;
  role: Role;
}

export interface ApiUser {
  id: number;
  user: string;
  role: Role;
  hashedPassword: string;
}

export interface ClearTextUser {
  user: string;
  role: Exclude<Role, 'SUPERUSER'>;
  password: string;
}

export interface UserPass {
  user: string;
  pass: string;
}

export interface ImportSession {
  id: number;
  name: string;
  userId: number;
  user: string;
  filesImported: number;
  filesAdded: number;
  filesRejected: number;
  created: number;
  lastUpdated: number;
}

/** `AnonymizationKey` of `GET /anonymization/keys` (BEHAVIOR §11.5). */
export interface AnonymizationKey {
  id: number;
  created: number;
  imageId: number;
  patientName: string;
  anonPatientName: string;
  patientID: string;
  anonPatientID: string;
  studyInstanceUID: string;
  anonStudyInstanceUID: string;
  seriesInstanceUID: string;
  anonSeriesInstanceUID: string;
  sopInstanceUID: string;
  anonSOPInstanceUID: string;
}

/** `AnonymizationKeyValue` of `GET /anonymization/keys/{id}/keyvalues` (BEHAVIOR §11.5). */
export interface AnonymizationKeyValue {
  id: number;
  anonymizationKeyId: number;
  tagPath: TagPath;
  value: string;
  anonymizedValue: string;
}

/** A confidentiality option of `GET /anonymization/options` (BEHAVIOR §5.5). */
export interface AnonymizationOption {
  name: string;
  title: string;
  description: string;
  rank: number;
}

export interface SystemInformation {
  version: string;
}

/** Paging and ordering shared by the metadata list routes (BEHAVIOR §9.1). */
export interface ListParams {
  startindex?: number;
  count?: number;
  orderby?: string;
  orderascending?: boolean;
  filter?: string;
  sources?: string;
  seriestypes?: string;
  seriestags?: string;
}

/** The session cookie Slicebox sets on login (BEHAVIOR §3.2). */
export const SESSION_COOKIE = 'slicebox-session';

/** Text bodies that clients may match on (BEHAVIOR §3.1, §3.6, §4.1). */
export const MESSAGES = {
  authMissing: 'The resource requires authentication, which was not supplied with the request',
  authInvalid: 'The supplied authentication is invalid',
  forbidden: 'The supplied authentication is not authorized to access this resource',
  loginFailed: 'Invalid username or password',
  notFound: 'The requested resource could not be found.',
} as const;

/**
 * A tag path as JSON (BEHAVIOR §5.3): a linked list from the addressed element up to the root. `item`
 * (1-based, as a string) is set on sequence steps only; `previous` is omitted at the root.
 */
export interface TagPath {
  tag: number;
  name: string;
  item?: string;
  previous?: TagPath;
}

/** One data element of `GET /images/{id}/attributes` (BEHAVIOR §10.5). */
export interface ImageAttribute {
  tagPath: TagPath;
  /** Keyword per level, root first; `""` for unknown/private tags. */
  namePath: string[];
  vr: string;
  /** Value length in bytes as encoded; -1 for undefined-length sequences and fragments. */
  length: number;
  values: string[];
}

/** `GET /images/{id}/imageinformation` (BEHAVIOR §10.6). */
export interface ImageInformation {
  numberOfFrames: number;
  frameIndex: number;
  minimumPixelValue: number;
  maximumPixelValue: number;
}

// ── boxes, transactions, SCPs, SCUs (BEHAVIOR §12, §13, §16, §17) ─────────────

/** An anonymization profile: the confidentiality options by name (BEHAVIOR §5.5). */
export interface AnonymizationProfile {
  options: { name: string }[];
}

export type BoxSendMethod = 'PUSH' | 'POLL';

export interface Box {
  id: number;
  name: string;
  token: string;
  baseUrl: string;
  sendMethod: BoxSendMethod;
  defaultProfile: AnonymizationProfile;
  online: boolean;
}

/** Input of `POST /boxes/createconnection`. */
export interface RemoteBoxConnectionData {
  name: string;
  defaultProfile: AnonymizationProfile;
}

/** Input of `POST /boxes/connect`. */
export interface RemoteBox {
  name: string;
  baseUrl: string;
  defaultProfile: AnonymizationProfile;
}

export type BoxTransactionStatusName = 'WAITING' | 'PROCESSING' | 'FINISHED' | 'FAILED' | 'UNKNOWN';

export interface BoxTransactionStatus {
  status: BoxTransactionStatusName;
}

export interface OutgoingTransaction {
  id: number;
  boxId: number;
  boxName: string;
  profile: AnonymizationProfile;
  sentImageCount: number;
  totalImageCount: number;
  created: number;
  updated: number;
  status: BoxTransactionStatusName;
}

export interface OutgoingImage {
  id: number;
  outgoingTransactionId: number;
  imageId: number;
  sequenceNumber: number;
  sent: boolean;
}

export interface OutgoingTransactionImage {
  transaction: OutgoingTransaction;
  image: OutgoingImage;
}

export interface FailedOutgoingTransactionImage {
  transactionImage: OutgoingTransactionImage;
  message: string;
}

export interface IncomingTransaction {
  id: number;
  boxId: number;
  boxName: string;
  outgoingTransactionId: number;
  receivedImageCount: number;
  addedImageCount: number;
  totalImageCount: number;
  created: number;
  updated: number;
  status: BoxTransactionStatusName;
}

/** A tag value set on one image when it is anonymized (send, bulk anonymize). */
export interface ImageTagValues {
  imageId: number;
  tagValues: { tagPath: TagPath; value: string }[];
}

/** `POST /boxes/{id}/send`, `POST /anonymization/anonymize`. */
export interface BulkAnonymizationData {
  profile: AnonymizationProfile;
  imageTagValuesSet: ImageTagValues[];
}

export interface ScpData {
  id: number;
  name: string;
  aeTitle: string;
  port: number;
}

export interface ScuData {
  id: number;
  name: string;
  aeTitle: string;
  host: string;
  port: number;
}

// ── directory watches, destinations, forwarding (BEHAVIOR §15, §5.2, §18) ────

export interface WatchedDirectory {
  id: number;
  name: string;
  path: string;
}

export type DestinationType = 'box' | 'scu' | 'unknown';

export interface Destination {
  destinationType: DestinationType;
  destinationName: string;
  destinationId: number;
}

export interface ForwardingRule {
  id: number;
  source: Source;
  destination: Destination;
  keepImages: boolean;
}

// ── log (BEHAVIOR §21) ────────────────────────────────────────────────────────

export type LogEntryType = 'DEFAULT' | 'INFO' | 'WARN' | 'ERROR';

export interface LogEntry {
  id: number;
  created: number;
  entryType: LogEntryType;
  subject: string;
  message: string;
}

// ── desktop extensions (not Slicebox; src-main/localbox/DECISIONS.md "Desktop extensions") ──

/** One identifying attribute of `POST /x-desktop/anonymization/preview`; `null` = absent. */
export interface XAttributeChange {
  tag: number;
  keyword: string;
  label: string;
  before: string | null;
  after: string | null;
  /** Written anew on every anonymization run (not predictable). */
  generated: boolean;
}

/** An image's answer of `POST /x-desktop/anonymization/preview` (or `error`). */
export interface XAnonymizationPreview {
  imageId: number;
  patientIdentityRemoved?: boolean;
  anonymized?: boolean;
  matchLevel?: 'PATIENT' | 'STUDY' | 'SERIES' | 'IMAGE';
  attributes?: XAttributeChange[];
  error?: string;
}

/** An image's answer of `POST /x-desktop/anonymization/identity-removed`. */
export interface XIdentityRemoved {
  imageId: number;
  patientIdentityRemoved: boolean;
  error?: string;
}
// ── Slicebox Desktop extensions (/api/x-desktop; localbox DECISIONS.md "Desktop extensions") ────────

/** `GET /api/x-desktop/capabilities`; a real Slicebox answers 404. */
export interface DesktopCapabilities {
  version: number;
  /** `scu-echo`, `scp-state`, `scp-edit`, `scu-edit`, `box-edit`. */
  extensions: string[];
}

/** `POST /api/x-desktop/scus/{id}/echo`: the node's answer to a C-ECHO. */
export interface EchoResult {
  success: boolean;
  message: string;
}

/** Whether an SCP listens. */
export type ScpListenerState =
  | { state: 'listening' }
  | { state: 'starting' }
  | { state: 'failed'; reason: string }
  | { state: 'stopped' };

/** One entry of `GET /api/x-desktop/scps/state`. */
export type ScpState = { scpId: number } & ScpListenerState;

/** A study's answer of `POST /x-desktop/metadata/contents`. */
export interface XStudyContents {
  id: number;
  seriesCount: number;
  imageCount: number;
  /** The distinct modalities of its series, sorted; empty ones left out. */
  modalities: string[];
}

/** A series' answer of `POST /x-desktop/metadata/contents`. */
export interface XSeriesContents {
  id: number;
  imageCount: number;
  /** The middle image in slice order (slicebox/instance-order.ts); null for an empty series. */
  middleImageId: number | null;
}

/** `POST /x-desktop/metadata/contents`: unknown ids are left out. */
export interface XContents {
  studies: XStudyContents[];
  series: XSeriesContents[];
}

// ── PACS query/retrieve (desktop extension, issue 12; routes in src-main/localbox/http/routes/x-desktop-pacs.ts) ──

/** How a PACS node is retrieved from: C-MOVE to this box's SCP, or C-GET on the query association. */
export type XRetrieveMethod = 'C-MOVE' | 'C-GET';

/** Settings of an SCU used as a PACS node. Every field has a default (`GET /x-desktop/pacs/nodes`). */
export interface XPacsNodeSettings {
  /** Default method of new retrieves (a retrieve may choose the other). Default `C-MOVE`. */
  retrieveMethod: XRetrieveMethod;
  /** The AE title this box calls the PACS with; `null`: the destination SCP's AE title (`SLICEBOX-SCU` without SCP). */
  callingAeTitle: string | null;
  /** The SCP of this box that receives retrieved images (the C-MOVE destination); `null`: the first SCP. */
  destinationScpId: number | null;
  /** Seconds: to open the association, for a whole query, and without any sign of progress during a retrieve. */
  timeoutSeconds: number;
  /** The most matches one query returns (the PACS is asked to stop with C-CANCEL beyond). */
  maxResults: number;
}

/** An SCU as a PACS node: its settings and what they resolve to now. */
export interface XPacsNode {
  scu: ScuData;
  settings: XPacsNodeSettings;
  /** The calling AE title queries and retrieves use now. */
  callingAeTitle: string;
  /** The SCP retrieved images are received by (its AE title is the C-MOVE destination); null when there is none. */
  destination: ScpData | null;
}

/** `POST /x-desktop/pacs/nodes/{id}/query/studies`. Text values may hold DICOM wildcards (`*`, `?`); dates `YYYYMMDD`. */
export interface XPacsStudyQuery {
  patientName?: string;
  patientId?: string;
  /** `YYYYMMDD`, or a range `YYYYMMDD-YYYYMMDD` (either end may be left out). */
  patientBirthDate?: string;
  studyDateFrom?: string;
  studyDateTo?: string;
  /** Matched against ModalitiesInStudy. */
  modality?: string;
  accessionNumber?: string;
  studyDescription?: string;
  studyInstanceUid?: string;
  /** At most this many matches (default and ceiling: the node's `maxResults`). */
  limit?: number;
}

/** `POST /x-desktop/pacs/nodes/{id}/query/series`: the series of one study. */
export interface XPacsSeriesQuery {
  studyInstanceUid: string;
  modality?: string;
  limit?: number;
}

/** A study as the PACS describes it (`""` / `null` / `[]` where the PACS returned nothing). */
export interface XPacsStudy {
  studyInstanceUid: string;
  patientName: string;
  patientId: string;
  patientBirthDate: string;
  patientSex: string;
  studyDate: string;
  studyTime: string;
  studyDescription: string;
  accessionNumber: string;
  studyId: string;
  modalitiesInStudy: string[];
  numberOfStudyRelatedSeries: number | null;
  numberOfStudyRelatedInstances: number | null;
}

export interface XPacsSeries {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  modality: string;
  seriesNumber: number | null;
  seriesDescription: string;
  seriesDate: string;
  bodyPartExamined: string;
  numberOfSeriesRelatedInstances: number | null;
}

export interface XPacsQueryResult<T> {
  matches: T[];
  /** More matches existed than `limit`; the PACS was asked to stop (C-CANCEL). */
  truncated: boolean;
  limit: number;
  /** What the answer cannot promise, e.g. a filter the PACS does not support. */
  notes: string[];
}

export type XPacsErrorCode =
  | 'association-rejected'
  | 'connection-refused'
  | 'unknown-host'
  | 'no-route'
  | 'timeout'
  | 'aborted'
  | 'closed'
  | 'network'
  | 'no-presentation-context'
  | 'move-destination-unknown'
  | 'refused'
  | 'failed'
  | 'no-matches'
  | 'no-destination'
  | 'node-deleted'
  | 'interrupted';

/**
 * A PACS failure in the PACS's own words: the HTTP body of a 502 (or 504 for `timeout`) from the query routes,
 * and the `error` of a failed retrieve item.
 */
export interface XPacsError {
  code: XPacsErrorCode;
  message: string;
  /** `AE@host:port` of the PACS. */
  peer: string;
  /** The DIMSE status of the PACS's final answer, when there was one. */
  status?: number;
  /** What that status means (PS3.4 Annex C). */
  statusText?: string;
  /** Error Comment (0000,0902) of the PACS's answer. */
  errorComment?: string;
  /** A-ASSOCIATE-RJ fields (PS3.8 9.3.4) and their meaning. */
  reject?: { result: number; source: number; reason: number; text: string };
  /** A-ABORT fields (PS3.8 9.3.8) and their meaning. */
  abort?: { source: number; reason: number; text: string };
}

export type XRetrieveLevel = 'STUDY' | 'SERIES';

/** One thing to retrieve: a study, or one series of a study. */
export interface XRetrieveItemRequest {
  level: XRetrieveLevel;
  studyInstanceUid: string;
  /** Required for `SERIES`. */
  seriesInstanceUid?: string;
  /** Shown to the user (e.g. patient and study description); stored as given. */
  label?: string;
}

export type XRetrieveItemStatus =
  'pending' | 'running' | 'completed' | 'partial' | 'failed' | 'cancelled' | 'interrupted';

export type XRetrieveStatus =
  | 'queued'
  | 'running'
  | 'cancelling'
  | 'completed'
  | 'partial'
  | 'failed'
  | 'cancelled'
  | 'interrupted';

export interface XRetrieveItem {
  index: number;
  level: XRetrieveLevel;
  studyInstanceUid: string;
  seriesInstanceUid: string | null;
  label: string | null;
  status: XRetrieveItemStatus;
  /** Sub-operations as the PACS last reported them (C-MOVE/C-GET responses); remaining is null before any. */
  completed: number;
  remaining: number | null;
  failed: number;
  warning: number;
  /** Images of this item stored by this box while it ran (new or overwritten). */
  received: number;
  /** The final DIMSE status. */
  dimseStatus: number | null;
  error: XPacsError | null;
  started: number | null;
  finished: number | null;
  /** What this box holds of the item now: its study (or series) rows and their image count. */
  local: { studyIds: number[]; seriesIds: number[]; images: number };
}

export interface XRetrieveJob {
  id: number;
  scuId: number;
  nodeName: string;
  method: XRetrieveMethod;
  /** C-MOVE: the destination AE title used (the SCP's). */
  destinationAeTitle: string | null;
  status: XRetrieveStatus;
  created: number;
  updated: number;
  items: XRetrieveItem[];
  totals: {
    completed: number;
    remaining: number;
    failed: number;
    warning: number;
    received: number;
  };
  /** The first item error, for a one-line summary. */
  error: XPacsError | null;
}

/** `POST /x-desktop/pacs/retrieves`. */
export interface XRetrieveRequest {
  scuId: number;
  /** Default: the node's `retrieveMethod`. */
  method?: XRetrieveMethod;
  items: XRetrieveItemRequest[];
}
