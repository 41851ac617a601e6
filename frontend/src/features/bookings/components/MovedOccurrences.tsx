import { useId, useState } from 'react';
import { useMutation, type CombinedError } from 'urql';
import { Button, Group, Paper, Stack, Text, Title, VisuallyHidden } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { graphql, getFragmentData, type FragmentType } from '@/gql';
import { ErrorAlert } from '@/components';
import { BookingsMoveOccurrenceMutation } from '../api';
import { formatDayRange, formatDayTime } from '../zonedTime';

export const MovedOccurrencesFragment = graphql(`
  fragment MovedOccurrencesBooking on Booking {
    id
    startAt
    endAt
    timeZone
    movedOccurrences {
      originalStart
      startAt
      endAt
    }
  }
`);

interface Booking {
  startAt: string;
  endAt: string;
}

/** backEnd is where an occurrence put back at originalStart ends: the booking's length later. */
function backEnd(b: Booking, originalStart: string): string {
  const length = Date.parse(b.endAt) - Date.parse(b.startAt);
  return new Date(Date.parse(originalStart) + length).toISOString().replace('.000Z', 'Z');
}

// MovedOccurrences lists the occurrences of a recurring booking that take
// place elsewhere than its series puts them, in the booking's time zone;
// those who may reschedule move each back where the series puts it.
export function MovedOccurrences({ booking, canMove }: { booking: FragmentType<typeof MovedOccurrencesFragment>; canMove: boolean }) {
  const b = getFragmentData(MovedOccurrencesFragment, booking);
  const headingId = useId();
  const [, move] = useMutation(BookingsMoveOccurrenceMutation);
  // The original start of the occurrence being moved back.
  const [pending, setPending] = useState<string | null>(null);
  const [error, setError] = useState<CombinedError | null>(null);
  if (!b.movedOccurrences.length) return null;

  async function moveBack(originalStart: string) {
    setError(null);
    setPending(originalStart);
    const r = await move({ bookingId: b.id, originalStart, startAt: originalStart, endAt: backEnd(b, originalStart) });
    setPending(null);
    if (r.error) {
      setError(r.error);
      return;
    }
    notifications.show({ color: 'green', message: `The occurrence of ${formatDayTime(originalStart, b.timeZone)} is back in its series` });
  }

  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby={headingId}>
      <Stack gap="sm">
        <Title order={2} size="h4" id={headingId}>
          Moved occurrences
        </Title>
        <Text size="sm" c="dimmed">
          Where the series puts each → where it takes place, in {b.timeZone.replace(/_/g, ' ')} time.
        </Text>
        {error && <ErrorAlert error={error} title="The occurrence was not moved back" />}
        <Stack gap="xs" component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }} aria-labelledby={headingId}>
          {b.movedOccurrences.map((m) => (
            <Group key={m.originalStart} component="li" justify="space-between" wrap="wrap" gap="sm">
              <Text size="sm">
                {formatDayTime(m.originalStart, b.timeZone)} → {formatDayRange(m.startAt, m.endAt, b.timeZone)}
              </Text>
              {canMove && (
                <Button
                  size="xs"
                  variant="default"
                  loading={pending === m.originalStart}
                  disabled={pending !== null && pending !== m.originalStart}
                  onClick={() => moveBack(m.originalStart)}
                >
                  Move back<VisuallyHidden> to {formatDayTime(m.originalStart, b.timeZone)}</VisuallyHidden>
                </Button>
              )}
            </Group>
          ))}
        </Stack>
      </Stack>
    </Paper>
  );
}
