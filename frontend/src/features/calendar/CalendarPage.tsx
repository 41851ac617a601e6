import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { useMutation, useQuery, useSubscription } from 'urql';
import FullCalendar from '@fullcalendar/react';
import dayGridPlugin from '@fullcalendar/daygrid';
import timeGridPlugin from '@fullcalendar/timegrid';
import interactionPlugin from '@fullcalendar/interaction';
import type { DatesSetArg, DayCellMountArg, EventApi, EventClickArg, EventDropArg, EventMountArg } from '@fullcalendar/core';
import type { EventResizeDoneArg } from '@fullcalendar/interaction';
import { Box, Group, MultiSelect, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertTriangle } from '@tabler/icons-react';
import { PageHeader, QueryState } from '@/components';
import { getFragmentData } from '@/gql';
import { errorMessage } from '@/lib/errors';
import { isStaff, useViewer } from '@/features/auth';
import {
  CalendarBookingChangedDocument,
  CalendarEntryFieldsFragment,
  CalendarExternalEventsChangedDocument,
  CalendarFieldworkersDocument,
  CalendarMoveOccurrenceDocument,
  CalendarRescheduleDocument,
  CalendarViewDocument,
} from './api';
import { Legend } from './Legend';
import { InvitationPrompt } from './InvitationPrompt';
import { findOverlaps, moveOf, toEvents, type EventProps } from './model';
import { eventTimeFormatter, intlTimeZonePlugin, usableTimeZone } from './timeZone';
import './calendar.css';

const plugins = [dayGridPlugin, timeGridPlugin, interactionPlugin, intlTimeZonePlugin];
const phoneQuery = '(max-width: 48em)';
const headerToolbar = { left: 'prev,next today', center: 'title', right: 'timeGridDay,timeGridWeek,dayGridMonth' };
const buttonText = { today: 'Today', day: 'Day', week: 'Week', month: 'Month' };
const buttonHints = { prev: 'Previous $0', next: 'Next $0', today: 'This $0' };
const views = { dayGridMonth: { dayMaxEvents: true } };
const emptyIds: string[] = [];
/** From this many events the time grid lays events out in their own boxes, on one line. */
const denseFrom = 300;
const denseStack = 4;
const moreLinkHint = (n: number) => `Show ${n} more event${n === 1 ? '' : 's'}`;
const eventTimeFormat = eventTimeFormatter();
/** Live updates come in bursts (a sync imports many events): refetch once they settle. */
const refetchDelay = 300;

interface Range {
  from: string;
  to: string;
  viewType: string;
}

const rangeWords: Record<string, string> = {
  timeGridDay: 'on this day',
  timeGridWeek: 'this week',
  dayGridMonth: 'in this month',
};

export function CalendarPage() {
  const viewer = useViewer();
  const staff = isStaff(viewer.role);
  const navigate = useNavigate();
  const timeZone = useMemo(
    () => usableTimeZone(viewer.user.timeZone || viewer.organization.defaultTimeZone),
    [viewer.user.timeZone, viewer.organization.defaultTimeZone],
  );
  const [initialView] = useState(() =>
    typeof window !== 'undefined' && window.matchMedia?.(phoneQuery).matches ? 'timeGridDay' : 'timeGridWeek',
  );
  const [range, setRange] = useState<Range | null>(null);
  const [selected, setSelected] = useState<string[]>(emptyIds);

  const [fieldworkers] = useQuery({ query: CalendarFieldworkersDocument, pause: !staff });
  const fieldworkerOptions = useMemo(
    () =>
      (fieldworkers.data?.fieldworkers.edges ?? [])
        .flatMap((e) => (e?.node ? [{ value: e.node.id, label: e.node.name }] : []))
        .sort((a, b) => a.label.localeCompare(b.label)),
    [fieldworkers.data],
  );

  const variables = useMemo(
    () => ({
      from: range?.from ?? '',
      to: range?.to ?? '',
      // None chosen: every active fieldworker (the server's default).
      fieldworkerIds: staff && selected.length ? selected : undefined,
    }),
    [range?.from, range?.to, staff, selected],
  );
  const [{ data, fetching, error }, reexecute] = useQuery({
    query: CalendarViewDocument,
    variables,
    pause: !range,
  });

  // Live updates: any change of bookings or imported events refetches the view, debounced.
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const refetch = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  const scheduleRefetch = useCallback(() => {
    clearTimeout(timer.current);
    timer.current = setTimeout(refetch, refetchDelay);
  }, [refetch]);
  useEffect(() => () => clearTimeout(timer.current), []);
  const onLive = useCallback(
    (_prev: unknown, next: unknown) => {
      scheduleRefetch();
      return next;
    },
    [scheduleRefetch],
  );
  useSubscription({ query: CalendarBookingChangedDocument }, onLive);
  useSubscription({ query: CalendarExternalEventsChangedDocument }, onLive);

  const view = data?.calendarView;
  const entries = useMemo(() => (view ? getFragmentData(CalendarEntryFieldsFragment, view.entries) : []), [view]);
  const overlaps = useMemo(() => findOverlaps(entries), [entries]);
  const showNames = staff && selected.length !== 1;
  const rangeFormat = useMemo(
    () =>
      new Intl.DateTimeFormat(undefined, {
        weekday: 'short',
        day: 'numeric',
        month: 'short',
        hour: '2-digit',
        minute: '2-digit',
        timeZone: timeZone === 'local' ? undefined : timeZone,
      }),
    [timeZone],
  );
  const dataAt = useRef(0);
  const events = useMemo(() => {
    dataAt.current = performance.now();
    return toEvents(entries, {
      showNames,
      overlaps,
      canReschedule: staff,
    });
  }, [entries, showNames, overlaps, staff]);

  // Render timing for the performance test: data in hand → events in the DOM.
  const wrapper = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = wrapper.current;
    if (!el || !view) return;
    const start = dataAt.current;
    const raf = requestAnimationFrame(() => {
      el.dataset.renderMs = String(Math.round(performance.now() - start));
      el.dataset.eventCount = String(events.length);
      el.dataset.from = view.from;
      el.dataset.state = 'ready';
    });
    return () => cancelAnimationFrame(raf);
  }, [events, view]);

  const [, reschedule] = useMutation(CalendarRescheduleDocument);
  const [, moveOccurrence] = useMutation(CalendarMoveOccurrenceDocument);
  const onMove = useCallback(
    async (info: EventDropArg | EventResizeDoneArg) => {
      const ev: EventApi = info.event;
      const start = ev.start;
      const end = start && (ev.end ?? new Date(start.getTime() + 60 * 60 * 1000));
      const move = start && end && moveOf(ev.extendedProps as EventProps, start, end);
      if (!move) {
        info.revert();
        return;
      }
      const occurrence = move.kind === 'moveOccurrence';
      const res = occurrence ? await moveOccurrence(move.variables) : await reschedule(move.variables);
      if (res.error) {
        info.revert();
        notifications.show({
          color: 'red',
          title: occurrence ? 'The occurrence was not moved' : 'The booking was not moved',
          message: errorMessage(res.error),
        });
        return;
      }
      notifications.show({
        color: 'green',
        title: occurrence ? 'Occurrence moved' : 'Booking rescheduled',
        message: `${ev.title}: ${rangeFormat.formatRange(start, end)}`,
      });
      scheduleRefetch();
    },
    [reschedule, moveOccurrence, rangeFormat, scheduleRefetch],
  );

  const onEventClick = useCallback(
    (info: EventClickArg) => {
      const props = info.event.extendedProps as EventProps;
      info.jsEvent.preventDefault();
      if (props.kind === 'BOOKING' && props.bookingId) {
        navigate(`/bookings/${props.bookingId}`);
      } else if (props.webLink) {
        window.open(props.webLink, '_blank', 'noopener,noreferrer');
      }
    },
    [navigate],
  );

  const onDatesSet = useCallback((arg: DatesSetArg) => {
    hideToolbarIcons(wrapper.current);
    const next = { from: arg.start.toISOString(), to: arg.end.toISOString(), viewType: arg.view.type };
    setRange((cur) => (cur && cur.from === next.from && cur.to === next.to && cur.viewType === next.viewType ? cur : next));
  }, []);

  useEffect(() => hideToolbarIcons(wrapper.current), [range]);

  // Many fieldworkers at once: side by side, a hundred events would be
  // slivers (and slow to lay out). The time grid then shows a few per
  // time and a "+N more" link opening the rest.
  const dense = events.length > denseFrom;

  const isTimeGrid = range?.viewType.startsWith('timeGrid') ?? initialView.startsWith('timeGrid');
  const words = rangeWords[range?.viewType ?? initialView] ?? 'in this range';
  const empty = view ? entries.length === 0 : undefined;

  return (
    <Stack gap="sm">
      <PageHeader title="Calendar" />
      {staff && <InvitationPrompt role={viewer.role} selectedIds={selected} />}
      <Group justify="space-between" align="flex-end" wrap="wrap" gap="sm">
        {staff ? (
          <MultiSelect
            label="Fieldworkers"
            placeholder={selected.length ? undefined : 'All fieldworkers'}
            data={fieldworkerOptions}
            value={selected}
            onChange={setSelected}
            searchable
            clearable
            maxValues={200}
            nothingFoundMessage="No fieldworker by that name"
            error={fieldworkers.error ? errorMessage(fieldworkers.error) : undefined}
            style={{ flex: '1 1 18rem', maxWidth: '40rem' }}
          />
        ) : (
          <Text size="sm">Your bookings and the events of your linked calendars.</Text>
        )}
        {view && <Legend legend={view.legend} />}
      </Group>
      <Group justify="space-between" wrap="wrap" gap="xs">
        <Text size="sm" c="dimmed">
          Times in {timeZone === 'local' ? 'your browser’s time zone' : timeZone.replace(/_/g, ' ')}
        </Text>
        {view &&
          (overlaps.pairs > 0 ? (
            <Group gap={4} wrap="nowrap" role="status">
              <IconAlertTriangle size={18} color="var(--mantine-color-red-8)" aria-hidden />
              <Text size="sm" fw={600} c="red.8">
                {overlaps.pairs} double booking{overlaps.pairs === 1 ? '' : 's'} {words}
              </Text>
            </Group>
          ) : (
            <Text size="sm" c="dimmed" role="status">
              No double bookings {words}
            </Text>
          ))}
      </Group>
      <QueryState
        fetching={fetching}
        error={error}
        empty={empty}
        emptyText="No bookings or events in this range"
        label="Loading the calendar"
        onRetry={refetch}
      >
        {null}
      </QueryState>
      <Box
        ref={wrapper}
        className={dense ? 'calsync-calendar calsync-dense' : 'calsync-calendar'}
        data-state={view ? 'ready' : 'loading'}
        aria-busy={fetching || undefined}
      >
        <FullCalendar
          plugins={plugins}
          initialView={initialView}
          timeZone={timeZone}
          firstDay={1}
          headerToolbar={headerToolbar}
          buttonText={buttonText}
          buttonHints={buttonHints}
          views={views}
          // On a phone the grid gets a height of its own, so it opens
          // scrolled to the working day (scrollTime) instead of midnight.
          height={initialView === 'timeGridDay' ? '75vh' : 'auto'}
          contentHeight={undefined}
          scrollTime="07:00:00"
          nowIndicator
          eventDisplay="block"
          eventTimeFormat={eventTimeFormat}
          eventMaxStack={dense ? denseStack : undefined}
          moreLinkHint={moreLinkHint}
          events={events}
          editable={staff && isTimeGrid}
          eventStartEditable={staff && isTimeGrid}
          eventDurationEditable={staff && isTimeGrid}
          eventClick={onEventClick}
          eventDidMount={onEventDidMount}
          dayCellDidMount={onDayCellDidMount}
          eventDrop={onMove}
          eventResize={onMove}
          datesSet={onDatesSet}
        />
      </Box>
    </Stack>
  );
}

// FullCalendar's previous/next icons are role="img" without a name; the
// buttons are named by their titles ("Next week"), so the icons are hidden.
function hideToolbarIcons(root: HTMLElement | null) {
  root?.querySelectorAll('.fc-toolbar .fc-icon').forEach((icon) => icon.setAttribute('aria-hidden', 'true'));
}

// A month's day cell is named by its date link, but holds the events too
// (axe: the visible text must be part of the name): the date link and the
// column header say which day it is.
function onDayCellDidMount({ el }: DayCellMountArg) {
  el.removeAttribute('aria-labelledby');
}

// onEventDidMount completes each event's link: words for screen readers
// after the visible time and title, and a new tab for provider links.
function onEventDidMount({ el, event }: EventMountArg) {
  const props = event.extendedProps as EventProps;
  const extra = document.createElement('span');
  extra.className = 'calsync-visually-hidden';
  extra.textContent = `, ${props.description}`;
  el.appendChild(extra);
  el.dataset.kind = props.kind;
  if (props.overlap) el.dataset.overlap = 'true';
  if (props.kind === 'EXTERNAL' && el instanceof HTMLAnchorElement) {
    el.target = '_blank';
    el.rel = 'noopener noreferrer';
  }
}
