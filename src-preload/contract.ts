/**
 * The one contract between the renderer and the main side.
 *
 * Every call the renderer may make and every event the main side pushes is declared here, with its
 * argument and result types. The same table is carried by Electron IPC (src-main/app + the preload) and
 * by the browser-mode WebSocket host (src-main/web). This file holds types and constants only: the
 * renderer imports nothing else from the main side.
 */

/** A Slicebox connection as the renderer sees it. The local box is always present. */
export interface ConnectionInfo {
  id: string;
  name: string;
  url: string;
  kind: 'local' | 'remote';
  user: string;
  status: ConnectionStatus;
  /** Human-readable detail for the status (e.g. the error of the last check). */
  statusDetail?: string;
  /** When the status was last learned (ms since the epoch). */
  checkedAt?: number;
}

/** What the connection editor sends: a remote server's profile. */
export interface ConnectionDraft {
  name: string;
  /** http:// or https:// server root (a trailing `/api` is dropped). */
  url: string;
  user: string;
  /** Required when adding; when editing, omitted or empty keeps the stored password. */
  password?: string;
}

/** The outcome of trying a candidate profile before it is saved. */
export interface ConnectionTestResult {
  status: ConnectionStatus;
  detail?: string;
  /** The server's Slicebox version, when it says. */
  version?: string;
}

/** Where connection passwords are kept, so the UI can say so. */
export interface SecretStorageInfo {
  kind: 'keychain' | 'file';
  description: string;
}

export type ConnectionStatus = 'unknown' | 'online' | 'offline' | 'auth-failed';

/** One page of a list, fetched with Slicebox's count+1 look-ahead. */
export interface Page<T> {
  items: T[];
  startIndex: number;
  /** True when at least one more item exists after this page. */
  hasMore: boolean;
  /** True when the server could not be reached and the page is what was seen before. */
  fromCache?: boolean;
  /** When a cached page was fetched from the server (ms since the epoch). */
  cachedAt?: number;
}

export interface PatientItem {
  id: number;
  patientName: string;
  patientID: string;
  patientBirthDate: string;
  patientSex: string;
}

export interface StudyItem {
  id: number;
  patientId: number;
  studyInstanceUID: string;
  studyDescription: string;
  studyDate: string;
  studyID: string;
  accessionNumber: string;
  patientAge: string;
}

export interface SeriesItem {
  id: number;
  studyId: number;
  seriesInstanceUID: string;
  seriesDescription: string;
  seriesDate: string;
  modality: string;
  protocolName: string;
  bodyPartExamined: string;
  manufacturer: string;
  stationName: string;
  frameOfReferenceUID: string;
}

export interface ImageItem {
  id: number;
  seriesId: number;
  sopInstanceUID: string;
  imageType: string;
  instanceNumber: string;
}

/**
 * `browse.contents`: what studies and series hold, asked for the rows in view. Slicebox's rows carry no
 * counts; the app counts them (src-main/services/browse/README.md).
 */
export interface ContentsRequest {
  connectionId: string;
  studyIds?: number[];
  seriesIds?: number[];
  /** The lists were reloaded (data may have changed): count again rather than answer what was counted. */
  refresh?: boolean;
}

/** A study's series and images, and the modalities of its series (sorted, distinct). */
export interface StudyContents {
  id: number;
  seriesCount: number;
  imageCount: number;
  modalities: string[];
}

/** A series' images, and the image its thumbnail shows: the middle one in slice order. */
export interface SeriesContents {
  id: number;
  imageCount: number;
  thumbnailImageId: number | null;
}

/** The answer of `browse.contents`; ids that no longer exist (or could not be counted) are left out. */
export interface BrowseContents {
  studies: StudyContents[];
  series: SeriesContents[];
  /** The server could not be reached: these are the counts seen before. */
  fromCache?: boolean;
  /** When the oldest cached count was made (ms since the epoch). */
  cachedAt?: number;
}

export interface PageRequest {
  connectionId: string;
  startIndex: number;
  count: number;
}

/**
 * How the browser orders a series' images: by instance number (numerically; the default of the Images
 * column), by SOP Instance UID, or by id (the order they arrived in, Slicebox's database order).
 */
export const IMAGE_ORDER = ['instanceNumber', 'sopInstanceUID', 'id'] as const;
export type ImageOrder = (typeof IMAGE_ORDER)[number];

export interface ImagesRequest extends PageRequest {
  seriesId: number;
  /** Without it, the server's own (database) order. */
  orderBy?: ImageOrder;
  orderAscending?: boolean;
}

export interface PatientsRequest extends PageRequest, AdvancedFilter {
  filter?: string;
  orderBy?: 'id' | 'patientName' | 'patientID' | 'patientBirthDate' | 'patientSex';
  orderAscending?: boolean;
}

/**
 * Slicebox's advanced filtering (`sources`, `seriestypes`, `seriestags`): an entity is listed only if one
 * of its series matches every non-empty group; within a group the values are OR-ed. Sources are
 * `type:id` strings (e.g. `user:1`, `import:4`).
 */
export interface AdvancedFilter {
  sources?: string[];
  seriesTypeIds?: number[];
  seriesTagIds?: number[];
}

/** What the advanced filter offers: the server's sources, series types and series tags. */
export interface FilterOptions {
  sources: { sourceType: string; sourceName: string; sourceId: number }[];
  seriesTypes: { id: number; name: string }[];
  seriesTags: { id: number; name: string }[];
}

/** A series joined with its study and patient (Slicebox `/metadata/flatseries`). */
export interface FlatSeriesItem {
  id: number;
  patient: PatientItem;
  study: StudyItem;
  series: SeriesItem;
}

export const FLAT_SERIES_ORDER = [
  'id',
  'patientName',
  'patientID',
  'patientBirthDate',
  'patientSex',
  'patientAge',
  'studyDescription',
  'studyDate',
  'studyID',
  'accessionNumber',
  'seriesDescription',
  'seriesDate',
  'modality',
  'protocolName',
  'bodyPartExamined',
  'manufacturer',
  'stationName',
] as const;
export type FlatSeriesOrder = (typeof FLAT_SERIES_ORDER)[number];

export interface FlatSeriesRequest extends PageRequest, AdvancedFilter {
  filter?: string;
  /** A bare property name, as Slicebox's own UI sends it. */
  orderBy?: FlatSeriesOrder;
  orderAscending?: boolean;
}

/**
 * A file the user dropped or picked, resolved to a path the main side can read. In Electron the path
 * may be a folder (imported recursively) or a zip; `name` may be a relative path (`folder/sub/a.dcm`).
 */
export interface FileRef {
  path: string;
  name: string;
  size: number;
}

export type ImportFileState =
  | 'pending'
  | 'uploading'
  | 'added'
  | 'present'
  | 'rejected'
  | 'failed'
  /**
   * Not sent: not DICOM, a DICOMDIR index, another copy of the same image in the drop was stored, a
   * refused zip entry, cancelled.
   */
  | 'skipped';

export interface ImportFileResult {
  name: string;
  path: string;
  size: number;
  state: ImportFileState;
  /**
   * Why the file was rejected (in words: the SOP class and transfer syntax by name), the error of a
   * failure, or why the file was skipped (e.g. `Same image as a/MR_small.dcm, which was stored`).
   */
  reason?: string;
  /** For a rejection: what to do about it, or that the same image arrived from another copy. */
  hint?: string;
  /** For a rejection: the server's own words, when `reason` rephrases them. */
  detail?: string;
  /** Another copy of the same image (same SOP Instance UID) in this job, the one that was stored. */
  sameImageAs?: string;
  imageId?: number;
}

/**
 * `preparing`: sources are being expanded (folders walked, zips extracted, files sniffed);
 * `waiting`: the server is unreachable, the job retries with backoff and goes on by itself.
 * `done`, `cancelled` and `failed` are final (`failed`: the job itself could not run).
 */
export type ImportJobState =
  'preparing' | 'running' | 'paused' | 'waiting' | 'done' | 'cancelled' | 'failed';

export interface ImportJob {
  id: string;
  name: string;
  connectionId: string;
  /** The Slicebox import session the files are uploaded through. */
  sessionId?: number;
  state: ImportJobState;
  error?: string;
  created: number;
  filesTotal: number;
  filesDone: number;
  bytesTotal: number;
  bytesDone: number;
  /** `skipped`: files not sent (not DICOM, DICOMDIR, another copy stored, refused, cancelled). */
  counts: { added: number; present: number; rejected: number; failed: number; skipped?: number };
  /** Upload throughput (moving average) while running, and the time left at that rate. */
  bytesPerSecond?: number;
  etaSeconds?: number;
  /** When the job last ended (done, cancelled or failed). */
  finished?: number;
  /** Increases with every snapshot the main side sends: the newer of two copies of a job wins. */
  revision?: number;
  files: ImportFileResult[];
}

export interface AppInfo {
  version: string;
  /** Which transport carries the bridge: the Electron window or browser mode. */
  mode: 'electron' | 'browser';
  dataDir: string;
  /** Where connection passwords are kept (system keychain, or a user-only file in browser mode). */
  secretStorage?: SecretStorageInfo;
}

/**
 * Where the renderer fetches one image's bytes. The transport (browser mode: a tokenized route of the web
 * host; Electron: the `sbx-media:` protocol) is hidden behind these URLs. `pngUrl` takes Slicebox's
 * `framenumber`, `windowmin`, `windowmax` and `imageheight` query parameters.
 */
export interface ImageMediaUrls {
  dicomUrl: string;
  pngUrl: string;
}

/** One data element of an image (Slicebox `GET /images/{id}/attributes`), flattened for a table. */
export interface ImageAttributeItem {
  /** `(GGGG,EEEE)` of the element itself. */
  tag: string;
  /** Tag path from the root, e.g. `(0054,0012)[1].(0054,0013)[2].(0054,0015)`. */
  tagPath: string;
  /** Keywords from the root joined with `.`; empty parts for private/unknown tags. */
  namePath: string;
  /** Nesting depth: 0 for top-level elements. */
  depth: number;
  vr: string;
  length: number;
  values: string[];
}

export interface ImageInformationItem {
  numberOfFrames: number;
  frameIndex: number;
  minimumPixelValue: number;
  maximumPixelValue: number;
}

/** What a viewer measurement measures (issue 11): a distance, an angle, two ROIs, one pixel's value. */
export const MEASUREMENT_KINDS = ['length', 'angle', 'ellipse', 'rectangle', 'probe'] as const;
export type MeasurementKind = (typeof MEASUREMENT_KINDS)[number];

/**
 * A point on an image in its pixel grid: `x` along a row (column direction), `y` down the rows; (0, 0) is the
 * top-left corner of the first pixel, so the centre of pixel (c, r) is (c + 0.5, r + 0.5).
 */
export interface ImagePoint {
  x: number;
  y: number;
}

/** One figure of a measurement, e.g. `{name: 'length', value: 80.1, unit: 'mm'}` or `{name: 'mean', unit: 'HU'}`. */
export interface MeasurementValue {
  name: string;
  value: number;
  unit: string;
}

/** What the image is, for the side panel and the CSV (from the browser's rows and the image). */
export interface MeasurementContext {
  patientName: string;
  patientID: string;
  studyDate: string;
  studyDescription: string;
  seriesDescription: string;
  modality: string;
  instanceNumber: string;
  imageId: number;
}

/**
 * A measurement on one frame of one image, kept in the app's cache database (never in the DICOM file), keyed by
 * connection, SOP Instance UID and frame. Points: length 2 (ends), angle 3 (arm, vertex, arm), ellipse and
 * rectangle 2 (opposite corners of the bounding box), probe 1. `values` are what the viewer computed from the
 * decoded image when it was drawn or last edited.
 */
export interface Measurement {
  id: string;
  connectionId: string;
  sopInstanceUid: string;
  /** 0-based frame of a multi-frame image; 0 otherwise. */
  frame: number;
  kind: MeasurementKind;
  points: ImagePoint[];
  values: MeasurementValue[];
  /** E.g. "uncalibrated: detector spacing" when the mm come from Imager Pixel Spacing. */
  note?: string;
  context: MeasurementContext;
  createdAt: number;
  updatedAt: number;
}

export type MeasurementDraft = Omit<Measurement, 'createdAt' | 'updatedAt'>;

/**
 * `measurements.exportCsv`: where the CSV went. Electron: the path picked in the save dialog (`canceled` when the
 * user closed it). Browser mode: the data folder's `exports/`, and `csv` for the window to download.
 */
export interface MeasurementCsvExport {
  fileName: string;
  count: number;
  path?: string;
  csv?: string;
  canceled?: boolean;
}

export interface SeriesDetails {
  source: { sourceType: string; sourceName: string; sourceId: number } | null;
  seriesTypes: { id: number; name: string }[];
  seriesTags: { id: number; name: string }[];
}

export type ExportSelectionKind = 'patients' | 'studies' | 'series' | 'images';

export interface ExportSelection {
  kind: ExportSelectionKind;
  ids: number[];
}

export type ExportJobState = 'resolving' | 'downloading' | 'done' | 'failed' | 'canceled';

export interface ExportJob {
  id: string;
  connectionId: string;
  /** Suggested or chosen file name of the zip. */
  fileName: string;
  state: ExportJobState;
  error?: string;
  created: number;
  imageCount: number;
  bytesDone: number;
  /** Where the zip was saved (Electron: the path the user picked; browser mode: the data folder). */
  path?: string;
  /** Browser mode: a same-origin URL the renderer downloads the finished zip from. */
  downloadUrl?: string;
  /** Whether `exports.reveal` can show the file in the system's file manager. */
  canReveal: boolean;
  /** The user dismissed it (`exports.dismiss`): no longer listed or shown; a running export goes on. */
  dismissed?: boolean;
}

/** What a bulk action works on: rows of one browser level (the same shape as an export's selection). */
export type ActionSelection = ExportSelection;

/** `actions.summary`: what a selection covers (Slicebox's Summary dialog). */
export interface SelectionSummary {
  patients: number;
  studies: number;
  series: number;
  images: number;
  /** Series per modality, most first. */
  modalities: { modality: string; series: number }[];
}

/** One series of a described selection: what a confirmation names. */
export interface DescribedSeries {
  seriesId: number;
  modality: string;
  /** SeriesDescription, or ProtocolName when that is empty. */
  description: string;
  studyDescription: string;
  /** DICOM DA as stored (`20040119`). */
  studyDate: string;
  /** The selection's images in this series (all of them, unless images were selected). */
  images: number;
}

/** One patient of a described selection, with its series (at most `DESCRIBE_MAX_SERIES`). */
export interface DescribedPatient {
  patientId: number;
  patientName: string;
  patientID: string;
  studies: number;
  /** Counted over all of the patient's series in the selection, listed or not. */
  seriesCount: number;
  images: number;
  series: DescribedSeries[];
}

/**
 * `actions.describe`: what a selection covers, by name, for the confirmations of destructive actions
 * ("Permanently delete 2 series of Doe, Peter (CT, 5 images; MR, 3 images)?"). The totals are exact (the
 * selection is resolved to its images on the server, as Summary does); the lists are capped: at most
 * `DESCRIBE_MAX_PATIENTS` patients (by name), each with at most `DESCRIBE_MAX_SERIES` series.
 */
export interface SelectionDescription {
  kind: ActionSelection['kind'];
  patients: number;
  studies: number;
  series: number;
  images: number;
  list: DescribedPatient[];
}

export const DESCRIBE_MAX_PATIENTS = 20;
export const DESCRIBE_MAX_SERIES = 20;

/**
 * `dicom.lookup`: one step of a tag path (a keyword or `(gggg,eeee)`) in the server's dictionary. An
 * unknown keyword has `tag: null` and the closest dictionary keywords as suggestions.
 */
export interface TagStepInfo {
  /** The step as asked. */
  step: string;
  /** Signed 32-bit as the server's dictionary answers it; null for an unknown keyword. */
  tag: number | null;
  /** The dictionary keyword ('' for private or unknown tags). */
  keyword: string;
  /** The dictionary VR (`UN` for private or unknown tags); '' for an unknown keyword. */
  vr: string;
  /** Value multiplicity from the dictionary; `max` absent when unbounded. */
  vm: { min: number; max?: number };
  /** Unknown keyword: up to three dictionary keywords that look alike, closest first. */
  suggestions: string[];
}

/** A patient of a selection: its id and PatientName as stored. */
export interface SelectionPatient {
  patientId: number;
  patientName: string;
}

/** `actions.anonymize`: the PatientName (tag 1048592) to set on every image of a patient. */
export interface AnonymizePatientName {
  patientId: number;
  name: string;
}

/** A confidentiality option the server offers (`GET /anonymization/options`). */
export interface AnonymizationOptionItem {
  name: string;
  title: string;
  description: string;
  rank: number;
}

/**
 * One modification of `actions.modify`: a keyword path (`PatientName`,
 * `EnergyWindowInformationSequence[1].EnergyWindowRangeSequence[2].EnergyWindowUpperLimit`; a literal
 * `(gggg,eeee)` works for any step) and the new value.
 */
export interface TagMappingDraft {
  tagPath: string;
  value: string;
}

export interface SeriesTagItem {
  id: number;
  name: string;
}

/**
 * `admin.seriesTagUsage`, `admin.seriesTypeUsage`: the series that carry a tag or have a type (what its
 * delete changes), with their patients' names (the first few).
 */
export interface SeriesUsage {
  series: number;
  patients: number;
  /** Names of the first patients (as stored, `Doe^Peter`), at most `SERIES_USAGE_NAMES`. */
  patientNames: string[];
  /** False when there were more series than were counted (`series` is then a lower bound). */
  complete: boolean;
}

/** How many patient names a `SeriesUsage` carries. */
export const SERIES_USAGE_NAMES = 5;

/** `actions.seriesTags`: every tag, and the tags of the selection's series with how many carry each. */
export interface SeriesTagsSummary {
  series: number;
  allTags: SeriesTagItem[];
  tagCounts: { id: number; name: string; count: number }[];
}

/** A Slicebox import session (BEHAVIOR §14); times in ms since the epoch. */
export interface ImportSessionItem {
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

/**
 * `network.boxUsage`: the transactions of a box (what its delete leaves behind). Unfinished outgoing
 * transactions (waiting or in progress) are never delivered once the box is gone.
 */
export interface BoxUsage {
  outgoingUnfinished: number;
  /** Images of the unfinished outgoing transactions not sent yet. */
  imagesNotSent: number;
  outgoingFinished: number;
  outgoingFailed: number;
  incoming: number;
  /** False when there were more transactions than were counted (the counts are then lower bounds). */
  complete: boolean;
}

/** A box: a connection to another Slicebox for exchanging images (BEHAVIOR §12). */
export interface BoxItem {
  id: number;
  name: string;
  /** POLL: created here, the other side connects to `baseUrl`; PUSH: this server connects to the other. */
  sendMethod: 'PUSH' | 'POLL';
  online: boolean;
  /** For a POLL box, the URL to give the other side's administrator. */
  baseUrl: string;
  /** The box's default anonymization options (BASIC_PROFILE left out), preselected by Send. */
  defaultOptions: string[];
}

/** A DICOM node this server sends to with C-STORE (an SCU, BEHAVIOR §17). */
export interface ScuItem {
  id: number;
  name: string;
  aeTitle: string;
  host: string;
  port: number;
}

/** A DICOM receiver this server runs (an SCP, BEHAVIOR §16). */
export interface ScpItem {
  id: number;
  name: string;
  aeTitle: string;
  port: number;
}

/**
 * What a server offers beyond the Slicebox API (the local box's `/api/x-desktop` extensions); all false for
 * a server without them, such as a real Slicebox.
 */
export interface NetworkCapabilities {
  /** C-ECHO to an SCU's node. */
  echo: boolean;
  /** Whether each SCP listens, or why it failed to. */
  scpState: boolean;
  editScp: boolean;
  editScu: boolean;
  editBox: boolean;
}

/** A C-ECHO's outcome: success, or the node's refusal / the reason it could not be reached. */
export interface EchoResultItem {
  success: boolean;
  message: string;
}

/** Whether an SCP listens: `failed` carries the reason (e.g. its port is in use). */
export interface ScpStateItem {
  scpId: number;
  state: 'listening' | 'starting' | 'failed' | 'stopped';
  reason?: string;
}

export type TransferStatus = 'WAITING' | 'PROCESSING' | 'FINISHED' | 'FAILED' | 'UNKNOWN';

/** One box transaction: images queued for a box (outgoing) or received from one (incoming). */
export interface TransferItem {
  id: number;
  direction: 'outgoing' | 'incoming';
  boxId: number;
  boxName: string;
  /** Images sent (outgoing) or received (incoming) so far. */
  done: number;
  /** Incoming only: images that were new to this server. */
  added: number | null;
  total: number;
  status: TransferStatus;
  created: number;
  updated: number;
}

/** `network.transfers`: the newest box transactions, each list newest first. */
export interface TransfersSnapshot {
  outgoing: TransferItem[];
  incoming: TransferItem[];
}

/** A folder the server watches and imports from (a directory watch, BEHAVIOR §15). */
export interface WatchItem {
  id: number;
  name: string;
  /** On the server's computer (for the local box: this computer). */
  path: string;
}

/** Where images come from (BEHAVIOR §5.2 Source), as forwarding rules and their pickers show it. */
export interface SourceRef {
  type: 'user' | 'box' | 'directory' | 'scp' | 'import';
  id: number;
  name: string;
}

/** Where images can be sent (BEHAVIOR §5.2 Destination). */
export interface DestinationRef {
  type: 'box' | 'scu';
  id: number;
  name: string;
}

/** A forwarding rule (BEHAVIOR §18): what arrives from `source` is sent on to `destination`. */
export interface ForwardingRuleItem {
  id: number;
  source: SourceRef;
  destination: DestinationRef;
  /** False: the images are deleted here once delivered. */
  keepImages: boolean;
}

/** One entry of the server's log (BEHAVIOR §21), newest first. */
export interface LogEntryItem {
  id: number;
  created: number;
  type: 'DEFAULT' | 'INFO' | 'WARN' | 'ERROR';
  subject: string;
  message: string;
}

/** `admin.logSummary`: how many entries the server's log holds, by type (what Clear log deletes). */
export interface LogSummary {
  entries: number;
  byType: Record<LogEntryItem['type'], number>;
  /** False when the log has more entries than were counted (`entries` is then a lower bound). */
  complete: boolean;
}

/** The columns an anonymization key list can be sorted by (`orderby` of `GET /anonymization/keys`). */
export const ANONYMIZATION_KEY_ORDER = [
  'id',
  'created',
  'imageId',
  'patientName',
  'anonPatientName',
  'patientID',
  'anonPatientID',
  'studyInstanceUID',
  'anonStudyInstanceUID',
  'seriesInstanceUID',
  'anonSeriesInstanceUID',
  'sopInstanceUID',
  'anonSOPInstanceUID',
] as const;
export type AnonymizationKeyOrder = (typeof ANONYMIZATION_KEY_ORDER)[number];

/** An anonymization key (BEHAVIOR §11.5): the real and anonymous identity of one anonymized image. */
export interface AnonymizationKeyItem {
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

/** A further attribute recorded with a key (`GET /anonymization/keys/{id}/keyvalues`). */
export interface AnonymizationKeyValueItem {
  id: number;
  /** Keyword path, root first (`PatientBirthDate`, `Seq[1].Keyword`); `(gggg,eeee)` for unnamed tags. */
  namePath: string;
  /** The same path as tags: `(0010,0030)`. */
  tagPath: string;
  value: string;
  anonymizedValue: string;
}

/** A user of the server (`GET /users`), without the password hash the server also sends. */
export interface UserItem {
  id: number;
  name: string;
  role: 'SUPERUSER' | 'ADMINISTRATOR' | 'USER';
}

/** A series type (BEHAVIOR §20): a name the server gives series whose first image matches a rule. */
export interface SeriesTypeItem {
  id: number;
  name: string;
}

/** One attribute of a series type rule: the element at `path` must have exactly `value`. */
export interface SeriesTypeAttributeItem {
  id: number;
  ruleId: number;
  /** The element's tag. */
  tag: number;
  /** Keyword path, e.g. `PatientName` or `Seq[1].Keyword`; `(gggg,eeee)` for unknown tags. */
  path: string;
  /** The value; multiple values joined with `,` as Slicebox compares them. */
  value: string;
}

/** A rule of a series type: matches when all its attributes match (a rule without any matches every series). */
export interface SeriesTypeRuleItem {
  id: number;
  seriesTypeId: number;
  attributes: SeriesTypeAttributeItem[];
}

/** A tag filter applied to incoming data of its sources (BEHAVIOR §19). */
export interface TagFilterItem {
  id: number;
  name: string;
  type: 'WHITELIST' | 'BLACKLIST';
}

/** One tag path of a tag filter, in both forms Slicebox shows. */
export interface TagFilterPathItem {
  id: number;
  filterId: number;
  /** `(0010,0010)` or `(0008,1115)[1].(0020,000E)`; `[*]` for any item. */
  tags: string;
  /** `PatientName` or `ReferencedSeriesSequence[1].SeriesInstanceUID`. */
  names: string;
}

/** Which source's incoming data a tag filter applies to. */
export interface SourceFilterItem {
  id: number;
  source: SourceRef;
  filterId: number;
  filterName: string;
}

/** `actions.send`: what was queued, and the outgoing transaction to follow (null when not found). */
export interface SendResult {
  queued: number;
  transactionId: number | null;
  /** Images flagged already anonymous that were anonymized here (in place) first, then queued. */
  anonymizedFirst: number;
}

/**
 * What a privacy preview is for: a box send (anonymized on the way), in-place anonymization, or a
 * transfer of the stored bytes as they are (Send to SCP, Export).
 */
export type PrivacyAction = 'send' | 'anonymize' | 'sendToScu' | 'export';

/**
 * Send: what happens to images flagged PatientIdentityRemoved = YES, which a box passes through
 * unchanged (BEHAVIOR §11.1). `anonymize`: anonymized here, in place, first (the safe default); `asIs`:
 * sent as they are.
 */
export type FlaggedChoice = 'anonymize' | 'asIs';

/** A patient of a privacy scan, with the images of the selection it has (or has flagged). */
export interface PrivacyPatient {
  patientId: number;
  patientName: string;
  patientID: string;
  images: number;
}

/**
 * A series of the selection (or, when a series mixes flagged and unflagged images, one part of it) and
 * the image whose attributes stand for it in the preview.
 */
export interface PrivacySample {
  seriesId: number;
  imageId: number;
  patientId: number;
  /** The sample (and every image it stands for) is flagged PatientIdentityRemoved = YES. */
  flagged: boolean;
  images: number;
  patientName: string;
  patientID: string;
  modality: string;
  seriesDescription: string;
  studyDate: string;
}

/** `privacy.scan`: who and what a selection holds, which images are flagged, and the samples. */
export interface PrivacyScan {
  action: PrivacyAction;
  images: number;
  series: number;
  patients: PrivacyPatient[];
  /** Images flagged already anonymous, by patient (Send and Anonymize; empty otherwise). */
  flagged: { images: number; patients: PrivacyPatient[] };
  /** Images whose flag could not be read (their files could not be parsed). */
  unreadable: number;
  samples: PrivacySample[];
  /** Series beyond the previewed ones; the same profile and choices apply to them. */
  omittedSeries: number;
  /**
   * How the preview is computed: `server` = the server's own anonymizer (desktop extension of the
   * local box); `app` = the local box's anonymizer run here on the downloaded images with the server's
   * keys; `none` = nothing is anonymized (the stored values are shown).
   */
  method: 'server' | 'app' | 'none';
}

/** `removed`: absent or emptied afterwards; `replaced`: another value; `kept`: the same value. */
export type PrivacyChange = 'removed' | 'replaced' | 'kept';

/** One identifying attribute before and after. `null` = absent, `''` = present but empty. */
export interface PrivacyRow {
  tag: number;
  keyword: string;
  /** The name PS3.15 Table E.1-1 gives it. */
  label: string;
  before: string | null;
  after: string | null;
  change: PrivacyChange;
  /** A new value is generated on every anonymization (a fresh UID): `after` is only an example. */
  generated: boolean;
}

/** `privacy.preview`: one sample's rows. */
export interface SamplePreview {
  imageId: number;
  /** `unchanged`: the stored values go as they are. */
  outcome: 'anonymized' | 'unchanged';
  /** The level at which an existing anonymization key matched (same pseudonyms as before). */
  matchLevel: 'PATIENT' | 'STUDY' | 'SERIES' | 'IMAGE' | null;
  rows: PrivacyRow[];
  /** The sample could not be previewed (unreadable file); `rows` is empty. */
  error?: string;
}

// ── PACS query/retrieve (a local box extension, issue 12; src-main/services/pacs/README.md) ──

/**
 * Which parts of PACS query/retrieve a server has (the local box's `pacs-*` extensions); all false for a server
 * without them, such as a real Slicebox (it has no C-FIND, C-MOVE or C-GET).
 */
export interface PacsCapabilities {
  /** PACS nodes (SCUs with query/retrieve settings). */
  nodes: boolean;
  /** C-FIND of studies and series. */
  query: boolean;
  /** Retrieve with C-MOVE into this server's own SCP. */
  retrieveMove: boolean;
  /** Retrieve with C-GET on the query association. */
  retrieveGet: boolean;
}

export type PacsRetrieveMethod = 'C-MOVE' | 'C-GET';

/** How a PACS node is queried and retrieved from; every field has a server default. */
export interface PacsNodeSettings {
  /** The method of new retrieves. */
  retrieveMethod: PacsRetrieveMethod;
  /** The AE title this server calls the PACS with; null: the destination SCP's. */
  callingAeTitle: string | null;
  /** The SCP that receives C-MOVE retrieves (the move destination); null: the server's first SCP. */
  destinationScpId: number | null;
  /** Seconds: to connect, for a whole query, and without any progress during a retrieve. */
  timeoutSeconds: number;
  /** The most matches one query returns. */
  maxResults: number;
}

/** An SCU as a PACS node: the DICOM node, its settings and what they resolve to now. */
export interface PacsNodeItem {
  /** The SCU's id. */
  id: number;
  name: string;
  aeTitle: string;
  host: string;
  port: number;
  settings: PacsNodeSettings;
  /** The calling AE title queries and retrieves use now. */
  callingAeTitle: string;
  /** The SCP retrieved images arrive at (its AE title is the C-MOVE destination); null when there is none. */
  destination: ScpItem | null;
}

/** `pacs.nodes`: the nodes, and whether the signed-in user may change their settings (administrators). */
export interface PacsNodes {
  nodes: PacsNodeItem[];
  canEditSettings: boolean;
}

/** The matching keys of a study query. Text may hold the DICOM wildcards `*` and `?`; dates are `YYYYMMDD`. */
export interface PacsStudyQuery {
  patientName?: string;
  patientId?: string;
  /** `YYYYMMDD`, or a range `YYYYMMDD-YYYYMMDD` (either end may be left out). */
  patientBirthDate?: string;
  studyDateFrom?: string;
  studyDateTo?: string;
  modality?: string;
  accessionNumber?: string;
  studyDescription?: string;
}

/** A study as the PACS describes it (`''` / null / `[]` where it said nothing). */
export interface PacsStudyItem {
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
  modalities: string[];
  seriesCount: number | null;
  imageCount: number | null;
}

export interface PacsSeriesItem {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  modality: string;
  seriesNumber: number | null;
  seriesDescription: string;
  seriesDate: string;
  bodyPartExamined: string;
  imageCount: number | null;
}

export type PacsErrorCode =
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

/** A PACS failure in the PACS's own words (association rejected, unknown destination, timeout, …). */
export interface PacsErrorInfo {
  code: PacsErrorCode;
  message: string;
  /** `AE@host:port` of the PACS. */
  peer: string;
  /** The DIMSE status of the PACS's final answer, when there was one. */
  status?: number;
  statusText?: string;
  /** The Error Comment of the PACS's answer. */
  errorComment?: string;
  /** The A-ASSOCIATE-RJ fields and their meaning. */
  reject?: { result: number; source: number; reason: number; text: string };
  /** The A-ABORT fields and their meaning. */
  abort?: { source: number; reason: number; text: string };
}

/**
 * A query's answer: the matches (at most `limit`; `truncated` when the PACS had more), with what the answer
 * cannot promise; or the PACS's failure. A PACS failure is an answer, not an error of the server: the server
 * is online, the PACS said no.
 */
export type PacsQueryAnswer<T> =
  | { ok: true; matches: T[]; truncated: boolean; limit: number; notes: string[] }
  | { ok: false; error: PacsErrorInfo };

/** One thing to retrieve: a study, or one series of it. */
export interface RetrieveItemRequest {
  level: 'STUDY' | 'SERIES';
  studyInstanceUid: string;
  /** Required for `SERIES`. */
  seriesInstanceUid?: string;
  /** What the user sees for it (patient, date, description). */
  label?: string;
}

export type RetrieveItemStatus =
  'pending' | 'running' | 'completed' | 'partial' | 'failed' | 'cancelled' | 'interrupted';

export type RetrieveStatus =
  | 'queued'
  | 'running'
  | 'cancelling'
  | 'completed'
  | 'partial'
  | 'failed'
  | 'cancelled'
  | 'interrupted';

/** One item of a retrieve job: the PACS's counts, the images this server stored, the result. */
export interface RetrieveItem {
  index: number;
  level: 'STUDY' | 'SERIES';
  studyInstanceUid: string;
  seriesInstanceUid: string | null;
  label: string | null;
  status: RetrieveItemStatus;
  /** Sub-operations as the PACS last reported them; `remaining` is null before any report. */
  completed: number;
  remaining: number | null;
  failed: number;
  warning: number;
  /** Images stored by this server while the item ran. */
  received: number;
  dimseStatus: number | null;
  error: PacsErrorInfo | null;
  started: number | null;
  finished: number | null;
  /** What this server holds of the item now: its study and series rows and their images. */
  local: { studyIds: number[]; seriesIds: number[]; images: number };
}

/** A retrieve job, persisted by the server (it outlives the app). */
export interface RetrieveJob {
  id: number;
  /** The node (SCU) it runs on. */
  scuId: number;
  nodeName: string;
  method: PacsRetrieveMethod;
  /** C-MOVE: the destination AE title used. */
  destinationAeTitle: string | null;
  status: RetrieveStatus;
  created: number;
  updated: number;
  items: RetrieveItem[];
  totals: {
    completed: number;
    remaining: number;
    failed: number;
    warning: number;
    received: number;
  };
  /** The first item error. */
  error: PacsErrorInfo | null;
}

/** `pacs.locateStudy`: where a study of this server is in Browse (its patient). */
export interface StudyPlace {
  studyId: number;
  patientId: number;
  patientName: string;
  patientID: string;
}

/** Every call: channel name → argument and result. */
export interface Api {
  'app.info': { args: void; result: AppInfo };
  'connections.list': { args: void; result: ConnectionInfo[] };
  'connections.check': { args: { connectionId: string }; result: ConnectionInfo };
  'connections.add': { args: ConnectionDraft; result: ConnectionInfo };
  'connections.update': {
    args: ConnectionDraft & { connectionId: string };
    result: ConnectionInfo;
  };
  'connections.remove': { args: { connectionId: string }; result: void };
  'connections.test': {
    args: ConnectionDraft & { connectionId?: string };
    result: ConnectionTestResult;
  };
  'browse.patients': { args: PatientsRequest; result: Page<PatientItem> };
  'browse.studies': {
    args: PageRequest & AdvancedFilter & { patientId: number };
    result: Page<StudyItem>;
  };
  'browse.series': {
    args: PageRequest & AdvancedFilter & { studyId: number };
    result: Page<SeriesItem>;
  };
  'browse.flatSeries': { args: FlatSeriesRequest; result: Page<FlatSeriesItem> };
  'browse.filterOptions': { args: { connectionId: string }; result: FilterOptions };
  'browse.images': { args: ImagesRequest; result: Page<ImageItem> };
  'browse.contents': { args: ContentsRequest; result: BrowseContents };
  'imports.start': {
    args: {
      connectionId: string;
      name: string;
      files: FileRef[];
      /**
       * Upload into this existing import session (reopened by name, BEHAVIOR §14) instead of a new one
       * named after the job; the job then carries the session's name.
       */
      sessionName?: string;
    };
    result: ImportJob;
  };
  'imports.list': { args: void; result: ImportJob[] };
  'imports.pause': { args: { jobId: string }; result: ImportJob };
  'imports.resume': { args: { jobId: string }; result: ImportJob };
  'imports.cancel': { args: { jobId: string }; result: ImportJob };
  'imports.retryFailed': { args: { jobId: string }; result: ImportJob };
  /** Forgets finished jobs (done, cancelled, failed); answers how many were removed. */
  /** Forgets finished jobs: all of them, or only those into `connectionId`. */
  'imports.clearFinished': { args: void | { connectionId?: string }; result: { removed: number } };
  'media.imageUrls': { args: { connectionId: string; imageId: number }; result: ImageMediaUrls };
  'images.attributes': {
    args: { connectionId: string; imageId: number };
    result: ImageAttributeItem[];
  };
  'images.information': {
    args: { connectionId: string; imageId: number };
    result: ImageInformationItem;
  };
  'series.details': { args: { connectionId: string; seriesId: number }; result: SeriesDetails };
  /** Links a series type to the series (`PUT …/seriestypes/{typeId}`); answers the new details. */
  'series.addType': {
    args: { connectionId: string; seriesId: number; seriesTypeId: number };
    result: SeriesDetails;
  };
  'series.removeType': {
    args: { connectionId: string; seriesId: number; seriesTypeId: number };
    result: SeriesDetails;
  };
  /** Tags the series with the tag of that name, creating it when new; answers the new details. */
  'series.addTag': {
    args: { connectionId: string; seriesId: number; name: string };
    result: SeriesDetails;
  };
  'series.removeTag': {
    args: { connectionId: string; seriesId: number; seriesTagId: number };
    result: SeriesDetails;
  };
  'exports.start': {
    args: { connectionId: string; selection: ExportSelection };
    result: ExportJob;
  };
  'exports.list': { args: void; result: ExportJob[] };
  'exports.reveal': { args: { exportId: string }; result: void };
  /** Stops a running export: the download is aborted, its temporary file deleted, the job `canceled`. */
  'exports.cancel': { args: { exportId: string }; result: ExportJob };
  /** Hides an export from the list for good (also after a reload); a running one keeps running. */
  'exports.dismiss': { args: { exportId: string }; result: void };
  /** The measurements of these images (all frames), oldest first. */
  'measurements.list': {
    args: { connectionId: string; sopInstanceUids: string[] };
    result: Measurement[];
  };
  /** Adds a measurement or replaces the one with its id; answers it as stored. */
  'measurements.save': { args: MeasurementDraft; result: Measurement };
  'measurements.remove': { args: { connectionId: string; id: string }; result: void };
  /** Saves the measurements of these images as CSV through the app's save path (see MeasurementCsvExport). */
  'measurements.exportCsv': {
    args: { connectionId: string; sopInstanceUids: string[]; fileName?: string };
    result: MeasurementCsvExport;
  };
  'actions.summary': {
    args: { connectionId: string; selection: ActionSelection };
    result: SelectionSummary;
  };
  'actions.delete': {
    args: { connectionId: string; selection: ActionSelection };
    result: { deleted: number };
  };
  /** What a selection covers, by name (patients, series, counts): what a confirmation names. */
  'actions.describe': {
    args: { connectionId: string; selection: ActionSelection };
    result: SelectionDescription;
  };
  'actions.anonymize': {
    args: {
      connectionId: string;
      selection: ActionSelection;
      options: string[];
      /** PatientName values to set, per patient (Anonymization Details grid); absent: Keep Names. */
      patientNames?: AnonymizePatientName[];
    };
    result: { anonymized: number };
  };
  /** The distinct patients of a selection (the Anonymization Details "Name" column). */
  'actions.patients': {
    args: { connectionId: string; selection: ActionSelection };
    result: SelectionPatient[];
  };
  'anonymization.options': { args: { connectionId: string }; result: AnonymizationOptionItem[] };
  'actions.modify': {
    args: { connectionId: string; selection: ActionSelection; mappings: TagMappingDraft[] };
    result: { modified: number };
  };
  'actions.seriesTags': {
    args: { connectionId: string; selection: ActionSelection };
    result: SeriesTagsSummary;
  };
  'actions.tagSeries': {
    args: { connectionId: string; selection: ActionSelection; add: string[]; remove: number[] };
    result: { series: number };
  };
  /** Dictionary keywords containing `filter` (the Modify dialog's autocomplete), at most 50. */
  'dicom.keywords': {
    args: {
      connectionId: string;
      filter: string;
      /** Sequence keywords only, or all but sequences (the tag-path form's two kinds of step). */
      kind?: 'all' | 'sequence' | 'nonsequence';
    };
    result: string[];
  };
  /** One tag-path step (keyword or `(gggg,eeee)`) in the server's dictionary: tag, VR, VM. */
  'dicom.lookup': {
    args: { connectionId: string; step: string };
    result: TagStepInfo;
  };
  'importSessions.list': { args: PageRequest; result: Page<ImportSessionItem> };
  'importSessions.create': {
    args: { connectionId: string; name: string };
    result: ImportSessionItem;
  };
  'importSessions.remove': {
    args: { connectionId: string; sessionIds: number[] };
    result: { removed: number };
  };
  'importSessions.images': {
    args: { connectionId: string; sessionId: number };
    result: ImageItem[];
  };
  /** Tags the series of the sessions' images (Slicebox's Import → Tag Series). */
  'importSessions.tagSeries': {
    args: { connectionId: string; sessionIds: number[]; add: string[]; remove: number[] };
    result: { series: number };
  };
  /** Boxes of the connection's server (`GET /boxes`). */
  'network.boxes': { args: { connectionId: string }; result: BoxItem[] };
  /** Creates a POLL box (admin): answers it with the URL to give the other side. */
  'network.createBoxConnection': {
    args: { connectionId: string; name: string; defaultOptions: string[] };
    result: BoxItem;
  };
  /** Creates a PUSH box (admin) from the URL the other side's administrator gave. */
  'network.connectBox': {
    args: { connectionId: string; name: string; baseUrl: string; defaultOptions: string[] };
    result: BoxItem;
  };
  'network.removeBox': { args: { connectionId: string; boxId: number }; result: void };
  /** The box's incoming and outgoing transactions, counted (for the confirmation of its delete). */
  'network.boxUsage': { args: { connectionId: string; boxId: number }; result: BoxUsage };
  'network.scus': { args: { connectionId: string }; result: ScuItem[] };
  'network.addScu': {
    args: { connectionId: string; name: string; aeTitle: string; host: string; port: number };
    result: ScuItem;
  };
  'network.removeScu': { args: { connectionId: string; scuId: number }; result: void };
  'network.scps': { args: { connectionId: string }; result: ScpItem[] };
  'network.addScp': {
    args: { connectionId: string; name: string; aeTitle: string; port: number };
    result: ScpItem;
  };
  'network.removeScp': { args: { connectionId: string; scpId: number }; result: void };
  /** What the server offers beyond the Slicebox API (echo, SCP state, edits). */
  'network.capabilities': { args: { connectionId: string }; result: NetworkCapabilities };
  /** C-ECHO to the node of an SCU (servers with `echo`). */
  'network.echoScu': { args: { connectionId: string; scuId: number }; result: EchoResultItem };
  /** Whether each SCP listens (servers with `scpState`). */
  'network.scpStates': { args: { connectionId: string }; result: ScpStateItem[] };
  /** Changes an SCP (admin, servers with `editScp`); its listener re-binds. */
  'network.updateScp': {
    args: { connectionId: string; scpId: number; name: string; aeTitle: string; port: number };
    result: ScpItem;
  };
  /** Changes an SCU (admin, servers with `editScu`). */
  'network.updateScu': {
    args: {
      connectionId: string;
      scuId: number;
      name: string;
      aeTitle: string;
      host: string;
      port: number;
    };
    result: ScuItem;
  };
  /** Renames a box and sets its default options (admin, servers with `editBox`). */
  'network.updateBox': {
    args: { connectionId: string; boxId: number; name: string; defaultOptions: string[] };
    result: BoxItem;
  };
  /** The newest 100 outgoing and incoming box transactions. */
  'network.transfers': { args: { connectionId: string }; result: TransfersSnapshot };
  'network.removeTransfer': {
    args: { connectionId: string; direction: 'outgoing' | 'incoming'; transferId: number };
    result: void;
  };
  'network.watches': { args: { connectionId: string }; result: WatchItem[] };
  'network.addWatch': {
    args: { connectionId: string; name: string; path: string };
    result: WatchItem;
  };
  'network.removeWatch': { args: { connectionId: string; watchId: number }; result: void };
  /** The server's sources and destinations (the forwarding rule pickers). */
  'network.endpoints': {
    args: { connectionId: string };
    result: { sources: SourceRef[]; destinations: DestinationRef[] };
  };
  'network.forwardingRules': { args: { connectionId: string }; result: ForwardingRuleItem[] };
  'network.addForwardingRule': {
    args: {
      connectionId: string;
      source: SourceRef;
      destination: DestinationRef;
      keepImages: boolean;
    };
    result: ForwardingRuleItem;
  };
  'network.removeForwardingRule': {
    args: { connectionId: string; ruleId: number };
    result: void;
  };
  /** A page of the server's log, newest first, optionally of one subject and/or type. */
  'admin.log': {
    args: PageRequest & { subject?: string; type?: LogEntryItem['type'] };
    result: Page<LogEntryItem>;
  };
  'admin.removeLogEntries': { args: { connectionId: string; ids: number[] }; result: void };
  /** The log's entries counted by type (for the confirmation of Clear log). */
  'admin.logSummary': { args: { connectionId: string }; result: LogSummary };
  /** Every series type of the server. */
  'admin.seriesTypes': { args: { connectionId: string }; result: SeriesTypeItem[] };
  'admin.addSeriesType': { args: { connectionId: string; name: string }; result: SeriesTypeItem };
  'admin.renameSeriesType': {
    args: { connectionId: string; seriesTypeId: number; name: string };
    result: void;
  };
  /** Deletes the type with its rules and assignments; the server then re-evaluates every series. */
  'admin.removeSeriesType': { args: { connectionId: string; seriesTypeId: number }; result: void };
  /** The series that have the type now (for the confirmation of its delete). */
  'admin.seriesTypeUsage': {
    args: { connectionId: string; seriesTypeId: number };
    result: SeriesUsage;
  };
  /** The rules of a series type, each with its attributes. */
  'admin.seriesTypeRules': {
    args: { connectionId: string; seriesTypeId: number };
    result: SeriesTypeRuleItem[];
  };
  'admin.addSeriesTypeRule': {
    args: { connectionId: string; seriesTypeId: number };
    result: SeriesTypeRuleItem;
  };
  'admin.removeSeriesTypeRule': { args: { connectionId: string; ruleId: number }; result: void };
  /** Adds `tagPath` (keyword path, item 1 in every sequence) = `value` to a rule. */
  'admin.addSeriesTypeAttribute': {
    args: { connectionId: string; ruleId: number; tagPath: string; value: string };
    result: SeriesTypeAttributeItem;
  };
  'admin.removeSeriesTypeAttribute': {
    args: { connectionId: string; ruleId: number; attributeId: number };
    result: void;
  };
  /** Whether the server is re-evaluating the series types of its series. */
  'admin.seriesTypesUpdateStatus': { args: { connectionId: string }; result: { running: boolean } };
  'admin.filters': { args: { connectionId: string }; result: TagFilterItem[] };
  'admin.addFilter': {
    args: { connectionId: string; name: string; type: TagFilterItem['type'] };
    result: TagFilterItem;
  };
  /** Deletes the filter with its tag paths and source associations. */
  'admin.removeFilter': { args: { connectionId: string; filterId: number }; result: void };
  'admin.filterTagPaths': {
    args: { connectionId: string; filterId: number };
    result: TagFilterPathItem[];
  };
  /** Adds a keyword path (e.g. `PatientBirthDate`) to a filter. */
  'admin.addFilterTagPath': {
    args: { connectionId: string; filterId: number; tagPath: string };
    result: TagFilterPathItem;
  };
  'admin.removeFilterTagPath': {
    args: { connectionId: string; filterId: number; tagPathId: number };
    result: void;
  };
  /** Which sources use which filter. */
  'admin.filterAssociations': { args: { connectionId: string }; result: SourceFilterItem[] };
  'admin.addFilterAssociation': {
    args: { connectionId: string; filterId: number; source: SourceRef };
    result: SourceFilterItem;
  };
  'admin.removeFilterAssociation': {
    args: { connectionId: string; associationId: number };
    result: void;
  };
  /** A page of the anonymization keys, by a prefix filter and a sort column. */
  'admin.anonymizationKeys': {
    args: PageRequest & {
      filter?: string;
      orderBy?: AnonymizationKeyOrder;
      orderAscending?: boolean;
    };
    result: Page<AnonymizationKeyItem>;
  };
  'admin.keyValues': {
    args: { connectionId: string; keyId: number };
    result: AnonymizationKeyValueItem[];
  };
  'admin.removeAnonymizationKeys': {
    args: { connectionId: string; ids: number[] };
    result: void;
  };
  /** The keys with their values as the server's CSV (admin only), for the renderer to save. */
  'admin.exportAnonymizationCsv': {
    args: { connectionId: string };
    result: { fileName: string; csv: string };
  };
  'admin.users': { args: PageRequest; result: Page<UserItem> };
  /** Adds a user (admin); a name already taken is refused rather than silently kept. */
  'admin.addUser': {
    args: {
      connectionId: string;
      user: string;
      password: string;
      role: 'USER' | 'ADMINISTRATOR';
    };
    result: UserItem;
  };
  'admin.removeUser': { args: { connectionId: string; userId: number }; result: void };
  /** A page of the global series tags, by the server's name filter (`%filter%`), sorted by name or id. */
  'admin.seriesTags': {
    args: PageRequest & { filter?: string; orderBy?: 'id' | 'name'; orderAscending?: boolean };
    result: Page<SeriesTagItem>;
  };
  /** Adds a tag; a name already in use is refused. */
  'admin.addSeriesTag': { args: { connectionId: string; name: string }; result: SeriesTagItem };
  'admin.renameSeriesTag': {
    args: { connectionId: string; seriesTagId: number; name: string };
    result: SeriesTagItem;
  };
  /** Deletes the tag; the server removes it from every series. */
  'admin.removeSeriesTag': { args: { connectionId: string; seriesTagId: number }; result: void };
  /** The series that carry the tag (for the confirmation of its delete). */
  'admin.seriesTagUsage': {
    args: { connectionId: string; seriesTagId: number };
    result: SeriesUsage;
  };
  /** Deletes every log entry of the server. */
  'admin.clearLog': { args: { connectionId: string }; result: void };
  /** Asks a remote server to stop (admin only); refused for the local box. */
  'admin.stopServer': { args: { connectionId: string }; result: { message: string } };
  /**
   * Queues the selection's images for a box (`POST /boxes/{id}/send`), anonymized on the way with the
   * options (BASIC_PROFILE always) and, unless Keep Names, the PatientName per patient.
   */
  'actions.send': {
    args: {
      connectionId: string;
      selection: ActionSelection;
      boxId: number;
      options: string[];
      patientNames?: AnonymizePatientName[];
      /** Images flagged already anonymous: anonymized here first (default) or sent as they are. */
      flagged?: FlaggedChoice;
    };
    result: SendResult;
  };
  /** Sends the selection's images to a DICOM node with C-STORE (`POST /scus/{id}/send`). */
  'actions.sendToScu': {
    args: { connectionId: string; selection: ActionSelection; scuId: number };
    result: { sent: number };
  };
  /** The patients, series samples and flagged images of a selection, before a privacy preview. */
  'privacy.scan': {
    args: { connectionId: string; selection: ActionSelection; action: PrivacyAction };
    result: PrivacyScan;
  };
  /**
   * What the identifying attributes of each sample become with these options, names and choice: the
   * same anonymization (profile, tag values, keys, forcing) the action will run.
   */
  'privacy.preview': {
    args: {
      connectionId: string;
      action: PrivacyAction;
      samples: { imageId: number; patientId: number; flagged: boolean }[];
      options: string[];
      /** PatientName per patient; absent: Keep Names (the profile decides). */
      patientNames?: AnonymizePatientName[];
      flagged: FlaggedChoice;
    };
    result: SamplePreview[];
  };
  /** Which parts of PACS query/retrieve the server has (all false on a real Slicebox). */
  'pacs.capabilities': { args: { connectionId: string }; result: PacsCapabilities };
  /** Every SCU as a PACS node with its settings. */
  'pacs.nodes': { args: { connectionId: string }; result: PacsNodes };
  /** Changes a node's settings (administrators); the server's refusal is the error, in its words. */
  'pacs.updateNode': {
    args: { connectionId: string; scuId: number; settings: Partial<PacsNodeSettings> };
    result: PacsNodeItem;
  };
  /** C-FIND of studies on a node. */
  'pacs.queryStudies': {
    args: { connectionId: string; scuId: number; query: PacsStudyQuery };
    result: PacsQueryAnswer<PacsStudyItem>;
  };
  /** C-FIND of the series of one study on a node. */
  'pacs.querySeries': {
    args: { connectionId: string; scuId: number; studyInstanceUid: string };
    result: PacsQueryAnswer<PacsSeriesItem>;
  };
  /** Starts a persisted retrieve job (queued on the server). */
  'pacs.retrieve': {
    args: {
      connectionId: string;
      scuId: number;
      method?: PacsRetrieveMethod;
      items: RetrieveItemRequest[];
    };
    result: RetrieveJob;
  };
  /** The newest retrieve jobs, newest first. */
  'pacs.retrieves': { args: { connectionId: string }; result: RetrieveJob[] };
  'pacs.cancelRetrieve': {
    args: { connectionId: string; retrieveId: number };
    result: RetrieveJob;
  };
  /** Runs the items that did not complete again, on the same node or on `scuId`. */
  'pacs.retryRetrieve': {
    args: { connectionId: string; retrieveId: number; scuId?: number };
    result: RetrieveJob;
  };
  /** Deletes a finished job (the images stay). */
  'pacs.removeRetrieve': { args: { connectionId: string; retrieveId: number }; result: void };
  /** The patient of a study of this server, to open it in Browse; null when the study is gone. */
  'pacs.locateStudy': {
    args: { connectionId: string; studyId: number };
    result: StudyPlace | null;
  };
}

export type Channel = keyof Api;
export type ArgsOf<C extends Channel> = Api[C]['args'];
export type ResultOf<C extends Channel> = Api[C]['result'];

/** Every event the main side pushes: name → payload. */
export interface Events {
  'imports.progress': ImportJob;
  'connections.status': ConnectionInfo;
  'exports.progress': ExportJob;
}

export type EventName = keyof Events;

export const CHANNELS = [
  'app.info',
  'connections.list',
  'connections.check',
  'connections.add',
  'connections.update',
  'connections.remove',
  'connections.test',
  'browse.patients',
  'browse.studies',
  'browse.series',
  'browse.images',
  'browse.flatSeries',
  'browse.filterOptions',
  'browse.contents',
  'imports.start',
  'imports.list',
  'imports.pause',
  'imports.resume',
  'imports.cancel',
  'imports.retryFailed',
  'imports.clearFinished',
  'media.imageUrls',
  'images.attributes',
  'images.information',
  'series.details',
  'series.addType',
  'series.removeType',
  'series.addTag',
  'series.removeTag',
  'exports.start',
  'exports.list',
  'exports.reveal',
  'exports.cancel',
  'exports.dismiss',
  'measurements.list',
  'measurements.save',
  'measurements.remove',
  'measurements.exportCsv',
  'actions.summary',
  'actions.delete',
  'actions.describe',
  'actions.anonymize',
  'actions.patients',
  'anonymization.options',
  'actions.modify',
  'actions.seriesTags',
  'actions.tagSeries',
  'dicom.keywords',
  'dicom.lookup',
  'importSessions.list',
  'importSessions.create',
  'importSessions.remove',
  'importSessions.images',
  'importSessions.tagSeries',
  'network.boxes',
  'network.createBoxConnection',
  'network.connectBox',
  'network.removeBox',
  'network.boxUsage',
  'network.scus',
  'network.addScu',
  'network.removeScu',
  'network.scps',
  'network.addScp',
  'network.removeScp',
  'network.transfers',
  'network.removeTransfer',
  'network.capabilities',
  'network.echoScu',
  'network.scpStates',
  'network.updateScp',
  'network.updateScu',
  'network.updateBox',
  'network.watches',
  'network.addWatch',
  'network.removeWatch',
  'network.endpoints',
  'network.forwardingRules',
  'network.addForwardingRule',
  'network.removeForwardingRule',
  'admin.log',
  'admin.removeLogEntries',
  'admin.seriesTypes',
  'admin.addSeriesType',
  'admin.renameSeriesType',
  'admin.removeSeriesType',
  'admin.seriesTypeUsage',
  'admin.seriesTypeRules',
  'admin.addSeriesTypeRule',
  'admin.removeSeriesTypeRule',
  'admin.addSeriesTypeAttribute',
  'admin.removeSeriesTypeAttribute',
  'admin.seriesTypesUpdateStatus',
  'admin.filters',
  'admin.addFilter',
  'admin.removeFilter',
  'admin.filterTagPaths',
  'admin.addFilterTagPath',
  'admin.removeFilterTagPath',
  'admin.filterAssociations',
  'admin.addFilterAssociation',
  'admin.removeFilterAssociation',
  'admin.anonymizationKeys',
  'admin.keyValues',
  'admin.removeAnonymizationKeys',
  'admin.exportAnonymizationCsv',
  'admin.users',
  'admin.addUser',
  'admin.removeUser',
  'admin.seriesTags',
  'admin.addSeriesTag',
  'admin.renameSeriesTag',
  'admin.removeSeriesTag',
  'admin.seriesTagUsage',
  'admin.clearLog',
  'admin.logSummary',
  'admin.stopServer',
  'actions.send',
  'actions.sendToScu',
  'privacy.scan',
  'privacy.preview',
  'pacs.capabilities',
  'pacs.nodes',
  'pacs.updateNode',
  'pacs.queryStudies',
  'pacs.querySeries',
  'pacs.retrieve',
  'pacs.retrieves',
  'pacs.cancelRetrieve',
  'pacs.retryRetrieve',
  'pacs.removeRetrieve',
  'pacs.locateStudy',
] as const satisfies readonly Channel[];

export const EVENTS = [
  'imports.progress',
  'connections.status',
  'exports.progress',
] as const satisfies readonly EventName[];

/** Error shape carried across both transports when a handler fails. */
export interface BridgeError {
  message: string;
  /** 'invalid-arguments' | 'unknown-channel' | 'not-found' | 'server' | 'offline' | … */
  code: string;
}

/**
 * What the renderer is given, whichever transport carries it: the preload exposes it on
 * `window.sliceboxDesktop` in Electron; browser mode builds one over the WebSocket.
 */
export interface Bridge {
  invoke<C extends Channel>(channel: C, args: ArgsOf<C>): Promise<ResultOf<C>>;
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
  /** Resolve a dropped or picked File to something the main side can read. */
  fileRef(file: File): Promise<FileRef>;
}

export const BRIDGE_GLOBAL = 'sliceboxDesktop';

/**
 * Browser mode carries the same calls over a WebSocket (`/bridge?token=…` on 127.0.0.1).
 * Files are staged with `POST /stage?name=<file name>` (raw body, header `x-bridge-token`),
 * which answers a FileRef.
 */
export type WsClientMessage = {
  type: 'invoke';
  id: number;
  channel: string;
  args: unknown;
};

export type WsServerMessage =
  | { type: 'result'; id: number; ok: true; result: unknown }
  | { type: 'result'; id: number; ok: false; error: BridgeError }
  | { type: 'event'; event: string; payload: unknown };

export const BRIDGE_TOKEN_HEADER = 'x-bridge-token';
