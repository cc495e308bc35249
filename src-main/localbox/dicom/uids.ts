/**
 * Accepted presentation contexts (BEHAVIOR.md §2 and Appendix B): Slicebox 2.0.2 defaults.
 */

export const TransferSyntax = {
  ImplicitVrLittleEndian: '1.2.840.10008.1.2',
  ExplicitVrLittleEndian: '1.2.840.10008.1.2.1',
  ExplicitVrBigEndian: '1.2.840.10008.1.2.2',
  DeflatedExplicitVrLittleEndian: '1.2.840.10008.1.2.1.99',
  JpegBaseline: '1.2.840.10008.1.2.4.50',
} as const;

export const ACCEPTED_TRANSFER_SYNTAXES: ReadonlySet<string> = new Set(
  Object.values(TransferSyntax),
);

/** Image-data SOP classes: accepted by every ingestion path. */
export const IMAGE_DATA_SOP_CLASSES: ReadonlySet<string> = new Set([
  '1.2.840.10008.5.1.4.1.1.1', // ComputedRadiographyImageStorage
  '1.2.840.10008.5.1.4.1.1.1.1', // DigitalXRayImageStorageForPresentation
  '1.2.840.10008.5.1.4.1.1.501.2.2', // DigitalXRayImageStorageForProcessing (as listed by Slicebox)
  '1.2.840.10008.5.1.4.1.1.1.2', // DigitalMammographyXRayImageStorageForPresentation
  '1.2.840.10008.5.1.4.1.1.1.2.1', // DigitalMammographyXRayImageStorageForProcessing
  '1.2.840.10008.5.1.4.1.1.1.3', // DigitalIntraOralXRayImageStorageForPresentation
  '1.2.840.10008.5.1.4.1.1.1.3.1', // DigitalIntraOralXRayImageStorageForProcessing
  '1.2.840.10008.5.1.4.1.1.2', // CTImageStorage
  '1.2.840.10008.5.1.4.1.1.2.1', // EnhancedCTImageStorage
  '1.2.840.10008.5.1.4.1.1.3', // UltrasoundMultiframeImageStorageRetired
  '1.2.840.10008.5.1.4.1.1.3.1', // UltrasoundMultiframeImageStorage
  '1.2.840.10008.5.1.4.1.1.4', // MRImageStorage
  '1.2.840.10008.5.1.4.1.1.4.1', // EnhancedMRImageStorage
  '1.2.840.10008.5.1.4.1.1.4.2', // MRSpectroscopyStorage
  '1.2.840.10008.5.1.4.1.1.6', // UltrasoundImageStorageRetired
  '1.2.840.10008.5.1.4.1.1.6.1', // UltrasoundImageStorage
  '1.2.840.10008.5.1.4.1.1.12.1', // XRayAngiographicImageStorage
  '1.2.840.10008.5.1.4.1.1.12.1.1', // EnhancedXAImageStorage
  '1.2.840.10008.5.1.4.1.1.12.2', // XRayRadiofluoroscopicImageStorage
  '1.2.840.10008.5.1.4.1.1.12.2.1', // EnhancedXRFImageStorage
  '1.2.840.10008.5.1.4.1.1.13.1.1', // XRay3DAngiographicImageStorage
  '1.2.840.10008.5.1.4.1.1.13.1.2', // XRay3DCraniofacialImageStorage
  '1.2.840.10008.5.1.4.1.1.13.1.3', // BreastTomosynthesisImageStorage
  '1.2.840.10008.5.1.4.1.1.14.1', // IVOCT ForPresentation
  '1.2.840.10008.5.1.4.1.1.14.2', // IVOCT ForProcessing
  '1.2.840.10008.5.1.4.1.1.20', // NuclearMedicineImageStorage
  '1.2.840.10008.5.1.4.1.1.77.1.1', // VLEndoscopicImageStorage
  '1.2.840.10008.5.1.4.1.1.77.1.2', // VLMicroscopicImageStorage
  '1.2.840.10008.5.1.4.1.1.77.1.3', // VLSlideCoordinatesMicroscopicImageStorage
  '1.2.840.10008.5.1.4.1.1.77.1.5.1', // OphthalmicPhotography8BitImageStorage
  '1.2.840.10008.5.1.4.1.1.77.1.5.2', // OphthalmicPhotography16BitImageStorage
  '1.2.840.10008.5.1.4.1.1.77.1.5.4', // OphthalmicTomographyImageStorage
  '1.2.840.10008.5.1.4.1.1.77.1.6', // VLWholeSlideMicroscopyImageStorage
  '1.2.840.10008.5.1.4.1.1.128', // PositronEmissionTomographyImageStorage
  '1.2.840.10008.5.1.4.1.1.130', // EnhancedPETImageStorage
  '1.2.840.10008.5.1.4.1.1.481.1', // RTImageStorage
  '1.2.840.10008.5.1.4.1.1.66.4', // SegmentationStorage
]);

/** Secondary capture SOP classes: additionally accepted by uploads (POST /images) and later JPEG/box/modify paths. */
export const EXTENDED_SOP_CLASSES: ReadonlySet<string> = new Set([
  '1.2.840.10008.5.1.4.1.1.7',
  '1.2.840.10008.5.1.4.1.1.7.1',
  '1.2.840.10008.5.1.4.1.1.7.2',
  '1.2.840.10008.5.1.4.1.1.7.3',
  '1.2.840.10008.5.1.4.1.1.7.4',
]);

export const IMAGE_DATA_AND_EXTENDED_SOP_CLASSES: ReadonlySet<string> = new Set([
  ...IMAGE_DATA_SOP_CLASSES,
  ...EXTENDED_SOP_CLASSES,
]);

/** Which SOP classes an ingestion path accepts. */
export type SopClassPolicy = 'image-data' | 'image-data-and-extended';

export function acceptedSopClasses(policy: SopClassPolicy): ReadonlySet<string> {
  return policy === 'image-data' ? IMAGE_DATA_SOP_CLASSES : IMAGE_DATA_AND_EXTENDED_SOP_CLASSES;
}
