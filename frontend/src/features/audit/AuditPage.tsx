import { useEffect, useState } from 'react';
import { useQuery } from 'urql';
import { Button, Center, Stack, Text, TextInput } from '@mantine/core';
import { graphql } from '@/gql';
import { PageHeader, QueryState } from '@/components';
import { useViewer } from '@/features/auth';
import { AuditEventItem, matches, readEvent } from './AuditEventItem';

// The page size is fixed, so it is written into the query.
const AuditPageQuery = graphql(`
  query AuditPage($after: Cursor) {
    auditEvents(first: 30, after: $after) {
      totalCount
      edges {
        node {
          id
          ...AuditEventItem
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

/** AuditPage is the organization's audit trail, newest first, with a filter over the loaded events (admins). */
export function AuditPage() {
  const viewer = useViewer();
  const tz = viewer.user.timeZone || viewer.organization.defaultTimeZone;
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [filter, setFilter] = useState('');
  const [shown, setShown] = useState<Record<string, number>>({});
  const [refreshKey, setRefreshKey] = useState(0);
  const loadedPages = Object.keys(shown).length;
  const totalShown = Object.values(shown).reduce((a, b) => a + b, 0);
  return (
    <>
      <PageHeader
        title="Audit log"
        actions={
          <Button
            variant="default"
            onClick={() => {
              setCursors([null]);
              setShown({});
              setRefreshKey((k) => k + 1);
            }}
          >
            Refresh
          </Button>
        }
      />
      <TextInput
        label="Filter"
        description="Shows the loaded events whose action, person, target or details contain this text."
        placeholder="e.g. provider_config or Admin"
        value={filter}
        onChange={(e) => setFilter(e.currentTarget.value)}
        mb="md"
        maw={480}
      />
      {filter.trim() && loadedPages === cursors.length && totalShown === 0 && (
        <Text c="dimmed" mb="sm">
          No loaded event matches “{filter.trim()}”.
        </Text>
      )}
      <Stack gap="xs" key={refreshKey}>
        {cursors.map((after, i) => (
          <AuditChunk
            key={after ?? 'first'}
            after={after}
            first={i === 0}
            last={i === cursors.length - 1}
            filter={filter}
            timeZone={tz}
            onShown={(n) => setShown((s) => (s[after ?? ''] === n ? s : { ...s, [after ?? '']: n }))}
            onMore={(end) => setCursors((c) => [...c, end])}
          />
        ))}
      </Stack>
    </>
  );
}

function AuditChunk({
  after,
  first,
  last,
  filter,
  timeZone,
  onShown,
  onMore,
}: {
  after: string | null;
  first: boolean;
  last: boolean;
  filter: string;
  timeZone: string;
  onShown: (n: number) => void;
  onMore: (endCursor: string) => void;
}) {
  const [{ data, fetching, error }, reexecute] = useQuery({
    query: AuditPageQuery,
    variables: { after },
    requestPolicy: first ? 'cache-and-network' : 'cache-first',
  });
  const events = (data?.auditEvents.edges ?? []).flatMap((e) => (e?.node ? [readEvent(e.node)] : []));
  const visible = events.filter((e) => matches(e, filter));
  const page = data?.auditEvents.pageInfo;
  useEffect(() => {
    if (data) onShown(visible.length);
  }, [data, visible.length, onShown]);
  return (
    <QueryState
      fetching={fetching}
      error={error}
      empty={data ? events.length === 0 : undefined}
      emptyText={first ? 'Nothing has been recorded yet.' : 'No more events.'}
      onRetry={() => reexecute({ requestPolicy: 'network-only' })}
      label="Loading the audit log"
    >
      {data && (
        <Stack gap="xs">
          {first && (
            <Text size="sm" c="dimmed">
              {data.auditEvents.totalCount} event{data.auditEvents.totalCount === 1 ? '' : 's'} in all
            </Text>
          )}
          <Stack gap="xs" component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
            {visible.map((e) => (
              <li key={e.id}>
                <AuditEventItem event={e} timeZone={timeZone} />
              </li>
            ))}
          </Stack>
          {last && page?.hasNextPage && page.endCursor && (
            <Center>
              <Button variant="default" onClick={() => onMore(page.endCursor!)}>
                Load more
              </Button>
            </Center>
          )}
        </Stack>
      )}
    </QueryState>
  );
}
