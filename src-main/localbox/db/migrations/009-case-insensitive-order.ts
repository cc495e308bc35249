import type { Migration } from '../migration.js';

/**
 * Case-insensitive ordering of names, IDs and descriptions (metadata/list-query.ts `orderExpression`;
 * DECISIONS.md "Ordering of text"). The ordered pages now sort by `<column> COLLATE NOCASE`, which the binary
 * `(<column>, id)` indexes of migration 4 cannot deliver, so each of those columns gets its NOCASE
 * counterpart (and PatientID, now orderable case-insensitively, its first one) and the binary index it
 * replaces is dropped: no query orders by those columns in binary order any more, and every index costs on
 * ingest. Coded columns (dates, sex, modality, age) keep their binary indexes.
 */
export const migration009: Migration = {
  version: 9,
  name: 'case-insensitive-order',
  up: `
    DROP INDEX IF EXISTS patients_name_id;
    DROP INDEX IF EXISTS patients_name_desc_id;
    DROP INDEX IF EXISTS studies_description_id;
    DROP INDEX IF EXISTS studies_study_id_id;
    DROP INDEX IF EXISTS studies_accession_number_id;
    DROP INDEX IF EXISTS series_description_id;
    DROP INDEX IF EXISTS series_protocol_name_id;
    DROP INDEX IF EXISTS series_body_part_examined_id;
    DROP INDEX IF EXISTS series_manufacturer_id;
    DROP INDEX IF EXISTS series_station_name_id;

    CREATE INDEX patients_name_nocase_id ON patients(patient_name COLLATE NOCASE, id);
    CREATE INDEX patients_name_nocase_desc_id ON patients(patient_name COLLATE NOCASE DESC, id);
    CREATE INDEX patients_patient_id_nocase_id ON patients(patient_id COLLATE NOCASE, id);

    CREATE INDEX studies_description_nocase_id ON studies(study_description COLLATE NOCASE, id);
    CREATE INDEX studies_study_id_nocase_id ON studies(study_id COLLATE NOCASE, id);
    CREATE INDEX studies_accession_number_nocase_id ON studies(accession_number COLLATE NOCASE, id);

    CREATE INDEX series_description_nocase_id ON series(series_description COLLATE NOCASE, id);
    CREATE INDEX series_protocol_name_nocase_id ON series(protocol_name COLLATE NOCASE, id);
    CREATE INDEX series_body_part_examined_nocase_id ON series(body_part_examined COLLATE NOCASE, id);
    CREATE INDEX series_manufacturer_nocase_id ON series(manufacturer COLLATE NOCASE, id);
    CREATE INDEX series_station_name_nocase_id ON series(station_name COLLATE NOCASE, id);
  `,
};
