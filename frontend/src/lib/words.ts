import type { CalendarAccountStatus, Provider } from '@/gql/graphql';

// Words more than one page uses for the same thing: a provider's name, a
// calendar account's status, an instant.

export function providerName(p: Provider): string {
  return p === 'GOOGLE' ? 'Google' : 'Microsoft';
}

/** accountStatusWords is a calendar account's status as a label and its badge colour. */
export function accountStatusWords(status: CalendarAccountStatus): { label: string; color: string } {
  switch (status) {
    case 'ACTIVE':
      return { label: 'Working', color: 'teal.9' };
    case 'NEEDS_REAUTH':
      return { label: 'Needs linking again', color: 'red.9' };
    case 'REVOKED':
      return { label: 'Permission withdrawn', color: 'red.9' };
    case 'DISCONNECTED':
      return { label: 'Unlinked', color: 'gray.7' };
    case 'ERROR':
    default:
      return { label: 'Error', color: 'red.9' };
  }
}

/**
 * formatInstant shows an instant in a time zone ("30 Nov 2026, 14:05"), or
 * `none` when there is none.
 */
export function formatInstant(iso: string | null | undefined, timeZone?: string, none = ''): string {
  if (!iso) return none;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  try {
    return new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(d);
  } catch {
    return d.toLocaleString();
  }
}
