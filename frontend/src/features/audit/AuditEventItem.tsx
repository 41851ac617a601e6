import { Badge, Box, Code, Group, Paper, Stack, Text } from '@mantine/core';
import { graphql, getFragmentData, type FragmentType } from '@/gql';
import type { AuditEventItemFragment } from '@/gql/graphql';
import { formatInstant as formatTime } from '@/lib/words';

export const AuditEventFields = graphql(`
  fragment AuditEventItem on AuditEvent {
    id
    createdAt
    action
    targetType
    targetID
    changes
    actor {
      id
      name
      email
    }
  }
`);

export function readEvent(ref: FragmentType<typeof AuditEventFields>): AuditEventItemFragment {
  return getFragmentData(AuditEventFields, ref);
}

export function actorName(e: AuditEventItemFragment): string {
  return e.actor ? e.actor.name : 'Calsync';
}

/** matches tells whether an event fits the filter text (action, actor, target or details). */
export function matches(e: AuditEventItemFragment, filter: string): boolean {
  const f = filter.trim().toLowerCase();
  if (!f) return true;
  return [e.action, e.actor?.name ?? 'calsync', e.actor?.email ?? '', e.targetType, JSON.stringify(e.changes ?? {})]
    .join(' ')
    .toLowerCase()
    .includes(f);
}

function show(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

export function AuditEventItem({ event: e, timeZone }: { event: AuditEventItemFragment; timeZone?: string }) {
  const changes = Object.entries(e.changes ?? {});
  return (
    <Paper withBorder p="sm" radius="sm">
      <Stack gap={6}>
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Group gap="xs" wrap="wrap">
            <Badge variant="outline" color="blue.9" style={{ textTransform: 'none' }}>
              {e.action}
            </Badge>
            <Text size="sm">
              {e.targetType}
              {e.targetID != null ? ` #${e.targetID}` : ''}
            </Text>
          </Group>
          <Text size="sm" c="dimmed">
            <time dateTime={e.createdAt}>{formatTime(e.createdAt, timeZone)}</time>
          </Text>
        </Group>
        <Text size="sm">
          By {actorName(e)}
          {e.actor?.email ? ` (${e.actor.email})` : ''}
        </Text>
        {changes.length > 0 && (
          <Box component="dl" m={0} style={{ display: 'grid', gridTemplateColumns: 'minmax(0, max-content) minmax(0, 1fr)', gap: '2px 12px' }}>
            {changes.map(([k, v]) => (
              <Box key={k} style={{ display: 'contents' }}>
                <Text component="dt" size="xs" c="dimmed">
                  {k}
                </Text>
                <Box component="dd" m={0} style={{ minWidth: 0 }}>
                  <Code style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>{show(v)}</Code>
                </Box>
              </Box>
            ))}
          </Box>
        )}
      </Stack>
    </Paper>
  );
}
