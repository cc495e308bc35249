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
}

export type ConnectionStatus = 'unknown' | 'online' | 'offline' | 'auth-failed';

/** One page of a list, fetched with Slicebox's count+1 look-ahead. */
export interface Page<T> {
  items: T[];
  startIndex: number;
  /** True when at least one more item exists after this page. */
  hasMore: boolean;
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

export interface PageRequest {
  connectionId: string;
  startIndex: number;
  count: number;
}

export interface PatientsRequest extends PageRequest {
  filter?: string;
  orderBy?: 'id' | 'patientName' | 'patientID' | 'patientBirthDate' | 'patientSex';
  orderAscending?: boolean;
}

/** A file the user dropped or picked, resolved to a path the main side can read. */
export interface FileRef {
  path: string;
  name: string;
  size: number;
}

export type ImportFileState = 'pending' | 'uploading' | 'added' | 'present' | 'rejected' | 'failed';

export interface ImportFileResult {
  name: string;
  path: string;
  size: number;
  state: ImportFileState;
  /** The server's reason for a rejection, or the error of a failure. */
  reason?: string;
  imageId?: number;
}

export type ImportJobState = 'running' | 'done' | 'failed';

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
  counts: { added: number; present: number; rejected: number; failed: number };
  files: ImportFileResult[];
}

export interface AppInfo {
  version: string;
  /** Which transport carries the bridge: the Electron window or browser mode. */
  mode: 'electron' | 'browser';
  dataDir: string;
}

/** Every call: channel name → argument and result. */
export interface Api {
  'app.info': { args: void; result: AppInfo };
  'connections.list': { args: void; result: ConnectionInfo[] };
  'connections.check': { args: { connectionId: string }; result: ConnectionInfo };
  'browse.patients': { args: PatientsRequest; result: Page<PatientItem> };
  'browse.studies': { args: PageRequest & { patientId: number }; result: Page<StudyItem> };
  'browse.series': { args: PageRequest & { studyId: number }; result: Page<SeriesItem> };
  'browse.images': { args: PageRequest & { seriesId: number }; result: Page<ImageItem> };
  'imports.start': {
    args: { connectionId: string; name: string; files: FileRef[] };
    result: ImportJob;
  };
  'imports.list': { args: void; result: ImportJob[] };
}

export type Channel = keyof Api;
export type ArgsOf<C extends Channel> = Api[C]['args'];
export type ResultOf<C extends Channel> = Api[C]['result'];

/** Every event the main side pushes: name → payload. */
export interface Events {
  'imports.progress': ImportJob;
  'connections.status': ConnectionInfo;
}

export type EventName = keyof Events;

export const CHANNELS = [
  'app.info',
  'connections.list',
  'connections.check',
  'browse.patients',
  'browse.studies',
  'browse.series',
  'browse.images',
  'imports.start',
  'imports.list',
] as const satisfies readonly Channel[];

export const EVENTS = [
  'imports.progress',
  'connections.status',
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
