import { useSubscription } from 'urql';
import { graphql } from '@/gql';
import type { CalendarSyncProgressSubscription } from '@/gql/graphql';
import type { ProgressState } from './components/SyncProgress';

export const CalendarSyncProgressDocument = graphql(`
  subscription CalendarSyncProgress($userId: ID) {
    syncStatusChanged(userId: $userId) {
      accountId
      state
      total
      done
      account {
        id
        status
        lastError
        lastSyncedAt
      }
    }
  }
`);

export type ProgressByAccount = Record<string, ProgressState>;

/** addSyncEvent folds one subscription event into the progress of every account. */
export function addSyncEvent(
  prev: ProgressByAccount | undefined,
  data: CalendarSyncProgressSubscription,
): ProgressByAccount {
  const ev = data.syncStatusChanged;
  return { ...(prev ?? {}), [ev.accountId]: { state: ev.state, total: ev.total, done: ev.done } };
}

/** useSyncProgress follows the sync runs of the user's accounts. */
export function useSyncProgress(userId: string | undefined, pause = false): ProgressByAccount {
  const [{ data }] = useSubscription(
    { query: CalendarSyncProgressDocument, variables: { userId }, pause: pause || !userId },
    addSyncEvent,
  );
  return data ?? {};
}
