/** Wire entities (values wrapped as `{value}`) → the flat items the renderer shows. */
import type {
  FlatSeriesItem,
  ImageItem,
  PatientItem,
  SeriesItem,
  StudyItem,
} from '../../../src-preload/contract.js';
import type { FlatSeries, Image, Patient, Series, Study } from '../../slicebox/types.js';

export function toPatientItem(p: Patient): PatientItem {
  return {
    id: p.id,
    patientName: p.patientName.value,
    patientID: p.patientID.value,
    patientBirthDate: p.patientBirthDate.value,
    patientSex: p.patientSex.value,
  };
}

export function toStudyItem(s: Study): StudyItem {
  return {
    id: s.id,
    patientId: s.patientId,
    studyInstanceUID: s.studyInstanceUID.value,
    studyDescription: s.studyDescription.value,
    studyDate: s.studyDate.value,
    studyID: s.studyID.value,
    accessionNumber: s.accessionNumber.value,
    patientAge: s.patientAge.value,
  };
}

export function toSeriesItem(s: Series): SeriesItem {
  return {
    id: s.id,
    studyId: s.studyId,
    seriesInstanceUID: s.seriesInstanceUID.value,
    seriesDescription: s.seriesDescription.value,
    seriesDate: s.seriesDate.value,
    modality: s.modality.value,
    protocolName: s.protocolName.value,
    bodyPartExamined: s.bodyPartExamined.value,
    manufacturer: s.manufacturer.value,
    stationName: s.stationName.value,
    frameOfReferenceUID: s.frameOfReferenceUID.value,
  };
}

export function toImageItem(i: Image): ImageItem {
  return {
    id: i.id,
    seriesId: i.seriesId,
    sopInstanceUID: i.sopInstanceUID.value,
    imageType: i.imageType.value,
    instanceNumber: i.instanceNumber.value,
  };
}

export function toFlatSeriesItem(f: FlatSeries): FlatSeriesItem {
  return {
    id: f.id,
    patient: toPatientItem(f.patient),
    study: toStudyItem(f.study),
    series: toSeriesItem(f.series),
  };
}
