import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { Alert, List } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from 'urql';
import { IconAlertTriangle } from '@tabler/icons-react';
import { graphql, getFragmentData, type FragmentType } from '@/gql';
import { errorMessage } from '@/lib/errors';
import { BookingsOverlapsQuery } from '../api';
import { formatTime, formatWhen, utcToZoned } from '../zonedTime';

// Mantine's yellow/orange alert titles are below WCAG AA contrast on their
// light background: the title takes the text colour.
const readable = { title: { color: 'var(--mantine-color-text)' } };

interface Entry {
  kind: string;
  title: string;
  start: string;
  end: string;
  allDay?: boolean;
  provider?: string | null;
}

function source(e: Entry): string {
  if (e.kind === 'BOOKING') return 'booking';
  if (e.provider === 'GOOGLE') return 'Google';
  if (e.provider === 'MICROSOFT') return 'Outlook';
  return 'calendar';
}

function when(e: Entry, timeZone: string, sameDay: boolean): string {
  if (e.allDay) return 'all day';
  return sameDay ? `${formatTime(e.start, timeZone)}–${formatTime(e.end, timeZone)}` : formatWhen(e.start, e.end, timeZone);
}

interface HostResult {
  entries: Entry[];
  error?: string;
}

// HostOverlapsProbe asks what takes one host's time and reports it up.
function HostOverlapsProbe({
  hostId,
  from,
  to,
  excludeBookingId,
  onResult,
}: {
  hostId: string;
  from: string;
  to: string;
  excludeBookingId?: string;
  onResult: (hostId: string, r: HostResult | null) => void;
}) {
  const [{ data, error, fetching }] = useQuery({
    query: BookingsOverlapsQuery,
    variables: { fieldworkerId: hostId, from, to, excludeBookingId },
    requestPolicy: 'cache-and-network',
  });
  useEffect(() => {
    if (error) onResult(hostId, { entries: [], error: errorMessage(error) });
    else if (data) onResult(hostId, { entries: data.overlaps });
    else if (!fetching) onResult(hostId, null);
  }, [hostId, data, error, fetching, onResult]);
  useEffect(() => () => onResult(hostId, null), [hostId, onResult]);
  return null;
}

// HostConflicts warns, while the form is being filled in, about what
// already takes the chosen hosts' time (asked after a short pause in typing).
export function HostConflicts({
  hosts,
  from,
  to,
  excludeBookingId,
  timeZone,
}: {
  hosts: { id: string; name: string }[];
  from: string | null;
  to: string | null;
  excludeBookingId?: string;
  timeZone: string;
}) {
  // Debounced as a string: a new object every render would restart the timer for ever.
  const [key] = useDebouncedValue(JSON.stringify({ ids: hosts.map((h) => h.id), from, to }), 400);
  const debounced = useMemo(() => {
    const k = JSON.parse(key) as { ids: string[]; from: string | null; to: string | null };
    return { hosts: k.ids.map((id) => ({ id })), from: k.from, to: k.to };
  }, [key]);
  const [results, setResults] = useState<Record<string, HostResult | null>>({});
  const onResult = useCallback((id: string, r: HostResult | null) => setResults((prev) => ({ ...prev, [id]: r })), []);
  const valid = !!debounced.from && !!debounced.to && Date.parse(debounced.to) > Date.parse(debounced.from);
  const probes = valid
    ? debounced.hosts.map((h) => (
        <HostOverlapsProbe
          key={h.id}
          hostId={h.id}
          from={debounced.from!}
          to={debounced.to!}
          excludeBookingId={excludeBookingId}
          onResult={onResult}
        />
      ))
    : null;
  const items: ReactNode[] = [];
  if (valid) {
    const sameDay = utcToZoned(debounced.from!, timeZone).slice(0, 10) === utcToZoned(debounced.to!, timeZone).slice(0, 10);
    for (const h of hosts) {
      const r = results[h.id];
      if (!r) continue;
      if (r.error) items.push(<List.Item key={h.id}>Could not check {h.name}&apos;s calendar: {r.error}</List.Item>);
      for (const e of r.entries) {
        items.push(
          <List.Item key={`${h.id}-${e.kind}-${e.title}-${e.start}`}>
            {h.name} is busy: {e.title} ({source(e)}) {when(e, timeZone, sameDay)}
          </List.Item>,
        );
      }
    }
  }
  return (
    <>
      {probes}
      {items.length > 0 && (
        <Alert color="yellow" variant="light" icon={<IconAlertTriangle size={18} />} title="Busy at this time" styles={readable}>
          <List size="sm" spacing={2}>
            {items}
          </List>
        </Alert>
      )}
    </>
  );
}

export const BookingConflictsFragment = graphql(`
  fragment BookingConflictsBooking on Booking {
    id
    timeZone
    conflicts {
      id
      kind
      title
      start
      end
      allDay
      provider
      fieldworker {
        id
        name
      }
    }
  }
`);

// BookingConflicts lists the stored booking's double bookings (every
// occurrence of a recurring one, as the server computes them).
export function BookingConflicts({ booking }: { booking: FragmentType<typeof BookingConflictsFragment> }) {
  const b = getFragmentData(BookingConflictsFragment, booking);
  if (!b.conflicts.length) return null;
  return (
    <Alert color="orange" variant="light" icon={<IconAlertTriangle size={18} />} title="Double bookings" styles={readable}>
      <List size="sm" spacing={2}>
        {b.conflicts.map((e) => (
          <List.Item key={`${e.kind}-${e.id}-${e.fieldworker.id}-${e.start}`}>
            {e.fieldworker.name} is busy: {e.title} ({source(e)}) {when(e, b.timeZone, false)}
          </List.Item>
        ))}
      </List>
    </Alert>
  );
}
