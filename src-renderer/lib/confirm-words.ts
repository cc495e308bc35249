/**
 * The words the Admin, Network and Import sessions deletes use to say what they delete (issue 10, finding
 * 9): names in capped lists, and the counts the server gave (`admin.logSummary`, `admin.seriesTagUsage`,
 * `admin.seriesTypeUsage`, `network.boxUsage`). Pure, unit-tested.
 */
import type {
  AnonymizationKeyItem,
  BoxUsage,
  ImportSessionItem,
  LogSummary,
  SeriesUsage,
} from '../../src-preload/contract.js';
import { countOf, formatPersonName } from './format.js';

/** Lines listed in a confirmation, at most; the rest are summed up in one more line. */
export const LIST_MAX = 8;

/**
 * The lines, at most `max` of them: past that, the first `max - 1` and `and N more <noun>`. A list one
 * line too long is not cut (a line "and 1 more" would take the same room as the line itself).
 */
export function cappedList(lines: string[], noun: string, max = LIST_MAX): string[] {
  if (lines.length <= max) return lines;
  const shown = lines.slice(0, max - 1);
  return [...shown, `and ${countOf(lines.length - shown.length, `more ${noun}`)}`];
}

/** A name as the confirmations show it: `Doe, Peter`, or `(no name)`. */
function nameOf(value: string): string {
  return formatPersonName(value) || value.trim() || '(no name)';
}

/** `Morning scan (12 files imported)`, one per selected session. */
export function sessionLines(sessions: ImportSessionItem[]): string[] {
  return cappedList(
    sessions.map((s) => `${s.name} (${countOf(s.filesImported, 'file')} imported)`),
    'session',
  );
}

/** The patients of the selected keys: `Doe, Peter → anon 001: 3 keys`, in the order first seen. */
export function keyPatientLines(keys: AnonymizationKeyItem[]): {
  patients: number;
  lines: string[];
} {
  const groups = new Map<string, { name: string; anon: string; keys: number }>();
  for (const key of keys) {
    const id = `${key.patientName}\u0000${key.anonPatientName}`;
    const group = groups.get(id);
    if (group) group.keys++;
    else
      groups.set(id, {
        name: nameOf(key.patientName),
        anon: nameOf(key.anonPatientName),
        keys: 1,
      });
  }
  const lines = [...groups.values()].map((g) => `${g.name} → ${g.anon}: ${countOf(g.keys, 'key')}`);
  const patients = new Set(keys.map((k) => k.patientName)).size;
  return { patients, lines: cappedList(lines, 'patient') };
}

/** `a, b and c`. */
function joinAnd(parts: string[]): string {
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

/** Clear log: `The log holds 57 entries: 3 ERROR, 2 WARN and 52 INFO.` */
export function logSummaryText(summary: LogSummary): string {
  if (summary.entries === 0) return 'The log is empty.';
  const types = (['ERROR', 'WARN', 'INFO', 'DEFAULT'] as const)
    .filter((t) => summary.byType[t] > 0)
    .map((t) => `${summary.byType[t]} ${t}`);
  if (!summary.complete) {
    return `The log holds more than ${countOf(summary.entries, 'entry')} (the newest ${summary.entries}: ${joinAnd(types)}).`;
  }
  return `The log holds ${countOf(summary.entries, 'entry')}: ${joinAnd(types)}.`;
}

/** The patients of a usage, named: `Doe, Peter; Smith, Anna and 2 more patients`. */
function patientsNamed(usage: SeriesUsage): string {
  const names = usage.patientNames.map(nameOf);
  const more = usage.patients - names.length;
  if (more > 0) return `${names.join('; ')} and ${countOf(more, 'more patient')}`;
  return names.length > 1
    ? `${names.slice(0, -1).join('; ')} and ${names[names.length - 1]}`
    : names.join('');
}

/** Series tag delete: `It is on 3 series of 2 patients (Doe, Peter and Smith, Anna).` */
export function seriesTagUsageText(usage: SeriesUsage): string {
  if (usage.series === 0) return 'No series carries it.';
  const series = `${usage.complete ? '' : 'more than '}${countOf(usage.series, 'series')}`;
  return `It is on ${series} of ${countOf(usage.patients, 'patient')} (${patientsNamed(usage)}).`;
}

/** Series type delete: `3 series of 2 patients have it now (Doe, Peter and Smith, Anna).` */
export function seriesTypeUsageText(usage: SeriesUsage): string {
  if (usage.series === 0) return 'No series has this type now.';
  const series = `${usage.complete ? '' : 'More than '}${countOf(usage.series, 'series')}`;
  const verb = usage.series === 1 ? 'has' : 'have';
  return `${series} of ${countOf(usage.patients, 'patient')} ${verb} it now (${patientsNamed(usage)}).`;
}

/**
 * Box delete: what is still queued for it (never delivered once it is gone), then the transactions that
 * stay listed.
 */
export function boxUsageText(usage: BoxUsage): string {
  const atLeast = usage.complete ? '' : 'at least ';
  const unfinished = `${capitalize(atLeast)}${countOf(usage.outgoingUnfinished, 'outgoing transaction')} to it ${usage.outgoingUnfinished === 1 ? 'is' : 'are'} not finished`;
  const queued =
    usage.outgoingUnfinished === 0
      ? 'Nothing is queued for it.'
      : usage.imagesNotSent === 0
        ? `${unfinished} (their images were sent; the other side has not confirmed).`
        : `${unfinished}: ${countOf(usage.imagesNotSent, 'image')} will never be sent.`;
  const outgoing = usage.outgoingUnfinished + usage.outgoingFinished + usage.outgoingFailed;
  if (outgoing === 0 && usage.incoming === 0) return `${queued} It has no transactions.`;
  const failed = usage.outgoingFailed > 0 ? ` (${usage.outgoingFailed} failed)` : '';
  return `${queued} Its transactions stay listed: ${atLeast}${outgoing} outgoing${failed} and ${usage.incoming} incoming.`;
}

function capitalize(text: string): string {
  return text ? text[0]!.toUpperCase() + text.slice(1) : text;
}
