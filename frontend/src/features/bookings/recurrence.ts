// The booking form's recurrence choices and the RRULE they stand for.
// Rules the choices cannot express are kept as they are ("custom").

export type Frequency = 'NONE' | 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'CUSTOM';
export type Ending = 'NEVER' | 'COUNT' | 'UNTIL';

export interface RecurrenceChoice {
  frequency: Frequency;
  ending: Ending;
  /** ending COUNT: how many occurrences */
  count: number;
  /** ending UNTIL: the last date, "YYYY-MM-DD" (inclusive) */
  until: string;
  /** frequency CUSTOM: the rule kept unchanged */
  custom: string;
}

export const noRecurrence: RecurrenceChoice = { frequency: 'NONE', ending: 'NEVER', count: 4, until: '', custom: '' };

const days = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];
const dayNames = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** weekdayOf a "YYYY-MM-DD…" date: 0 Sunday … 6 Saturday (the wall-clock date, no zone maths). */
export function weekdayOf(localDate: string): number {
  const [y, m, d] = localDate.slice(0, 10).split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}

function dayOfMonth(localDate: string): number {
  return Number(localDate.slice(8, 10));
}

export function weekdayName(localDate: string): string {
  return dayNames[weekdayOf(localDate)] ?? '';
}

/**
 * buildRule turns choices into an RRULE (without "RRULE:"), or null for no
 * recurrence. start is the booking's local start ("YYYY-MM-DDTHH:mm"):
 * weekly repeats on its weekday, monthly on its day of the month.
 */
export function buildRule(c: RecurrenceChoice, start: string): string | null {
  if (c.frequency === 'NONE') return null;
  if (c.frequency === 'CUSTOM') return c.custom.trim() || null;
  let rule = `FREQ=${c.frequency}`;
  if (c.frequency === 'WEEKLY' && /^\d{4}-\d{2}-\d{2}/.test(start)) rule += `;BYDAY=${days[weekdayOf(start)]}`;
  if (c.ending === 'COUNT' && c.count >= 1) rule += `;COUNT=${Math.floor(c.count)}`;
  if (c.ending === 'UNTIL' && /^\d{4}-\d{2}-\d{2}$/.test(c.until)) rule += `;UNTIL=${c.until.replaceAll('-', '')}`;
  return rule;
}

/**
 * parseRule reads a stored rule back into choices. Anything beyond the
 * choices (intervals, several weekdays, a weekday other than the start's,
 * an UNTIL with a time…) comes back as CUSTOM, keeping the rule.
 */
export function parseRule(rule: string | null | undefined, start: string): RecurrenceChoice {
  const body = (rule ?? '').trim().replace(/^RRULE:/i, '');
  if (!body) return { ...noRecurrence };
  const custom: RecurrenceChoice = { ...noRecurrence, frequency: 'CUSTOM', custom: body };
  const parts = new Map<string, string>();
  for (const p of body.split(';')) {
    const [k, v] = p.split('=');
    if (!k || v === undefined || parts.has(k.toUpperCase())) return custom;
    parts.set(k.toUpperCase(), v.toUpperCase());
  }
  const freq = parts.get('FREQ');
  parts.delete('FREQ');
  if (parts.get('INTERVAL') === '1') parts.delete('INTERVAL');
  const choice: RecurrenceChoice = { ...noRecurrence };
  if (parts.has('COUNT')) {
    const n = Number(parts.get('COUNT'));
    if (!Number.isInteger(n) || n < 1) return custom;
    choice.ending = 'COUNT';
    choice.count = n;
    parts.delete('COUNT');
  } else if (parts.has('UNTIL')) {
    const u = parts.get('UNTIL')!;
    if (!/^\d{8}$/.test(u)) return custom;
    choice.ending = 'UNTIL';
    choice.until = `${u.slice(0, 4)}-${u.slice(4, 6)}-${u.slice(6, 8)}`;
    parts.delete('UNTIL');
  }
  switch (freq) {
    case 'DAILY':
      choice.frequency = 'DAILY';
      break;
    case 'WEEKLY': {
      const byday = parts.get('BYDAY');
      if (byday !== undefined && byday !== days[weekdayOf(start)]) return custom;
      parts.delete('BYDAY');
      choice.frequency = 'WEEKLY';
      break;
    }
    case 'MONTHLY': {
      const bymonthday = parts.get('BYMONTHDAY');
      if (bymonthday !== undefined && Number(bymonthday) !== dayOfMonth(start)) return custom;
      parts.delete('BYMONTHDAY');
      choice.frequency = 'MONTHLY';
      break;
    }
    default:
      return custom;
  }
  return parts.size === 0 ? choice : custom;
}

/** describeRule says a rule in words ("Weekly on Monday, 4 times"). */
export function describeRule(c: RecurrenceChoice, start: string): string {
  let what: string;
  switch (c.frequency) {
    case 'NONE':
      return 'Does not repeat';
    case 'CUSTOM':
      return `Custom rule: ${c.custom}`;
    case 'DAILY':
      what = 'Daily';
      break;
    case 'WEEKLY':
      what = `Weekly on ${weekdayName(start)}`;
      break;
    case 'MONTHLY':
      what = `Monthly on day ${dayOfMonth(start)}`;
      break;
  }
  if (c.ending === 'COUNT') return `${what}, ${c.count} ${c.count === 1 ? 'time' : 'times'}`;
  if (c.ending === 'UNTIL' && c.until) return `${what}, until ${c.until}`;
  return what;
}
