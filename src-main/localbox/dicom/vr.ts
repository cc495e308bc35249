/**
 * VRs whose explicit-VR element header has 2 reserved bytes and a 4-byte length (12 bytes in all); every
 * other VR has a 2-byte length (8 bytes). PS3.5 §7.1.2.
 */
export const LONG_VRS: ReadonlySet<string> = new Set([
  'OB',
  'OD',
  'OF',
  'OL',
  'OV',
  'OW',
  'SQ',
  'SV',
  'UC',
  'UN',
  'UR',
  'UT',
  'UV',
]);
