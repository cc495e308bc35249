/**
 * Rule resolution of BEHAVIOR.md §11.3: which action an element tag gets under a list of confidentiality options.
 *
 * Among the selected options that have a code for the tag, the option with the highest rank decides. Exact-tag
 * rows and pattern rows are looked up separately; when both match, the exact row wins only if its option ranks
 * strictly higher, else the pattern row. Tags without any code are kept. RETAIN_SAFE_PRIVATE does not use its
 * table column: its pattern rows are the safe private attributes of Table E.3.10-1, all KEEP.
 */
import { optionByName } from './options.js';
import type { ConfidentialityOptionInfo, ConfidentialityOptionName } from './options.js';
import { SAFE_PRIVATE_ATTRIBUTES } from './safe-private.js';
import { TABLE_E1_1 } from './table-e1-1.js';
import type { TableColumn } from './table-types.js';

/** What Slicebox does with an element (its simplified execution of the PS3.15 codes). */
export type AnonymizationAction = 'remove' | 'empty' | 'replaceUid' | 'keep';

/** §11.3 "How codes are executed". */
export function actionOfCode(code: string): AnonymizationAction {
  switch (code) {
    case 'X':
    case 'X/Z':
    case 'X/D':
    case 'X/Z/D':
    case 'X/Z/U*':
      return 'remove';
    case 'Z':
    case 'Z/D':
    case 'D':
    case 'C':
      return 'empty';
    case 'U':
      return 'replaceUid';
    case 'K':
      return 'keep';
    default:
      throw new Error(`Unknown anonymization code ${code}`);
  }
}

/**
 * Thrown when a profile contains CLEAN_PIXEL_DATA or CLEAN_RECOGNIZABLE_VISUAL_FEATURES (no table column, pixel
 * data is never cleaned). Slicebox fails the anonymization stream (PUT anonymize → 400 `Invalid DICOM data: …`);
 * we reject up front with a clear message, `status` 400.
 */
export class UnsupportedOptionError extends Error {
  readonly status = 400;
  constructor(readonly optionName: string) {
    super(
      `Anonymization option ${optionName} is not supported: pixel data and visual features are never cleaned`,
    );
    this.name = 'UnsupportedOptionError';
  }
}

const UNSUPPORTED_IN_PIPELINE: ReadonlySet<string> = new Set([
  'CLEAN_PIXEL_DATA',
  'CLEAN_RECOGNIZABLE_VISUAL_FEATURES',
]);

interface MaskRule {
  tag: number;
  mask: number;
  action: AnonymizationAction;
}

interface OptionRules {
  option: ConfidentialityOptionInfo;
  exact: Map<number, AnonymizationAction>;
  masked: MaskRule[];
}

const matches = (t: number, r: { tag: number; mask: number }): boolean =>
  (t & r.mask) >>> 0 === r.tag;

function rulesOf(option: ConfidentialityOptionInfo): OptionRules {
  const exact = new Map<number, AnonymizationAction>();
  const masked: MaskRule[] = [];
  if (option.name === 'RETAIN_SAFE_PRIVATE') {
    for (const r of SAFE_PRIVATE_ATTRIBUTES) {
      if (r.mask === 0xffffffff) exact.set(r.tag, 'keep');
      else masked.push({ tag: r.tag, mask: r.mask, action: 'keep' });
    }
    return { option, exact, masked };
  }
  const column = option.name as TableColumn;
  for (const row of TABLE_E1_1) {
    const code = row.codes[column];
    if (!code) continue;
    const action = actionOfCode(code);
    if (row.mask === 0xffffffff) exact.set(row.tag, action);
    else masked.push({ tag: row.tag, mask: row.mask, action });
  }
  return { option, exact, masked };
}

/** A resolved profile: the action for any tag plus what DeidentificationMethod says. */
export class AnonymizationProfile {
  /** Option names as given (order and duplicates kept). */
  readonly optionNames: readonly ConfidentialityOptionName[];
  private readonly sorted: OptionRules[];
  private readonly cache = new Map<number, AnonymizationAction>();

  constructor(optionNames: readonly string[]) {
    const infos = optionNames.map(optionByName);
    for (const o of infos)
      if (UNSUPPORTED_IN_PIPELINE.has(o.name)) throw new UnsupportedOptionError(o.name);
    this.optionNames = infos.map((o) => o.name);
    const unique = [...new Map(infos.map((o) => [o.name, o])).values()];
    this.sorted = unique.sort((a, b) => b.rank - a.rank).map(rulesOf);
  }

  /** The action for an element tag (group << 16 | element). */
  actionFor(tag: number): AnonymizationAction {
    const t = tag >>> 0;
    const cached = this.cache.get(t);
    if (cached) return cached;
    let exact: { rank: number; action: AnonymizationAction } | undefined;
    for (const r of this.sorted) {
      const a = r.exact.get(t);
      if (a) {
        exact = { rank: r.option.rank, action: a };
        break;
      }
    }
    let masked: { rank: number; action: AnonymizationAction } | undefined;
    for (const r of this.sorted) {
      const m = r.masked.find((rule) => matches(t, rule));
      if (m) {
        masked = { rank: r.option.rank, action: m.action };
        break;
      }
    }
    let action: AnonymizationAction;
    if (exact && masked) action = exact.rank > masked.rank ? exact.action : masked.action;
    else action = exact?.action ?? masked?.action ?? 'keep';
    this.cache.set(t, action);
    return action;
  }

  /** (0012,0063) DeidentificationMethod: the options' descriptions joined by " - ", in the order given. */
  deidentificationMethod(): string {
    return this.optionNames.map((n) => optionByName(n).description).join(' - ');
  }
}

/** Resolves option names (unknown → `No such option: X`; CLEAN_PIXEL_DATA etc. → UnsupportedOptionError). */
export function resolveProfile(optionNames: readonly string[]): AnonymizationProfile {
  return new AnonymizationProfile(optionNames);
}
