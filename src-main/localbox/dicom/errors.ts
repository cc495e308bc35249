/**
 * A DICOM parsing or validation failure. Routes turn it into 400 `Invalid DICOM data: <message>`
 * (POST /images) or `<message>` (import sessions), BEHAVIOR.md §6.1 and §14.
 */
export class DicomError extends Error {
  override readonly name: string = 'DicomError';
}

export function presentationContextError(
  sopClassUid: string,
  transferSyntaxUid: string,
): DicomError {
  const sop = sopClassUid === '' ? '<empty>' : sopClassUid;
  const ts = transferSyntaxUid === '' ? '<empty>' : transferSyntaxUid;
  return new DicomError(
    `The presentation context [SOPClassUID = ${sop}, TransferSyntaxUID = ${ts}] is not supported`,
  );
}
