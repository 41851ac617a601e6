import { Group, Progress, Text } from '@mantine/core';
import type { SyncRunState } from '@/gql/graphql';

export interface ProgressState {
  state: SyncRunState;
  total: number;
  done: number;
}

// SyncProgress shows a sync run: a live bar while it runs, then how it ended.
export function SyncProgress({ progress, label = 'Sync progress' }: { progress: ProgressState | null | undefined; label?: string }) {
  if (!progress) return null;
  const { state, total, done } = progress;
  if (state === 'QUEUED' || state === 'RUNNING') {
    const pct = total > 0 ? Math.min(100, Math.round((done / total) * 100)) : 0;
    return (
      <div>
        <Group justify="space-between" gap="xs" mb={4}>
          <Text size="sm" aria-live="polite">
            {state === 'QUEUED' ? 'Sync waiting to start…' : total > 0 ? `Syncing: ${done} of ${total} events` : 'Syncing…'}
          </Text>
          {total > 0 && (
            <Text size="sm" c="dimmed">
              {pct}%
            </Text>
          )}
        </Group>
        <Progress value={total > 0 ? pct : 100} animated={total === 0 || state === 'QUEUED'} striped aria-label={label} />
      </div>
    );
  }
  if (state === 'SUCCEEDED') {
    return (
      <Text size="sm" c="teal.9" aria-live="polite">
        Sync finished: {total === 1 ? '1 event' : `${total} events`} checked.
      </Text>
    );
  }
  return (
    <Text size="sm" c="red.9" aria-live="polite">
      Sync failed after {done} of {total} events.
    </Text>
  );
}
