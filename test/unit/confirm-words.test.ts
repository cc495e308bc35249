/**
 * The words the Admin, Network and Import sessions deletes use (src-renderer/lib/confirm-words.ts): capped
 * lists of names, and the server's counts said in words, lower bounds said as such.
 */
import { describe, expect, it } from 'vitest';
import type { AnonymizationKeyItem, ImportSessionItem } from '../../src-preload/contract.js';
import {
  boxUsageText,
  cappedList,
  keyPatientLines,
  logSummaryText,
  seriesTagUsageText,
  seriesTypeUsageText,
  sessionLines,
} from '../../src-renderer/lib/confirm-words.js';

const lines = (n: number) => Array.from({ length: n }, (_, i) => `line ${i + 1}`);

describe('confirmation words', () => {
  it('caps lists: all up to the limit, then the first ones and "and N more"', () => {
    expect(cappedList(lines(3), 'session', 3)).toEqual(['line 1', 'line 2', 'line 3']);
    expect(cappedList(lines(5), 'session', 3)).toEqual(['line 1', 'line 2', 'and 3 more sessions']);
    expect(cappedList(lines(20), 'patient')).toHaveLength(8);
    expect(cappedList(lines(20), 'patient').at(-1)).toBe('and 13 more patients');
  });

  it('names import sessions with what they imported', () => {
    const session = (name: string, filesImported: number) =>
      ({ id: 1, name, filesImported }) as ImportSessionItem;
    expect(sessionLines([session('Morning', 12), session('Evening', 1)])).toEqual([
      'Morning (12 files imported)',
      'Evening (1 file imported)',
    ]);
  });

  it('groups anonymization keys by patient, real → anonymous', () => {
    const key = (patientName: string, anonPatientName: string) =>
      ({ patientName, anonPatientName }) as AnonymizationKeyItem;
    const named = keyPatientLines([
      key('Doe^Peter', 'anon 001'),
      key('Doe^Peter', 'anon 001'),
      key('Smith^Anna', 'anon 002'),
      key('', ''),
    ]);
    expect(named.patients).toBe(3);
    expect(named.lines).toEqual([
      'Doe, Peter → anon 001: 2 keys',
      'Smith, Anna → anon 002: 1 key',
      '(no name) → (no name): 1 key',
    ]);
  });

  it('counts the log by type, and says when it counted only the newest', () => {
    expect(
      logSummaryText({
        entries: 57,
        byType: { ERROR: 3, WARN: 2, INFO: 52, DEFAULT: 0 },
        complete: true,
      }),
    ).toBe('The log holds 57 entries: 3 ERROR, 2 WARN and 52 INFO.');
    expect(
      logSummaryText({
        entries: 1,
        byType: { ERROR: 1, WARN: 0, INFO: 0, DEFAULT: 0 },
        complete: true,
      }),
    ).toBe('The log holds 1 entry: 1 ERROR.');
    expect(
      logSummaryText({
        entries: 0,
        byType: { ERROR: 0, WARN: 0, INFO: 0, DEFAULT: 0 },
        complete: true,
      }),
    ).toBe('The log is empty.');
    expect(
      logSummaryText({
        entries: 100000,
        byType: { ERROR: 0, WARN: 0, INFO: 100000, DEFAULT: 0 },
        complete: false,
      }),
    ).toBe('The log holds more than 100000 entries (the newest 100000: 100000 INFO).');
  });

  it('says which series and patients carry a tag or have a type', () => {
    expect(
      seriesTagUsageText({
        series: 3,
        patients: 2,
        patientNames: ['Doe^Peter', 'Smith^Anna'],
        complete: true,
      }),
    ).toBe('It is on 3 series of 2 patients (Doe, Peter and Smith, Anna).');
    expect(seriesTagUsageText({ series: 0, patients: 0, patientNames: [], complete: true })).toBe(
      'No series carries it.',
    );
    expect(
      seriesTypeUsageText({
        series: 1,
        patients: 1,
        patientNames: ['Doe^Peter'],
        complete: true,
      }),
    ).toBe('1 series of 1 patient has it now (Doe, Peter).');
    expect(
      seriesTypeUsageText({
        series: 100000,
        patients: 7,
        patientNames: ['A', 'B', 'C', 'D', 'E'],
        complete: false,
      }),
    ).toBe(
      'More than 100000 series of 7 patients have it now (A; B; C; D; E and 2 more patients).',
    );
    expect(seriesTypeUsageText({ series: 0, patients: 0, patientNames: [], complete: true })).toBe(
      'No series has this type now.',
    );
  });

  it('says what is still queued for a box and which of its transactions stay', () => {
    expect(
      boxUsageText({
        outgoingUnfinished: 2,
        imagesNotSent: 7,
        outgoingFinished: 3,
        outgoingFailed: 1,
        incoming: 4,
        complete: true,
      }),
    ).toBe(
      '2 outgoing transactions to it are not finished: 7 images will never be sent. Its transactions stay listed: 6 outgoing (1 failed) and 4 incoming.',
    );
    expect(
      boxUsageText({
        outgoingUnfinished: 1,
        imagesNotSent: 1,
        outgoingFinished: 0,
        outgoingFailed: 0,
        incoming: 0,
        complete: true,
      }),
    ).toBe(
      '1 outgoing transaction to it is not finished: 1 image will never be sent. Its transactions stay listed: 1 outgoing and 0 incoming.',
    );
    expect(
      boxUsageText({
        outgoingUnfinished: 0,
        imagesNotSent: 0,
        outgoingFinished: 0,
        outgoingFailed: 0,
        incoming: 0,
        complete: true,
      }),
    ).toBe('Nothing is queued for it. It has no transactions.');
    expect(
      boxUsageText({
        outgoingUnfinished: 5,
        imagesNotSent: 9,
        outgoingFinished: 0,
        outgoingFailed: 0,
        incoming: 2,
        complete: false,
      }),
    ).toBe(
      'At least 5 outgoing transactions to it are not finished: 9 images will never be sent. Its transactions stay listed: at least 5 outgoing and 2 incoming.',
    );
  });
});
