import { useCallback, useEffect } from 'react';
import { useQuery, useSubscription } from 'urql';
import { SimpleGrid, Stack, Text } from '@mantine/core';
import { graphql, getFragmentData } from '@/gql';
import { PageHeader, QueryState } from '@/components';
import { ProviderSyncCard, ProviderSyncCardFragment, type Navigate } from './components/ProviderSyncCard';
import { useSyncProgress } from './hooks';

export const CalendarSyncPageDocument = graphql(`
  query CalendarSyncPage {
    viewer {
      role
      user {
        id
        timeZone
        googleSync
        microsoftSync
        calendarSyncs {
          ...CalendarSyncCard_sync
        }
      }
    }
    organization {
      id
      providerConfigs {
        id
        provider
        enabled
        usersCanOverride
      }
    }
  }
`);

const AccountChangedDocument = graphql(`
  subscription CalendarSyncAccountChanged($userId: ID) {
    calendarAccountChanged(userId: $userId) {
      accountId
      status
      lastError
      account {
        id
        status
        lastError
        lastSyncedAt
      }
    }
  }
`);

// CalendarSyncPage is "My calendar sync": every user's own Google and
// Microsoft calendar link, on any screen size.
export function CalendarSyncPage({ navigate }: { navigate?: Navigate }) {
  const [{ data, fetching, error }, reexecute] = useQuery({ query: CalendarSyncPageDocument });
  const refetch = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  const user = data?.viewer?.user;
  const progress = useSyncProgress(user?.id);
  // A link finished, an account needs linking again, was unlinked…: ask again.
  const [{ data: accountEvent }] = useSubscription({
    query: AccountChangedDocument,
    variables: { userId: user?.id },
    pause: !user,
  });
  useEffect(() => {
    if (accountEvent) refetch();
  }, [accountEvent, refetch]);
  const configs = data?.organization.providerConfigs ?? [];

  return (
    <Stack>
      <PageHeader title="My calendar sync" />
      <Text c="dimmed" maw={720}>
        Link your Google or Microsoft calendar: your bookings appear in it, and its busy times show in Calsync.
      </Text>
      <QueryState fetching={fetching} error={error} empty={data ? !user : undefined} emptyText="Sign in to see your calendar sync." onRetry={refetch}>
        {user && data && (
          <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
            {user.calendarSyncs.map((ref) => {
              const s = getFragmentData(ProviderSyncCardFragment, ref);
              const cfg = configs.find((c) => c.provider === s.provider) ?? null;
              return (
                <ProviderSyncCard
                  key={s.provider}
                  sync={ref}
                  userId={user.id}
                  timeZone={user.timeZone}
                  ownChoice={s.provider === 'GOOGLE' ? user.googleSync : user.microsoftSync}
                  config={cfg}
                  isAdmin={data.viewer?.role === 'ADMIN'}
                  progress={s.account ? progress[s.account.id] : undefined}
                  onChanged={refetch}
                  navigate={navigate}
                />
              );
            })}
          </SimpleGrid>
        )}
      </QueryState>
    </Stack>
  );
}
