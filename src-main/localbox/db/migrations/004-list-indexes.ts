import type { Migration } from '../migration.js';

/**
 * Indexes for the ordered metadata list pages (BEHAVIOR.md §9.2, §9.6; docs/BENCHMARKS.md "Query").
 *
 * Every ordered page sorts by `<column> <direction>, id` (the id is the stable tie-breaker). An index on
 * `(<column>, id)` delivers that order directly for ascending pages and, scanned backwards, sorts only runs of
 * equal values for descending ones; `patients(patient_name DESC, id)` serves the default descending patient
 * page without any sort. For the flat series list, a page ordered by a patient or study column is driven from
 * these indexes (patients → studies by `patient_id` → series by `study_id`), so only the rows up to the page
 * are visited instead of sorting the whole join. Rows of these tables are written once per patient, study or
 * series, not per image, so the ingest cost is small.
 */
export const migration004: Migration = {
  version: 4,
  name: 'list-indexes',
  up: `
    CREATE INDEX patients_name_id ON patients(patient_name, id);
    CREATE INDEX patients_name_desc_id ON patients(patient_name DESC, id);
    CREATE INDEX patients_birth_date_id ON patients(patient_birth_date, id);
    CREATE INDEX patients_sex_id ON patients(patient_sex, id);

    CREATE INDEX studies_description_id ON studies(study_description, id);
    CREATE INDEX studies_date_id ON studies(study_date, id);
    CREATE INDEX studies_study_id_id ON studies(study_id, id);
    CREATE INDEX studies_accession_number_id ON studies(accession_number, id);
    CREATE INDEX studies_patient_age_id ON studies(patient_age, id);

    CREATE INDEX series_description_id ON series(series_description, id);
    CREATE INDEX series_date_id ON series(series_date, id);
    CREATE INDEX series_modality_id ON series(modality, id);
    CREATE INDEX series_protocol_name_id ON series(protocol_name, id);
    CREATE INDEX series_body_part_examined_id ON series(body_part_examined, id);
    CREATE INDEX series_manufacturer_id ON series(manufacturer, id);
    CREATE INDEX series_station_name_id ON series(station_name, id);
  `,
};
