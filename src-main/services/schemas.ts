/** One schema per bridge call: arguments are checked here, at the main side's edge. */
import { z } from 'zod';
import {
  ANONYMIZATION_KEY_ORDER,
  FLAT_SERIES_ORDER,
  IMAGE_ORDER,
  MEASUREMENT_KINDS,
  type Channel,
} from '../../src-preload/contract.js';

const connectionId = z.string().min(1).max(200);
const startIndex = z.number().int().min(0);
const count = z.number().int().min(1).max(10_000);
const id = z.number().int().min(0);
const page = { connectionId, startIndex, count };
/** Advanced filtering: `type:id` sources, series type ids, series tag ids (all optional). */
const advanced = {
  sources: z
    .array(z.string().regex(/^[a-z]{1,40}:\d{1,18}$/))
    .max(1000)
    .optional(),
  seriesTypeIds: z.array(id).max(1000).optional(),
  seriesTagIds: z.array(id).max(1000).optional(),
};
const none = z.undefined().or(z.null()).or(z.object({}).strict());
const draft = {
  name: z.string().trim().min(1).max(200),
  url: z.string().trim().min(1).max(2000),
  user: z.string().trim().min(1).max(200),
  password: z.string().max(1000).optional(),
};

/** A DICOM UID: digits and dots, at most 64 characters. */
const uid = z.string().regex(/^[0-9.]{1,64}$/);
const sopInstanceUids = z.array(uid).max(20_000);
/** A coordinate in an image's pixel grid (generously bounded: points may lie a little outside the image). */
const coordinate = z.number().finite().min(-1e6).max(1e6);
const text = (max: number) => z.string().max(max);
/** How many points each kind of measurement has. */
const POINTS: Record<(typeof MEASUREMENT_KINDS)[number], number> = {
  length: 2,
  angle: 3,
  ellipse: 2,
  rectangle: 2,
  probe: 1,
};
const measurementDraft = z
  .object({
    id: z.uuid(),
    connectionId,
    sopInstanceUid: uid,
    frame: z.number().int().min(0).max(1_000_000),
    kind: z.enum(MEASUREMENT_KINDS),
    points: z
      .array(z.object({ x: coordinate, y: coordinate }).strict())
      .min(1)
      .max(3),
    values: z
      .array(
        z.object({ name: text(40).min(1), value: z.number().finite(), unit: text(20) }).strict(),
      )
      .max(20),
    note: text(200).optional(),
    context: z
      .object({
        patientName: text(400),
        patientID: text(200),
        studyDate: text(40),
        studyDescription: text(400),
        seriesDescription: text(400),
        modality: text(40),
        instanceNumber: text(40),
        imageId: id,
      })
      .strict(),
  })
  .strict()
  .refine((m) => m.points.length === POINTS[m.kind], {
    message: 'wrong number of points for this kind of measurement',
    path: ['points'],
  });

/** A selection of browser rows (exports and bulk actions). */
const selection = z
  .object({
    kind: z.enum(['patients', 'studies', 'series', 'images']),
    ids: z.array(id).min(1).max(100_000),
  })
  .strict();
const sessionIds = z.array(id).min(1).max(1000);
/** Series tags to add (by name; created when new) and to remove (by id). */
const tagChanges = {
  add: z.array(z.string().trim().min(1).max(180)).max(100),
  remove: z.array(id).max(1000),
};
/** Anonymization option names (BASIC_PROFILE is implied). */
const optionNames = z.array(z.string().min(1).max(100)).max(50);
/** Anonymization Details' PatientName per patient; absent: Keep Names. */
const patientNames = z
  .array(z.object({ patientId: id, name: z.string().max(200) }).strict())
  .max(100_000)
  .optional();
const privacyAction = z.enum(['send', 'anonymize', 'sendToScu', 'export']);
const flaggedChoice = z.enum(['anonymize', 'asIs']);
const boxName = z.string().trim().min(1).max(200);
const nodeName = z.string().trim().min(1).max(200);
/** A PACS matching key: the server checks it further (one value, no control characters, its length). */
const pacsKey = z.string().max(200).optional();
/** A UID as a PACS answered it (checked loosely: the PACS is the judge). */
const pacsUid = z.string().trim().min(1).max(64);
const retrieveMethod = z.enum(['C-MOVE', 'C-GET']);

export const schemas = {
  'app.info': none,
  'connections.list': none,
  'connections.check': z.object({ connectionId }).strict(),
  'connections.add': z.object(draft).strict(),
  'connections.update': z.object({ ...draft, connectionId }).strict(),
  'connections.remove': z.object({ connectionId }).strict(),
  'connections.test': z.object({ ...draft, connectionId: connectionId.optional() }).strict(),
  'browse.patients': z
    .object({
      ...page,
      ...advanced,
      filter: z.string().max(500).optional(),
      orderBy: z
        .enum(['id', 'patientName', 'patientID', 'patientBirthDate', 'patientSex'])
        .optional(),
      orderAscending: z.boolean().optional(),
    })
    .strict(),
  'browse.studies': z.object({ ...page, ...advanced, patientId: id }).strict(),
  'browse.series': z.object({ ...page, ...advanced, studyId: id }).strict(),
  'browse.images': z
    .object({
      ...page,
      seriesId: id,
      orderBy: z.enum(IMAGE_ORDER).optional(),
      orderAscending: z.boolean().optional(),
    })
    .strict(),
  'browse.flatSeries': z
    .object({
      ...page,
      ...advanced,
      filter: z.string().max(500).optional(),
      orderBy: z.enum(FLAT_SERIES_ORDER).optional(),
      orderAscending: z.boolean().optional(),
    })
    .strict(),
  'browse.filterOptions': z.object({ connectionId }).strict(),
  'browse.contents': z
    .object({
      connectionId,
      studyIds: z.array(id).max(500).optional(),
      seriesIds: z.array(id).max(500).optional(),
      refresh: z.boolean().optional(),
    })
    .strict(),
  'imports.start': z
    .object({
      connectionId,
      name: z.string().min(1).max(180),
      sessionName: z.string().trim().min(1).max(180).optional(),
      files: z
        .array(
          z
            .object({
              path: z.string().min(1).max(4096),
              name: z.string().max(1024),
              size: z.number().int().min(0),
            })
            .strict(),
        )
        .min(1)
        .max(1_000_000),
    })
    .strict(),
  'imports.list': none,
  'imports.pause': z.object({ jobId: z.string().min(1).max(200) }).strict(),
  'imports.resume': z.object({ jobId: z.string().min(1).max(200) }).strict(),
  'imports.cancel': z.object({ jobId: z.string().min(1).max(200) }).strict(),
  'imports.retryFailed': z.object({ jobId: z.string().min(1).max(200) }).strict(),
  'imports.clearFinished': none.or(
    z.object({ connectionId: z.string().min(1).max(200).optional() }).strict(),
  ),
  'media.imageUrls': z.object({ connectionId, imageId: id }).strict(),
  'images.attributes': z.object({ connectionId, imageId: id }).strict(),
  'images.information': z.object({ connectionId, imageId: id }).strict(),
  'series.details': z.object({ connectionId, seriesId: id }).strict(),
  'series.addType': z.object({ connectionId, seriesId: id, seriesTypeId: id }).strict(),
  'series.removeType': z.object({ connectionId, seriesId: id, seriesTypeId: id }).strict(),
  'series.addTag': z
    .object({ connectionId, seriesId: id, name: z.string().trim().min(1).max(180) })
    .strict(),
  'series.removeTag': z.object({ connectionId, seriesId: id, seriesTagId: id }).strict(),
  'exports.start': z
    .object({
      connectionId,
      selection: z
        .object({
          kind: z.enum(['patients', 'studies', 'series', 'images']),
          ids: z.array(id).min(1).max(100_000),
        })
        .strict(),
    })
    .strict(),
  'exports.list': none,
  'exports.reveal': z.object({ exportId: z.string().min(1).max(200) }).strict(),
  'exports.cancel': z.object({ exportId: z.string().min(1).max(200) }).strict(),
  'exports.dismiss': z.object({ exportId: z.string().min(1).max(200) }).strict(),
  'measurements.list': z.object({ connectionId, sopInstanceUids }).strict(),
  'measurements.save': measurementDraft,
  'measurements.remove': z.object({ connectionId, id: z.uuid() }).strict(),
  'measurements.exportCsv': z
    .object({
      connectionId,
      sopInstanceUids: sopInstanceUids.min(1),
      fileName: z
        .string()
        .regex(/^[\w .()-]{1,120}$/)
        .optional(),
    })
    .strict(),
  'actions.summary': z.object({ connectionId, selection }).strict(),
  'actions.delete': z.object({ connectionId, selection }).strict(),
  'actions.describe': z.object({ connectionId, selection }).strict(),
  'actions.anonymize': z
    .object({
      connectionId,
      selection,
      options: optionNames,
      patientNames,
    })
    .strict(),
  'actions.patients': z.object({ connectionId, selection }).strict(),
  'anonymization.options': z.object({ connectionId }).strict(),
  'actions.modify': z
    .object({
      connectionId,
      selection,
      mappings: z
        .array(
          z
            .object({ tagPath: z.string().trim().min(1).max(1000), value: z.string().max(10_000) })
            .strict(),
        )
        .min(1)
        .max(100),
    })
    .strict(),
  'actions.seriesTags': z.object({ connectionId, selection }).strict(),
  'actions.tagSeries': z.object({ connectionId, selection, ...tagChanges }).strict(),
  'dicom.keywords': z
    .object({
      connectionId,
      filter: z.string().trim().min(1).max(100),
      kind: z.enum(['all', 'sequence', 'nonsequence']).optional(),
    })
    .strict(),
  'dicom.lookup': z.object({ connectionId, step: z.string().trim().min(1).max(100) }).strict(),
  'importSessions.list': z.object(page).strict(),
  'importSessions.create': z
    .object({ connectionId, name: z.string().trim().min(1).max(180) })
    .strict(),
  'importSessions.remove': z.object({ connectionId, sessionIds }).strict(),
  'importSessions.images': z.object({ connectionId, sessionId: id }).strict(),
  'importSessions.tagSeries': z.object({ connectionId, sessionIds, ...tagChanges }).strict(),
  'network.boxes': z.object({ connectionId }).strict(),
  'network.createBoxConnection': z
    .object({ connectionId, name: boxName, defaultOptions: optionNames })
    .strict(),
  'network.connectBox': z
    .object({
      connectionId,
      name: boxName,
      baseUrl: z.string().trim().min(1).max(2000),
      defaultOptions: optionNames,
    })
    .strict(),
  'network.removeBox': z.object({ connectionId, boxId: id }).strict(),
  'network.boxUsage': z.object({ connectionId, boxId: id }).strict(),
  'network.scus': z.object({ connectionId }).strict(),
  'network.addScu': z
    .object({
      connectionId,
      name: nodeName,
      aeTitle: z.string().max(64),
      host: z.string().trim().min(1).max(255),
      port: z.number().int(),
    })
    .strict(),
  'network.removeScu': z.object({ connectionId, scuId: id }).strict(),
  'network.scps': z.object({ connectionId }).strict(),
  'network.addScp': z
    .object({ connectionId, name: nodeName, aeTitle: z.string().max(64), port: z.number().int() })
    .strict(),
  'network.removeScp': z.object({ connectionId, scpId: id }).strict(),
  'network.capabilities': z.object({ connectionId }).strict(),
  'network.echoScu': z.object({ connectionId, scuId: id }).strict(),
  'network.scpStates': z.object({ connectionId }).strict(),
  'network.updateScp': z
    .object({
      connectionId,
      scpId: id,
      name: nodeName,
      aeTitle: z.string().max(64),
      port: z.number().int(),
    })
    .strict(),
  'network.updateScu': z
    .object({
      connectionId,
      scuId: id,
      name: nodeName,
      aeTitle: z.string().max(64),
      host: z.string().trim().min(1).max(255),
      port: z.number().int(),
    })
    .strict(),
  'network.updateBox': z
    .object({ connectionId, boxId: id, name: boxName, defaultOptions: optionNames })
    .strict(),
  'network.transfers': z.object({ connectionId }).strict(),
  'network.removeTransfer': z
    .object({ connectionId, direction: z.enum(['outgoing', 'incoming']), transferId: id })
    .strict(),
  'network.watches': z.object({ connectionId }).strict(),
  'network.addWatch': z
    .object({ connectionId, name: nodeName, path: z.string().trim().min(1).max(4096) })
    .strict(),
  'network.removeWatch': z.object({ connectionId, watchId: id }).strict(),
  'network.endpoints': z.object({ connectionId }).strict(),
  'network.forwardingRules': z.object({ connectionId }).strict(),
  'network.addForwardingRule': z
    .object({
      connectionId,
      source: z
        .object({
          type: z.enum(['user', 'box', 'directory', 'scp', 'import']),
          id,
          name: z.string().max(500),
        })
        .strict(),
      destination: z
        .object({ type: z.enum(['box', 'scu']), id, name: z.string().max(500) })
        .strict(),
      keepImages: z.boolean(),
    })
    .strict(),
  'network.removeForwardingRule': z.object({ connectionId, ruleId: id }).strict(),
  'admin.log': z
    .object({
      ...page,
      subject: z.string().trim().min(1).max(200).optional(),
      type: z.enum(['DEFAULT', 'INFO', 'WARN', 'ERROR']).optional(),
    })
    .strict(),
  'admin.removeLogEntries': z
    .object({ connectionId, ids: z.array(id).min(1).max(10_000) })
    .strict(),
  'admin.anonymizationKeys': z
    .object({
      ...page,
      filter: z.string().max(500).optional(),
      orderBy: z.enum(ANONYMIZATION_KEY_ORDER).optional(),
      orderAscending: z.boolean().optional(),
    })
    .strict(),
  'admin.keyValues': z.object({ connectionId, keyId: id }).strict(),
  'admin.removeAnonymizationKeys': z
    .object({ connectionId, ids: z.array(id).min(1).max(10_000) })
    .strict(),
  'admin.exportAnonymizationCsv': z.object({ connectionId }).strict(),
  'admin.users': z.object(page).strict(),
  'admin.addUser': z
    .object({
      connectionId,
      user: z.string().trim().min(1).max(200),
      password: z.string().min(1).max(1000),
      role: z.enum(['USER', 'ADMINISTRATOR']),
    })
    .strict(),
  'admin.removeUser': z.object({ connectionId, userId: id }).strict(),
  'admin.seriesTags': z
    .object({
      ...page,
      filter: z.string().max(180).optional(),
      orderBy: z.enum(['id', 'name']).optional(),
      orderAscending: z.boolean().optional(),
    })
    .strict(),
  'admin.addSeriesTag': z
    .object({ connectionId, name: z.string().trim().min(1).max(180) })
    .strict(),
  'admin.renameSeriesTag': z
    .object({ connectionId, seriesTagId: id, name: z.string().trim().min(1).max(180) })
    .strict(),
  'admin.removeSeriesTag': z.object({ connectionId, seriesTagId: id }).strict(),
  'admin.seriesTagUsage': z.object({ connectionId, seriesTagId: id }).strict(),
  'admin.clearLog': z.object({ connectionId }).strict(),
  'admin.logSummary': z.object({ connectionId }).strict(),
  'admin.stopServer': z.object({ connectionId }).strict(),
  'admin.seriesTypes': z.object({ connectionId }).strict(),
  'admin.addSeriesType': z
    .object({ connectionId, name: z.string().trim().min(1).max(180) })
    .strict(),
  'admin.renameSeriesType': z
    .object({ connectionId, seriesTypeId: id, name: z.string().trim().min(1).max(180) })
    .strict(),
  'admin.removeSeriesType': z.object({ connectionId, seriesTypeId: id }).strict(),
  'admin.seriesTypeUsage': z.object({ connectionId, seriesTypeId: id }).strict(),
  'admin.seriesTypeRules': z.object({ connectionId, seriesTypeId: id }).strict(),
  'admin.addSeriesTypeRule': z.object({ connectionId, seriesTypeId: id }).strict(),
  'admin.removeSeriesTypeRule': z.object({ connectionId, ruleId: id }).strict(),
  'admin.addSeriesTypeAttribute': z
    .object({
      connectionId,
      ruleId: id,
      tagPath: z.string().trim().min(1).max(1000),
      value: z.string().max(10_000),
    })
    .strict(),
  'admin.removeSeriesTypeAttribute': z
    .object({ connectionId, ruleId: id, attributeId: id })
    .strict(),
  'admin.seriesTypesUpdateStatus': z.object({ connectionId }).strict(),
  'admin.filters': z.object({ connectionId }).strict(),
  'admin.addFilter': z
    .object({
      connectionId,
      name: z.string().trim().min(1).max(180),
      type: z.enum(['WHITELIST', 'BLACKLIST']),
    })
    .strict(),
  'admin.removeFilter': z.object({ connectionId, filterId: id }).strict(),
  'admin.filterTagPaths': z.object({ connectionId, filterId: id }).strict(),
  'admin.addFilterTagPath': z
    .object({ connectionId, filterId: id, tagPath: z.string().trim().min(1).max(1000) })
    .strict(),
  'admin.removeFilterTagPath': z.object({ connectionId, filterId: id, tagPathId: id }).strict(),
  'admin.filterAssociations': z.object({ connectionId }).strict(),
  'admin.addFilterAssociation': z
    .object({
      connectionId,
      filterId: id,
      source: z
        .object({
          type: z.enum(['user', 'box', 'directory', 'scp', 'import']),
          id,
          name: z.string().max(500),
        })
        .strict(),
    })
    .strict(),
  'admin.removeFilterAssociation': z.object({ connectionId, associationId: id }).strict(),
  'actions.send': z
    .object({
      connectionId,
      selection,
      boxId: id,
      options: optionNames,
      patientNames,
      flagged: flaggedChoice.optional(),
    })
    .strict(),
  'actions.sendToScu': z.object({ connectionId, selection, scuId: id }).strict(),
  'privacy.scan': z.object({ connectionId, selection, action: privacyAction }).strict(),
  'privacy.preview': z
    .object({
      connectionId,
      action: privacyAction,
      samples: z
        .array(z.object({ imageId: id, patientId: id, flagged: z.boolean() }).strict())
        .max(1000),
      options: optionNames,
      patientNames,
      flagged: flaggedChoice,
    })
    .strict(),
  'pacs.capabilities': z.object({ connectionId }).strict(),
  'pacs.nodes': z.object({ connectionId }).strict(),
  // Ranges and AE titles are the server's to check: its refusal names the field in its words.
  'pacs.updateNode': z
    .object({
      connectionId,
      scuId: id,
      settings: z
        .object({
          retrieveMethod: retrieveMethod.optional(),
          callingAeTitle: z.string().max(64).nullable().optional(),
          destinationScpId: id.nullable().optional(),
          timeoutSeconds: z.number().int().optional(),
          maxResults: z.number().int().optional(),
        })
        .strict(),
    })
    .strict(),
  'pacs.queryStudies': z
    .object({
      connectionId,
      scuId: id,
      query: z
        .object({
          patientName: pacsKey,
          patientId: pacsKey,
          patientBirthDate: pacsKey,
          studyDateFrom: pacsKey,
          studyDateTo: pacsKey,
          modality: pacsKey,
          accessionNumber: pacsKey,
          studyDescription: pacsKey,
        })
        .strict(),
    })
    .strict(),
  'pacs.querySeries': z.object({ connectionId, scuId: id, studyInstanceUid: pacsUid }).strict(),
  'pacs.retrieve': z
    .object({
      connectionId,
      scuId: id,
      method: retrieveMethod.optional(),
      items: z
        .array(
          z
            .object({
              level: z.enum(['STUDY', 'SERIES']),
              studyInstanceUid: pacsUid,
              seriesInstanceUid: pacsUid.optional(),
              label: z.string().max(256).optional(),
            })
            .strict(),
        )
        .min(1)
        .max(1000),
    })
    .strict(),
  'pacs.retrieves': z.object({ connectionId }).strict(),
  'pacs.cancelRetrieve': z.object({ connectionId, retrieveId: id }).strict(),
  'pacs.retryRetrieve': z.object({ connectionId, retrieveId: id, scuId: id.optional() }).strict(),
  'pacs.removeRetrieve': z.object({ connectionId, retrieveId: id }).strict(),
  'pacs.locateStudy': z.object({ connectionId, studyId: id }).strict(),
} satisfies Record<Channel, z.ZodType>;
