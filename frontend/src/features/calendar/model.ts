import type { EventInput } from '@fullcalendar/core';
import type {
  CalendarEntryFieldsFragment,
  CalendarMoveOccurrenceMutationVariables,
  CalendarRescheduleMutationVariables,
} from '@/gql/graphql';

// Pure pieces of the calendar: keys, overlap detection and the mapping of
// calendar entries to FullCalendar events. No React here: tested alone.

export type Entry = CalendarEntryFieldsFragment;

/** entryKey: CalendarEntry.id is unique only together with its kind and fieldworker. */
export function entryKey(e: Pick<Entry, 'kind' | 'id' | 'fieldworker'>): string {
  return `${e.kind}:${e.fieldworker.id}:${e.id}`;
}

export interface Overlaps {
  /** Keys (entryKey) of the entries that overlap another of the same fieldworker. */
  flagged: Set<string>;
  /** How many overlapping pairs there are (double bookings). */
  pairs: number;
}

/**
 * findOverlaps finds busy entries of the same fieldworker that overlap in
 * time (touching ends do not overlap). A sweep per fieldworker: sorted by
 * start, each entry is compared only with those still running.
 */
export function findOverlaps(entries: readonly Entry[]): Overlaps {
  const byWorker = new Map<string, { key: string; start: number; end: number }[]>();
  for (const e of entries) {
    if (!e.busy) continue;
    const start = Date.parse(e.start);
    const end = Date.parse(e.end);
    if (!(end > start)) continue;
    let list = byWorker.get(e.fieldworker.id);
    if (!list) byWorker.set(e.fieldworker.id, (list = []));
    list.push({ key: entryKey(e), start, end });
  }
  const flagged = new Set<string>();
  let pairs = 0;
  for (const list of byWorker.values()) {
    list.sort((a, b) => a.start - b.start || a.end - b.end);
    let running: typeof list = [];
    for (const cur of list) {
      running = running.filter((r) => r.end > cur.start);
      if (running.length) {
        pairs += running.length;
        flagged.add(cur.key);
        for (const r of running) flagged.add(r.key);
      }
      running.push(cur);
    }
  }
  return { flagged, pairs };
}

/** textColorFor picks black or white text, whichever contrasts more with the background. */
export function textColorFor(background: string): string {
  const m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(background.trim());
  if (!m) return '#ffffff';
  let hex = m[1];
  if (hex.length === 3) hex = hex.replace(/./g, (c) => c + c);
  const [r, g, b] = [0, 2, 4].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  const lum = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  // Contrast with white (1.05 / (lum + 0.05)) against black ((lum + 0.05) / 0.05).
  return 1.05 / (lum + 0.05) >= (lum + 0.05) / 0.05 ? '#ffffff' : '#000000';
}

export interface EventProps {
  kind: Entry['kind'];
  bookingId: string | null;
  /** An occurrence of a recurring booking: where its series puts it (a drop moves this occurrence alone). */
  originalStart: string | null;
  webLink: string | null;
  fieldworkerName: string;
  overlap: boolean;
  /**
   * Words for screen readers after the event's visible time and title:
   * what it is, where it opens, whether it overlaps another.
   */
  description: string;
}

export interface MapOptions {
  /** Show the fieldworker's name (several fieldworkers on the calendar). */
  showNames: boolean;
  overlaps: Overlaps;
  /** Staff may drag and resize timed bookings and occurrences (not external events). */
  canReschedule: boolean;
}

const providerName: Record<string, string> = { GOOGLE: 'Google Calendar', MICROSOFT: 'Outlook' };

/** toEvents maps calendar entries to FullCalendar events (colours from the API, links, titles). */
export function toEvents(entries: readonly Entry[], opts: MapOptions): EventInput[] {
  return entries.map((e) => toEvent(e, opts));
}

export function toEvent(e: Entry, { showNames, overlaps, canReschedule }: MapOptions): EventInput {
  const key = entryKey(e);
  const overlap = overlaps.flagged.has(key);
  const isBooking = e.kind === 'BOOKING';
  const bookingId = e.booking?.id ?? null;
  const title = showNames ? `${e.title} · ${e.fieldworker.name}` : e.title;
  const url = isBooking ? (bookingId ? `/bookings/${bookingId}` : undefined) : (e.webLink ?? undefined);
  const parts: string[] = [];
  if (isBooking) parts.push(e.recurring ? 'recurring booking' : 'booking');
  else parts.push(`${providerName[e.provider ?? ''] ?? 'external'} event, opens in a new tab`);
  if (overlap) parts.push(isBooking ? 'overlaps another booking' : 'overlaps a booking or event');
  const props: EventProps = {
    kind: e.kind,
    bookingId,
    originalStart: e.recurring ? (e.originalStart ?? null) : null,
    webLink: e.webLink ?? null,
    fieldworkerName: e.fieldworker.name,
    overlap,
    description: parts.join(', '),
  };
  // An occurrence moves only named by where its series puts it.
  const editable = canReschedule && isBooking && !!bookingId && !e.allDay && (!e.recurring || !!e.originalStart);
  return {
    id: key,
    title,
    start: e.allDay ? e.start.slice(0, 10) : e.start,
    end: e.allDay ? e.end.slice(0, 10) : e.end,
    allDay: e.allDay,
    url,
    backgroundColor: e.color,
    borderColor: e.color,
    textColor: textColorFor(e.color),
    classNames: overlap ? ['calsync-overlap'] : [],
    editable,
    extendedProps: props,
  };
}

/** What a drop or resize of a booking asks the server: the mutation and its variables. */
export type Move =
  | { kind: 'reschedule'; variables: CalendarRescheduleMutationVariables }
  | { kind: 'moveOccurrence'; variables: CalendarMoveOccurrenceMutationVariables };

/**
 * moveOf maps a booking dropped or resized to start–end to what the server
 * is asked: an occurrence of a recurring booking is moved alone (the series
 * stays), any other booking is rescheduled. Null for what is not a booking.
 */
export function moveOf(props: Pick<EventProps, 'bookingId' | 'originalStart'>, start: Date, end: Date): Move | null {
  if (!props.bookingId) return null;
  const startAt = start.toISOString();
  const endAt = end.toISOString();
  if (props.originalStart) {
    return { kind: 'moveOccurrence', variables: { bookingId: props.bookingId, originalStart: props.originalStart, startAt, endAt } };
  }
  return { kind: 'reschedule', variables: { id: props.bookingId, startAt, endAt } };
}
