/** One schema per bridge call: arguments are checked here, at the main side's edge. */
import { z } from 'zod';
import type { Channel } from '../../src-preload/contract.js';

const connectionId = z.string().min(1).max(200);
const startIndex = z.number().int().min(0);
const count = z.number().int().min(1).max(10_000);
const id = z.number().int().min(0);
const page = { connectionId, startIndex, count };
const none = z.undefined().or(z.null()).or(z.object({}).strict());

export const schemas = {
  'app.info': none,
  'connections.list': none,
  'connections.check': z.object({ connectionId }).strict(),
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
} satisfies Record<Channel, z.ZodType>;
