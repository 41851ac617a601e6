import { useEffect, useMemo, useState } from 'react';
import { Link } from 'react-router';
import { useClient, useMutation, useQuery, type CombinedError } from 'urql';
import { Button, Group, Paper, Select, SimpleGrid, Stack, Switch, Text, TextInput } from '@mantine/core';
import { useDebouncedValue, useDisclosure } from '@mantine/hooks';
import { IconPlus, IconSearch } from '@tabler/icons-react';
import { ErrorAlert, PageHeader, QueryState } from '@/components';
import { isStaff, useViewer } from '@/features/auth';
import type { BookingWhereInput, BookingsListQuery as ListData } from '@/gql/graphql';
import { BookingsFieldworkersQuery, BookingsListQuery, BookingsOptionsQuery, BookingsSetPublishedMutation } from './api';
import { BookingsTable } from './components/BookingsTable';
import { MassModifyModal } from './components/MassModifyModal';
import { addDays, todayIn, zonedDayStart } from './zonedTime';
import { notifications } from '@mantine/notifications';

type Edges = NonNullable<ListData['bookings']['edges']>;

export function BookingsPage() {
  const viewer = useViewer();
  const staff = isStaff(viewer.role);
  const zone = viewer.user.timeZone || viewer.organization.defaultTimeZone;
  const [fromDate, setFromDate] = useState(() => todayIn(zone));
  const [toDate, setToDate] = useState(() => addDays(todayIn(zone), 29));
  const [fieldworkerId, setFieldworkerId] = useState<string | null>(null);
  const [statusId, setStatusId] = useState<string | null>(null);
  const [typeId, setTypeId] = useState<string | null>(null);
  const [includeCancelled, setIncludeCancelled] = useState(false);
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 300);

  const from = zonedDayStart(fromDate, zone);
  const to = /^\d{4}-\d{2}-\d{2}$/.test(toDate) ? zonedDayStart(addDays(toDate, 1), zone) : null;
  const rangeError = from && to && Date.parse(to) <= Date.parse(from) ? 'The last day must not be before the first' : undefined;

  const variables = useMemo(() => {
    const where: BookingWhereInput = {};
    if (statusId) where.statusID = statusId;
    if (typeId) where.typeID = typeId;
    if (q) where.or = [{ titleContainsFold: q }, { customerNameContainsFold: q }];
    return {
      from: from ?? '',
      to: to ?? '',
      fieldworkerId: fieldworkerId ?? undefined,
      includeCancelled,
      where: Object.keys(where).length ? where : undefined,
    };
  }, [from, to, fieldworkerId, includeCancelled, statusId, typeId, q]);
  const valid = !!from && !!to && !rangeError;

  const [list, refetch] = useQuery({ query: BookingsListQuery, variables, pause: !valid });
  const [options] = useQuery({ query: BookingsOptionsQuery });
  const [fws] = useQuery({ query: BookingsFieldworkersQuery, pause: !staff });

  // "Load more": the next pages, asked for with the last page's cursor.
  const client = useClient();
  const [more, setMore] = useState<{ edges: Edges; hasNextPage: boolean; endCursor?: string | null }[]>([]);
  const [moreError, setMoreError] = useState<CombinedError | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const varsKey = JSON.stringify(variables);
  useEffect(() => {
    setMore([]);
    setMoreError(null);
  }, [varsKey]);

  const first = list.data?.bookings;
  const last = more.length ? more[more.length - 1] : first ? { hasNextPage: first.pageInfo.hasNextPage, endCursor: first.pageInfo.endCursor } : null;
  const edges: Edges = [...(first?.edges ?? []), ...more.flatMap((m) => m.edges)];
  const rows = edges.flatMap((e) => (e?.node ? [e.node] : []));
  const ids = rows.map((r) => r.id);

  async function loadMore() {
    if (!last?.endCursor) return;
    setLoadingMore(true);
    setMoreError(null);
    const r = await client.query(BookingsListQuery, { ...variables, after: last.endCursor }, { requestPolicy: 'network-only' }).toPromise();
    setLoadingMore(false);
    if (r.error || !r.data) {
      setMoreError(r.error ?? null);
      return;
    }
    const b = r.data.bookings;
    setMore((m) => [...m, { edges: b.edges ?? [], hasNextPage: b.pageInfo.hasNextPage, endCursor: b.pageInfo.endCursor }]);
  }

  // Selection and bulk actions (staff).
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const select = (changed: string[], on: boolean) =>
    setSelected((s) => {
      const n = new Set(s);
      for (const id of changed) {
        if (on) n.add(id);
        else n.delete(id);
      }
      return n;
    });
  const chosen = ids.filter((id) => selected.has(id));
  const [bulkError, setBulkError] = useState<CombinedError | null>(null);
  const [{ fetching: publishing }, setPublished] = useMutation(BookingsSetPublishedMutation);
  const [massOpen, mass] = useDisclosure(false);

  const afterBulk = () => {
    setSelected(new Set());
    setMore([]);
    refetch({ requestPolicy: 'network-only' });
  };
  async function publish(on: boolean) {
    setBulkError(null);
    const r = await setPublished({ ids: chosen, published: on });
    if (r.error || !r.data) {
      setBulkError(r.error ?? null);
      return;
    }
    const n = r.data.setBookingsPublished.length;
    notifications.show({ color: 'green', message: `${n} ${n === 1 ? 'booking' : 'bookings'} ${on ? 'published' : 'unpublished'}` });
    afterBulk();
  }

  const statuses = options.data?.bookingStatuses ?? [];
  const types = options.data?.bookingTypes ?? [];
  const fieldworkers = (fws.data?.fieldworkers.edges ?? []).flatMap((e) => (e?.node ? [e.node] : []));

  return (
    <>
      <PageHeader
        title="Bookings"
        actions={
          <Button component={Link} to="/bookings/new" leftSection={<IconPlus size={16} />}>
            New booking
          </Button>
        }
      />
      <Stack gap="md">
        <Paper withBorder p="sm">
          <SimpleGrid cols={{ base: 1, xs: 2, md: 3, lg: 6 }} spacing="sm">
            <TextInput label="From" type="date" value={fromDate} onChange={(e) => setFromDate(e.currentTarget.value)} error={!from ? 'Choose a date' : undefined} />
            <TextInput label="To" type="date" value={toDate} onChange={(e) => setToDate(e.currentTarget.value)} error={!to ? 'Choose a date' : rangeError} />
            {staff && (
              <Select
                label="Fieldworker"
                placeholder="Everyone"
                clearable
                searchable
                data={fieldworkers.map((f) => ({ value: f.id, label: f.name }))}
                value={fieldworkerId}
                onChange={setFieldworkerId}
              />
            )}
            <Select label="Status" placeholder="Any status" clearable data={statuses.map((s) => ({ value: s.id, label: s.name }))} value={statusId} onChange={setStatusId} />
            <Select label="Type" placeholder="Any type" clearable data={types.map((t) => ({ value: t.id, label: t.name }))} value={typeId} onChange={setTypeId} />
            <TextInput
              label="Search"
              placeholder="Title or customer"
              leftSection={<IconSearch size={16} />}
              value={search}
              onChange={(e) => setSearch(e.currentTarget.value)}
            />
          </SimpleGrid>
          <Switch mt="sm" label="Include cancelled" checked={includeCancelled} onChange={(e) => setIncludeCancelled(e.currentTarget.checked)} />
        </Paper>
        {options.error && <ErrorAlert error={options.error} title="Statuses and types could not be loaded" />}
        {bulkError && <ErrorAlert error={bulkError} title="The bookings were not changed" />}
        {staff && chosen.length > 0 && (
          <Paper withBorder p="sm" role="region" aria-label="Selected bookings">
            <Group gap="sm" wrap="wrap">
              <Text fw={500}>{chosen.length} selected</Text>
              <Button variant="light" loading={publishing} onClick={() => publish(true)}>
                Publish
              </Button>
              <Button variant="light" loading={publishing} onClick={() => publish(false)}>
                Unpublish
              </Button>
              <Button variant="light" onClick={mass.open}>
                Mass modify…
              </Button>
              <Button variant="subtle" onClick={() => setSelected(new Set())}>
                Clear selection
              </Button>
            </Group>
          </Paper>
        )}
        {valid && (
          <QueryState
            fetching={list.fetching}
            error={list.error}
            empty={!first || rows.length === 0}
            emptyText="No bookings in this range."
            label="Loading bookings"
            onRetry={() => refetch({ requestPolicy: 'network-only' })}
          >
            <Text size="sm" c="dimmed">
              Showing {rows.length} of {first?.totalCount ?? 0}
            </Text>
            <BookingsTable rows={rows} timeZone={zone} selectable={staff} selected={selected} onSelect={select} />
            {moreError && <ErrorAlert error={moreError} onRetry={loadMore} />}
            {last?.hasNextPage && (
              <Group justify="center">
                <Button variant="default" onClick={loadMore} loading={loadingMore}>
                  Load more
                </Button>
              </Group>
            )}
          </QueryState>
        )}
      </Stack>
      {staff && (
        <MassModifyModal
          opened={massOpen}
          onClose={mass.close}
          ids={chosen}
          statuses={statuses}
          types={types}
          fieldworkers={fieldworkers}
          onDone={() => {
            mass.close();
            afterBulk();
          }}
        />
      )}
    </>
  );
}
