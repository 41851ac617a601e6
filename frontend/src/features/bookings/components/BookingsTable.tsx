import { Link } from 'react-router';
import { Anchor, Checkbox, ColorSwatch, Group, Table, Text } from '@mantine/core';
import { IconRepeat } from '@tabler/icons-react';
import { graphql, getFragmentData, type FragmentType } from '@/gql';
import { formatWhen } from '../zonedTime';

export const BookingsTableRowFragment = graphql(`
  fragment BookingsTableRow on Booking {
    id
    title
    startAt
    endAt
    recurrence
    published
    cancelledAt
    customerName
    hosts {
      id
      name
    }
    status {
      id
      name
      color
    }
    type {
      id
      name
    }
  }
`);

// BookingsTable lists bookings with their time in the viewer's zone; staff
// select rows for the bulk actions.
export function BookingsTable({
  rows,
  timeZone,
  selectable,
  selected,
  onSelect,
}: {
  rows: FragmentType<typeof BookingsTableRowFragment>[];
  timeZone: string;
  selectable: boolean;
  selected: Set<string>;
  onSelect: (ids: string[], on: boolean) => void;
}) {
  const bookings = rows.map((r) => getFragmentData(BookingsTableRowFragment, r));
  const allOn = bookings.length > 0 && bookings.every((b) => selected.has(b.id));
  const someOn = bookings.some((b) => selected.has(b.id));
  return (
    <Table.ScrollContainer minWidth={760}>
      <Table striped highlightOnHover verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            {selectable && (
              <Table.Th w={40}>
                <Checkbox
                  aria-label="Select all bookings on the page"
                  checked={allOn}
                  indeterminate={someOn && !allOn}
                  onChange={(e) => onSelect(bookings.map((b) => b.id), e.currentTarget.checked)}
                />
              </Table.Th>
            )}
            <Table.Th>When ({timeZone})</Table.Th>
            <Table.Th>Title</Table.Th>
            <Table.Th>Hosts</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Type</Table.Th>
            <Table.Th>Published</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {bookings.map((b) => (
            <Table.Tr key={b.id}>
              {selectable && (
                <Table.Td>
                  <Checkbox aria-label={`Select ${b.title}`} checked={selected.has(b.id)} onChange={(e) => onSelect([b.id], e.currentTarget.checked)} />
                </Table.Td>
              )}
              <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatWhen(b.startAt, b.endAt, timeZone)}</Table.Td>
              <Table.Td>
                <Group gap={6} wrap="nowrap">
                  <Anchor component={Link} to={`/bookings/${b.id}`}>
                    {b.title}
                  </Anchor>
                  {b.recurrence && <IconRepeat size={16} aria-label="Recurring" role="img" />}
                </Group>
                {b.customerName && (
                  <Text size="xs" c="dimmed">
                    {b.customerName}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>{(b.hosts ?? []).map((h) => h.name).join(', ') || '—'}</Table.Td>
              <Table.Td>
                {b.status ? (
                  <Group gap={6} wrap="nowrap">
                    {b.status.color && <ColorSwatch color={b.status.color} size={12} aria-hidden />}
                    <span>{b.status.name}</span>
                  </Group>
                ) : (
                  '—'
                )}
                {b.cancelledAt && !b.status && 'Cancelled'}
              </Table.Td>
              <Table.Td>{b.type?.name ?? '—'}</Table.Td>
              <Table.Td>{b.published ? 'Yes' : 'No'}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
