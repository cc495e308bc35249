import { describe, expect, it } from 'vitest';
import {
  countOf,
  errorCode,
  errorMessage,
  formatBytes,
  formatDateTime,
  formatDicomDate,
  formatPersonName,
  formatSex,
  importJobName,
  loadedCount,
  percent,
  sexLabel,
} from '../../src-renderer/lib/format.js';

describe('renderer format helpers', () => {
  it('formats DICOM person names family name first', () => {
    expect(formatPersonName('Doe^John')).toBe('Doe, John');
    expect(formatPersonName('Doe^John^A^Dr^Jr')).toBe('Doe, Dr John A Jr');
    expect(formatPersonName('Doe')).toBe('Doe');
    expect(formatPersonName('^John')).toBe('John');
    expect(formatPersonName('Yamada^Tarou=山田^太郎')).toBe('Yamada, Tarou');
    expect(formatPersonName('')).toBe('');
    expect(formatPersonName(undefined)).toBe('');
  });

  it('formats DICOM dates and leaves other shapes alone', () => {
    expect(formatDicomDate('20261130')).toBe('2026-11-30');
    expect(formatDicomDate('2026.11.30')).toBe('2026-11-30');
    expect(formatDicomDate(' 1970 ')).toBe('1970');
    expect(formatDicomDate('')).toBe('');
    expect(formatDicomDate(null)).toBe('');
  });

  it('formats sex codes', () => {
    expect(formatSex('m')).toBe('M');
    expect(formatSex('F ')).toBe('F');
    expect(formatSex('')).toBe('');
    expect(sexLabel('O')).toBe('other');
    expect(sexLabel('')).toBe('unknown');
  });

  it('formats byte sizes', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(10 * 1024)).toBe('10 KB');
    expect(formatBytes(5.25 * 1024 * 1024)).toBe('5.3 MB');
    expect(formatBytes(3 * 1024 ** 4)).toBe('3.0 TB');
    expect(formatBytes(-1)).toBe('–');
    expect(formatBytes(Number.NaN)).toBe('–');
  });

  it('computes whole, clamped percentages', () => {
    expect(percent(0, 0)).toBe(0);
    expect(percent(1, 3)).toBe(33);
    expect(percent(3, 3)).toBe(100);
    expect(percent(5, 3)).toBe(100);
    expect(percent(-1, 3)).toBe(0);
  });

  it('names import jobs after their source, time and size', () => {
    const date = new Date(2026, 10, 30, 14, 3);
    expect(formatDateTime(date)).toBe('2026-11-30 14:03');
    expect(importJobName('Drop', date, 3)).toBe('Drop 2026-11-30 14:03 (3 files)');
    expect(importJobName('Import', date, 1)).toBe('Import 2026-11-30 14:03 (1 file)');
    expect(importJobName('Drop', date.getTime(), 2)).toBe('Drop 2026-11-30 14:03 (2 files)');
  });

  it('shows loaded counts with a plus when more exist', () => {
    expect(loadedCount(100, true)).toBe('100+');
    expect(loadedCount(7, false)).toBe('7');
  });

  it('turns anything thrown into a message and finds error codes', () => {
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage('plain')).toBe('plain');
    expect(errorMessage({ message: 'obj' })).toBe('obj');
    expect(errorMessage(42)).toBe('42');
    expect(errorCode(Object.assign(new Error('x'), { code: 'offline' }))).toBe('offline');
    expect(errorCode(new Error('x'))).toBeUndefined();
    expect(errorCode(null)).toBeUndefined();
  });
});

describe('countOf', () => {
  it('counts DICOM levels in the right number, series included', () => {
    expect(countOf(1, 'series')).toBe('1 series');
    expect(countOf(3, 'series')).toBe('3 series');
    expect(countOf(1, 'studies')).toBe('1 study');
    expect(countOf(2, 'study')).toBe('2 studies');
    expect(countOf(1, 'patients')).toBe('1 patient');
    expect(countOf(0, 'images')).toBe('0 images');
  });
});
