/**
 * One step of a Modify tag path looked up in the server's own dictionary (BEHAVIOR §7.6): a keyword's
 * tag, or a literal `(gggg,eeee)`'s keyword, then the VR and VM of the tag. The server's dictionary is the
 * authority on what it accepts, so the Modify form checks its rows with it before anything is sent. An
 * unknown keyword is not an error: it comes back with `tag: null` and the (at most three) dictionary keywords closest to
 * it (edit distance, case ignored), so the form can say "Did you mean PatientName?".
 */
import type { TagStepInfo } from '../../../src-preload/contract.js';
import { SliceboxHttpError, type SliceboxClient } from '../../slicebox/client.js';
import { ServiceError } from '../service-error.js';

const KEYWORD = /^[A-Za-z][A-Za-z0-9]*$/;
const LITERAL = /^\(([0-9a-fA-F]{4}),([0-9a-fA-F]{4})\)$/;
const MAX_SUGGESTIONS = 3;

/** Every dictionary keyword of a server, fetched once per client (for suggestions only). */
const allKeywords = new WeakMap<SliceboxClient, Promise<string[]>>();

function keywordsOf(client: SliceboxClient): Promise<string[]> {
  let keywords = allKeywords.get(client);
  if (!keywords) {
    keywords = client.dictionaryKeywords('', 'all');
    // A failed fetch is not remembered: the next lookup tries again.
    keywords.catch(() => allKeywords.delete(client));
    allKeywords.set(client, keywords);
  }
  return keywords;
}

const isNotFound = (error: unknown): boolean =>
  error instanceof SliceboxHttpError && error.status === 404;

/** Levenshtein distance, case ignored. */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost));
    }
    previous = current;
  }
  return previous[y.length]!;
}

/**
 * The keywords closest to `word`: the same word in another case first, then those within a third of
 * its length in edits, then those that contain it; closest first, ties in dictionary order.
 */
export function closestKeywords(word: string, keywords: string[], max = MAX_SUGGESTIONS): string[] {
  const needle = word.toLowerCase();
  const limit = Math.max(2, Math.floor(word.length / 3));
  const scored: { keyword: string; score: number }[] = [];
  for (const keyword of keywords) {
    const lower = keyword.toLowerCase();
    if (lower === needle) {
      scored.push({ keyword, score: -1 });
      continue;
    }
    const distance = editDistance(word, keyword);
    if (distance <= limit) scored.push({ keyword, score: distance });
    else if (needle.length >= 4 && lower.includes(needle)) {
      scored.push({ keyword, score: limit + 1 + (lower.length - needle.length) / 100 });
    }
  }
  return scored
    .sort((a, b) => a.score - b.score)
    .slice(0, max)
    .map((s) => s.keyword);
}

/** Looks one step up; throws invalid-arguments when the step is neither a keyword nor `(gggg,eeee)`. */
export async function lookupTagStep(client: SliceboxClient, text: string): Promise<TagStepInfo> {
  const step = text.trim();
  const literal = LITERAL.exec(step);
  if (!literal && !KEYWORD.test(step)) {
    throw new ServiceError('invalid-arguments', `"${step}" is not a keyword or (gggg,eeee)`);
  }
  let tag: number;
  let keyword: string;
  if (literal) {
    tag = parseInt(`${literal[1]}${literal[2]}`, 16) | 0;
    try {
      keyword = (await client.keywordOfTag(tag)).keyword;
    } catch (error) {
      if (!isNotFound(error)) throw error;
      keyword = '';
    }
  } else {
    try {
      tag = (await client.tagOfKeyword(step)).tag;
      keyword = step;
    } catch (error) {
      if (!isNotFound(error)) throw error;
      const suggestions = closestKeywords(step, await keywordsOf(client).catch(() => []));
      return { step, tag: null, keyword: '', vr: '', vm: { min: 1 }, suggestions };
    }
  }
  const [vr, vm] = await Promise.all([client.dictionaryVr(tag), client.dictionaryVm(tag)]);
  return {
    step,
    tag,
    keyword,
    vr: vr.name,
    vm: vm.max === undefined ? { min: vm.min } : { min: vm.min, max: vm.max },
    suggestions: [],
  };
}
