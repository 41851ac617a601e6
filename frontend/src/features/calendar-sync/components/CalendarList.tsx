import { useState } from 'react';
import { useMutation, type CombinedError } from 'urql';
import { Button, Checkbox, Group, Stack, Text, Title } from '@mantine/core';
import { IconRefresh } from '@tabler/icons-react';
import { graphql, getFragmentData, type FragmentType } from '@/gql';
import type { Provider } from '@/gql/graphql';
import { ErrorAlert } from '@/components';

export const CalendarListFragment = graphql(`
  fragment CalendarSyncCalendars_account on CalendarAccount {
    id
    destinationCalendarID
    calendars {
      id
      calendarID
      name
      primary
      selected
      accessRole
      lastReadError
    }
  }
`);

const SelectDocument = graphql(`
  mutation CalendarSyncSelectCalendars($provider: Provider!, $calendarIds: [ID!]!) {
    selectImportedCalendars(provider: $provider, calendarIds: $calendarIds) {
      id
      ...CalendarSyncCalendars_account
    }
  }
`);

const RefreshDocument = graphql(`
  mutation CalendarSyncRefreshCalendars($provider: Provider!) {
    refreshCalendars(provider: $provider) {
      id
      ...CalendarSyncCalendars_account
    }
  }
`);

// CalendarList lets the user choose which of the linked account's calendars
// Calsync imports (their busy times show in Calsync). The calendar Calsync
// created for its own events cannot be imported.
export function CalendarList({ provider, account }: { provider: Provider; account: FragmentType<typeof CalendarListFragment> }) {
  const a = getFragmentData(CalendarListFragment, account);
  const [select, selectCalendars] = useMutation(SelectDocument);
  const [refresh, refreshCalendars] = useMutation(RefreshDocument);
  const [error, setError] = useState<CombinedError | null>(null);
  const calendars = a.calendars ?? [];
  const own = (c: (typeof calendars)[number]) => c.calendarID === a.destinationCalendarID && !c.primary;

  const toggle = async (id: string, on: boolean) => {
    const ids = calendars.filter((c) => (c.id === id ? on : c.selected) && !own(c)).map((c) => c.id);
    const res = await selectCalendars({ provider, calendarIds: ids });
    setError(res.error ?? null);
  };

  return (
    <Stack gap="xs">
      <Group justify="space-between" gap="xs">
        <Title order={3} size="h5">
          Calendars shown in Calsync
        </Title>
        <Button
          variant="default"
          size="xs"
          leftSection={<IconRefresh size={14} aria-hidden />}
          loading={refresh.fetching}
          onClick={async () => {
            const res = await refreshCalendars({ provider });
            setError(res.error ?? null);
          }}
        >
          Refresh calendar list
        </Button>
      </Group>
      <Text size="sm" c="dimmed">
        The busy times of the calendars you tick show in Calsync, so nobody books you when you are not free.
      </Text>
      {error && <ErrorAlert error={error} title="Could not change the calendars" />}
      {calendars.length === 0 ? (
        <Text size="sm">No calendars yet. Use “Refresh calendar list” after the first sync.</Text>
      ) : (
        <Stack gap={6}>
          {calendars.map((c) => {
            const isOwn = own(c);
            return (
              <Checkbox
                key={c.id}
                label={c.primary ? `${c.name} (primary)` : c.name}
                description={
                  isOwn
                    ? 'Calsync writes your bookings here, so it cannot be imported.'
                    : c.lastReadError
                      ? `Could not be read: ${c.lastReadError}`
                      : undefined
                }
                checked={!isOwn && c.selected}
                disabled={isOwn || select.fetching}
                onChange={(e) => void toggle(c.id, e.currentTarget.checked)}
              />
            );
          })}
        </Stack>
      )}
    </Stack>
  );
}
