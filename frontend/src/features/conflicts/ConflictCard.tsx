import { Badge, Button, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { useMutation } from 'urql';
import { graphql, getFragmentData, type FragmentType } from '@/gql';
import type { SyncConflictResolution } from '@/gql/graphql';
import { ErrorAlert } from '@/components';
import { formatInstant } from '@/lib/words';
import { calendarName, changedWords, formatSpan, keepLabel } from './words';

export const ConflictCardFragment = graphql(`
  fragment ConflictCard on SyncConflict {
    id
    state
    provider
    createdAt
    resolution
    resolvedAt
    calsyncChanged
    providerChanged
    occurrenceStart
    booking {
      id
      title
    }
    user {
      id
      name
    }
    resolvedBy {
      id
      name
    }
    calsyncVersion {
      ...EventVersionFields
    }
    providerVersion {
      ...EventVersionFields
    }
  }
`);

const EventVersionFields = graphql(`
  fragment EventVersionFields on EventVersion {
    title
    location
    description
    start
    end
    allDay
    deleted
  }
`);

const ResolveConflict = graphql(`
  mutation ResolveConflict($id: ID!, $keep: SyncConflictResolution!) {
    resolveSyncConflict(id: $id, keep: $keep) {
      id
      ...ConflictCard
    }
  }
`);

function Version({
  heading,
  who,
  version,
  timeZone,
  occurrence,
}: {
  heading: string;
  who: string;
  version: FragmentType<typeof EventVersionFields>;
  timeZone: string;
  /** The version is of one occurrence of a series. */
  occurrence: boolean;
}) {
  const v = getFragmentData(EventVersionFields, version);
  return (
    <Stack gap={4} p="sm" style={{ border: '1px solid var(--mantine-color-gray-4)', borderRadius: 'var(--mantine-radius-sm)' }}>
      <Title order={3} size="h5">
        {heading}
      </Title>
      <Text size="sm" c="dimmed">
        {who}
      </Text>
      {v.deleted ? (
        <Text fw={600}>{occurrence ? 'Occurrence cancelled' : 'Deleted'}</Text>
      ) : (
        <>
          <Text fw={600}>{formatSpan(v.start, v.end, v.allDay, timeZone)}</Text>
          <Text size="sm">{v.title}</Text>
          {v.location && <Text size="sm">{v.location}</Text>}
          {v.description && (
            <Text size="sm" c="dimmed" lineClamp={3} style={{ whiteSpace: 'pre-line' }}>
              {v.description}
            </Text>
          )}
        </>
      )}
    </Stack>
  );
}

/** ConflictCard shows one conflict's two versions side by side and, while open, the two ways to settle it. */
export function ConflictCard({
  conflict,
  timeZone,
  onResolved,
}: {
  conflict: FragmentType<typeof ConflictCardFragment>;
  timeZone: string;
  onResolved?: () => void;
}) {
  const c = getFragmentData(ConflictCardFragment, conflict);
  const [{ fetching, error }, resolve] = useMutation(ResolveConflict);
  const keep = async (k: SyncConflictResolution) => {
    const r = await resolve({ id: c.id, keep: k });
    if (!r.error) onResolved?.();
  };
  const other = calendarName(c.provider);
  // A resolution that deleted the booking keeps the conflict as its record.
  const title = c.booking?.title ?? getFragmentData(EventVersionFields, c.calsyncVersion).title;
  return (
    <Card withBorder component="article" aria-label={`Conflict: ${title}`}>
      <Stack gap="sm">
        <Group justify="space-between" wrap="wrap" gap="xs">
          {c.booking ? (
            <Text fw={600} component={Link} to={`/bookings/${c.booking.id}`} c="blue.9">
              {c.booking.title}
            </Text>
          ) : (
            <Text fw={600}>{title} (booking deleted)</Text>
          )}
          {c.state === 'OPEN' ? (
            <Badge color="red.9" variant="outline">
              Waiting for a decision
            </Badge>
          ) : (
            <Badge color="teal.9" variant="outline">
              {c.resolution === 'KEEP_PROVIDER' ? `Kept the ${other} version` : 'Kept Calsync’s version'}
            </Badge>
          )}
        </Group>
        <Text size="sm">
          {c.occurrenceStart
            ? `The occurrence of ${formatInstant(c.occurrenceStart, timeZone)} was changed in Calsync and in ${c.user.name}’s ${other} since they last agreed. The other occurrences are not in question.`
            : `Changed in Calsync and in ${c.user.name}’s ${other} since they last agreed.`}{' '}
          Neither side is changed until someone chooses.
        </Text>
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <Version heading="In Calsync" who={`Calsync ${changedWords(c.calsyncChanged)}`} version={c.calsyncVersion} timeZone={timeZone} occurrence={!!c.occurrenceStart} />
          <Version
            heading={`In ${other}`}
            who={`${c.user.name} ${changedWords(c.providerChanged)}`}
            version={c.providerVersion}
            timeZone={timeZone}
            occurrence={!!c.occurrenceStart}
          />
        </SimpleGrid>
        <Text size="xs" c="dimmed">
          Found {formatInstant(c.createdAt, timeZone)}
          {c.resolvedAt && ` · settled ${formatInstant(c.resolvedAt, timeZone)}${c.resolvedBy ? ` by ${c.resolvedBy.name}` : ''}`}
        </Text>
        {error && <ErrorAlert error={error} title="The conflict was not settled" />}
        {c.state === 'OPEN' && (
          <Group gap="sm">
            <Button onClick={() => keep('KEEP_CALSYNC')} loading={fetching}>
              {keepLabel('CALSYNC')}
            </Button>
            <Button variant="default" onClick={() => keep('KEEP_PROVIDER')} loading={fetching}>
              {keepLabel(c.provider)}
            </Button>
          </Group>
        )}
      </Stack>
    </Card>
  );
}
