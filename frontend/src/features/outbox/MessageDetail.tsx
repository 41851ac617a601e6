import { useState } from 'react';
import { Badge, Box, Button, Group, Stack, Text } from '@mantine/core';
import { graphql, getFragmentData, type FragmentType } from '@/gql';
import { LinkifiedText } from './LinkifiedText';
import { formatInstant as formatTime } from '@/lib/words';
import { StateBadge } from './StateBadge';

export const MessageDetailFields = graphql(`
  fragment OutboxMessageDetail on EmailMessage {
    id
    to
    subject
    body
    htmlBody
    kind
    state
    attempts
    lastError
    createdAt
    sentAt
  }
`);

/**
 * MessageDetail shows one email: the text body with its links clickable,
 * and the HTML version in a sandboxed frame (no scripts, no navigation,
 * never inserted into the console's own page).
 */
export function MessageDetail({
  message: ref,
  timeZone,
}: {
  message: FragmentType<typeof MessageDetailFields>;
  timeZone?: string;
}) {
  const m = getFragmentData(MessageDetailFields, ref);
  const [showHtml, setShowHtml] = useState(false);
  return (
    <Stack gap="sm">
      <Box component="dl" m={0} style={{ display: 'grid', gridTemplateColumns: 'auto 1fr', gap: '4px 12px' }}>
        <Text component="dt" fw={600} size="sm">To</Text>
        <Text component="dd" m={0} size="sm" style={{ wordBreak: 'break-all' }}>{m.to}</Text>
        <Text component="dt" fw={600} size="sm">Created</Text>
        <Text component="dd" m={0} size="sm">{formatTime(m.createdAt, timeZone)}</Text>
        {m.sentAt && (
          <>
            <Text component="dt" fw={600} size="sm">Sent</Text>
            <Text component="dd" m={0} size="sm">{formatTime(m.sentAt, timeZone)}</Text>
          </>
        )}
        <Text component="dt" fw={600} size="sm">Status</Text>
        <Box component="dd" m={0}>
          <Group gap="xs">
            <StateBadge state={m.state} />
            <Badge variant="outline" color="gray.8">{m.kind}</Badge>
            {m.attempts > 0 && <Text size="sm">{m.attempts} attempt{m.attempts === 1 ? '' : 's'}</Text>}
          </Group>
        </Box>
        {m.lastError && (
          <>
            <Text component="dt" fw={600} size="sm">Last error</Text>
            <Text component="dd" m={0} size="sm" c="red.8">{m.lastError}</Text>
          </>
        )}
      </Box>
      <Box
        p="sm"
        bg="gray.0"
        style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word', borderRadius: 4, fontSize: 14 }}
        aria-label="Message text"
        role="region"
      >
        <LinkifiedText text={m.body} />
      </Box>
      {m.htmlBody && (
        <Stack gap="xs">
          <Group>
            <Button variant="default" size="xs" onClick={() => setShowHtml((v) => !v)} aria-expanded={showHtml}>
              {showHtml ? 'Hide HTML version' : 'Show HTML version'}
            </Button>
          </Group>
          {showHtml && (
            <iframe
              title="HTML version of the email"
              sandbox=""
              srcDoc={m.htmlBody}
              style={{ width: '100%', minHeight: 240, border: '1px solid var(--mantine-color-gray-4)', borderRadius: 4, background: 'white' }}
            />
          )}
        </Stack>
      )}
    </Stack>
  );
}
