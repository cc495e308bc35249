/**
 * The local box's PACS answers (`/api/x-desktop/pacs`, src-main/slicebox/types.ts `XPacs…`, `XRetrieve…`) as
 * the contract's items. The renderer imports only the contract, so every shape is copied field by field here:
 * nothing the server adds later reaches the UI unchecked.
 */
import type {
  PacsCapabilities,
  PacsErrorInfo,
  PacsNodeItem,
  PacsSeriesItem,
  PacsStudyItem,
  RetrieveItem,
  RetrieveJob,
} from '../../../src-preload/contract.js';
import type {
  XPacsError,
  XPacsNode,
  XPacsSeries,
  XPacsStudy,
  XRetrieveItem,
  XRetrieveJob,
} from '../../slicebox/types.js';

/** The capability of each extension name the local box announces (`PACS_CAPABILITIES` of its PACS routes). */
const EXTENSIONS: Record<string, keyof PacsCapabilities> = {
  'pacs-nodes': 'nodes',
  'pacs-query': 'query',
  'pacs-retrieve-move': 'retrieveMove',
  'pacs-retrieve-get': 'retrieveGet',
};

export function pacsCapabilitiesOf(extensions: readonly string[]): PacsCapabilities {
  const capabilities: PacsCapabilities = {
    nodes: false,
    query: false,
    retrieveMove: false,
    retrieveGet: false,
  };
  for (const name of extensions) {
    const capability = EXTENSIONS[name];
    if (capability) capabilities[capability] = true;
  }
  return capabilities;
}

export function nodeItem(node: XPacsNode): PacsNodeItem {
  const { scu, settings, destination } = node;
  return {
    id: scu.id,
    name: scu.name,
    aeTitle: scu.aeTitle,
    host: scu.host,
    port: scu.port,
    settings: {
      retrieveMethod: settings.retrieveMethod,
      callingAeTitle: settings.callingAeTitle,
      destinationScpId: settings.destinationScpId,
      timeoutSeconds: settings.timeoutSeconds,
      maxResults: settings.maxResults,
    },
    callingAeTitle: node.callingAeTitle,
    destination: destination
      ? {
          id: destination.id,
          name: destination.name,
          aeTitle: destination.aeTitle,
          port: destination.port,
        }
      : null,
  };
}

export function studyItem(s: XPacsStudy): PacsStudyItem {
  return {
    studyInstanceUid: s.studyInstanceUid,
    patientName: s.patientName,
    patientId: s.patientId,
    patientBirthDate: s.patientBirthDate,
    patientSex: s.patientSex,
    studyDate: s.studyDate,
    studyTime: s.studyTime,
    studyDescription: s.studyDescription,
    accessionNumber: s.accessionNumber,
    studyId: s.studyId,
    modalities: [...s.modalitiesInStudy],
    seriesCount: s.numberOfStudyRelatedSeries,
    imageCount: s.numberOfStudyRelatedInstances,
  };
}

export function seriesItem(s: XPacsSeries): PacsSeriesItem {
  return {
    studyInstanceUid: s.studyInstanceUid,
    seriesInstanceUid: s.seriesInstanceUid,
    modality: s.modality,
    seriesNumber: s.seriesNumber,
    seriesDescription: s.seriesDescription,
    seriesDate: s.seriesDate,
    bodyPartExamined: s.bodyPartExamined,
    imageCount: s.numberOfSeriesRelatedInstances,
  };
}

export function errorInfo(e: XPacsError): PacsErrorInfo {
  const info: PacsErrorInfo = { code: e.code, message: e.message, peer: e.peer };
  if (e.status !== undefined) info.status = e.status;
  if (e.statusText !== undefined) info.statusText = e.statusText;
  if (e.errorComment !== undefined) info.errorComment = e.errorComment;
  if (e.reject) info.reject = { ...e.reject };
  if (e.abort) info.abort = { ...e.abort };
  return info;
}

function retrieveItem(i: XRetrieveItem): RetrieveItem {
  return {
    index: i.index,
    level: i.level,
    studyInstanceUid: i.studyInstanceUid,
    seriesInstanceUid: i.seriesInstanceUid,
    label: i.label,
    status: i.status,
    completed: i.completed,
    remaining: i.remaining,
    failed: i.failed,
    warning: i.warning,
    received: i.received,
    dimseStatus: i.dimseStatus,
    error: i.error ? errorInfo(i.error) : null,
    started: i.started,
    finished: i.finished,
    local: {
      studyIds: [...i.local.studyIds],
      seriesIds: [...i.local.seriesIds],
      images: i.local.images,
    },
  };
}

export function retrieveJob(j: XRetrieveJob): RetrieveJob {
  return {
    id: j.id,
    scuId: j.scuId,
    nodeName: j.nodeName,
    method: j.method,
    destinationAeTitle: j.destinationAeTitle,
    status: j.status,
    created: j.created,
    updated: j.updated,
    items: j.items.map(retrieveItem),
    totals: { ...j.totals },
    error: j.error ? errorInfo(j.error) : null,
  };
}
