import { Anchor, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router';

export function NotFound({ reason = 'There is no page at this address.' }: { reason?: string }) {
  return (
    <Stack>
      <Title order={1} size="h2">
        Not here
      </Title>
      <Text>{reason}</Text>
      <Anchor component={Link} to="/calendar">
        Go to the calendar
      </Anchor>
    </Stack>
  );
}
