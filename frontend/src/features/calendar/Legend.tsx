import { Box, Group, Text } from '@mantine/core';
import { graphql, getFragmentData, type FragmentType } from '@/gql';

export const CalendarLegendFieldsFragment = graphql(`
  fragment CalendarLegendFields on CalendarLegend {
    booking
    recurringBooking
    google
    microsoft
  }
`);

// Legend: what each colour of the calendar means (colours from the API).
export function Legend({ legend }: { legend: FragmentType<typeof CalendarLegendFieldsFragment> }) {
  const l = getFragmentData(CalendarLegendFieldsFragment, legend);
  const items: [string, string][] = [
    ['Booking', l.booking],
    ['Recurring booking', l.recurringBooking],
    ['Google Calendar event', l.google],
    ['Outlook event', l.microsoft],
  ];
  return (
    <Group component="ul" aria-label="Legend" gap="md" wrap="wrap" p={0} m={0} style={{ listStyle: 'none' }}>
      {items.map(([label, color]) => (
        <Group component="li" key={label} gap={6} wrap="nowrap" data-color={color}>
          <Box
            aria-hidden
            w={14}
            h={14}
            style={{ background: color, borderRadius: 3, border: '1px solid rgba(0,0,0,0.2)', flexShrink: 0 }}
          />
          <Text size="sm">{label}</Text>
        </Group>
      ))}
    </Group>
  );
}
