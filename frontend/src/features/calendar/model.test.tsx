import { describe, expect, it } from 'vitest';
import { entryKey, findOverlaps, moveOf, textColorFor, toEvent, toEvents, type Entry, type EventProps } from './model';
import { offsetForWallClock, wallClock } from './timeZone';

const legend = { booking: '#1c4f9c', recurringBooking: '#7048e8', google: '#93c47d', microsoft: '#444444' };

function entry(over: Partial<Entry> & { id: string }): Entry {
  return {
    kind: 'BOOKING',
    start: '2026-03-02T08:00:00Z',
    end: '2026-03-02T09:00:00Z',
    allDay: false,
    title: 'Site visit',
    busy: true,
    color: legend.booking,
    recurring: false,
    originalStart: null,
    webLink: null,
    provider: null,
    booking: { id: `b${over.id}` },
    fieldworker: { id: 'fw1', name: 'Fiona Field' },
    ...over,
  } as Entry;
}

describe('findOverlaps', () => {
  it('flags busy entries of the same fieldworker that overlap, and counts the pairs', () => {
    const entries = [
      entry({ id: '1', start: '2026-03-02T08:00:00Z', end: '2026-03-02T09:00:00Z' }),
      entry({ id: '2', start: '2026-03-02T08:30:00Z', end: '2026-03-02T09:30:00Z' }),
      entry({ id: '3', start: '2026-03-02T09:15:00Z', end: '2026-03-02T10:00:00Z' }),
      // touching, not overlapping
      entry({ id: '4', start: '2026-03-02T10:00:00Z', end: '2026-03-02T11:00:00Z' }),
    ];
    const o = findOverlaps(entries);
    expect(o.pairs).toBe(2); // 1–2 and 2–3
    expect([...o.flagged].sort()).toEqual(['BOOKING:fw1:1', 'BOOKING:fw1:2', 'BOOKING:fw1:3']);
  });

  it('ignores other fieldworkers, free time and empty entries', () => {
    const o = findOverlaps([
      entry({ id: '1' }),
      entry({ id: '2', fieldworker: { id: 'fw2', name: 'Pekka' } }),
      entry({ id: 'x', kind: 'EXTERNAL', busy: false, booking: null }),
      entry({ id: '3', start: '2026-03-02T08:30:00Z', end: '2026-03-02T08:30:00Z' }),
    ]);
    expect(o.pairs).toBe(0);
    expect(o.flagged.size).toBe(0);
  });

  it('counts an external busy event over a booking, keyed by kind and fieldworker', () => {
    const o = findOverlaps([
      entry({ id: '7' }),
      entry({ id: '7', kind: 'EXTERNAL', booking: null, start: '2026-03-02T08:45:00Z', end: '2026-03-02T10:00:00Z' }),
    ]);
    expect(o.pairs).toBe(1);
    expect(o.flagged).toEqual(new Set(['BOOKING:fw1:7', 'EXTERNAL:fw1:7']));
  });

  it('counts every pair of three at once', () => {
    const o = findOverlaps([entry({ id: '1' }), entry({ id: '2' }), entry({ id: '3' })]);
    expect(o.pairs).toBe(3);
  });
});

describe('toEvent', () => {
  const none = { flagged: new Set<string>(), pairs: 0 };

  it('maps a booking: server colour, link to its page, draggable for staff', () => {
    const e = toEvent(entry({ id: '1' }), { showNames: false, overlaps: none, canReschedule: true });
    expect(e).toMatchObject({
      id: 'BOOKING:fw1:1',
      title: 'Site visit',
      url: '/bookings/b1',
      backgroundColor: legend.booking,
      borderColor: legend.booking,
      textColor: '#ffffff',
      editable: true,
      classNames: [],
    });
    expect(e.extendedProps).toMatchObject({ kind: 'BOOKING', bookingId: 'b1', overlap: false });
    expect(e.extendedProps!.description).toBe('booking');
  });

  it('maps an external event: provider colour, its web link, never draggable, a label saying where it opens', () => {
    const ext = entry({
      id: 'g1',
      kind: 'EXTERNAL',
      booking: null,
      color: legend.google,
      provider: 'GOOGLE',
      webLink: 'https://calendar.google.com/event?eid=abc',
      title: 'Dentist',
    });
    const e = toEvent(ext, { showNames: true, overlaps: { flagged: new Set(['EXTERNAL:fw1:g1']), pairs: 1 }, canReschedule: true });
    expect(e.url).toBe('https://calendar.google.com/event?eid=abc');
    expect(e.backgroundColor).toBe(legend.google);
    expect(e.textColor).toBe('#000000'); // light green: dark text
    expect(e.editable).toBe(false);
    expect(e.title).toBe('Dentist · Fiona Field');
    expect(e.classNames).toEqual(['calsync-overlap']);
    expect(e.extendedProps!.description).toBe('Google Calendar event, opens in a new tab, overlaps a booking or event');
  });

  it('lets a timed occurrence of a recurring booking be dragged, named by where its series puts it', () => {
    const opts = { showNames: false, overlaps: none, canReschedule: true };
    const moved = entry({
      id: '1',
      recurring: true,
      color: legend.recurringBooking,
      start: '2026-03-02T12:00:00Z',
      end: '2026-03-02T13:00:00Z',
      originalStart: '2026-03-02T08:00:00Z',
    });
    const e = toEvent(moved, opts);
    expect(e).toMatchObject({ editable: true, start: '2026-03-02T12:00:00Z' });
    expect(e.extendedProps).toMatchObject({ bookingId: 'b1', originalStart: '2026-03-02T08:00:00Z' });
    expect(e.extendedProps!.description).toBe('recurring booking');
    // Without the original start the occurrence could not be named.
    expect(toEvent(entry({ id: '2', recurring: true }), opts).editable).toBe(false);
    // A single booking has no series to be named by.
    expect(toEvent(entry({ id: '3', originalStart: '2026-03-02T08:00:00Z' }), opts).extendedProps!.originalStart).toBeNull();
  });

  it('does not let all-day bookings be dragged, nor anything by fieldworkers', () => {
    const opts = { showNames: false, overlaps: none, canReschedule: true };
    const allDay = toEvent(entry({ id: '2', allDay: true, start: '2026-03-02T00:00:00+02:00', end: '2026-03-03T00:00:00+02:00' }), opts);
    expect(allDay).toMatchObject({ editable: false, start: '2026-03-02', end: '2026-03-03', allDay: true });
    const allDayOccurrence = entry({
      id: '4',
      allDay: true,
      recurring: true,
      start: '2026-03-02T00:00:00+02:00',
      end: '2026-03-03T00:00:00+02:00',
      originalStart: '2026-03-02T00:00:00+02:00',
    });
    expect(toEvent(allDayOccurrence, opts).editable).toBe(false);
    expect(toEvent(entry({ id: '3' }), { ...opts, canReschedule: false }).editable).toBe(false);
    const occurrence = entry({ id: '5', recurring: true, originalStart: '2026-03-02T08:00:00Z' });
    expect(toEvent(occurrence, { ...opts, canReschedule: false }).editable).toBe(false);
  });

  it('labels overlapping bookings and includes the formatted time', () => {
    const [e] = toEvents([entry({ id: '1' })], {
      showNames: false,
      overlaps: { flagged: new Set(['BOOKING:fw1:1']), pairs: 1 },
      canReschedule: false,
    });
    expect(e.extendedProps!.description).toBe('booking, overlaps another booking');
    expect(entryKey(entry({ id: '1' }))).toBe(e.id);
  });
});

describe('moveOf', () => {
  const props = (e: Entry) => toEvent(e, { showNames: false, overlaps: { flagged: new Set(), pairs: 0 }, canReschedule: true }).extendedProps as EventProps;
  const start = new Date('2026-03-02T12:00:00Z');
  const end = new Date('2026-03-02T14:30:00Z');

  it('moves a dropped occurrence alone, named by where its series puts it', () => {
    const occurrence = entry({ id: '1', recurring: true, start: '2026-03-02T10:00:00Z', end: '2026-03-02T11:00:00Z', originalStart: '2026-03-02T08:00:00Z' });
    expect(moveOf(props(occurrence), start, end)).toEqual({
      kind: 'moveOccurrence',
      variables: { bookingId: 'b1', originalStart: '2026-03-02T08:00:00Z', startAt: '2026-03-02T12:00:00.000Z', endAt: '2026-03-02T14:30:00.000Z' },
    });
  });

  it('reschedules a single booking, and asks nothing for what is not a booking', () => {
    expect(moveOf(props(entry({ id: '2' })), start, end)).toEqual({
      kind: 'reschedule',
      variables: { id: 'b2', startAt: '2026-03-02T12:00:00.000Z', endAt: '2026-03-02T14:30:00.000Z' },
    });
    const ext = entry({ id: 'g1', kind: 'EXTERNAL', booking: null, provider: 'GOOGLE' });
    expect(moveOf(props(ext), start, end)).toBeNull();
  });
});

describe('textColorFor', () => {
  it('chooses the more readable of black and white', () => {
    expect(textColorFor('#444444')).toBe('#ffffff');
    expect(textColorFor('#ffffff')).toBe('#000000');
    expect(textColorFor('#fff')).toBe('#000000');
    expect(textColorFor('not a colour')).toBe('#ffffff');
  });
});

describe('named time zones', () => {
  it('turns instants into Helsinki wall clock and back, across daylight saving', () => {
    // 2026-03-29 01:00Z is when Helsinki moves from +2 to +3.
    expect(wallClock('Europe/Helsinki', Date.parse('2026-03-29T00:30:00Z')).slice(0, 5)).toEqual([2026, 2, 29, 2, 30]);
    expect(wallClock('Europe/Helsinki', Date.parse('2026-03-29T01:30:00Z')).slice(0, 5)).toEqual([2026, 2, 29, 4, 30]);
    expect(offsetForWallClock('Europe/Helsinki', [2026, 0, 15, 12, 0, 0, 0])).toBe(120);
    expect(offsetForWallClock('Europe/Helsinki', [2026, 6, 15, 12, 0, 0, 0])).toBe(180);
    expect(offsetForWallClock('America/New_York', [2026, 0, 15, 12, 0, 0, 0])).toBe(-300);
  });
});
