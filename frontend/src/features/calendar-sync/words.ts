import type { CalendarSyncAction, Provider, SyncSwitchReason } from '@/gql/graphql';
import { providerName } from '@/lib/words';

// The words of the My calendar sync page: why sync is on or off, and what
// the user can do next. Kept apart from the components so they are tested
// on their own.

/** reasonText explains, to the user themself, why their sync is on or off. */
export function reasonText(provider: Provider, enabled: boolean, reason: SyncSwitchReason): string {
  const name = providerName(provider);
  switch (reason) {
    case 'NOT_CONFIGURED':
      return `Your organization has not set up ${name}.`;
    case 'USER_INACTIVE':
      return 'Your account is deactivated: deactivated users never sync.';
    case 'ADMIN_CHOICE':
      return enabled ? 'Turned on for you by your administrator.' : 'Turned off by your administrator.';
    case 'USER_CHOICE':
      return enabled ? 'You turned it on.' : 'You turned it off.';
    case 'ORGANIZATION':
    default:
      return enabled
        ? `Your organization syncs ${name} calendars.`
        : `Your organization has turned ${name} calendar sync off.`;
  }
}

export interface ActionWords {
  /** The button's label, or null when there is nothing to do. */
  button: string | null;
  /** What the button does or why it is needed. */
  explanation: string | null;
}

/** actionWords is the button (and its explanation) for what the user can do next. */
export function actionWords(provider: Provider, action: CalendarSyncAction): ActionWords {
  const name = providerName(provider);
  switch (action) {
    case 'LINK':
      return {
        button: `Link ${name} Calendar`,
        explanation: `${name} asks you to allow Calsync to put your bookings in your calendar and read your busy times. You come back here afterwards.`,
      };
    case 'RELINK':
      return {
        button: 'Link again',
        explanation: `${name} no longer accepts the permission you gave earlier (it was withdrawn or expired). Link your calendar again to keep it in sync.`,
      };
    case 'ENABLE_SERVICE_SYNC':
      return {
        button: 'Turn on sync',
        explanation: `Your organization connects ${name} calendars for you: no permission from you is needed.`,
      };
    default:
      return { button: null, explanation: null };
  }
}

export type SwitchChoice = 'follow' | 'on' | 'off';

export function choiceOf(value: boolean | null | undefined): SwitchChoice {
  if (value == null) return 'follow';
  return value ? 'on' : 'off';
}

export function choiceValue(c: SwitchChoice): boolean | null {
  return c === 'follow' ? null : c === 'on';
}

/**
 * overrideBlocked says why the user cannot set their own switch, or null
 * when they can. Administrators always can (their choice is recorded as an
 * administrator's).
 */
export function overrideBlocked(opts: {
  provider: Provider;
  reason: SyncSwitchReason;
  configured: boolean;
  usersCanOverride: boolean;
  isAdmin: boolean;
}): string | null {
  const name = providerName(opts.provider);
  if (!opts.configured || opts.reason === 'NOT_CONFIGURED') return null; // the reason already says it
  if (opts.reason === 'USER_INACTIVE') return 'Deactivated users cannot turn sync on.';
  if (opts.isAdmin) return null;
  if (opts.reason === 'ADMIN_CHOICE') return `Your administrator chose this for you, so you cannot change it here.`;
  if (!opts.usersCanOverride) return `Your organization decides ${name} sync for everyone: you cannot change it here.`;
  return null;
}

