/**
 * Starts the services of the main side and answers the handler table both transports register.
 * Plain Node: nothing here imports electron; Electron-only needs arrive as ports in the options.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { EventName, Events } from '../../src-preload/contract.js';
import { BrowseService } from './browse/browse-service.js';
import { ContentsService } from './browse/contents-service.js';
import { openCacheDb, type CacheDb } from './cache/cache-db.js';
import { ContentsCache } from './cache/contents-cache.js';
import { ImageStore } from './cache/image-store.js';
import { MetadataCache } from './cache/metadata-cache.js';
import { ConnectionService, LOCAL_CONNECTION_ID } from './connections/connection-service.js';
import { FileSecretStore } from './connections/file-secret-store.js';
import { ProfileStore } from './connections/profile-store.js';
import type { SecretStore } from './connections/secret-store.js';
import { createHandlerTable, type HandlerTable } from './handlers.js';
import { ImportService } from './imports/import-service.js';
import { ActionService } from './actions/action-service.js';
import { SendService } from './actions/send-service.js';
import { NetworkExtensionsService } from './network/extensions-service.js';
import { NetworkService } from './network/network-service.js';
import { PacsService } from './pacs/pacs-service.js';
import { LogService } from './admin/log-service.js';
import { SeriesTypesService } from './admin/series-types-service.js';
import { FilteringService } from './admin/filtering-service.js';
import { AnonymizationKeysService } from './admin/anonymization-keys-service.js';
import { PrivacyService } from './privacy/privacy-service.js';
import { UsersService } from './admin/users-service.js';
import { SeriesTagsService } from './admin/series-tags-service.js';
import { SystemService } from './admin/system-service.js';
import { ImportSessionService } from './import-sessions/import-session-service.js';
import { ExportService, type Dialogs } from './exports/export-service.js';
import { ImageDetailsService } from './media/image-details.js';
import { MediaService, type MediaUrlBuilder } from './media/media-service.js';
import { MeasurementService } from './measurements/measurement-service.js';
import { loadOrCreateCredentials } from './localbox/credentials.js';
import type { LocalboxLauncher, RunningLocalbox } from './localbox/launcher.js';

export interface ServicesOptions {
  dataDir: string;
  mode: 'electron' | 'browser';
  version?: string;
  emit: (event: EventName, payload: unknown) => void;
  launchLocalbox: LocalboxLauncher;
  /** Where connection passwords go: safeStorage in Electron; a 0600 file by default (browser mode). */
  secretStore?: SecretStore;
  /** Upper bound of the image store in bytes (default 2 GiB). */
  imageCacheBytes?: number;
  /**
   * The URL the renderer fetches a media path (`<connectionId>/images/<id>.dcm`) from: browser mode's
   * tokenized web-host route; by default Electron's `sbx-media:` protocol (src-main/app/media-protocol.ts).
   */
  mediaUrl?: MediaUrlBuilder;
  /** Browser mode: the URL a finished export is downloaded from. */
  downloadUrl?: (exportId: string) => string;
  /** Native save dialog and file manager (Electron); without it exports go to `<dataDir>/exports/`. */
  dialogs?: Dialogs;
}

export interface RunningServices {
  handlers: HandlerTable;
  /** Where browser mode stages dropped files before import; cleared at every start. */
  stagingDir: string;
  localboxUrl: string;
  imports: ImportService;
  connections: ConnectionService;
  cache: CacheDb;
  images: ImageStore;
  media: MediaService;
  exports: ExportService;
  stop(): Promise<void>;
}

export async function startServices(options: ServicesOptions): Promise<RunningServices> {
  const { dataDir } = options;
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const stagingDir = join(dataDir, 'staging');
  await rm(stagingDir, { recursive: true, force: true });
  await mkdir(stagingDir, { recursive: true, mode: 0o700 });

  const emit = <E extends EventName>(event: E, payload: Events[E]) => options.emit(event, payload);
  const credentials = await loadOrCreateCredentials(dataDir);
  const localbox: RunningLocalbox = await options.launchLocalbox({
    dataDir: join(dataDir, 'localbox'),
    port: 0,
    ...credentials,
  });

  const cache = openCacheDb(join(dataDir, 'cache.sqlite'));
  const metadata = new MetadataCache(cache);
  const counted = new ContentsCache(cache);
  const images = new ImageStore(cache, join(dataDir, 'image-cache'), {
    maxBytes: options.imageCacheBytes,
  });
  const secrets = options.secretStore ?? FileSecretStore.inDataDir(dataDir);
  const connections = new ConnectionService(emit, {
    profiles: new ProfileStore(cache),
    secrets,
    forgetCached: async (connectionId) => {
      metadata.forget(connectionId);
      counted.forget(connectionId);
      await images.forget(connectionId);
    },
  });
  connections.add({
    id: LOCAL_CONNECTION_ID,
    name: 'Local box',
    url: localbox.url,
    kind: 'local',
    ...credentials,
  });
  await connections.loadSaved();
  await connections.check(LOCAL_CONNECTION_ID);
  void connections.checkAll();
  connections.startStatusRefresh();
  const browse = new BrowseService(connections, metadata);
  const contents = new ContentsService(connections, counted);
  const imports = new ImportService(connections, emit, {
    db: cache,
    jobsDir: join(dataDir, 'imports'),
    stagingDir,
    // Diagnostics and tests (e.g. a slow import to interrupt): uploads in flight per job.
    concurrency: Number(process.env.SBX_IMPORT_CONCURRENCY) || undefined,
  });
  const media = new MediaService(
    connections,
    options.mediaUrl ?? ((path) => `sbx-media://media/${path}`),
    images,
  );
  const details = new ImageDetailsService(connections);
  const exports = new ExportService(connections, emit, {
    exportsDir: join(dataDir, 'exports'),
    dialogs: options.dialogs,
    downloadUrl: options.downloadUrl,
  });

  const measurements = new MeasurementService(cache, {
    exportsDir: join(dataDir, 'exports'),
    dialogs: options.dialogs,
  });

  const actions = new ActionService(connections);
  const importSessions = new ImportSessionService(connections, actions);
  const sending = new SendService(connections);
  const privacy = new PrivacyService(connections);
  const network = new NetworkService(connections);
  const networkExtensions = new NetworkExtensionsService(connections);
  const pacs = new PacsService(connections);
  const log = new LogService(connections);
  const seriesTypes = new SeriesTypesService(connections, actions);
  const filtering = new FilteringService(connections, actions);
  const anonymizationKeys = new AnonymizationKeysService(connections);
  const users = new UsersService(connections);
  const seriesTags = new SeriesTagsService(connections);
  const system = new SystemService(connections);

  const handlers = createHandlerTable({
    'app.info': async () => ({
      version: options.version ?? '0.0.0',
      mode: options.mode,
      dataDir,
      secretStorage: { kind: secrets.kind, description: secrets.description },
    }),
    'connections.list': async () => connections.list(),
    'connections.check': async ({ connectionId }) => connections.check(connectionId),
    'connections.add': (draft) => connections.create(draft),
    'connections.update': ({ connectionId, ...draft }) => connections.update(connectionId, draft),
    'connections.remove': ({ connectionId }) => connections.remove(connectionId),
    'connections.test': (draft) => connections.test(draft),
    'browse.patients': (args) => browse.patients(args),
    'browse.studies': (args) => browse.studies(args),
    'browse.series': (args) => browse.series(args),
    'browse.images': (args) => browse.images(args),
    'browse.flatSeries': (args) => browse.flatSeries(args),
    'browse.filterOptions': ({ connectionId }) => browse.filterOptions(connectionId),
    'browse.contents': (args) => contents.contents(args),
    // With `sessionName` the job is named after that session, so it reopens (and uploads into) it.
    'imports.start': async ({ connectionId, name, files, sessionName }) =>
      imports.start(connectionId, sessionName ?? name, files),
    'imports.list': async () => imports.list(),
    'imports.pause': async ({ jobId }) => imports.pause(jobId),
    'imports.resume': async ({ jobId }) => imports.resume(jobId),
    'imports.cancel': async ({ jobId }) => imports.cancel(jobId),
    'imports.retryFailed': async ({ jobId }) => imports.retryFailed(jobId),
    'imports.clearFinished': (args) => imports.clearFinished(args?.connectionId),
    'media.imageUrls': async ({ connectionId, imageId }) => media.imageUrls(connectionId, imageId),
    'images.attributes': ({ connectionId, imageId }) => details.attributes(connectionId, imageId),
    'images.information': ({ connectionId, imageId }) => details.information(connectionId, imageId),
    'series.details': ({ connectionId, seriesId }) => details.series(connectionId, seriesId),
    'series.addType': ({ connectionId, seriesId, seriesTypeId }) =>
      details.addSeriesType(connectionId, seriesId, seriesTypeId),
    'series.removeType': ({ connectionId, seriesId, seriesTypeId }) =>
      details.removeSeriesType(connectionId, seriesId, seriesTypeId),
    'series.addTag': ({ connectionId, seriesId, name }) =>
      details.addSeriesTag(connectionId, seriesId, name),
    'series.removeTag': ({ connectionId, seriesId, seriesTagId }) =>
      details.removeSeriesTag(connectionId, seriesId, seriesTagId),
    'exports.start': ({ connectionId, selection }) => exports.start(connectionId, selection),
    'exports.list': async () => exports.list(),
    'exports.reveal': ({ exportId }) => exports.reveal(exportId),
    'exports.cancel': ({ exportId }) => exports.cancel(exportId),
    'exports.dismiss': async ({ exportId }) => exports.dismiss(exportId),
    'measurements.list': async ({ connectionId, sopInstanceUids }) =>
      measurements.list(connectionId, sopInstanceUids),
    'measurements.save': async (draft) => measurements.save(draft),
    'measurements.remove': async ({ connectionId, id }) => measurements.remove(connectionId, id),
    'measurements.exportCsv': ({ connectionId, sopInstanceUids, fileName }) =>
      measurements.exportCsv(connectionId, sopInstanceUids, fileName),
    'actions.summary': ({ connectionId, selection }) => actions.summary(connectionId, selection),
    'actions.delete': ({ connectionId, selection }) => actions.delete(connectionId, selection),
    'actions.describe': ({ connectionId, selection }) => actions.describe(connectionId, selection),
    'actions.anonymize': ({ connectionId, selection, options: names, patientNames }) =>
      actions.anonymize(connectionId, selection, names, patientNames),
    'actions.patients': ({ connectionId, selection }) => actions.patients(connectionId, selection),
    'anonymization.options': ({ connectionId }) => actions.anonymizationOptions(connectionId),
    'actions.modify': ({ connectionId, selection, mappings }) =>
      actions.modify(connectionId, selection, mappings),
    'actions.seriesTags': ({ connectionId, selection }) =>
      actions.seriesTags(connectionId, selection),
    'actions.tagSeries': ({ connectionId, selection, add, remove }) =>
      actions.tagSeries(connectionId, selection, add, remove),
    'dicom.keywords': ({ connectionId, filter, kind }) =>
      actions.keywords(connectionId, filter, kind),
    'dicom.lookup': ({ connectionId, step }) => actions.lookup(connectionId, step),
    'importSessions.list': (args) => importSessions.list(args),
    'importSessions.create': ({ connectionId, name }) => importSessions.create(connectionId, name),
    'importSessions.remove': ({ connectionId, sessionIds }) =>
      importSessions.remove(connectionId, sessionIds),
    'importSessions.images': ({ connectionId, sessionId }) =>
      importSessions.images(connectionId, sessionId),
    'importSessions.tagSeries': ({ connectionId, sessionIds, add, remove }) =>
      importSessions.tagSeries(connectionId, sessionIds, add, remove),
    'network.boxes': ({ connectionId }) => network.boxes(connectionId),
    'network.createBoxConnection': ({ connectionId, name, defaultOptions }) =>
      network.createBoxConnection(connectionId, name, defaultOptions),
    'network.connectBox': ({ connectionId, name, baseUrl, defaultOptions }) =>
      network.connectBox(connectionId, name, baseUrl, defaultOptions),
    'network.removeBox': ({ connectionId, boxId }) => network.removeBox(connectionId, boxId),
    'network.boxUsage': ({ connectionId, boxId }) => network.boxUsage(connectionId, boxId),
    'network.scus': ({ connectionId }) => network.scus(connectionId),
    'network.addScu': ({ connectionId, ...scu }) => network.addScu(connectionId, scu),
    'network.removeScu': ({ connectionId, scuId }) => network.removeScu(connectionId, scuId),
    'network.scps': ({ connectionId }) => network.scps(connectionId),
    'network.addScp': ({ connectionId, ...scp }) => network.addScp(connectionId, scp),
    'network.removeScp': ({ connectionId, scpId }) => network.removeScp(connectionId, scpId),
    'network.capabilities': ({ connectionId }) => networkExtensions.capabilities(connectionId),
    'network.echoScu': ({ connectionId, scuId }) => networkExtensions.echoScu(connectionId, scuId),
    'network.scpStates': ({ connectionId }) => networkExtensions.scpStates(connectionId),
    'network.updateScp': ({ connectionId, scpId, ...scp }) =>
      networkExtensions.updateScp(connectionId, { id: scpId, ...scp }),
    'network.updateScu': ({ connectionId, scuId, ...scu }) =>
      networkExtensions.updateScu(connectionId, { id: scuId, ...scu }),
    'network.updateBox': ({ connectionId, boxId, name, defaultOptions }) =>
      networkExtensions.updateBox(connectionId, boxId, name, defaultOptions),
    'network.transfers': ({ connectionId }) => network.transfers(connectionId),
    'network.removeTransfer': ({ connectionId, direction, transferId }) =>
      network.removeTransfer(connectionId, direction, transferId),
    'network.watches': ({ connectionId }) => network.watches(connectionId),
    'network.addWatch': ({ connectionId, name, path }) =>
      network.addWatch(connectionId, name, path),
    'network.removeWatch': ({ connectionId, watchId }) =>
      network.removeWatch(connectionId, watchId),
    'network.endpoints': ({ connectionId }) => network.endpoints(connectionId),
    'network.forwardingRules': ({ connectionId }) => network.forwardingRules(connectionId),
    'network.addForwardingRule': ({ connectionId, source, destination, keepImages }) =>
      network.addForwardingRule(connectionId, source, destination, keepImages),
    'network.removeForwardingRule': ({ connectionId, ruleId }) =>
      network.removeForwardingRule(connectionId, ruleId),
    'admin.log': (args) => log.page(args),
    'admin.removeLogEntries': ({ connectionId, ids }) => log.remove(connectionId, ids),
    'admin.logSummary': ({ connectionId }) => log.summary(connectionId),
    'admin.seriesTypes': ({ connectionId }) => seriesTypes.list(connectionId),
    'admin.addSeriesType': ({ connectionId, name }) => seriesTypes.add(connectionId, name),
    'admin.renameSeriesType': ({ connectionId, seriesTypeId, name }) =>
      seriesTypes.rename(connectionId, seriesTypeId, name),
    'admin.removeSeriesType': ({ connectionId, seriesTypeId }) =>
      seriesTypes.remove(connectionId, seriesTypeId),
    'admin.seriesTypeUsage': ({ connectionId, seriesTypeId }) =>
      seriesTypes.usage(connectionId, seriesTypeId),
    'admin.seriesTypeRules': ({ connectionId, seriesTypeId }) =>
      seriesTypes.rules(connectionId, seriesTypeId),
    'admin.addSeriesTypeRule': ({ connectionId, seriesTypeId }) =>
      seriesTypes.addRule(connectionId, seriesTypeId),
    'admin.removeSeriesTypeRule': ({ connectionId, ruleId }) =>
      seriesTypes.removeRule(connectionId, ruleId),
    'admin.addSeriesTypeAttribute': ({ connectionId, ruleId, tagPath, value }) =>
      seriesTypes.addAttribute(connectionId, ruleId, tagPath, value),
    'admin.removeSeriesTypeAttribute': ({ connectionId, ruleId, attributeId }) =>
      seriesTypes.removeAttribute(connectionId, ruleId, attributeId),
    'admin.seriesTypesUpdateStatus': ({ connectionId }) => seriesTypes.updateStatus(connectionId),
    'admin.filters': ({ connectionId }) => filtering.filters(connectionId),
    'admin.addFilter': ({ connectionId, name, type }) => filtering.add(connectionId, name, type),
    'admin.removeFilter': ({ connectionId, filterId }) => filtering.remove(connectionId, filterId),
    'admin.filterTagPaths': ({ connectionId, filterId }) =>
      filtering.tagPaths(connectionId, filterId),
    'admin.addFilterTagPath': ({ connectionId, filterId, tagPath }) =>
      filtering.addTagPath(connectionId, filterId, tagPath),
    'admin.removeFilterTagPath': ({ connectionId, filterId, tagPathId }) =>
      filtering.removeTagPath(connectionId, filterId, tagPathId),
    'admin.filterAssociations': ({ connectionId }) => filtering.associations(connectionId),
    'admin.addFilterAssociation': ({ connectionId, filterId, source }) =>
      filtering.addAssociation(connectionId, filterId, source),
    'admin.removeFilterAssociation': ({ connectionId, associationId }) =>
      filtering.removeAssociation(connectionId, associationId),
    'admin.anonymizationKeys': (args) => anonymizationKeys.page(args),
    'admin.keyValues': ({ connectionId, keyId }) =>
      anonymizationKeys.keyValues(connectionId, keyId),
    'admin.removeAnonymizationKeys': ({ connectionId, ids }) =>
      anonymizationKeys.remove(connectionId, ids),
    'admin.exportAnonymizationCsv': ({ connectionId }) => anonymizationKeys.exportCsv(connectionId),
    'admin.users': (args) => users.page(args),
    'admin.addUser': ({ connectionId, ...user }) => users.add(connectionId, user),
    'admin.removeUser': ({ connectionId, userId }) => users.remove(connectionId, userId),
    'admin.seriesTags': (args) => seriesTags.page(args),
    'admin.addSeriesTag': ({ connectionId, name }) => seriesTags.add(connectionId, name),
    'admin.renameSeriesTag': ({ connectionId, seriesTagId, name }) =>
      seriesTags.rename(connectionId, seriesTagId, name),
    'admin.removeSeriesTag': ({ connectionId, seriesTagId }) =>
      seriesTags.remove(connectionId, seriesTagId),
    'admin.seriesTagUsage': ({ connectionId, seriesTagId }) =>
      seriesTags.usage(connectionId, seriesTagId),
    'admin.clearLog': ({ connectionId }) => system.clearLog(connectionId),
    'admin.stopServer': ({ connectionId }) => system.stop(connectionId),
    'actions.send': ({ connectionId, selection, boxId, options: names, patientNames, flagged }) =>
      sending.sendToBox(connectionId, selection, boxId, names, patientNames, flagged),
    'actions.sendToScu': ({ connectionId, selection, scuId }) =>
      sending.sendToScu(connectionId, selection, scuId),
    'privacy.scan': ({ connectionId, selection, action }) =>
      privacy.scan(connectionId, selection, action),
    'privacy.preview': ({ connectionId, ...request }) => privacy.preview(connectionId, request),
    'pacs.capabilities': ({ connectionId }) => pacs.capabilities(connectionId),
    'pacs.nodes': ({ connectionId }) => pacs.nodes(connectionId),
    'pacs.updateNode': ({ connectionId, scuId, settings }) =>
      pacs.updateNode(connectionId, scuId, settings),
    'pacs.queryStudies': ({ connectionId, scuId, query }) =>
      pacs.queryStudies(connectionId, scuId, query),
    'pacs.querySeries': ({ connectionId, scuId, studyInstanceUid }) =>
      pacs.querySeries(connectionId, scuId, studyInstanceUid),
    'pacs.retrieve': ({ connectionId, scuId, method, items }) =>
      pacs.retrieve(connectionId, scuId, method, items),
    'pacs.retrieves': ({ connectionId }) => pacs.retrieves(connectionId),
    'pacs.cancelRetrieve': ({ connectionId, retrieveId }) => pacs.cancel(connectionId, retrieveId),
    'pacs.retryRetrieve': ({ connectionId, retrieveId, scuId }) =>
      pacs.retry(connectionId, retrieveId, scuId),
    'pacs.removeRetrieve': ({ connectionId, retrieveId }) => pacs.remove(connectionId, retrieveId),
    'pacs.locateStudy': ({ connectionId, studyId }) => pacs.locateStudy(connectionId, studyId),
  });

  return {
    handlers,
    stagingDir,
    localboxUrl: localbox.url,
    imports,
    connections,
    cache,
    images,
    media,
    exports,
    stop: async () => {
      connections.stopStatusRefresh();
      imports.stop();
      try {
        await localbox.stop();
      } finally {
        cache.close();
      }
    },
  };
}
