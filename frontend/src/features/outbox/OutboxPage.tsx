import { useState } from 'react';
import { useQuery } from 'urql';
import { Button, Center, Group, Modal, Paper, Stack, Text, UnstyledButton } from '@mantine/core';
import { graphql, getFragmentData, type FragmentType } from '@/gql';
import { PageHeader, QueryState } from '@/components';
import { useViewer } from '@/features/auth';
import { MessageDetail, MessageDetailFields } from './MessageDetail';
import { StateBadge } from './StateBadge';
import { formatInstant as formatTime } from '@/lib/words';

// The page size is fixed, so it is written into the query.
export const MessageRowFields = graphql(`
  fragment OutboxMessageRow on EmailMessage {
    id
    to
    subject
    state
    createdAt
    sentAt
  }
`);

const OutboxPageQuery = graphql(`
  query OutboxPage($after: Cursor) {
    outbox(first: 20, after: $after) {
      totalCount
      edges {
        node {
          id
          ...OutboxMessageRow
          ...OutboxMessageDetail
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

type Message = {
  id: string;
  row: FragmentType<typeof MessageRowFields>;
  detail: FragmentType<typeof MessageDetailFields>;
};

/** OutboxPage lists the emails Calsync kept or sent, newest first (admins). */
export function OutboxPage() {
  const viewer = useViewer();
  const tz = viewer.user.timeZone || viewer.organization.defaultTimeZone;
  // One cursor per loaded page: "Load more" adds the previous page's end.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [open, setOpen] = useState<Message | null>(null);
  const [refreshKey, setRefreshKey] = useState(0);
  return (
    <>
      <PageHeader
        title="Outbox"
        actions={
          <Button
            variant="default"
            onClick={() => {
              setCursors([null]);
              setRefreshKey((k) => k + 1);
            }}
          >
            Refresh
          </Button>
        }
      />
      <Text c="dimmed" size="sm" mb="md">
        Emails Calsync sends (authorization links, reconnection requests). Without a mail server they wait here: open
        one to copy its link.
      </Text>
      <Stack gap="xs" key={refreshKey}>
        {cursors.map((after, i) => (
          <OutboxChunk
            key={after ?? 'first'}
            after={after}
            first={i === 0}
            last={i === cursors.length - 1}
            timeZone={tz}
            onOpen={setOpen}
            onMore={(end) => setCursors((c) => [...c, end])}
          />
        ))}
      </Stack>
      <Modal opened={open !== null} onClose={() => setOpen(null)} title={open ? subjectOf(open) : ''} size="lg">
        {open && <MessageDetail message={open.detail} timeZone={tz} />}
      </Modal>
    </>
  );
}

function subjectOf(m: Message): string {
  return getFragmentData(MessageRowFields, m.row).subject;
}

function OutboxChunk({
  after,
  first,
  last,
  timeZone,
  onOpen,
  onMore,
}: {
  after: string | null;
  first: boolean;
  last: boolean;
  timeZone: string;
  onOpen: (m: Message) => void;
  onMore: (endCursor: string) => void;
}) {
  const [{ data, fetching, error }, reexecute] = useQuery({
    query: OutboxPageQuery,
    variables: { after },
    requestPolicy: first ? 'cache-and-network' : 'cache-first',
  });
  const edges = data?.outbox.edges ?? [];
  const messages: Message[] = edges.flatMap((e) => (e?.node ? [{ id: e.node.id, row: e.node, detail: e.node }] : []));
  const page = data?.outbox.pageInfo;
  return (
    <QueryState
      fetching={fetching}
      error={error}
      empty={data ? messages.length === 0 : undefined}
      emptyText={first ? 'No emails yet.' : 'No more emails.'}
      onRetry={() => reexecute({ requestPolicy: 'network-only' })}
      label="Loading emails"
    >
      {data && (
        <Stack gap="xs">
          {first && (
            <Text size="sm" c="dimmed">
              {data.outbox.totalCount} email{data.outbox.totalCount === 1 ? '' : 's'}
            </Text>
          )}
          <Stack gap="xs" component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
            {messages.map((m) => (
              <li key={m.id}>
                <MessageRow message={m.row} timeZone={timeZone} onOpen={() => onOpen(m)} />
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

function MessageRow({
  message: ref,
  timeZone,
  onOpen,
}: {
  message: FragmentType<typeof MessageRowFields>;
  timeZone: string;
  onOpen: () => void;
}) {
  const m = getFragmentData(MessageRowFields, ref);
  return (
    <Paper withBorder radius="sm">
      <UnstyledButton onClick={onOpen} p="sm" w="100%">
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Stack gap={2} style={{ minWidth: 0, flex: '1 1 260px' }}>
            <Text fw={600} style={{ wordBreak: 'break-word' }}>
              {m.subject}
            </Text>
            <Text size="sm" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
              To {m.to}
            </Text>
          </Stack>
          <Stack gap={2} align="flex-end">
            <StateBadge state={m.state} />
            <Text size="xs" c="dimmed">
              {m.sentAt ? `Sent ${formatTime(m.sentAt, timeZone)}` : formatTime(m.createdAt, timeZone)}
            </Text>
          </Stack>
        </Group>
      </UnstyledButton>
    </Paper>
  );
}
