/** What the privacy preview says in place of a value generated anew on every anonymization. */
import { describe, expect, it } from 'vitest';
import { generatedValueText } from '../../src-renderer/lib/generated-value.js';

describe('generated values in the privacy preview', () => {
  it('calls a UID attribute’s value a UID, and any other a value', () => {
    expect(generatedValueText('StudyInstanceUID')).toBe('new random UID');
    expect(generatedValueText('SOPInstanceUID')).toBe('new random UID');
    expect(generatedValueText('ReferencedSOPInstanceUIDInFile')).toBe('new random UID');
    expect(generatedValueText('UID')).toBe('new random UID');
    expect(generatedValueText('PatientID')).toBe('new random value');
    expect(generatedValueText('PatientName')).toBe('new random value');
    expect(generatedValueText('AccessionNumber')).toBe('new random value');
  });
});
