import { describe, expect, test, vi } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { makeFragmentData } from '@/gql';
import type { CalendarSyncAction, Provider, SyncSwitchReason } from '@/gql/graphql';
import { renderWithProviders } from '@/testing/render';
import { ProviderSyncCard, ProviderSyncCardFragment } from './components/ProviderSyncCard';
import { actionWords, overrideBlocked, reasonText } from './words';

describe('reason → words', () => {
  test('every reason explains itself, on and off', () => {
    expect(reasonText('MICROSOFT', false, 'NOT_CONFIGURED')).toBe('Your organization has not set up Microsoft.');
    expect(reasonText('GOOGLE', false, 'ADMIN_CHOICE')).toBe('Turned off by your administrator.');
    expect(reasonText('GOOGLE', true, 'ADMIN_CHOICE')).toBe('Turned on for you by your administrator.');
    expect(reasonText('GOOGLE', false, 'USER_CHOICE')).toBe('You turned it off.');
    expect(reasonText('GOOGLE', false, 'ORGANIZATION')).toBe('Your organization has turned Google calendar sync off.');
    expect(reasonText('GOOGLE', true, 'ORGANIZATION')).toBe('Your organization syncs Google calendars.');
    expect(reasonText('GOOGLE', false, 'USER_INACTIVE')).toMatch(/deactivated/);
  });

  test('each action has its button; NONE has none', () => {
    expect(actionWords('GOOGLE', 'LINK').button).toBe('Link Google Calendar');
    expect(actionWords('MICROSOFT', 'LINK').button).toBe('Link Microsoft Calendar');
    expect(actionWords('GOOGLE', 'RELINK')).toMatchObject({ button: 'Link again', explanation: expect.stringMatching(/no longer accepts/) });
    expect(actionWords('GOOGLE', 'ENABLE_SERVICE_SYNC').button).toBe('Turn on sync');
    expect(actionWords('GOOGLE', 'NONE')).toEqual({ button: null, explanation: null });
  });

  test('the own switch follows the organization, with the reason when refused', () => {
    const base = { provider: 'GOOGLE' as const, configured: true, isAdmin: false };
    expect(overrideBlocked({ ...base, reason: 'ORGANIZATION', usersCanOverride: true })).toBeNull();
    expect(overrideBlocked({ ...base, reason: 'ORGANIZATION', usersCanOverride: false })).toMatch(/decides Google sync for everyone/);
    expect(overrideBlocked({ ...base, reason: 'ADMIN_CHOICE', usersCanOverride: true })).toMatch(/administrator chose/);
    expect(overrideBlocked({ ...base, reason: 'ADMIN_CHOICE', usersCanOverride: false, isAdmin: true })).toBeNull();
  });
});

function sync(provider: Provider, enabled: boolean, reason: SyncSwitchReason, action: CalendarSyncAction) {
  return makeFragmentData(
    { provider, enabled, reason, action, credentialMode: 'PLATFORM_APP', account: null },
    ProviderSyncCardFragment,
  );
}

function renderCard(
  s: ReturnType<typeof sync>,
  opts: { usersCanOverride?: boolean; configured?: boolean; mutation?: (op: { query: unknown; variables?: unknown }) => unknown } = {},
) {
  const navigate = vi.fn();
  const onChanged = vi.fn();
  renderWithProviders(
    <ProviderSyncCard
      sync={s}
      userId="7"
      timeZone="Europe/Helsinki"
      ownChoice={null}
      config={opts.configured === false ? null : { enabled: true, usersCanOverride: opts.usersCanOverride ?? false }}
      isAdmin={false}
      onChanged={onChanged}
      navigate={navigate}
    />,
    { mutation: opts.mutation },
  );
  return { navigate, onChanged };
}

describe('ProviderSyncCard: reason and action → buttons', () => {
  test('LINK: the button starts the link and sends the browser to the provider', async () => {
    const user = userEvent.setup();
    const calls: unknown[] = [];
    const { navigate } = renderCard(sync('GOOGLE', true, 'ORGANIZATION', 'LINK'), {
      mutation: (op) => {
        calls.push(op.variables);
        return { data: { startCalendarLink: { url: 'http://calsync.test/link/start?x=1', __typename: 'StartCalendarLinkPayload' } } };
      },
    });
    expect(screen.getByRole('heading', { name: 'Google Calendar' })).toBeInTheDocument();
    expect(screen.getByText('Sync on')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Link Google Calendar' }));
    await waitFor(() => expect(navigate).toHaveBeenCalledWith('http://calsync.test/link/start?x=1'));
    expect(calls).toEqual([{ provider: 'GOOGLE' }]);
    // The organization decides for everyone: the reason instead of a switch.
    expect(screen.queryByRole('radiogroup')).toBeNull();
    expect(screen.getByText(/decides Google sync for everyone/)).toBeInTheDocument();
  });

  test('a refusal by the administrator: no Link button, the reason shown', () => {
    renderCard(sync('GOOGLE', false, 'ADMIN_CHOICE', 'NONE'));
    expect(screen.getByText('Sync off')).toBeInTheDocument();
    expect(screen.getByText('Turned off by your administrator.')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /Link/ })).toBeNull();
  });

  test('RELINK explains why and offers "Link again"', () => {
    renderCard(sync('MICROSOFT', true, 'ORGANIZATION', 'RELINK'));
    expect(screen.getByRole('button', { name: 'Link again' })).toBeInTheDocument();
    expect(screen.getByText(/Microsoft no longer accepts the permission/)).toBeInTheDocument();
  });

  test('ENABLE_SERVICE_SYNC offers "Turn on sync"; a server refusal shows its message', async () => {
    const user = userEvent.setup();
    renderCard(sync('GOOGLE', true, 'ORGANIZATION', 'ENABLE_SERVICE_SYNC'), {
      mutation: () => ({
        data: {
          enableServiceAccountSync: [
            { error: 'no Google account for this email', account: null, __typename: 'ServiceSyncResult' },
          ],
        },
      }),
    });
    await user.click(screen.getByRole('button', { name: 'Turn on sync' }));
    expect(await screen.findByText('no Google account for this email')).toBeInTheDocument();
  });

  test('not set up: the reason, no button, no switch', () => {
    renderCard(sync('MICROSOFT', false, 'NOT_CONFIGURED', 'NONE'), { configured: false });
    expect(screen.getByText('Your organization has not set up Microsoft.')).toBeInTheDocument();
    expect(screen.queryByRole('button')).toBeNull();
    expect(screen.queryByRole('radiogroup')).toBeNull();
  });

  test('where users may override, the own switch sets the choice (null: follow the organization)', async () => {
    const user = userEvent.setup();
    const sent: unknown[] = [];
    renderCard(sync('GOOGLE', true, 'ORGANIZATION', 'LINK'), {
      usersCanOverride: true,
      mutation: (op) => {
        sent.push(op.variables);
        return { data: { setCalendarSync: { id: '7', googleSync: false, microsoftSync: null, calendarSyncs: [], __typename: 'User' } } };
      },
    });
    const group = screen.getByRole('radiogroup', { name: /Your Google sync/ });
    expect(group).toBeInTheDocument();
    expect(screen.getByRole('radio', { name: 'Follow the organization' })).toBeChecked();
    await user.click(screen.getByRole('radio', { name: 'Off' }));
    await waitFor(() => expect(sent).toEqual([{ userId: '7', provider: 'GOOGLE', enabled: false }]));
  });
});
