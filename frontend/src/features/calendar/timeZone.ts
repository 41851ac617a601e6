import { createPlugin, type PluginDef } from '@fullcalendar/core';
import { NamedTimeZoneImpl } from '@fullcalendar/core/internal';

// A FullCalendar plugin for named time zones (IANA names) on the
// browser's own Intl data, so the calendar shows the viewer's zone without
// the luxon or moment-timezone plugins.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

// Calendars ask for the same instants over and over (a hundred bookings
// starting at 9:00): Intl's formatToParts is slow, so answers are kept.
const cacheLimit = 20_000;
const wallClocks = new Map<string, number[]>();
const offsets = new Map<string, number>();

function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  if (cache.size >= cacheLimit) cache.clear();
  cache.set(key, value);
  return value;
}

/** wallClock is the date-time array [y, month0, d, h, m, s, ms] in zone at the instant ms. */
export function wallClock(zone: string, ms: number): number[] {
  const key = `${zone} ${ms}`;
  const known = wallClocks.get(key);
  if (known) return known.slice();
  return remember(wallClocks, key, computeWallClock(zone, ms)).slice();
}

function computeWallClock(zone: string, ms: number): number[] {
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const hour = parts.hour === 24 ? 0 : parts.hour;
  return [parts.year, parts.month - 1, parts.day, hour, parts.minute, parts.second, ((ms % 1000) + 1000) % 1000];
}

/** offsetAt is the zone's offset from UTC in minutes at the instant ms. */
export function offsetAt(zone: string, ms: number): number {
  const a = wallClock(zone, ms);
  const asUtc = Date.UTC(a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
  return Math.round((asUtc - ms) / 60000);
}

/** offsetForWallClock: the offset in minutes for a wall-clock array in zone. */
export function offsetForWallClock(zone: string, a: number[]): number {
  const key = `${zone} ${a.join(',')}`;
  const known = offsets.get(key);
  if (known !== undefined) return known;
  return remember(offsets, key, computeOffset(zone, a));
}

function computeOffset(zone: string, a: number[]): number {
  const asUtc = Date.UTC(a[0], a[1] ?? 0, a[2] ?? 1, a[3] ?? 0, a[4] ?? 0, a[5] ?? 0, a[6] ?? 0);
  const first = offsetAt(zone, asUtc);
  const second = offsetAt(zone, asUtc - first * 60000);
  return second;
}

class IntlNamedTimeZone extends NamedTimeZoneImpl {
  offsetForArray(a: number[]): number {
    return offsetForWallClock(this.timeZoneName, a);
  }

  timestampToArray(ms: number): number[] {
    return wallClock(this.timeZoneName, ms);
  }
}

export const intlTimeZonePlugin: PluginDef = createPlugin({
  name: 'calsync-intl-time-zone',
  namedTimeZonedImpl: IntlNamedTimeZone,
});

/** usableTimeZone is zone if the browser knows it, else 'local'. */
export function usableTimeZone(zone: string | null | undefined): string {
  if (!zone) return 'local';
  try {
    formatter(zone);
    return zone;
  } catch {
    return 'local';
  }
}

/**
 * eventTimeFormatter formats events' times for FullCalendar (its own
 * formatter builds a new Intl.DateTimeFormat for every range, which is what
 * a week of two thousand events spends most of its time on). FullCalendar
 * passes wall-clock markers: dates whose UTC fields are the calendar zone's.
 */
export function eventTimeFormatter(locale?: string) {
  const fmt = new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit', timeZone: 'UTC' });
  const texts = new Map<number, string>();
  const text = (d: Date) => {
    const t = d.getTime();
    let s = texts.get(t);
    if (s === undefined) {
      if (texts.size >= cacheLimit) texts.clear();
      texts.set(t, (s = fmt.format(d)));
    }
    return s;
  };
  return (arg: { start: { marker: Date }; end?: { marker: Date } }): string =>
    arg.end && arg.end.marker.getTime() !== arg.start.marker.getTime()
      ? `${text(arg.start.marker)} – ${text(arg.end.marker)}`
      : text(arg.start.marker);
}
