import { Progress, Text } from '@mantine/core';
import type { SyncRunState } from '@/gql/graphql';

export interface ProgressState {
  state: SyncRunState;
  total: number;
  done: number;
}

// SyncProgress is a compact live bar for a table cell.
export function SyncProgress({ progress, label }: { progress: ProgressState | undefined; label: string }) {
  if (!progress) return null;
  const { state, total, done } = progress;
  if (state === 'QUEUED' || state === 'RUNNING') {
    const pct = total > 0 ? Math.min(100, Math.round((done / total) * 100)) : 100;
    return (
      <div>
        <Text size="xs">{total > 0 ? `Syncing ${done}/${total}` : 'Syncing…'}</Text>
        <Progress size="sm" value={pct} striped animated={total === 0} aria-label={label} />
      </div>
    );
  }
  if (state === 'SUCCEEDED') {
    return (
      <Text size="xs" c="teal.9">
        Sync finished ({total})
      </Text>
    );
  }
  return (
    <Text size="xs" c="red.9">
      Sync failed ({done}/{total})
    </Text>
  );
}
