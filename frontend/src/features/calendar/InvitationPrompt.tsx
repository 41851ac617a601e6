import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { Alert, Button, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconMailForward } from '@tabler/icons-react';
import { graphql, getFragmentData, type FragmentType } from '@/gql';
import type { CalendarInvitationUserFragment, Provider } from '@/gql/graphql';
import { errorMessage } from '@/lib/errors';
import type { Role } from '@/features/auth';

export const CalendarInvitationUserFragmentDoc = graphql(`
  fragment CalendarInvitationUser on User {
    id
    name
    email
    calendarSyncs {
      provider
      enabled
      action
      account {
        id
        status
        accountEmail
      }
      lastInvitation {
        id
        createdAt
      }
    }
  }
`);

const CalendarInvitationUserDocument = graphql(`
  query CalendarInvitationUser($id: ID!) {
    node(id: $id) {
      __typename
      ... on User {
        ...CalendarInvitationUser
      }
    }
  }
`);

const CalendarSendInvitationDocument = graphql(`
  mutation CalendarSendInvitation($provider: Provider!, $userIds: [ID!]!) {
    sendAuthorizationEmails(provider: $provider, userIds: $userIds) {
      id
    }
  }
`);

export const providerCalendarName: Record<Provider, string> = {
  GOOGLE: 'Google Calendar',
  MICROSOFT: 'Outlook Calendar',
};

/**
 * invitationProviders is the prompt's visibility rule: an administrator
 * looking at exactly one fieldworker, for each provider whose sync is on
 * for them but who has not linked a calendar (action LINK).
 */
export function invitationProviders(
  role: Role,
  selectedIds: readonly string[],
  user: Pick<CalendarInvitationUserFragment, 'id' | 'calendarSyncs'> | null | undefined,
): Provider[] {
  if (role !== 'ADMIN' || selectedIds.length !== 1 || !user || user.id !== selectedIds[0]) return [];
  return user.calendarSyncs.filter((s) => s.enabled && s.action === 'LINK').map((s) => s.provider);
}

/** InvitationPrompt offers to email a link to connect the selected fieldworker's calendar. */
export function InvitationPrompt({ role, selectedIds }: { role: Role; selectedIds: readonly string[] }) {
  const id = selectedIds.length === 1 ? selectedIds[0] : '';
  const [{ data }, refetch] = useQuery({
    query: CalendarInvitationUserDocument,
    variables: { id },
    pause: role !== 'ADMIN' || !id,
  });
  // Only a User holds the fragment.
  const node = data?.node?.__typename === 'User' ? (data.node as FragmentType<typeof CalendarInvitationUserFragmentDoc>) : null;
  const user = node ? getFragmentData(CalendarInvitationUserFragmentDoc, node) : null;
  const providers = invitationProviders(role, selectedIds, user);
  if (!user || providers.length === 0) return null;
  return (
    <Stack gap="xs" mb="sm">
      {providers.map((p) => (
        <InvitationRow
          key={p}
          provider={p}
          user={user}
          onSent={() => refetch({ requestPolicy: 'network-only' })}
        />
      ))}
    </Stack>
  );
}

function InvitationRow({
  provider,
  user,
  onSent,
}: {
  provider: Provider;
  user: CalendarInvitationUserFragment;
  onSent: () => void;
}) {
  const [{ fetching }, send] = useMutation(CalendarSendInvitationDocument);
  const [error, setError] = useState<string | null>(null);
  const sync = user.calendarSyncs.find((s) => s.provider === provider);
  const last = sync?.lastInvitation?.createdAt;
  return (
    <Alert role="region" color="blue" variant="light" title={`${user.name} has not connected a ${providerCalendarName[provider]}`}>
      <Stack gap="xs" align="flex-start">
        {last && (
          <Text size="sm">Last invitation sent {new Date(last).toLocaleString()}.</Text>
        )}
        <Button
          leftSection={<IconMailForward size={16} aria-hidden />}
          loading={fetching}
          onClick={async () => {
            setError(null);
            const res = await send({ provider, userIds: [user.id] });
            if (res.error) {
              const message = errorMessage(res.error);
              setError(message);
              notifications.show({ color: 'red', title: 'Invitation not sent', message });
              return;
            }
            notifications.show({
              color: 'green',
              title: 'Invitation sent',
              message: `An invitation to connect a ${providerCalendarName[provider]} was sent to ${user.email}.`,
            });
            onSent();
          }}
        >
          Send invitation to connect {user.name}&apos;s {providerCalendarName[provider]}
        </Button>
        {error && (
          <Text size="sm" c="red.8" role="alert">
            {error}
          </Text>
        )}
      </Stack>
    </Alert>
  );
}
