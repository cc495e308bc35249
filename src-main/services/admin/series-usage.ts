/**
 * The series that carry a series tag or have a series type, counted for the confirmation of its delete
 * ("on 12 series of 3 patients: Doe, Peter, …"). Read with the advanced filter of `/metadata/flatseries`
 * (`seriestags` / `seriestypes`, BEHAVIOR §9.1), pages of `PAGE`, at most `LIMIT` series: beyond that the
 * count is a lower bound and says so (`complete: false`).
 */
import { SERIES_USAGE_NAMES, type SeriesUsage } from '../../../src-preload/contract.js';
import type { SliceboxClient } from '../../slicebox/client.js';

const PAGE = 1000;
const LIMIT = 100_000;

export async function seriesUsage(
  client: SliceboxClient,
  filter: { seriestags: string } | { seriestypes: string },
  limits: { page: number; limit: number } = { page: PAGE, limit: LIMIT },
): Promise<SeriesUsage> {
  const patients = new Map<number, string>();
  let series = 0;
  for (let start = 0; start < limits.limit; start += limits.page) {
    const count = Math.min(limits.page, limits.limit - start);
    const rows = await client.flatSeries({ ...filter, startindex: start, count });
    series += rows.length;
    for (const row of rows) {
      if (!patients.has(row.patient.id))
        patients.set(row.patient.id, row.patient.patientName?.value ?? '');
    }
    if (rows.length < count) {
      return usage(series, patients, true);
    }
  }
  return usage(series, patients, false);
}

function usage(series: number, patients: Map<number, string>, complete: boolean): SeriesUsage {
  return {
    series,
    patients: patients.size,
    patientNames: [...patients.values()].slice(0, SERIES_USAGE_NAMES),
    complete,
  };
}
