import { describe, expect, it } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { print } from 'graphql';
import { renderWithProviders } from '@/testing/render';
import { InvitationPrompt, invitationProviders } from './InvitationPrompt';

type Sync = {
  provider: 'GOOGLE' | 'MICROSOFT';
  enabled: boolean;
  action: 'LINK' | 'RELINK' | 'ENABLE_SERVICE_SYNC' | 'NONE';
  account: null | { id: string; status: 'ACTIVE'; accountEmail: string };
  lastInvitation: null;
};

function user(syncs: Sync[]) {
  return { __typename: 'User' as const, id: '7', name: 'Pekka Field', email: 'pekka@demo.calsync.test', calendarSyncs: syncs };
}
const google = (over: Partial<Sync> = {}): Sync => ({ provider: 'GOOGLE', enabled: true, action: 'LINK', account: null, lastInvitation: null, ...over });
const outlook = (over: Partial<Sync> = {}): Sync => ({ provider: 'MICROSOFT', enabled: true, action: 'LINK', account: null, lastInvitation: null, ...over });

describe('invitationProviders (when the invitation prompt shows)', () => {
  it('shows for an admin with exactly one unlinked fieldworker, per enabled provider', () => {
    expect(invitationProviders('ADMIN', ['7'], user([google(), outlook()]))).toEqual(['GOOGLE', 'MICROSOFT']);
    expect(invitationProviders('ADMIN', ['7'], user([google(), outlook({ enabled: false })]))).toEqual(['GOOGLE']);
  });

  it('hides for linked calendars, several or no fieldworkers, other roles and other users', () => {
    const linked = google({ action: 'NONE', account: { id: 'a', status: 'ACTIVE', accountEmail: 'x@y' } });
    expect(invitationProviders('ADMIN', ['7'], user([linked]))).toEqual([]);
    expect(invitationProviders('ADMIN', ['7'], user([google({ action: 'ENABLE_SERVICE_SYNC' })]))).toEqual([]);
    expect(invitationProviders('ADMIN', [], user([google()]))).toEqual([]);
    expect(invitationProviders('ADMIN', ['7', '8'], user([google()]))).toEqual([]);
    expect(invitationProviders('SCHEDULER', ['7'], user([google()]))).toEqual([]);
    expect(invitationProviders('FIELDWORKER', ['7'], user([google()]))).toEqual([]);
    expect(invitationProviders('ADMIN', ['8'], user([google()]))).toEqual([]);
    expect(invitationProviders('ADMIN', ['7'], null)).toEqual([]);
  });
});

describe('InvitationPrompt', () => {
  it('sends the invitation and shows the server message when it fails', async () => {
    const sent: unknown[] = [];
    renderWithProviders(<InvitationPrompt role="ADMIN" selectedIds={['7']} />, {
      query: () => ({ data: { node: user([google()]) } }),
      mutation: (op) => {
        sent.push(op.variables);
        expect(print(op.query as never)).toContain('sendAuthorizationEmails');
        return { error: { graphQLErrors: [{ message: 'Google is not set up for this organization.' }], message: 'x' } };
      },
    });
    const button = await screen.findByRole('button', { name: "Send invitation to connect Pekka Field's Google Calendar" });
    await userEvent.click(button);
    expect(sent).toEqual([{ provider: 'GOOGLE', userIds: ['7'] }]);
    expect(await screen.findByRole('alert')).toHaveTextContent('Google is not set up for this organization.');
  });

  it('shows nothing for a linked fieldworker, once the answer came', async () => {
    const asked: unknown[] = [];
    renderWithProviders(<InvitationPrompt role="ADMIN" selectedIds={['7']} />, {
      query: (op) => {
        asked.push(op.variables);
        return { data: { node: user([google({ action: 'NONE' })]) } };
      },
    });
    await waitFor(() => expect(asked).toContainEqual(expect.objectContaining({ id: '7' })));
    expect(screen.queryByRole('button', { name: /Send invitation/ })).toBeNull();
  });
});
