import { describe, expect, test } from 'vitest';
import { addDays, formatDayRange, formatDayTime, formatWhen, offsetMinutes, todayIn, utcToZoned, zonedDayStart, zonedToUtc } from './zonedTime';

describe('zoned date-time conversion', () => {
  test('Helsinki wall clocks become UTC instants in winter (+2) and summer (+3)', () => {
    expect(zonedToUtc('2025-01-15T10:00', 'Europe/Helsinki')).toBe('2025-01-15T08:00:00Z');
    expect(zonedToUtc('2025-07-15T10:00', 'Europe/Helsinki')).toBe('2025-07-15T07:00:00Z');
    expect(zonedToUtc('2025-07-15T10:00', 'America/New_York')).toBe('2025-07-15T14:00:00Z');
    expect(zonedToUtc('2025-07-15T10:00', 'UTC')).toBe('2025-07-15T10:00:00Z');
  });

  test('UTC instants read back as the same wall clock', () => {
    for (const local of ['2025-01-15T10:00', '2025-03-30T02:59', '2025-03-30T04:00', '2025-10-26T05:15', '2024-02-29T23:30']) {
      for (const zone of ['Europe/Helsinki', 'America/New_York', 'Asia/Kolkata', 'Australia/Sydney']) {
        expect(utcToZoned(zonedToUtc(local, zone)!, zone)).toBe(local);
      }
    }
  });

  test('a time skipped by the spring DST change moves forward by the gap', () => {
    // Helsinki skips 03:00–04:00 on 30 March 2025.
    expect(zonedToUtc('2025-03-30T03:30', 'Europe/Helsinki')).toBe('2025-03-30T01:30:00Z');
    expect(utcToZoned('2025-03-30T01:30:00Z', 'Europe/Helsinki')).toBe('2025-03-30T04:30');
  });

  test('an hour repeated in autumn resolves to one of its instants', () => {
    const utc = zonedToUtc('2025-10-26T03:30', 'Europe/Helsinki')!;
    expect(['2025-10-26T00:30:00Z', '2025-10-26T01:30:00Z']).toContain(utc);
    expect(utcToZoned(utc, 'Europe/Helsinki')).toBe('2025-10-26T03:30');
  });

  test('offsets, day starts and date arithmetic', () => {
    expect(offsetMinutes(Date.parse('2025-07-01T00:00:00Z'), 'Europe/Helsinki')).toBe(180);
    expect(offsetMinutes(Date.parse('2025-01-01T00:00:00Z'), 'Asia/Kolkata')).toBe(330);
    expect(zonedDayStart('2025-07-01', 'Europe/Helsinki')).toBe('2025-06-30T21:00:00Z');
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(todayIn('Europe/Helsinki', Date.parse('2025-06-30T22:30:00Z'))).toBe('2025-07-01');
  });

  test('rejects what is not a date-time', () => {
    expect(zonedToUtc('', 'Europe/Helsinki')).toBeNull();
    expect(zonedToUtc('tomorrow', 'Europe/Helsinki')).toBeNull();
    expect(utcToZoned('nope', 'UTC')).toBe('');
  });

  test('formats a range in the zone', () => {
    expect(formatWhen('2025-07-15T07:00:00Z', '2025-07-15T08:30:00Z', 'Europe/Helsinki')).toMatch(/^Tue,? 15 Jul 2025, 10:00–11:30$/);
  });

  test('formats a day and time, and a range on one day or across two', () => {
    expect(formatDayTime('2030-05-03T06:00:00Z', 'Europe/Helsinki')).toBe('Fri 3 May 09:00');
    expect(formatDayRange('2030-05-03T11:00:00Z', '2030-05-03T13:00:00Z', 'Europe/Helsinki')).toBe('Fri 3 May 14:00–16:00');
    expect(formatDayRange('2030-05-03T20:00:00Z', '2030-05-03T22:00:00Z', 'Europe/Helsinki')).toBe('Fri 3 May 23:00 – Sat 4 May 01:00');
  });
});
