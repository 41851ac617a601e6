import { describe, expect, test } from 'vitest';
import { render, screen } from '@testing-library/react';
import { MantineProvider } from '@mantine/core';
import { Provider, type Client } from 'urql';
import { fromArray, never } from 'wonka';
import { theme } from '@/theme';
import type { CalendarSyncProgressSubscription } from '@/gql/graphql';
import { SyncProgress } from './components/SyncProgress';
import { addSyncEvent, useSyncProgress } from './hooks';

function event(accountId: string, state: 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED', done: number, total: number): CalendarSyncProgressSubscription {
  return {
    syncStatusChanged: {
      accountId,
      state,
      done,
      total,
      account: { id: accountId, status: 'ACTIVE', lastError: null, lastSyncedAt: null, __typename: 'CalendarAccount' },
      __typename: 'SyncStatusEvent',
    },
  } as CalendarSyncProgressSubscription;
}

describe('progress from subscription events', () => {
  test('events fold per account, the latest wins', () => {
    let p = addSyncEvent(undefined, event('1', 'QUEUED', 0, 0));
    p = addSyncEvent(p, event('1', 'RUNNING', 3, 12));
    p = addSyncEvent(p, event('2', 'RUNNING', 1, 2));
    expect(p).toEqual({ '1': { state: 'RUNNING', done: 3, total: 12 }, '2': { state: 'RUNNING', done: 1, total: 2 } });
  });

  test('a running sync is a labelled progress bar; the end says how it ended', () => {
    const { rerender } = render(
      <MantineProvider theme={theme}>
        <SyncProgress progress={{ state: 'RUNNING', done: 3, total: 12 }} label="Google sync progress" />
      </MantineProvider>,
    );
    expect(screen.getByRole('progressbar', { name: 'Google sync progress' })).toHaveAttribute('aria-valuenow', '25');
    expect(screen.getByText('Syncing: 3 of 12 events')).toBeInTheDocument();
    rerender(
      <MantineProvider theme={theme}>
        <SyncProgress progress={{ state: 'SUCCEEDED', done: 12, total: 12 }} label="Google sync progress" />
      </MantineProvider>,
    );
    expect(screen.queryByRole('progressbar')).toBeNull();
    expect(screen.getByText('Sync finished: 12 events checked.')).toBeInTheDocument();
    rerender(
      <MantineProvider theme={theme}>
        <SyncProgress progress={{ state: 'FAILED', done: 4, total: 12 }} />
      </MantineProvider>,
    );
    expect(screen.getByText('Sync failed after 4 of 12 events.')).toBeInTheDocument();
  });

  function Follow({ accountId }: { accountId: string }) {
    const progress = useSyncProgress('7');
    return <SyncProgress progress={progress[accountId]} label="Progress" />;
  }

  test('useSyncProgress follows the subscription to the last event', () => {
    const seen: unknown[] = [];
    const client = {
      executeSubscription: (op: { variables: unknown }) => {
        seen.push(op.variables);
        return fromArray([
          { data: event('5', 'RUNNING', 1, 4) },
          { data: event('9', 'RUNNING', 1, 1) },
          { data: event('5', 'RUNNING', 2, 4) },
        ]);
      },
      executeQuery: () => never,
      executeMutation: () => never,
    } as unknown as Client;
    render(
      <MantineProvider theme={theme}>
        <Provider value={client}>
          <Follow accountId="5" />
        </Provider>
      </MantineProvider>,
    );
    expect(screen.getByRole('progressbar', { name: 'Progress' })).toHaveAttribute('aria-valuenow', '50');
    expect(screen.getByText('Syncing: 2 of 4 events')).toBeInTheDocument();
    expect(seen[0]).toEqual({ userId: '7' });
  });
});
