/**
 * The fuzz test's cases: case `index` of the run seeded with `seed` is a shared test file (CT, MR, compressed
 * syntaxes, character sets, broken files) put through 1–3 mutators (fuzz-mutators.ts). Everything is derived from
 * (seed, index) alone, so one case can be rebuilt and replayed without the others (`FUZZ_SEED`, `FUZZ_ONLY`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { mutate } from './fuzz-mutators.js';
import { caseRandom } from './fuzz-random.js';
import { PYDICOM, TESTDATA, expectedOutcomes } from './support.js';

export interface FuzzCase {
  index: number;
  /** The shared file it started from (its name). */
  source: string;
  steps: string[];
  /** The mutators applied (names of MUTATORS). */
  mutators: string[];
  bytes: Buffer;
}

interface CorpusFile {
  name: string;
  bytes: Buffer;
  weight: number;
}

let corpus: CorpusFile[] | undefined;

/** The shared test files; those the engine accepts weigh three times as much (their mutants get further). */
export function fuzzCorpus(): CorpusFile[] {
  if (corpus) return corpus;
  const accepted = new Set(
    expectedOutcomes()
      .filter((o) => o.upload < 300)
      .map((o) => o.file),
  );
  const paths = [
    ...readdirSync(PYDICOM)
      .filter((n) => n.endsWith('.dcm'))
      .map((n) => join(PYDICOM, n)),
    join(PYDICOM, 'derived', 'SC_rgb_2frame_explicitLE.dcm'),
    join(TESTDATA, 'test.dcm'),
    join(TESTDATA, 'sc.dcm'),
    join(TESTDATA, 'invalid.dcm'),
  ].sort();
  corpus = paths.map((path) => ({
    name: path.includes('/derived/') ? `derived/${basename(path)}` : basename(path),
    bytes: readFileSync(path),
    weight: accepted.has(path) ? 3 : 1,
  }));
  return corpus;
}

export function fuzzCase(seed: number, index: number): FuzzCase {
  const rng = caseRandom(seed, index);
  const files = fuzzCorpus();
  const file = rng.weighted(files.map((f) => [f, f.weight] as const));
  const { bytes, steps, mutators } = mutate(rng, file.bytes);
  return { index, source: file.name, steps, mutators, bytes };
}

/** How a case is described in a failure: enough to replay it and to rebuild it by hand. */
export function describeCase(seed: number, c: FuzzCase): string {
  return `case ${c.index} (FUZZ_SEED=${seed} FUZZ_ONLY=${c.index}): ${c.source}, ${c.bytes.length} bytes; ${c.steps.join('; ') || 'unchanged'}`;
}
