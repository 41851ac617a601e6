import { Badge } from '@mantine/core';
import type { EmailMessageState } from '@/gql/graphql';

const labels: Record<EmailMessageState, { label: string; color: string }> = {
  OUTBOX: { label: 'Kept in outbox', color: 'blue.9' },
  QUEUED: { label: 'Queued', color: 'gray.8' },
  SENT: { label: 'Sent', color: 'blue.9' },
  FAILED: { label: 'Failed', color: 'red.9' },
};

export function StateBadge({ state }: { state: EmailMessageState }) {
  const l = labels[state] ?? { label: state, color: 'gray.8' };
  return (
    <Badge variant="outline" color={l.color}>
      {l.label}
    </Badge>
  );
}
