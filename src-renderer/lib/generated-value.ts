/**
 * What a privacy preview says in place of a value the anonymizer generates anew on every run (issue 10):
 * a UID attribute (value representation UI; its DICOM keyword names it a UID, e.g. `StudyInstanceUID`,
 * `ReferencedSOPInstanceUIDInFile`) gets "new random UID"; any other attribute (a pseudonymous Patient ID
 * or name, which may look like a UID but is not one) "new random value".
 */
export function generatedValueText(keyword: string): string {
  return /UID/.test(keyword) ? 'new random UID' : 'new random value';
}
