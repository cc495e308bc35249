/** Prints the figures as a plain-text table (and the same rows as Markdown, for docs/BENCHMARKS.md). */
import type { Summary } from './stats.js';

export interface Line {
  section: string;
  name: string;
  unit: string;
  /** true: throughput (more is better); false: latency/memory (less is better). */
  higherIsBetter: boolean;
  localbox?: Summary;
  orthanc?: Summary;
  /** Local box speed ÷ Orthanc speed, per run (> 1: the local box is faster). */
  ratio?: Summary;
  ceilingLabel?: string;
  ceiling?: Summary;
  /** Local box ÷ ceiling, per run. */
  ceilingRatio?: Summary;
  /** Why a cell is empty (e.g. "not yet implemented"). */
  localboxNote?: string;
  orthancNote?: string;
}

function num(x: number): string {
  if (!Number.isFinite(x)) return '?';
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toFixed(3);
}

export function cell(s: Summary | undefined, note?: string): string {
  if (!s) return note ?? '—';
  if (s.runs.length === 1) return num(s.median);
  return `${num(s.median)} (${num(s.min)}–${num(s.max)})`;
}

export function ratioCell(s: Summary | undefined): string {
  if (!s) return '—';
  if (s.runs.length === 1) return `${num(s.median)}×`;
  return `${num(s.median)}× (${num(s.min)}–${num(s.max)})`;
}

const HEADERS = [
  'section',
  'line',
  'unit',
  'local box',
  'Orthanc',
  'box÷Orthanc',
  'ceiling',
  'box÷ceiling',
];

function rows(lines: readonly Line[]): string[][] {
  return lines.map((l) => [
    l.section,
    l.name,
    l.unit,
    cell(l.localbox, l.localboxNote),
    cell(l.orthanc, l.orthancNote),
    ratioCell(l.ratio),
    l.ceiling ? `${cell(l.ceiling)} ${l.ceilingLabel ?? ''}`.trim() : '—',
    ratioCell(l.ceilingRatio),
  ]);
}

export function printTable(
  lines: readonly Line[],
  write: (s: string) => void = (s) => console.log(s),
): void {
  const all = [HEADERS, ...rows(lines)];
  const widths = HEADERS.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  write(fmt(HEADERS));
  write(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of all.slice(1)) write(fmt(r));
}

export function markdownTable(lines: readonly Line[]): string {
  const out = [`| ${HEADERS.join(' | ')} |`, `| ${HEADERS.map(() => '---').join(' | ')} |`];
  for (const r of rows(lines)) out.push(`| ${r.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`);
  return out.join('\n');
}
