/** One schema per bridge call: arguments are checked here, at the main side's edge. */
import { z } from 'zod';
import type { Channel } from '../../src-preload/contract.js';

const connectionId = z.string().min(1).max(200);
const startIndex = z.number().int().min(0);
const count = z.number().int().min(1).max(10_000);
const id = z.number().int().min(0);
const page = { connectionId, startIndex, count };
const none = z.undefined().or(z.null()).or(z.object({}).strict());
const draft = {
  name: z.string().trim().min(1).max(200),
  url: z.string().trim().min(1).max(2000),
  user: z.string().trim().min(1).max(200),
  password: z.string().max(1000).optional(),
};

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
      filter: z.string().max(500).optional(),
      orderBy: z
        .enum(['id', 'patientName', 'patientID', 'patientBirthDate', 'patientSex'])
        .optional(),
      orderAscending: z.boolean().optional(),
    })
    .strict(),
  'browse.studies': z.object({ ...page, patientId: id }).strict(),
  'browse.series': z.object({ ...page, studyId: id }).strict(),
  'browse.images': z.object({ ...page, seriesId: id }).strict(),
  'imports.start': z
    .object({
      connectionId,
      name: z.string().min(1).max(180),
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
  'imports.clearFinished': none,
  'media.imageUrls': z.object({ connectionId, imageId: id }).strict(),
  'images.attributes': z.object({ connectionId, imageId: id }).strict(),
  'images.information': z.object({ connectionId, imageId: id }).strict(),
  'series.details': z.object({ connectionId, seriesId: id }).strict(),
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
} satisfies Record<Channel, z.ZodType>;
