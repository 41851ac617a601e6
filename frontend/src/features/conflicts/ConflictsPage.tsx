import { useCallback, useEffect, useState } from 'react';
import { useQuery, useSubscription } from 'urql';
import { SegmentedControl, Stack, Text } from '@mantine/core';
import { graphql } from '@/gql';
import type { SyncConflictState } from '@/gql/graphql';
import { PageHeader, QueryState } from '@/components';
import { useViewer } from '@/features/auth';
import { ConflictCard } from './ConflictCard';

const ConflictsPageQuery = graphql(`
  query ConflictsPage($state: SyncConflictState!) {
    syncConflicts(first: 50, where: { state: $state }) {
      totalCount
      edges {
        node {
          id
          ...ConflictCard
        }
      }
    }
  }
`);

const ConflictChanged = graphql(`
  subscription ConflictChanged {
    syncConflictChanged {
      conflictId
      state
    }
  }
`);

/**
 * ConflictsPage is the two-way sync conflict queue: bookings changed both in
 * Calsync and in a fieldworker's calendar, each with both versions and the
 * choice of which to keep. Staff see everyone's, fieldworkers their own.
 */
export function ConflictsPage() {
  const viewer = useViewer();
  const tz = viewer.user.timeZone || viewer.organization.defaultTimeZone;
  const [state, setState] = useState<SyncConflictState>('OPEN');
  const [{ data, fetching, error }, reexecute] = useQuery({ query: ConflictsPageQuery, variables: { state } });
  const refetch = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  // Opened, changed or settled elsewhere: ask again.
  const [{ data: changed }] = useSubscription({ query: ConflictChanged });
  useEffect(() => {
    if (changed) refetch();
  }, [changed, refetch]);
  const conflicts = (data?.syncConflicts.edges ?? []).flatMap((e) => (e?.node ? [e.node] : []));
  return (
    <Stack>
      <PageHeader title="Sync conflicts" />
      <Text c="dimmed" maw={720}>
        With two-way sync, a booking changed both here and in a fieldworker’s calendar waits here until someone chooses
        which version to keep.
      </Text>
      <SegmentedControl
        value={state}
        onChange={(v) => setState(v as SyncConflictState)}
        data={[
          { value: 'OPEN', label: 'Waiting' },
          { value: 'RESOLVED', label: 'Settled' },
        ]}
        w="fit-content"
        aria-label="Which conflicts"
      />
      <QueryState
        fetching={fetching}
        error={error}
        empty={data ? conflicts.length === 0 : undefined}
        emptyText={state === 'OPEN' ? 'No conflicts: Calsync and the calendars agree.' : 'No conflict has been settled yet.'}
        onRetry={refetch}
        label="Loading conflicts"
      >
        {data && (
          <Stack gap="sm">
            <Text size="sm" c="dimmed">
              {data.syncConflicts.totalCount} {state === 'OPEN' ? 'waiting' : 'settled'}
            </Text>
            {conflicts.map((c) => (
              <ConflictCard key={c.id} conflict={c} timeZone={tz} onResolved={refetch} />
            ))}
          </Stack>
        )}
      </QueryState>
    </Stack>
  );
}
