/**
 * Typed HTTP client for the Slicebox 2.x API: one function per operation, used by the services for the
 * local box and remote servers alike. Authentication is HTTP Basic on every call (what Slicebox's own
 * scripts do); it needs no session and so survives server restarts without a re-login.
 */
import { open } from 'node:fs/promises';
import type {
  AnonymizationKey,
  AnonymizationKeyValue,
  AnonymizationOption,
  ApiUser,
  Box,
  Destination,
  ForwardingRule,
  LogEntry,
  LogEntryType,
  WatchedDirectory,
  BulkAnonymizationData,
  IncomingTransaction,
  OutgoingTransaction,
  ScpData,
  ScpState,
  ScuData,
  DesktopCapabilities,
  EchoResult,
  ImageAttribute,
  ImageInformation,
  ImportSession,
  Image,
  ListParams,
  Patient,
  Series,
  SeriesTag,
  SeriesType,
  SeriesTypeRule,
  SeriesTypeRuleAttribute,
  Source,
  SourceTagFilter,
  TagFilter,
  TagFilterTagPath,
  TagTree,
  Study,
  FlatSeries,
  SystemInformation,
  TagPath,
  ClearTextUser,
  UserInfo,
  XAnonymizationPreview,
  XContents,
  XIdentityRemoved,
  XPacsError,
  XPacsNode,
  XPacsNodeSettings,
  XPacsQueryResult,
  XPacsSeries,
  XPacsSeriesQuery,
  XPacsStudy,
  XPacsStudyQuery,
  XRetrieveJob,
  XRetrieveRequest,
} from './types.js';

export interface ClientOptions {
  /** Server root, e.g. `http://127.0.0.1:5000` (the `/api` prefix is added here). */
  baseUrl: string;
  user: string;
  password: string;
  /** Per-request timeout; uploads get `uploadTimeoutMs`. */
  timeoutMs?: number;
  uploadTimeoutMs?: number;
}

/** An HTTP answer that was not a success: carries the status and the server's text. */
export class SliceboxHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly operation: string,
  ) {
    super(`${operation}: HTTP ${status}${body ? ` — ${body}` : ''}`);
    this.name = 'SliceboxHttpError';
  }
}

/** The server could not be reached at all (refused, reset, DNS, timeout). */
export class SliceboxUnreachableError extends Error {
  constructor(
    readonly operation: string,
    override readonly cause: unknown,
  ) {
    super(`${operation}: server unreachable (${describeCause(cause)})`);
    this.name = 'SliceboxUnreachableError';
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = (cause as Error & { cause?: unknown }).cause;
    if (inner instanceof Error) return `${cause.message}: ${inner.message}`;
    return cause.message;
  }
  return String(cause);
}

/** Outcome of an upload: `added` for 201, `present` for 200 (Slicebox's overwrite answer). */
export interface UploadResult {
  outcome: 'added' | 'present';
  image: Image;
}

type Query = Record<string, string | number | boolean | undefined>;

export class SliceboxClient {
  private readonly api: string;
  private readonly auth: string;
  private readonly timeoutMs: number;
  private readonly uploadTimeoutMs: number;

  constructor(options: ClientOptions) {
    this.api = options.baseUrl.replace(/\/+$/, '') + '/api';
    this.auth = 'Basic ' + Buffer.from(`${options.user}:${options.password}`).toString('base64');
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.uploadTimeoutMs = options.uploadTimeoutMs ?? 600_000;
  }

  // ── system ────────────────────────────────────────────────────────────────
  async health(): Promise<void> {
    await this.request('GET', '/system/health', 'health', { auth: false, parse: 'text' });
  }

  information(): Promise<SystemInformation> {
    return this.request('GET', '/system/information', 'information', { auth: false });
  }

  sources(): Promise<Source[]> {
    return this.request('GET', '/sources', 'sources');
  }

  /** `GET /seriestypes`: every series type defined on the server. */
  seriesTypes(params: { startindex?: number; count?: number } = {}): Promise<SeriesType[]> {
    return this.request('GET', '/seriestypes', 'list series types', { query: { ...params } });
  }

  /** `GET /metadata/seriestags`: every series tag (Slicebox's UI asks `count=100000`). */
  seriesTags(
    params: {
      startindex?: number;
      count?: number;
      orderby?: 'id' | 'name';
      orderascending?: boolean;
      filter?: string;
    } = {},
  ): Promise<SeriesTag[]> {
    return this.request('GET', '/metadata/seriestags', 'list series tags', {
      query: { ...params },
    });
  }

  /** `POST /metadata/seriestags`: 201 with the new tag; a name in use → 400. */
  createSeriesTag(name: string): Promise<SeriesTag> {
    return this.request('POST', '/metadata/seriestags', 'add series tag', {
      json: { id: -1, name },
    });
  }

  /**
   * `PUT /metadata/seriestags/{id}`: renames the tag (the original server reads the id from the body, the
   * local box from the path: both are sent). 404 when there is no such tag.
   */
  updateSeriesTag(id: number, name: string): Promise<SeriesTag> {
    return this.request('PUT', `/metadata/seriestags/${id}`, 'rename series tag', {
      json: { id, name },
    });
  }

  /** `DELETE /metadata/seriestags/{id}`: removes the tag and its links to every series (idempotent). */
  async deleteSeriesTag(id: number): Promise<void> {
    await this.request('DELETE', `/metadata/seriestags/${id}`, 'delete series tag', {
      parse: 'none',
    });
  }

  // ── users ─────────────────────────────────────────────────────────────────
  /** Checks the credentials: any authenticated route answers 401 when they are wrong. */
  async verifyCredentials(): Promise<void> {
    await this.request('GET', '/users', 'verify credentials', { query: { count: 1 } });
  }

  users(params: { startindex?: number; count?: number } = {}): Promise<UserInfo[]> {
    return this.request('GET', '/users', 'list users', { query: { ...params } });
  }

  // ── metadata ──────────────────────────────────────────────────────────────
  patients(params: ListParams = {}): Promise<Patient[]> {
    return this.request('GET', '/metadata/patients', 'list patients', { query: { ...params } });
  }

  patient(id: number): Promise<Patient> {
    return this.request('GET', `/metadata/patients/${id}`, 'get patient');
  }

  studies(patientId: number, params: ListParams = {}): Promise<Study[]> {
    return this.request('GET', '/metadata/studies', 'list studies', {
      query: { ...params, patientid: patientId },
    });
  }

  series(studyId: number, params: ListParams = {}): Promise<Series[]> {
    return this.request('GET', '/metadata/series', 'list series', {
      query: { ...params, studyid: studyId },
    });
  }

  images(seriesId: number, params: ListParams = {}): Promise<Image[]> {
    return this.request('GET', '/metadata/images', 'list images', {
      query: { ...params, seriesid: seriesId },
    });
  }

  flatSeries(params: ListParams = {}): Promise<FlatSeries[]> {
    return this.request('GET', '/metadata/flatseries', 'list flat series', {
      query: { ...params },
    });
  }

  /** `POST /metadata/images/query` (Slicebox 2.x): the images whose properties match. */
  queryImages(query: {
    startIndex: number;
    count: number;
    queryProperties: { propertyName: string; operator: string; propertyValue: string }[];
  }): Promise<Image[]> {
    return this.request('POST', '/metadata/images/query', 'query images', { json: query });
  }

  // ── images ────────────────────────────────────────────────────────────────
  async downloadImage(id: number): Promise<Buffer> {
    const res = await this.send('GET', `/images/${id}`, 'download image', {});
    return Buffer.from(await res.arrayBuffer());
  }

  /** `POST /images` with the raw bytes of one DICOM file. */
  uploadImage(bytes: Uint8Array): Promise<UploadResult> {
    return this.upload('/images', bytes, 'upload image');
  }

  // ── import sessions ───────────────────────────────────────────────────────
  importSessions(params: { startindex?: number; count?: number } = {}): Promise<ImportSession[]> {
    return this.request('GET', '/import/sessions', 'list import sessions', {
      query: { ...params },
    });
  }

  importSession(id: number): Promise<ImportSession> {
    return this.request('GET', `/import/sessions/${id}`, 'get import session');
  }

  /** Opens (or, for the same user and name, reopens) an import session. */
  createImportSession(name: string): Promise<ImportSession> {
    const body = {
      id: -1,
      name,
      userId: -1,
      user: '',
      filesImported: 0,
      filesAdded: 0,
      filesRejected: 0,
      created: 0,
      lastUpdated: 0,
    } satisfies ImportSession;
    return this.request('POST', '/import/sessions', 'create import session', { json: body });
  }

  async deleteImportSession(id: number): Promise<void> {
    await this.request('DELETE', `/import/sessions/${id}`, 'delete import session', {
      parse: 'none',
    });
  }

  importSessionImages(id: number): Promise<Image[]> {
    return this.request('GET', `/import/sessions/${id}/images`, 'list import session images');
  }

  /** Uploads one file's bytes into an import session: 201 added, 200 present, 400 rejected. */
  uploadToImportSession(sessionId: number, bytes: Uint8Array): Promise<UploadResult> {
    return this.upload(`/import/sessions/${sessionId}/images`, bytes, 'import image');
  }

  /** Reads a file from disk and uploads it into an import session. */
  async uploadFileToImportSession(sessionId: number, path: string): Promise<UploadResult> {
    const handle = await open(path, 'r');
    try {
      const bytes = await handle.readFile();
      return await this.uploadToImportSession(sessionId, bytes);
    } finally {
      await handle.close();
    }
  }

  // ── image media, details and export sets (BEHAVIOR §9, §10) ──────────────────
  /** `GET /images/{id}`: the stored DICOM file, as a streaming response. */
  openImage(id: number): Promise<Response> {
    return this.send('GET', `/images/${id}`, 'download image', {});
  }

  /** `GET /images/{id}/png` with Slicebox's rendering parameters, as a streaming response. */
  openImagePng(
    id: number,
    params: { framenumber?: number; windowmin?: number; windowmax?: number; imageheight?: number },
  ): Promise<Response> {
    return this.send('GET', `/images/${id}/png`, 'render image', { query: { ...params } });
  }

  imageAttributes(id: number): Promise<ImageAttribute[]> {
    return this.request('GET', `/images/${id}/attributes`, 'image attributes');
  }

  imageInformation(id: number): Promise<ImageInformation> {
    return this.request('GET', `/images/${id}/imageinformation`, 'image information');
  }

  patientImages(patientId: number): Promise<Image[]> {
    return this.request('GET', `/metadata/patients/${patientId}/images`, 'list patient images');
  }

  studyImages(studyId: number): Promise<Image[]> {
    return this.request('GET', `/metadata/studies/${studyId}/images`, 'list study images');
  }

  seriesSource(seriesId: number): Promise<Source> {
    return this.request('GET', `/metadata/series/${seriesId}/source`, 'series source');
  }

  seriesTypesOf(seriesId: number): Promise<SeriesType[]> {
    return this.request('GET', `/metadata/series/${seriesId}/seriestypes`, 'series types');
  }

  seriesTagsOf(seriesId: number): Promise<SeriesTag[]> {
    return this.request('GET', `/metadata/series/${seriesId}/seriestags`, 'series tags');
  }

  /** `POST /images/export`: creates an export set of the images (in the server's memory, 6 h). */
  createExportSet(imageIds: number[]): Promise<{ id: number }> {
    return this.request('POST', '/images/export', 'create export set', { json: imageIds });
  }

  /** `GET /images/export?id=`: the zip of an export set, as a streaming response. */
  /** `signal` aborts the download (a canceled export). */
  openExportSet(id: number, signal?: AbortSignal): Promise<Response> {
    return this.send('GET', '/images/export', 'download export set', {
      query: { id },
      timeoutMs: this.uploadTimeoutMs,
      signal,
    });
  }

  // ── bulk actions: delete, anonymize, modify, series tags (BEHAVIOR §9.4, §9.8, §10.4, §10.8, §11.8) ──
  image(id: number): Promise<Image> {
    return this.request('GET', `/metadata/images/${id}`, 'get image');
  }

  seriesById(id: number): Promise<Series> {
    return this.request('GET', `/metadata/series/${id}`, 'get series');
  }

  study(id: number): Promise<Study> {
    return this.request('GET', `/metadata/studies/${id}`, 'get study');
  }

  /** `POST /images/delete`: one bulk call; unknown ids are ignored by the server. */
  async deleteImages(imageIds: number[]): Promise<void> {
    await this.request('POST', '/images/delete', 'delete images', {
      json: imageIds,
      parse: 'none',
    });
  }

  /** `GET /anonymization/options`: the confidentiality options the server supports. */
  anonymizationOptions(): Promise<AnonymizationOption[]> {
    return this.request('GET', '/anonymization/options', 'anonymization options');
  }

  /** `POST /anonymization/anonymize`: in-place anonymization; answers the new images. */
  anonymizeImages(body: {
    profile: { options: { name: string }[] };
    imageTagValuesSet: { imageId: number; tagValues: { tagPath: TagPath; value: string }[] }[];
  }): Promise<Image[]> {
    return this.request('POST', '/anonymization/anonymize', 'anonymize images', {
      json: body,
      timeoutMs: this.uploadTimeoutMs,
    });
  }

  /** `PUT /images/{id}/modify`: the image is replaced by a new one (new id), which is answered. */
  modifyImage(id: number, mappings: { tagPath: TagPath; value: string }[]): Promise<Image> {
    return this.request('PUT', `/images/${id}/modify`, 'modify image', { json: mappings });
  }

  /** `GET /dicom/dictionary/keywords[/sequence|/nonsequence]?filter=`: dictionary keywords. */
  async dictionaryKeywords(
    filter: string,
    kind: 'all' | 'sequence' | 'nonsequence' = 'all',
  ): Promise<string[]> {
    const path = kind === 'all' ? '' : `/${kind}`;
    const answer = await this.request<{ keywords: string[] }>(
      'GET',
      `/dicom/dictionary/keywords${path}`,
      'list keywords',
      { query: { filter }, auth: false },
    );
    return answer.keywords;
  }

  /** `GET /dicom/dictionary/tag?keyword=`: the tag of a dictionary keyword (404 when unknown). */
  tagOfKeyword(keyword: string): Promise<{ tag: number }> {
    return this.request('GET', '/dicom/dictionary/tag', 'look up keyword', {
      query: { keyword },
      auth: false,
    });
  }

  /** `GET /dicom/dictionary/keyword?tag=`: the keyword of a tag (404 for private or unknown tags). */
  keywordOfTag(tag: number): Promise<{ keyword: string }> {
    return this.request('GET', '/dicom/dictionary/keyword', 'look up tag', {
      query: { tag: String(tag | 0) },
      auth: false,
    });
  }

  /** `GET /dicom/dictionary/vr?tag=`: the dictionary VR of a tag (`UN` when unknown). */
  dictionaryVr(tag: number): Promise<{ name: string; code: number }> {
    return this.request('GET', '/dicom/dictionary/vr', 'look up VR', {
      query: { tag: String(tag | 0) },
      auth: false,
    });
  }

  /** `GET /dicom/dictionary/vm?tag=`: the value multiplicity of a tag (`max` absent: unbounded). */
  dictionaryVm(tag: number): Promise<{ min: number; max?: number }> {
    return this.request('GET', '/dicom/dictionary/vm', 'look up VM', {
      query: { tag: String(tag | 0) },
      auth: false,
    });
  }

  /** `POST /metadata/series/{id}/seriestags`: links the tag of that name (created if missing). */
  addSeriesTag(seriesId: number, name: string): Promise<SeriesTag> {
    return this.request('POST', `/metadata/series/${seriesId}/seriestags`, 'tag series', {
      json: { id: -1, name },
    });
  }

  async removeSeriesTag(seriesId: number, seriesTagId: number): Promise<void> {
    await this.request(
      'DELETE',
      `/metadata/series/${seriesId}/seriestags/${seriesTagId}`,
      'untag series',
      { parse: 'none' },
    );
  }

  /** `POST /seriestypes` (admin): creates a series type. */
  createSeriesType(name: string): Promise<SeriesType> {
    return this.request('POST', '/seriestypes', 'create series type', { json: { id: -1, name } });
  }

  /** `PUT /metadata/series/{id}/seriestypes/{typeId}`: links a series type to the series. */
  async addSeriesType(seriesId: number, seriesTypeId: number): Promise<void> {
    await this.request(
      'PUT',
      `/metadata/series/${seriesId}/seriestypes/${seriesTypeId}`,
      'add series type',
      { parse: 'none' },
    );
  }

  /** `DELETE /metadata/series/{id}/seriestypes/{typeId}`: unlinks a series type from the series. */
  async removeSeriesType(seriesId: number, seriesTypeId: number): Promise<void> {
    await this.request(
      'DELETE',
      `/metadata/series/${seriesId}/seriestypes/${seriesTypeId}`,
      'remove series type',
      { parse: 'none' },
    );
  }

  // ── boxes, transactions, SCPs, SCUs ───────────────────────────────────────
  boxes(params: { startindex?: number; count?: number } = {}): Promise<Box[]> {
    return this.request('GET', '/boxes', 'list boxes', { query: { ...params } });
  }

  /** `POST /boxes/createconnection` (admin): a POLL box; its `baseUrl` is for the other side. */
  createBoxConnection(name: string, options: string[]): Promise<Box> {
    return this.request('POST', '/boxes/createconnection', 'create box connection', {
      json: { name, defaultProfile: { options: options.map((o) => ({ name: o })) } },
    });
  }

  /** `POST /boxes/connect` (admin): a PUSH box to the URL the other side created. */
  connectBox(name: string, baseUrl: string, options: string[]): Promise<Box> {
    return this.request('POST', '/boxes/connect', 'connect box', {
      json: { name, baseUrl, defaultProfile: { options: options.map((o) => ({ name: o })) } },
    });
  }

  async removeBox(id: number): Promise<void> {
    await this.request('DELETE', `/boxes/${id}`, 'remove box', { parse: 'none' });
  }

  /** `POST /boxes/{id}/send`: queues the images (one outgoing transaction); 204, no body. */
  async sendToBox(boxId: number, body: BulkAnonymizationData): Promise<void> {
    await this.request('POST', `/boxes/${boxId}/send`, 'send to box', {
      json: body,
      parse: 'none',
    });
  }

  outgoingTransactions(
    params: { startindex?: number; count?: number } = {},
  ): Promise<OutgoingTransaction[]> {
    return this.request('GET', '/boxes/outgoing', 'list outgoing transactions', {
      query: { ...params },
    });
  }

  incomingTransactions(
    params: { startindex?: number; count?: number } = {},
  ): Promise<IncomingTransaction[]> {
    return this.request('GET', '/boxes/incoming', 'list incoming transactions', {
      query: { ...params },
    });
  }

  async removeTransaction(direction: 'outgoing' | 'incoming', id: number): Promise<void> {
    await this.request('DELETE', `/boxes/${direction}/${id}`, `remove ${direction} transaction`, {
      parse: 'none',
    });
  }

  scus(params: { startindex?: number; count?: number } = {}): Promise<ScuData[]> {
    return this.request('GET', '/scus', 'list SCUs', { query: { ...params } });
  }

  addScu(scu: Omit<ScuData, 'id'>): Promise<ScuData> {
    return this.request('POST', '/scus', 'add SCU', { json: { id: -1, ...scu } });
  }

  async removeScu(id: number): Promise<void> {
    await this.request('DELETE', `/scus/${id}`, 'remove SCU', { parse: 'none' });
  }

  /** `POST /scus/{id}/send`: C-STORE of every image over one association; 204 when all went. */
  async sendToScu(scuId: number, imageIds: number[]): Promise<void> {
    await this.request('POST', `/scus/${scuId}/send`, 'send to SCU', {
      json: imageIds,
      parse: 'none',
      timeoutMs: this.uploadTimeoutMs,
    });
  }

  scps(params: { startindex?: number; count?: number } = {}): Promise<ScpData[]> {
    return this.request('GET', '/scps', 'list SCPs', { query: { ...params } });
  }

  addScp(scp: Omit<ScpData, 'id'>): Promise<ScpData> {
    return this.request('POST', '/scps', 'add SCP', { json: { id: -1, ...scp } });
  }

  async removeScp(id: number): Promise<void> {
    await this.request('DELETE', `/scps/${id}`, 'remove SCP', { parse: 'none' });
  }

  directoryWatches(
    params: { startindex?: number; count?: number } = {},
  ): Promise<WatchedDirectory[]> {
    return this.request('GET', '/directorywatches', 'list directory watches', {
      query: { ...params },
    });
  }

  /** `POST /directorywatches` (admin): the server imports what is and what comes into `path`. */
  addDirectoryWatch(name: string, path: string): Promise<WatchedDirectory> {
    return this.request('POST', '/directorywatches', 'add directory watch', {
      json: { id: -1, name, path },
    });
  }

  async removeDirectoryWatch(id: number): Promise<void> {
    await this.request('DELETE', `/directorywatches/${id}`, 'remove directory watch', {
      parse: 'none',
    });
  }

  destinations(): Promise<Destination[]> {
    return this.request('GET', '/destinations', 'list destinations');
  }

  forwardingRules(params: { startindex?: number; count?: number } = {}): Promise<ForwardingRule[]> {
    return this.request('GET', '/forwarding/rules', 'list forwarding rules', {
      query: { ...params },
    });
  }

  /** `POST /forwarding/rules` (admin); an equal rule answers the existing one. */
  addForwardingRule(rule: Omit<ForwardingRule, 'id'>): Promise<ForwardingRule> {
    return this.request('POST', '/forwarding/rules', 'add forwarding rule', {
      json: { id: -1, ...rule },
    });
  }

  async removeForwardingRule(id: number): Promise<void> {
    await this.request('DELETE', `/forwarding/rules/${id}`, 'remove forwarding rule', {
      parse: 'none',
    });
  }

  // ── series types (admin writes) ─────────────────────────────────────────────
  /** `PUT /seriestypes/{id}` (admin): renames a series type (the original reads the id from the body). */
  async updateSeriesType(id: number, name: string): Promise<void> {
    await this.request('PUT', `/seriestypes/${id}`, 'rename series type', {
      json: { id, name },
      parse: 'none',
    });
  }

  /** `DELETE /seriestypes/{id}` (admin): with its rules, attributes and series assignments. */
  async deleteSeriesType(id: number): Promise<void> {
    await this.request('DELETE', `/seriestypes/${id}`, 'delete series type', { parse: 'none' });
  }

  /** `GET /seriestypes/rules?seriestypeid=`. */
  seriesTypeRules(seriesTypeId: number): Promise<SeriesTypeRule[]> {
    return this.request('GET', '/seriestypes/rules', 'list series type rules', {
      query: { seriestypeid: seriesTypeId },
    });
  }

  /** `POST /seriestypes/rules` (admin). */
  createSeriesTypeRule(seriesTypeId: number): Promise<SeriesTypeRule> {
    return this.request('POST', '/seriestypes/rules', 'create series type rule', {
      json: { id: -1, seriesTypeId },
    });
  }

  /** `DELETE /seriestypes/rules/{id}` (admin): with its attributes. */
  async removeSeriesTypeRule(ruleId: number): Promise<void> {
    await this.request('DELETE', `/seriestypes/rules/${ruleId}`, 'delete series type rule', {
      parse: 'none',
    });
  }

  /** `GET /seriestypes/rules/{id}/attributes`. */
  seriesTypeRuleAttributes(ruleId: number): Promise<SeriesTypeRuleAttribute[]> {
    return this.request(
      'GET',
      `/seriestypes/rules/${ruleId}/attributes`,
      'list series type rule attributes',
    );
  }

  /** `POST /seriestypes/rules/{id}/attributes` (admin); an empty `name` becomes the tag's keyword. */
  createSeriesTypeRuleAttribute(
    attribute: Omit<SeriesTypeRuleAttribute, 'id'>,
  ): Promise<SeriesTypeRuleAttribute> {
    return this.request(
      'POST',
      `/seriestypes/rules/${attribute.seriesTypeRuleId}/attributes`,
      'create series type rule attribute',
      { json: { id: -1, ...attribute } },
    );
  }

  /** `DELETE /seriestypes/rules/{ruleId}/attributes/{attributeId}` (admin). */
  async removeSeriesTypeRuleAttribute(ruleId: number, attributeId: number): Promise<void> {
    await this.request(
      'DELETE',
      `/seriestypes/rules/${ruleId}/attributes/${attributeId}`,
      'delete series type rule attribute',
      { parse: 'none' },
    );
  }

  /** `GET /seriestypes/rules/updatestatus`: whether the server is re-evaluating series types. */
  seriesTypesUpdateStatus(): Promise<{ running: boolean }> {
    return this.request('GET', '/seriestypes/rules/updatestatus', 'series type update status');
  }

  // ── tag filters ───────────────────────────────────────────────────────────
  tagFilters(params: { startindex?: number; count?: number } = {}): Promise<TagFilter[]> {
    return this.request('GET', '/filtering/filters', 'list tag filters', { query: { ...params } });
  }

  /** `POST /filtering/filters` (admin); names need not be unique. */
  createTagFilter(name: string, tagFilterType: TagFilter['tagFilterType']): Promise<TagFilter> {
    return this.request('POST', '/filtering/filters', 'create tag filter', {
      json: { id: -1, name, tagFilterType, tagPaths: [] },
    });
  }

  /** `DELETE /filtering/filters/{id}` (admin): with its tag paths and source associations. */
  async removeTagFilter(id: number): Promise<void> {
    await this.request('DELETE', `/filtering/filters/${id}`, 'delete tag filter', {
      parse: 'none',
    });
  }

  tagFilterTagPaths(
    filterId: number,
    params: { startindex?: number; count?: number } = {},
  ): Promise<TagFilterTagPath[]> {
    return this.request('GET', `/filtering/filters/${filterId}/tagpaths`, 'list filter tag paths', {
      query: { ...params },
    });
  }

  /** `POST /filtering/filters/{id}/tagpaths` (admin); the original reads the filter id from the body. */
  addTagFilterTagPath(filterId: number, tagPath: TagTree): Promise<TagFilterTagPath> {
    return this.request('POST', `/filtering/filters/${filterId}/tagpaths`, 'add filter tag path', {
      json: { id: -1, tagFilterId: filterId, tagPath },
    });
  }

  async removeTagFilterTagPath(filterId: number, tagPathId: number): Promise<void> {
    await this.request(
      'DELETE',
      `/filtering/filters/${filterId}/tagpaths/${tagPathId}`,
      'remove filter tag path',
      { parse: 'none' },
    );
  }

  sourceTagFilters(
    params: { startindex?: number; count?: number } = {},
  ): Promise<SourceTagFilter[]> {
    return this.request('GET', '/filtering/associations', 'list filter associations', {
      query: { ...params },
    });
  }

  /** `POST /filtering/associations` (admin): names are stored as given. */
  addSourceTagFilter(association: Omit<SourceTagFilter, 'id'>): Promise<SourceTagFilter> {
    return this.request('POST', '/filtering/associations', 'add filter association', {
      json: { id: -1, ...association },
    });
  }

  async removeSourceTagFilter(id: number): Promise<void> {
    await this.request('DELETE', `/filtering/associations/${id}`, 'remove filter association', {
      parse: 'none',
    });
  }

  /** `GET /log`: newest first; `subject` exact, `type` one of the four entry types. */
  log(
    params: { startindex?: number; count?: number; subject?: string; type?: LogEntryType } = {},
  ): Promise<LogEntry[]> {
    return this.request('GET', '/log', 'read the log', { query: { ...params } });
  }

  async removeLogEntry(id: number): Promise<void> {
    await this.request('DELETE', `/log/${id}`, 'delete log entry', { parse: 'none' });
  }

  /** `DELETE /log`: deletes every entry. */
  async clearLog(): Promise<void> {
    await this.request('DELETE', '/log', 'clear the log', { parse: 'none' });
  }

  /** `POST /system/stop` (admin): the server answers, then stops about a second later. */
  stopServer(): Promise<string> {
    return this.request('POST', '/system/stop', 'stop the server', { parse: 'text' });
  }

  // ── anonymization keys and users (BEHAVIOR §8, §11.8) ──────────────────────
  /** `GET /anonymization/keys`: `filter` is a case-insensitive prefix over the name/ID/UID fields. */
  anonymizationKeys(
    params: {
      startindex?: number;
      count?: number;
      orderby?: string;
      orderascending?: boolean;
      filter?: string;
    } = {},
  ): Promise<AnonymizationKey[]> {
    return this.request('GET', '/anonymization/keys', 'list anonymization keys', {
      query: { ...params },
    });
  }

  anonymizationKeyValues(keyId: number): Promise<AnonymizationKeyValue[]> {
    return this.request(
      'GET',
      `/anonymization/keys/${keyId}/keyvalues`,
      'list anonymization key values',
    );
  }

  async removeAnonymizationKey(keyId: number): Promise<void> {
    await this.request('DELETE', `/anonymization/keys/${keyId}`, 'delete anonymization key', {
      parse: 'none',
    });
  }

  /** `GET /anonymization/keys/export/csv` (admin): the keys and their values, `;`-separated. */
  exportAnonymizationKeysCsv(): Promise<string> {
    return this.request('GET', '/anonymization/keys/export/csv', 'export anonymization keys', {
      parse: 'text',
      timeoutMs: 120_000,
    });
  }

  /** `POST /users` (admin): 201 with the user; an existing name answers that user unchanged. */
  addUser(user: ClearTextUser): Promise<ApiUser> {
    return this.request('POST', '/users', 'add user', { json: user });
  }

  async removeUser(id: number): Promise<void> {
    await this.request('DELETE', `/users/${id}`, 'delete user', { parse: 'none' });
  }

  /** `POST /anonymization/keys/query`: keys whose columns match (`=` exact, `like` substring). */
  queryAnonymizationKeys(query: {
    startIndex: number;
    count: number;
    order?: { orderBy: string; orderAscending: boolean };
    queryProperties: { propertyName: string; operator: '=' | 'like'; propertyValue: string }[];
  }): Promise<AnonymizationKey[]> {
    return this.request('POST', '/anonymization/keys/query', 'query anonymization keys', {
      json: query,
    });
  }

  // ── desktop extensions (src-main/localbox/DECISIONS.md "Desktop extensions") ──
  /**
   * `POST /x-desktop/anonymization/preview`: what anonymization would do to the identifying attributes of
   * each image, nothing stored. Servers without the extension (every real Slicebox) answer 404 or 405.
   */
  previewAnonymization(body: {
    profile: { options: { name: string }[] };
    force: boolean;
    imageTagValuesSet: { imageId: number; tagValues: { tagPath: TagPath; value: string }[] }[];
  }): Promise<XAnonymizationPreview[]> {
    return this.request('POST', '/x-desktop/anonymization/preview', 'preview anonymization', {
      json: body,
      timeoutMs: this.uploadTimeoutMs,
    });
  }

  /** `POST /x-desktop/anonymization/identity-removed`: which images are flagged already anonymous. */
  identityRemoved(imageIds: number[]): Promise<XIdentityRemoved[]> {
    return this.request(
      'POST',
      '/x-desktop/anonymization/identity-removed',
      'check PatientIdentityRemoved',
      { json: { imageIds }, timeoutMs: this.uploadTimeoutMs },
    );
  }

  // ── Slicebox Desktop extensions (/api/x-desktop; localbox DECISIONS.md) ─────
  /**
   * The extensions the server has (`scu-echo`, `scp-state`, …): none for a server without them (a real
   * Slicebox answers 404 there), or one whose answer is not the capabilities JSON.
   */
  async desktopExtensions(): Promise<string[]> {
    let caps: Partial<DesktopCapabilities> | null;
    try {
      caps = await this.request<Partial<DesktopCapabilities> | null>(
        'GET',
        '/x-desktop/capabilities',
        'read the server extensions',
      );
    } catch (error) {
      if (error instanceof SliceboxHttpError && [404, 405].includes(error.status)) return [];
      if (error instanceof SyntaxError) return [];
      throw error;
    }
    const list = caps && typeof caps === 'object' ? caps.extensions : undefined;
    return Array.isArray(list) ? list.filter((e): e is string => typeof e === 'string') : [];
  }

  /** C-ECHO to the SCU's node (extension `scu-echo`): 200 with the outcome, also a refusal. */
  echoScu(scuId: number): Promise<EchoResult> {
    return this.request('POST', `/x-desktop/scus/${scuId}/echo`, 'C-ECHO', {
      // Up to three phases of 10 s each on the server.
      timeoutMs: Math.max(this.timeoutMs, 45_000),
    });
  }

  /** Whether each SCP listens (extension `scp-state`). */
  scpStates(): Promise<ScpState[]> {
    return this.request('GET', '/x-desktop/scps/state', 'read SCP states');
  }

  /** Changes an SCP (extension `scp-edit`); the server re-binds its listener. */
  updateScp(id: number, scp: Omit<ScpData, 'id'>): Promise<ScpData> {
    return this.request('PUT', `/x-desktop/scps/${id}`, 'edit SCP', { json: { id, ...scp } });
  }

  /** Changes an SCU (extension `scu-edit`). */
  updateScu(id: number, scu: Omit<ScuData, 'id'>): Promise<ScuData> {
    return this.request('PUT', `/x-desktop/scus/${id}`, 'edit SCU', { json: { id, ...scu } });
  }

  /** Renames a box and sets its default options (extension `box-edit`). */
  updateBox(id: number, name: string, options: string[]): Promise<Box> {
    return this.request('PUT', `/x-desktop/boxes/${id}`, 'edit box', {
      json: { name, defaultProfile: { options: options.map((o) => ({ name: o })) } },
    });
  }

  /**
   * `POST /x-desktop/metadata/contents`: series and image counts and modalities of studies, image counts and
   * middle images of series. Servers without the extension answer 404 or 405.
   */
  contents(body: { studyIds: number[]; seriesIds: number[] }): Promise<XContents> {
    return this.request('POST', '/x-desktop/metadata/contents', 'count study and series contents', {
      json: body,
    });
  }

  // ── PACS query/retrieve (desktop extension; src-main/localbox/http/routes/x-desktop-pacs.ts) ──
  /**
   * `GET /x-desktop/pacs/nodes`: every SCU as a PACS node with its settings. Servers without the extension (every
   * real Slicebox) answer 404 or 405. A PACS failure of the query routes is a SliceboxHttpError 502/504 whose
   * body is an XPacsError (`pacsErrorOf`).
   */
  pacsNodes(): Promise<XPacsNode[]> {
    return this.request('GET', '/x-desktop/pacs/nodes', 'list PACS nodes');
  }

  pacsNode(scuId: number): Promise<XPacsNode> {
    return this.request('GET', `/x-desktop/pacs/nodes/${scuId}`, 'get PACS node');
  }

  /** `PUT /x-desktop/pacs/nodes/{scuId}` (admin): the given settings over the current ones. */
  updatePacsNode(scuId: number, settings: Partial<XPacsNodeSettings>): Promise<XPacsNode> {
    return this.request('PUT', `/x-desktop/pacs/nodes/${scuId}`, 'save PACS node settings', {
      json: settings,
    });
  }

  /** C-FIND of studies; bounded by the node's timeout and result limit (the request waits as long). */
  queryPacsStudies(scuId: number, query: XPacsStudyQuery): Promise<XPacsQueryResult<XPacsStudy>> {
    return this.request('POST', `/x-desktop/pacs/nodes/${scuId}/query/studies`, 'query PACS', {
      json: query,
      timeoutMs: this.uploadTimeoutMs,
    });
  }

  /** C-FIND of the series of one study. */
  queryPacsSeries(scuId: number, query: XPacsSeriesQuery): Promise<XPacsQueryResult<XPacsSeries>> {
    return this.request(
      'POST',
      `/x-desktop/pacs/nodes/${scuId}/query/series`,
      'query PACS series',
      {
        json: query,
        timeoutMs: this.uploadTimeoutMs,
      },
    );
  }

  /** `POST /x-desktop/pacs/retrieves`: a persisted retrieve job (queued; poll `retrieve(id)`). */
  createRetrieve(request: XRetrieveRequest): Promise<XRetrieveJob> {
    return this.request('POST', '/x-desktop/pacs/retrieves', 'start retrieve', { json: request });
  }

  /** Retrieve jobs, newest first. */
  retrieves(params: { startindex?: number; count?: number } = {}): Promise<XRetrieveJob[]> {
    return this.request('GET', '/x-desktop/pacs/retrieves', 'list retrieves', {
      query: { ...params },
    });
  }

  retrieve(id: number): Promise<XRetrieveJob> {
    return this.request('GET', `/x-desktop/pacs/retrieves/${id}`, 'get retrieve');
  }

  /** Cancels a queued or running retrieve (409 when it has finished). */
  cancelRetrieve(id: number): Promise<XRetrieveJob> {
    return this.request('POST', `/x-desktop/pacs/retrieves/${id}/cancel`, 'cancel retrieve');
  }

  /** Runs the items that did not complete again, on the same node or on `scuId` (409 when running or complete). */
  retryRetrieve(id: number, scuId?: number): Promise<XRetrieveJob> {
    return this.request('POST', `/x-desktop/pacs/retrieves/${id}/retry`, 'retry retrieve', {
      ...(scuId === undefined ? {} : { json: { scuId } }),
    });
  }

  /** Deletes a finished retrieve job (409 while it runs). */
  async deleteRetrieve(id: number): Promise<void> {
    await this.request('DELETE', `/x-desktop/pacs/retrieves/${id}`, 'delete retrieve', {
      parse: 'none',
    });
  }

  // ── plumbing ──────────────────────────────────────────────────────────────
  private async upload(path: string, bytes: Uint8Array, operation: string): Promise<UploadResult> {
    const res = await this.send('POST', path, operation, {
      body: bytes,
      contentType: 'application/octet-stream',
      timeoutMs: this.uploadTimeoutMs,
    });
    const image = (await res.json()) as Image;
    return { outcome: res.status === 201 ? 'added' : 'present', image };
  }

  private async request<T>(
    method: string,
    path: string,
    operation: string,
    options: {
      query?: Query;
      json?: unknown;
      auth?: boolean;
      parse?: 'json' | 'text' | 'none';
      timeoutMs?: number;
    } = {},
  ): Promise<T> {
    const res = await this.send(method, path, operation, {
      query: options.query,
      auth: options.auth,
      body: options.json === undefined ? undefined : JSON.stringify(options.json),
      contentType: options.json === undefined ? undefined : 'application/json',
      timeoutMs: options.timeoutMs,
    });
    const parse = options.parse ?? 'json';
    if (parse === 'none' || res.status === 204) {
      await res.arrayBuffer();
      return undefined as T;
    }
    if (parse === 'text') return (await res.text()) as T;
    return (await res.json()) as T;
  }

  private async send(
    method: string,
    path: string,
    operation: string,
    options: {
      query?: Query;
      body?: string | Uint8Array;
      contentType?: string;
      auth?: boolean;
      timeoutMs?: number;
      signal?: AbortSignal;
    },
  ): Promise<Response> {
    const url = new URL(this.api + path);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = {};
    if (options.auth !== false) headers.authorization = this.auth;
    if (options.contentType) headers['content-type'] = options.contentType;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        body: options.body,
        signal: options.signal
          ? AbortSignal.any([
              options.signal,
              AbortSignal.timeout(options.timeoutMs ?? this.timeoutMs),
            ])
          : AbortSignal.timeout(options.timeoutMs ?? this.timeoutMs),
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw new SliceboxUnreachableError(operation, error);
    }
    if (res.status >= 400) {
      throw new SliceboxHttpError(res.status, (await res.text()).trim(), operation);
    }
    return res;
  }
}

/** The PACS failure carried by an error of the PACS query routes (502/504 with an XPacsError body), if it is one. */
export function pacsErrorOf(error: unknown): XPacsError | undefined {
  if (!(error instanceof SliceboxHttpError) || (error.status !== 502 && error.status !== 504))
    return undefined;
  try {
    const body = JSON.parse(error.body) as Partial<XPacsError>;
    return typeof body.code === 'string' && typeof body.message === 'string'
      ? (body as XPacsError)
      : undefined;
  } catch {
    return undefined;
  }
}
