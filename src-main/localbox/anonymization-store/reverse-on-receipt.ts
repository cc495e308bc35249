/**
 * Reverse anonymization on receipt (BEHAVIOR.md §6.1 step 4, §11.7), as a step of the ingest procedure for the
 * receiving paths (uploads, import sessions, …; never in-place anonymize/modify).
 *
 * Split across threads (issue 9): the worker that validated the upload read the anonymized values of data
 * flagged PatientIdentityRemoved = YES (`ingest.prepare`); here, on the main thread, the key is looked up in the
 * database; only when one matches does a worker restore the real values in the temp file (fsynced) and validate
 * it again (`ingest.reverse`), before the storage transaction.
 */
import { prefetchKeyMatch } from '../anonymization/index.js';
import type { KeyLookup, KeyMatch } from '../anonymization/index.js';
import type { PreparedUpload } from '../codec/jobs.js';
import type { CodecRunner } from '../pool/worker-pool.js';

/** The upload with real values restored, or undefined when no key matches (the file is left as it is). */
export async function reverseAnonymizeOnReceipt(
  codec: CodecRunner,
  tempPath: string,
  anonymizedValues: Omit<KeyMatch, 'level'>,
  keys: KeyLookup,
  label: string,
): Promise<PreparedUpload | undefined> {
  const lookup = prefetchKeyMatch(keys, 'anon', anonymizedValues);
  if (!lookup.match) return undefined;
  return codec.run('ingest.reverse', { path: tempPath, lookup }, { label });
}
