/**
 * Names of DICOM UIDs as the standard's UID registry (PS3.6, Annex A) spells them, for messages people
 * read: storage SOP classes and transfer syntaxes. Pure data, no dependency (usable by the engine and by
 * the desktop services).
 *
 * Why a table here: no maintained npm package ships the registry's display names. dcmjs knows 30 SOP
 * classes by short identifiers (`MRImage`), dcmjs-dimse 59 by camel-case identifiers and misses transfer
 * syntaxes Slicebox refuses every day (JPEG Extended 4.51, JPEG Lossless 4.57). The table covers every
 * class and syntax of Slicebox's accepted lists (BEHAVIOR.md Appendix B) and the ones commonly met that
 * Slicebox refuses (RT, SR, documents, presentation states, waveforms, compressed syntaxes).
 * An unknown UID is described by the UID itself.
 */

export const TRANSFER_SYNTAX_NAMES: ReadonlyMap<string, string> = new Map([
  ['1.2.840.10008.1.2', 'Implicit VR Little Endian'],
  ['1.2.840.10008.1.2.1', 'Explicit VR Little Endian'],
  ['1.2.840.10008.1.2.1.98', 'Encapsulated Uncompressed Explicit VR Little Endian'],
  ['1.2.840.10008.1.2.1.99', 'Deflated Explicit VR Little Endian'],
  ['1.2.840.10008.1.2.2', 'Explicit VR Big Endian'],
  ['1.2.840.10008.1.2.4.50', 'JPEG Baseline (Process 1)'],
  ['1.2.840.10008.1.2.4.51', 'JPEG Extended (Process 2 & 4)'],
  ['1.2.840.10008.1.2.4.57', 'JPEG Lossless, Non-Hierarchical (Process 14)'],
  [
    '1.2.840.10008.1.2.4.70',
    'JPEG Lossless, First-Order Prediction (Process 14, Selection Value 1)',
  ],
  ['1.2.840.10008.1.2.4.80', 'JPEG-LS Lossless Image Compression'],
  ['1.2.840.10008.1.2.4.81', 'JPEG-LS Lossy (Near-Lossless) Image Compression'],
  ['1.2.840.10008.1.2.4.90', 'JPEG 2000 Image Compression (Lossless Only)'],
  ['1.2.840.10008.1.2.4.91', 'JPEG 2000 Image Compression'],
  ['1.2.840.10008.1.2.4.92', 'JPEG 2000 Part 2 Multi-component Image Compression (Lossless Only)'],
  ['1.2.840.10008.1.2.4.93', 'JPEG 2000 Part 2 Multi-component Image Compression'],
  ['1.2.840.10008.1.2.4.94', 'JPIP Referenced'],
  ['1.2.840.10008.1.2.4.95', 'JPIP Referenced Deflate'],
  ['1.2.840.10008.1.2.4.100', 'MPEG2 Main Profile / Main Level'],
  ['1.2.840.10008.1.2.4.101', 'MPEG2 Main Profile / High Level'],
  ['1.2.840.10008.1.2.4.102', 'MPEG-4 AVC/H.264 High Profile / Level 4.1'],
  ['1.2.840.10008.1.2.4.103', 'MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1'],
  ['1.2.840.10008.1.2.4.104', 'MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video'],
  ['1.2.840.10008.1.2.4.105', 'MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video'],
  ['1.2.840.10008.1.2.4.106', 'MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2'],
  ['1.2.840.10008.1.2.4.107', 'HEVC/H.265 Main Profile / Level 5.1'],
  ['1.2.840.10008.1.2.4.108', 'HEVC/H.265 Main 10 Profile / Level 5.1'],
  ['1.2.840.10008.1.2.4.110', 'JPEG XL Lossless'],
  ['1.2.840.10008.1.2.4.111', 'JPEG XL JPEG Recompression'],
  ['1.2.840.10008.1.2.4.112', 'JPEG XL'],
  ['1.2.840.10008.1.2.4.201', 'High-Throughput JPEG 2000 Image Compression (Lossless Only)'],
  [
    '1.2.840.10008.1.2.4.202',
    'High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)',
  ],
  ['1.2.840.10008.1.2.4.203', 'High-Throughput JPEG 2000 Image Compression'],
  ['1.2.840.10008.1.2.5', 'RLE Lossless'],
]);

const P = '1.2.840.10008.5.1.4.1.1.';

export const SOP_CLASS_NAMES: ReadonlyMap<string, string> = new Map([
  [`${P}1`, 'Computed Radiography Image Storage'],
  [`${P}1.1`, 'Digital X-Ray Image Storage - For Presentation'],
  [`${P}1.1.1`, 'Digital X-Ray Image Storage - For Processing'],
  [`${P}1.2`, 'Digital Mammography X-Ray Image Storage - For Presentation'],
  [`${P}1.2.1`, 'Digital Mammography X-Ray Image Storage - For Processing'],
  [`${P}1.3`, 'Digital Intra-Oral X-Ray Image Storage - For Presentation'],
  [`${P}1.3.1`, 'Digital Intra-Oral X-Ray Image Storage - For Processing'],
  [`${P}2`, 'CT Image Storage'],
  [`${P}2.1`, 'Enhanced CT Image Storage'],
  [`${P}2.2`, 'Legacy Converted Enhanced CT Image Storage'],
  [`${P}3`, 'Ultrasound Multi-frame Image Storage (Retired)'],
  [`${P}3.1`, 'Ultrasound Multi-frame Image Storage'],
  [`${P}4`, 'MR Image Storage'],
  [`${P}4.1`, 'Enhanced MR Image Storage'],
  [`${P}4.2`, 'MR Spectroscopy Storage'],
  [`${P}4.3`, 'Enhanced MR Color Image Storage'],
  [`${P}4.4`, 'Legacy Converted Enhanced MR Image Storage'],
  [`${P}5`, 'Nuclear Medicine Image Storage (Retired)'],
  [`${P}6`, 'Ultrasound Image Storage (Retired)'],
  [`${P}6.1`, 'Ultrasound Image Storage'],
  [`${P}6.2`, 'Enhanced US Volume Storage'],
  [`${P}7`, 'Secondary Capture Image Storage'],
  [`${P}7.1`, 'Multi-frame Single Bit Secondary Capture Image Storage'],
  [`${P}7.2`, 'Multi-frame Grayscale Byte Secondary Capture Image Storage'],
  [`${P}7.3`, 'Multi-frame Grayscale Word Secondary Capture Image Storage'],
  [`${P}7.4`, 'Multi-frame True Color Secondary Capture Image Storage'],
  [`${P}9.1.1`, '12-lead ECG Waveform Storage'],
  [`${P}9.1.2`, 'General ECG Waveform Storage'],
  [`${P}9.1.3`, 'Ambulatory ECG Waveform Storage'],
  [`${P}9.2.1`, 'Hemodynamic Waveform Storage'],
  [`${P}9.4.1`, 'Basic Voice Audio Waveform Storage'],
  [`${P}11.1`, 'Grayscale Softcopy Presentation State Storage'],
  [`${P}11.2`, 'Color Softcopy Presentation State Storage'],
  [`${P}11.3`, 'Pseudo-Color Softcopy Presentation State Storage'],
  [`${P}11.4`, 'Blending Softcopy Presentation State Storage'],
  [`${P}12.1`, 'X-Ray Angiographic Image Storage'],
  [`${P}12.1.1`, 'Enhanced XA Image Storage'],
  [`${P}12.2`, 'X-Ray Radiofluoroscopic Image Storage'],
  [`${P}12.2.1`, 'Enhanced XRF Image Storage'],
  [`${P}13.1.1`, 'X-Ray 3D Angiographic Image Storage'],
  [`${P}13.1.2`, 'X-Ray 3D Craniofacial Image Storage'],
  [`${P}13.1.3`, 'Breast Tomosynthesis Image Storage'],
  [`${P}13.1.4`, 'Breast Projection X-Ray Image Storage - For Presentation'],
  [`${P}13.1.5`, 'Breast Projection X-Ray Image Storage - For Processing'],
  [`${P}14.1`, 'Intravascular Optical Coherence Tomography Image Storage - For Presentation'],
  [`${P}14.2`, 'Intravascular Optical Coherence Tomography Image Storage - For Processing'],
  [`${P}20`, 'Nuclear Medicine Image Storage'],
  [`${P}30`, 'Parametric Map Storage'],
  [`${P}66`, 'Raw Data Storage'],
  [`${P}66.1`, 'Spatial Registration Storage'],
  [`${P}66.2`, 'Spatial Fiducials Storage'],
  [`${P}66.3`, 'Deformable Spatial Registration Storage'],
  [`${P}66.4`, 'Segmentation Storage'],
  [`${P}66.5`, 'Surface Segmentation Storage'],
  [`${P}67`, 'Real World Value Mapping Storage'],
  [`${P}77.1.1`, 'VL Endoscopic Image Storage'],
  [`${P}77.1.1.1`, 'Video Endoscopic Image Storage'],
  [`${P}77.1.2`, 'VL Microscopic Image Storage'],
  [`${P}77.1.2.1`, 'Video Microscopic Image Storage'],
  [`${P}77.1.3`, 'VL Slide-Coordinates Microscopic Image Storage'],
  [`${P}77.1.4`, 'VL Photographic Image Storage'],
  [`${P}77.1.4.1`, 'Video Photographic Image Storage'],
  [`${P}77.1.5.1`, 'Ophthalmic Photography 8 Bit Image Storage'],
  [`${P}77.1.5.2`, 'Ophthalmic Photography 16 Bit Image Storage'],
  [`${P}77.1.5.3`, 'Stereometric Relationship Storage'],
  [`${P}77.1.5.4`, 'Ophthalmic Tomography Image Storage'],
  [`${P}77.1.6`, 'VL Whole Slide Microscopy Image Storage'],
  [`${P}88.11`, 'Basic Text SR Storage'],
  [`${P}88.22`, 'Enhanced SR Storage'],
  [`${P}88.33`, 'Comprehensive SR Storage'],
  [`${P}88.34`, 'Comprehensive 3D SR Storage'],
  [`${P}88.40`, 'Procedure Log Storage'],
  [`${P}88.50`, 'Mammography CAD SR Storage'],
  [`${P}88.59`, 'Key Object Selection Document Storage'],
  [`${P}88.65`, 'Chest CAD SR Storage'],
  [`${P}88.67`, 'X-Ray Radiation Dose SR Storage'],
  [`${P}104.1`, 'Encapsulated PDF Storage'],
  [`${P}104.2`, 'Encapsulated CDA Storage'],
  [`${P}104.3`, 'Encapsulated STL Storage'],
  [`${P}128`, 'Positron Emission Tomography Image Storage'],
  [`${P}128.1`, 'Legacy Converted Enhanced PET Image Storage'],
  [`${P}130`, 'Enhanced PET Image Storage'],
  [`${P}481.1`, 'RT Image Storage'],
  [`${P}481.2`, 'RT Dose Storage'],
  [`${P}481.3`, 'RT Structure Set Storage'],
  [`${P}481.4`, 'RT Beams Treatment Record Storage'],
  [`${P}481.5`, 'RT Plan Storage'],
  [`${P}481.6`, 'RT Brachy Treatment Record Storage'],
  [`${P}481.7`, 'RT Treatment Summary Record Storage'],
  [`${P}481.8`, 'RT Ion Plan Storage'],
  [`${P}481.9`, 'RT Ion Beams Treatment Record Storage'],
  [`${P}501.1`, 'DICOS CT Image Storage'],
  [`${P}501.2.1`, 'DICOS Digital X-Ray Image Storage - For Presentation'],
  // Listed by Slicebox's defaults as "DigitalXRayImageStorageForProcessing" (BEHAVIOR.md Appendix B).
  [`${P}501.2.2`, 'DICOS Digital X-Ray Image Storage - For Processing'],
  ['1.2.840.10008.1.3.10', 'Media Storage Directory Storage (DICOMDIR)'],
]);

/** `MR Image Storage`, or the UID itself when the registry table does not know it. */
export function sopClassName(uid: string): string {
  return SOP_CLASS_NAMES.get(uid) ?? uid;
}

/** `JPEG-LS Lossless Image Compression`, or the UID itself when unknown. */
export function transferSyntaxName(uid: string): string {
  return TRANSFER_SYNTAX_NAMES.get(uid) ?? uid;
}
