/**
 * Reverse anonymization on receipt (BEHAVIOR.md §6.1 step 4, §11.7), as a step of the ingest procedure for the
 * receiving paths (uploads, import sessions, …; never in-place anonymize/modify). Only data flagged
 * PatientIdentityRemoved = YES is read whole; if a key matches, the restored file replaces the temp file (fsynced)
 * before the storage transaction.
 */
import { open, readFile } from 'node:fs/promises';
import { DicomParseError, reverseAnonymizeDataset } from '../anonymization/index.js';
import type { KeyLookup } from '../anonymization/index.js';
import type { DataSet } from '../dicom/dicom-parser.js';
import { DicomError } from '../dicom/errors.js';

const PATIENT_IDENTITY_REMOVED = 'x00120062';

/** Is the parsed dataset flagged anonymous (PatientIdentityRemoved = YES, case-insensitive)? */
export function isFlaggedAnonymous(dataSet: DataSet): boolean {
  return (dataSet.string(PATIENT_IDENTITY_REMOVED) ?? '').trim().toUpperCase() === 'YES';
}

/**
 * Rewrites the temp file in place with real values restored when the data is flagged anonymous and a key
 * matches. Returns true when the file was rewritten (the caller must parse it again).
 */
export async function reverseAnonymizeOnReceipt(
  tempPath: string,
  dataSet: DataSet,
  keys: KeyLookup,
): Promise<boolean> {
  if (!isFlaggedAnonymous(dataSet)) return false;
  const bytes = new Uint8Array(await readFile(tempPath));
  let result;
  try {
    result = reverseAnonymizeDataset(bytes, { keys });
  } catch (e) {
    if (e instanceof DicomParseError) throw new DicomError(e.message);
    throw e;
  }
  if (!result.reversed) return false;
  const file = await open(tempPath, 'w');
  try {
    await file.writeFile(result.bytes);
    await file.sync();
  } finally {
    await file.close();
  }
  return true;
}
