/** JSON bodies of the transfer protocol (BEHAVIOR.md §12, §13.2), validated with zod (all fields required, §4.2). */
import { z } from 'zod';

const long = z.number().int();

export const OutgoingTransactionImageSchema = z.object({
  transaction: z.object({
    id: long,
    boxId: long,
    boxName: z.string(),
    profile: z.object({ options: z.array(z.object({ name: z.string() }).passthrough()) }),
    sentImageCount: long,
    totalImageCount: long,
    created: long,
    updated: long,
    status: z.string(),
  }),
  image: z.object({
    id: long,
    outgoingTransactionId: long,
    imageId: long,
    sequenceNumber: long,
    sent: z.boolean(),
  }),
});
export type RemoteTransactionImage = z.infer<typeof OutgoingTransactionImageSchema>;

export const FailedOutgoingTransactionImageSchema = z.object({
  transactionImage: OutgoingTransactionImageSchema,
  message: z.string(),
});

/** `{"status": "FINISHED"}`; a bare JSON string (`"FINISHED"`, sent by some 2.x active sides) is accepted too. */
export const BoxTransactionStatusSchema = z.union([
  z.object({ status: z.string() }).transform((x) => x.status),
  z.string(),
]);

/** A poll answer: an array, or (older servers, one entry) a single object. */
export const PollAnswerSchema = z.union([
  z.array(OutgoingTransactionImageSchema),
  OutgoingTransactionImageSchema.transform((x) => [x]),
]);
