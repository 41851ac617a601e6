import { useMemo } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { Alert, Anchor, Badge, Group, Stack, Text } from '@mantine/core';
import { ConfirmButton, ErrorAlert, PageHeader, QueryState } from '@/components';
import { isStaff, useViewer } from '@/features/auth';
import { calendarName } from '@/features/conflicts';
import { errorMessage } from '@/lib/errors';
import { BookingsBookingQuery, BookingsDeleteMutation, BookingsFieldworkersQuery, BookingsOptionsQuery } from './api';
import { BookingForm } from './components/BookingForm';
import { BookingConflicts } from './components/Conflicts';
import { CancelBookingButton } from './components/CancelBookingButton';
import { MovedOccurrences } from './components/MovedOccurrences';
import { utcToZoned } from './zonedTime';
import { notifications } from '@mantine/notifications';

/** The next whole hour and the one after, as wall clocks in timeZone. */
function nextHour(timeZone: string): { start: string; end: string } {
  const h = 3600_000;
  const t = Math.ceil(Date.now() / h) * h;
  return { start: utcToZoned(new Date(t).toISOString(), timeZone), end: utcToZoned(new Date(t + h).toISOString(), timeZone) };
}

export function BookingPage() {
  const { id } = useParams();
  const viewer = useViewer();
  const staff = isStaff(viewer.role);
  const navigate = useNavigate();
  const [booking, refetch] = useQuery({ query: BookingsBookingQuery, variables: { id: id ?? '' }, pause: !id });
  const [options, refetchOptions] = useQuery({ query: BookingsOptionsQuery });
  const [fws] = useQuery({ query: BookingsFieldworkersQuery, pause: !staff });
  const [, remove] = useMutation(BookingsDeleteMutation);
  const defaultStart = useMemo(() => nextHour(viewer.organization.defaultTimeZone), [viewer.organization.defaultTimeZone]);

  const node = booking.data?.node;
  const b = node && node.__typename === 'Booking' ? node : null;
  const fieldworkers = staff ? (fws.data?.fieldworkers.edges ?? []).flatMap((e) => (e?.node ? [e.node] : [])) : null;
  const ready = options.data && (!staff || fws.data || fws.error);

  const form = ready && (
    <BookingForm
      key={b ? `${b.id}-${b.updatedAt}` : 'new'}
      booking={b}
      statuses={options.data!.bookingStatuses}
      types={options.data!.bookingTypes}
      fieldworkers={fieldworkers}
      defaultTimeZone={viewer.organization.defaultTimeZone}
      defaultStart={defaultStart}
    />
  );

  return (
    <>
      <Anchor component={Link} to="/bookings" size="sm">
        ← All bookings
      </Anchor>
      {!id ? (
        <>
          <PageHeader title="New booking" />
          <QueryState fetching={options.fetching} error={options.error} empty={!ready} onRetry={() => refetchOptions({ requestPolicy: 'network-only' })}>
            {form}
          </QueryState>
        </>
      ) : (
        <QueryState
          fetching={booking.fetching || options.fetching}
          error={booking.error ?? options.error}
          empty={!b || !ready}
          emptyText="This booking does not exist or you may not see it."
          label="Loading booking"
          onRetry={() => refetch({ requestPolicy: 'network-only' })}
        >
          {b && (
            <Stack gap="md">
              <PageHeader
                title={b.title}
                actions={
                  <>
                    {!b.cancelledAt && <CancelBookingButton id={b.id} title={b.title} />}
                    {viewer.role === 'ADMIN' && (
                      <ConfirmButton
                        title="Delete this booking?"
                        message={`“${b.title}” and its calendar events are removed. This cannot be undone.`}
                        confirmLabel="Delete booking"
                        onConfirm={async () => {
                          const r = await remove({ id: b.id });
                          if (r.error) {
                            notifications.show({ color: 'red', title: 'The booking was not deleted', message: errorMessage(r.error) });
                            return;
                          }
                          notifications.show({ color: 'green', message: `“${b.title}” deleted` });
                          navigate('/bookings');
                        }}
                      >
                        Delete
                      </ConfirmButton>
                    )}
                  </>
                }
              />
              {b.cancelledAt && (
                <Alert color="gray" title="Cancelled" role="status">
                  <Group gap="xs">
                    <Badge color="red" variant="light">
                      {b.status?.name ?? 'Cancelled'}
                    </Badge>
                    <Text size="sm">
                      Cancelled {new Date(b.cancelledAt).toLocaleString('en-GB', { timeZone: viewer.user.timeZone || viewer.organization.defaultTimeZone })}
                      {b.cancelReason ? ` — ${b.cancelReason}` : ''}
                    </Text>
                  </Group>
                </Alert>
              )}
              {b.madeAtProvider && (
                <Text size="sm" c="dimmed" role="note">
                  Made from an event in {calendarName(b.madeAtProvider)} (two-way sync): its title, time, place
                  and description follow that event, and changes saved here reach it.
                </Text>
              )}
              <BookingConflicts booking={b} />
              <MovedOccurrences booking={b} canMove={staff} />
              {fws.error && <ErrorAlert error={fws.error} title="Fieldworkers could not be loaded" />}
              {form}
            </Stack>
          )}
        </QueryState>
      )}
    </>
  );
}
