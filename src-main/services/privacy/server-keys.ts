/**
 * Harmonization with a server's anonymization keys, for previews computed in the app (servers without the
 * local box's extension). For each image's real values the server is asked, level by level (IMAGE, SERIES,
 * STUDY, PATIENT, as BEHAVIOR §11.4 step 4 matches), for its newest key (`POST /anonymization/keys/query`);
 * the matched keys and their values (`GET /anonymization/keys/{id}/keyvalues`) become an in-memory lookup,
 * so the anonymizer finds exactly the key the server would find. Nothing is written.
 */
import {
  InMemoryKeyStore,
  type KeyLevel,
  type KeyLookup,
  type KeyMatch,
} from '../../localbox/anonymization/index.js';
import type { SliceboxClient } from '../../slicebox/client.js';
import type { AnonymizationKey } from '../../slicebox/types.js';

/** The five real values a key is matched on. */
export type RealValues = Omit<KeyMatch, 'level'>;

const LEVELS: { level: KeyLevel; fields: (keyof RealValues)[] }[] = [
  {
    level: 'IMAGE',
    fields: ['patientName', 'patientID', 'studyInstanceUID', 'seriesInstanceUID', 'sopInstanceUID'],
  },
  {
    level: 'SERIES',
    fields: ['patientName', 'patientID', 'studyInstanceUID', 'seriesInstanceUID'],
  },
  { level: 'STUDY', fields: ['patientName', 'patientID', 'studyInstanceUID'] },
  { level: 'PATIENT', fields: ['patientName', 'patientID'] },
];

async function newestMatch(
  client: SliceboxClient,
  real: RealValues,
): Promise<AnonymizationKey | undefined> {
  for (const { fields } of LEVELS) {
    const [key] = await client.queryAnonymizationKeys({
      startIndex: 0,
      count: 1,
      order: { orderBy: 'id', orderAscending: false },
      queryProperties: fields.map((field) => ({
        propertyName: field,
        operator: '=',
        propertyValue: real[field],
      })),
    });
    if (key) return key;
  }
  return undefined;
}

/** A read-only lookup holding the server's newest matching key (with its values) for each of `reals`. */
export async function serverKeyLookup(
  client: SliceboxClient,
  reals: RealValues[],
): Promise<KeyLookup> {
  const matched = new Map<number, AnonymizationKey>();
  const seen = new Set<string>();
  for (const real of reals) {
    const id = JSON.stringify(real);
    if (seen.has(id)) continue;
    seen.add(id);
    const key = await newestMatch(client, real);
    if (key) matched.set(key.id, key);
  }
  const store = new InMemoryKeyStore();
  // Inserted oldest first, so the store's "newest" is the server's newest.
  for (const key of [...matched.values()].sort((a, b) => a.id - b.id)) {
    const values = await client.anonymizationKeyValues(key.id);
    const { id: _id, created, imageId, ...main } = key;
    store.insert(
      {
        ...main,
        values: values.map((v) => ({
          tagPath: v.tagPath,
          value: v.value,
          anonymizedValue: v.anonymizedValue,
        })),
      },
      imageId,
      created,
    );
  }
  return store;
}
