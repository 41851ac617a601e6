// Zoned date-time conversion with Intl only (no date library): the form's
// datetime-local inputs hold wall-clock times in the booking's time zone,
// the API speaks UTC instants.

const formatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClock(utcMs: number, timeZone: string): Wall {
  const parts = partsFormatter(timeZone).formatToParts(new Date(utcMs));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour') % 24, minute: get('minute'), second: get('second') };
}

/** offsetMinutes is the zone's offset from UTC at an instant (Helsinki in summer: 180). */
export function offsetMinutes(utcMs: number, timeZone: string): number {
  const w = wallClock(utcMs, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return Math.round((asUtc - Math.floor(utcMs / 1000) * 1000) / 60000);
}

/** isValidTimeZone tells whether Intl knows the IANA zone name. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

const localRE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/**
 * zonedToUtc reads a datetime-local value ("2025-03-30T10:00") as a wall
 * clock in timeZone and returns the instant as an RFC 3339 UTC string, or
 * null when the value is not a date-time. A time skipped by a DST change
 * moves forward by the gap, as calendars do.
 */
export function zonedToUtc(local: string, timeZone: string): string | null {
  const m = localRE.exec(local.trim());
  if (!m) return null;
  const naive = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], m[6] ? +m[6] : 0);
  if (Number.isNaN(naive)) return null;
  const first = offsetMinutes(naive, timeZone);
  let utc = naive - first * 60000;
  const second = offsetMinutes(utc, timeZone);
  if (second !== first) {
    const alt = naive - second * 60000;
    // Near a DST change: the candidate whose wall clock reads back; in a
    // skipped hour neither does, and the later one moves forward by the gap.
    utc = offsetMinutes(alt, timeZone) === second ? alt : Math.max(utc, alt);
  }
  return new Date(utc).toISOString().replace('.000Z', 'Z');
}

const pad = (n: number) => String(n).padStart(2, '0');

/** utcToZoned gives an instant's wall clock in timeZone as a datetime-local value ("2025-03-30T10:00"). */
export function utcToZoned(iso: string, timeZone: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  const w = wallClock(ms, timeZone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}`;
}

/** zonedDayStart is midnight of a date ("2025-03-30") in timeZone, as UTC. */
export function zonedDayStart(date: string, timeZone: string): string | null {
  return zonedToUtc(`${date}T00:00`, timeZone);
}

/** addDays adds whole days to a "YYYY-MM-DD" date. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d + days));
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

/** todayIn is today's date ("YYYY-MM-DD") in timeZone. */
export function todayIn(timeZone: string, now = Date.now()): string {
  return utcToZoned(new Date(now).toISOString(), timeZone).slice(0, 10);
}

/** formatTime: "10:00" in timeZone. */
export function formatTime(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
}

/** formatWhen: "Mon 12 May 2025, 09:00–10:30" in timeZone (the end's date too when it differs). */
export function formatWhen(startIso: string, endIso: string, timeZone: string): string {
  const day = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' });
  const s = day.format(new Date(startIso));
  const e = day.format(new Date(endIso));
  const range = `${formatTime(startIso, timeZone)}–${formatTime(endIso, timeZone)}`;
  return s === e ? `${s}, ${range}` : `${s} ${formatTime(startIso, timeZone)} – ${e} ${formatTime(endIso, timeZone)}`;
}

/** formatDayTime: "Thu 3 May 09:00" in timeZone. */
export function formatDayTime(iso: string, timeZone: string): string {
  return `${formatDay(iso, timeZone)} ${formatTime(iso, timeZone)}`;
}

/** formatDayRange: "Thu 3 May 14:00–16:00" in timeZone (the end's day too when it differs). */
export function formatDayRange(startIso: string, endIso: string, timeZone: string): string {
  const s = formatDay(startIso, timeZone);
  const e = formatDay(endIso, timeZone);
  return s === e
    ? `${s} ${formatTime(startIso, timeZone)}–${formatTime(endIso, timeZone)}`
    : `${formatDayTime(startIso, timeZone)} – ${formatDayTime(endIso, timeZone)}`;
}

// formatDay: "Thu 3 May", from parts (Intl puts a comma after the weekday in some versions).
function formatDay(iso: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', day: 'numeric', month: 'short' }).formatToParts(new Date(iso));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('weekday')} ${get('day')} ${get('month')}`;
}

/** timeZoneNames is every IANA zone Intl knows (for the form's zone picker). */
export function timeZoneNames(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
  const names = intl.supportedValuesOf?.('timeZone') ?? [];
  return names.includes('UTC') ? names : ['UTC', ...names];
}
