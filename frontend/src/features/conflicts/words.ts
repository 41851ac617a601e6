import type { Provider } from '@/gql/graphql';
import { providerName } from '@/lib/words';

// Words of the conflict queue: the provider's calendar by name, what a side
// changed, and an event's time.

/** calendarName is the provider's calendar as fieldworkers know it. */
export function calendarName(p: Provider): string {
  return p === 'GOOGLE' ? 'Google Calendar' : 'Outlook';
}

const changeWords: Record<string, string> = {
  TIME: 'moved it',
  CONTENT: 'changed its title, place or notes',
  DELETED: 'deleted it',
};

/** changedWords says what one side did ("moved it and changed its title, place or notes"). */
export function changedWords(changes: readonly string[] | null | undefined): string {
  const words = (changes ?? []).map((c) => changeWords[c] ?? c.toLowerCase());
  if (words.length === 0) return 'changed it';
  if (words.length === 1) return words[0];
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/** keepLabel is the button that keeps one side. */
export function keepLabel(side: 'CALSYNC' | Provider): string {
  return side === 'CALSYNC' ? 'Keep Calsync’s version' : `Keep the ${providerName(side)} version`;
}

/**
 * formatSpan shows an event's time in a zone: "Tue, 1 Dec 2026, 10:00 – 11:00",
 * across days "Tue, 1 Dec 2026, 22:00 – Wed, 2 Dec 2026, 01:00", all-day events
 * by their dates (the end date is exclusive).
 */
export function formatSpan(start: string, end: string, allDay: boolean, timeZone?: string): string {
  const s = new Date(start);
  const e = new Date(end);
  if (Number.isNaN(s.getTime()) || Number.isNaN(e.getTime())) return `${start} – ${end}`;
  const opts = (o: Intl.DateTimeFormatOptions) => {
    try {
      return new Intl.DateTimeFormat('en-GB', { ...o, timeZone: allDay ? 'UTC' : timeZone });
    } catch {
      return new Intl.DateTimeFormat('en-GB', o);
    }
  };
  const day = opts({ weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' });
  const time = opts({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  if (allDay) {
    const last = new Date(e.getTime() - 24 * 3600 * 1000);
    const first = day.format(s);
    const final = day.format(last > s ? last : s);
    return first === final ? `${first} (all day)` : `${first} – ${final} (all day)`;
  }
  const sameDay = day.format(s) === day.format(e);
  return sameDay ? `${day.format(s)}, ${time.format(s)} – ${time.format(e)}` : `${day.format(s)}, ${time.format(s)} – ${day.format(e)}, ${time.format(e)}`;
}
