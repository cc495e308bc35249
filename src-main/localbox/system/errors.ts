/**
 * Service-level errors; the HTTP layer maps them to statuses (BEHAVIOR.md §4.4).
 * DicomError (dicom/errors.ts) maps to 400 `Invalid DICOM data: …`.
 */

/** Invalid argument → 400 with the message. */
export class InvalidArgument extends Error {
  override readonly name = 'InvalidArgument';
}

/** Not found raised by a service → 404 with the message. */
export class NotFound extends Error {
  override readonly name = 'NotFound';
}

/** Missing file in storage → 404 `File not found: <detail>`. */
export class FileNotFound extends Error {
  override readonly name = 'FileNotFound';
}
