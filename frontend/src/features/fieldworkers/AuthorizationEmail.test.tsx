import { describe, expect, test, vi } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { CombinedError } from 'urql';
import { GraphQLError } from 'graphql';
import { renderWithProviders } from '@/testing/render';
import { AuthorizationEmailModal } from './components/AuthorizationEmailModal';
import { inviteLink } from './words';

const maria = { id: '12', name: 'Maria Medic', email: 'maria@demo.calsync.test' };
const body =
  'Hello Maria Medic,\n\nDemo Services asks you to connect your Google calendar to Calsync.\n\nGrant permission: http://calsync.test/invite/abc123\n\nThe link works once.';

function outbox() {
  return {
    data: {
      outbox: {
        __typename: 'EmailMessageConnection',
        edges: [
          {
            __typename: 'EmailMessageEdge',
            node: {
              __typename: 'EmailMessage',
              id: '3',
              createdAt: '2026-01-01T10:00:00Z',
              to: 'Maria Medic <maria@demo.calsync.test>',
              subject: 'Demo Services: connect your Google calendar',
              body,
              kind: 'authorization',
              state: 'OUTBOX',
            },
          },
        ],
      },
    },
  };
}

describe('authorization email: preview, then send, then the kept email', () => {
  test('nothing is sent until confirmed; after sending the outbox copy shows', async () => {
    const user = userEvent.setup();
    const sent: unknown[] = [];
    const queries: string[] = [];
    const onSent = vi.fn();
    renderWithProviders(
      <AuthorizationEmailModal recipient={maria} provider="GOOGLE" organizationName="Demo Services" onClose={() => {}} onSent={onSent} />,
      {
        query: (op) => {
          queries.push(String(op.query));
          return outbox();
        },
        mutation: (op) => {
          sent.push(op.variables);
          return {
            data: {
              sendAuthorizationEmails: [
                { __typename: 'Invitation', id: '1', createdAt: '2026-01-01T10:00:00Z', expiresAt: '2026-01-08T10:00:00Z', userID: '12' },
              ],
            },
          };
        },
      },
    );
    const preview = await screen.findByRole('dialog', { name: 'Send Google authorization email' });
    expect(preview).toHaveTextContent('To: Maria Medic <maria@demo.calsync.test>');
    expect(preview).toHaveTextContent('Subject: Demo Services: connect your Google calendar');
    expect(preview).toHaveTextContent(/works once and for seven days/);
    expect(sent).toEqual([]);
    expect(queries).toEqual([]); // the outbox is not read before sending

    await user.click(screen.getByRole('button', { name: 'Send email' }));
    await waitFor(() => expect(sent).toEqual([{ provider: 'GOOGLE', userIds: ['12'] }]));
    const done = await screen.findByRole('dialog', { name: 'Authorization email sent' });
    await waitFor(() => expect(done).toHaveTextContent('Grant permission: http://calsync.test/invite/abc123'));
    expect(done).toHaveTextContent('Subject: Demo Services: connect your Google calendar');
    expect(onSent).toHaveBeenCalledTimes(1);
  });

  test("the server's refusal is shown and the preview stays", async () => {
    const user = userEvent.setup();
    renderWithProviders(
      <AuthorizationEmailModal recipient={maria} provider="MICROSOFT" organizationName="Demo Services" onClose={() => {}} />,
      {
        mutation: () => ({
          error: new CombinedError({ graphQLErrors: [new GraphQLError('Microsoft calendar sync is off for maria@demo.calsync.test (set by an administrator)')] }),
        }),
      },
    );
    await user.click(await screen.findByRole('button', { name: 'Send email' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Microsoft calendar sync is off for maria@demo.calsync.test');
    expect(screen.getByRole('dialog', { name: 'Send Microsoft authorization email' })).toBeInTheDocument();
  });

  test('the link is found in the body', () => {
    expect(inviteLink(body)).toBe('http://calsync.test/invite/abc123');
    expect(inviteLink('no link')).toBeNull();
  });
});
