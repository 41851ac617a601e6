import { useCallback, useEffect, useState } from 'react';
import { useMutation, useQuery, useSubscription, type CombinedError } from 'urql';
import { Alert, Button, Group, Stack, Switch, Table, Text } from '@mantine/core';
import { graphql } from '@/gql';
import type { FieldworkersSyncProgressSubscription } from '@/gql/graphql';
import { ConfirmModal, ErrorAlert, PageHeader, QueryState } from '@/components';
import { useViewer } from '@/features/auth';
import { AuthorizationEmailModal } from './components/AuthorizationEmailModal';
import { FieldworkerRow, type RowAction, type RowUser } from './components/FieldworkerRow';
import type { ProgressState } from './components/SyncProgress';
import { providerName } from '@/lib/words';

export const FieldworkersPageDocument = graphql(`
  query FieldworkersPage($active: Boolean, $after: Cursor) {
    fieldworkers(first: 100, after: $after, active: $active) {
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          ...FieldworkersRow_user
        }
      }
    }
    organization {
      id
      name
    }
  }
`);

const ProgressDocument = graphql(`
  subscription FieldworkersSyncProgress {
    syncStatusChanged {
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

const AccountChangedDocument = graphql(`
  subscription FieldworkersAccountChanged {
    calendarAccountChanged {
      accountId
      status
    }
  }
`);

const SetSyncDocument = graphql(`
  mutation FieldworkersSetSync($userId: ID!, $provider: Provider!, $enabled: Boolean) {
    setCalendarSync(userId: $userId, provider: $provider, enabled: $enabled) {
      id
      ...FieldworkersRow_user
    }
  }
`);

const ResyncDocument = graphql(`
  mutation FieldworkersResync($provider: Provider!, $userId: ID!) {
    resyncCalendar(provider: $provider, userId: $userId) {
      id
      status
      lastError
      lastSyncedAt
    }
  }
`);

const UnlinkDocument = graphql(`
  mutation FieldworkersUnlink($provider: Provider!, $userId: ID!) {
    unlinkCalendar(provider: $provider, userId: $userId) {
      id
      status
    }
  }
`);

const DeactivateDocument = graphql(`
  mutation FieldworkersDeactivate($id: ID!) {
    deactivateUser(id: $id) {
      id
      ...FieldworkersRow_user
    }
  }
`);

export function addProgress(
  prev: Record<string, ProgressState> | undefined,
  data: FieldworkersSyncProgressSubscription,
): Record<string, ProgressState> {
  const ev = data.syncStatusChanged;
  return { ...(prev ?? {}), [ev.accountId]: { state: ev.state, total: ev.total, done: ev.done } };
}

type Dialog = { user: RowUser; action: RowAction } | null;

// FieldworkersPage lists the fieldworkers with their calendar sync, live,
// and the administrator's actions on it.
export function FieldworkersPage() {
  const viewer = useViewer();
  const isAdmin = viewer.role === 'ADMIN';
  const [showInactive, setShowInactive] = useState(false);
  // Pages of 100 (the server bounds an operation's complexity): the cursors
  // of the pages before the one shown.
  const [cursors, setCursors] = useState<(string | undefined)[]>([]);
  const after = cursors[cursors.length - 1];
  const [{ data, fetching, error }, reexecute] = useQuery({
    query: FieldworkersPageDocument,
    variables: { active: showInactive ? undefined : true, after },
  });
  const refetch = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  const [{ data: progress }] = useSubscription({ query: ProgressDocument, pause: !isAdmin }, addProgress);
  const [{ data: accountEvent }] = useSubscription({ query: AccountChangedDocument, pause: !isAdmin });
  useEffect(() => {
    if (accountEvent) refetch();
  }, [accountEvent, refetch]);

  const [, setSync] = useMutation(SetSyncDocument);
  const [, resync] = useMutation(ResyncDocument);
  const [, unlink] = useMutation(UnlinkDocument);
  const [, deactivate] = useMutation(DeactivateDocument);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [actionError, setActionError] = useState<CombinedError | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const finish = (res: { error?: CombinedError }, message: string) => {
    setActionError(res.error ?? null);
    setDone(res.error ? null : message);
  };

  const onAction = async (user: RowUser, action: RowAction) => {
    setActionError(null);
    setDone(null);
    switch (action.kind) {
      case 'switch': {
        const res = await setSync({ userId: user.id, provider: action.provider, enabled: action.enabled });
        const name = providerName(action.provider);
        finish(
          res,
          action.enabled === null
            ? `${user.name} now follows the organization for ${name}.`
            : `${name} sync turned ${action.enabled ? 'on' : 'off'} for ${user.name}.`,
        );
        break;
      }
      case 'resync': {
        const res = await resync({ provider: action.provider, userId: user.id });
        finish(res, `Re-sync of ${user.name}'s ${providerName(action.provider)} calendar started.`);
        break;
      }
      default:
        setDialog({ user, action });
    }
  };

  const edges = data?.fieldworkers.edges ?? [];
  const orgName = data?.organization.name ?? viewer.organization.name;
  const progressByAccount = progress ?? {};

  return (
    <Stack>
      <PageHeader
        title="Fieldworkers"
        actions={
          <Switch label="Show inactive fieldworkers" checked={showInactive} onChange={(e) => {
              setShowInactive(e.currentTarget.checked);
              setCursors([]);
            }}
          />
        }
      />
      {actionError && <ErrorAlert error={actionError} title="Not done" />}
      {done && (
        <Alert color="green" variant="light" role="status" withCloseButton onClose={() => setDone(null)} closeButtonLabel="Dismiss">
          {done}
        </Alert>
      )}
      <QueryState
        fetching={fetching}
        error={error}
        empty={data ? edges.length === 0 : undefined}
        emptyText={showInactive ? 'No fieldworkers yet.' : 'No active fieldworkers.'}
        label="Loading fieldworkers"
        onRetry={refetch}
      >
        {data && (
          <Table.ScrollContainer minWidth={640} type="native" tabIndex={0} role="region" aria-label="Fieldworkers table (scrolls sideways)">
            <Table verticalSpacing="sm" striped highlightOnHover aria-label="Fieldworkers and their calendar sync">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Fieldworker</Table.Th>
                  <Table.Th scope="col">Google Calendar</Table.Th>
                  <Table.Th scope="col">Microsoft Calendar</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {edges.map((e) =>
                  e?.node ? (
                    <FieldworkerRow
                      key={e.node.id}
                      user={e.node}
                      timeZone={viewer.user.timeZone}
                      progress={progressByAccount}
                      onAction={onAction}
                    />
                  ) : null,
                )}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {(cursors.length > 0 || data?.fieldworkers.pageInfo.hasNextPage) && (
          <Group justify="flex-end" gap="xs">
            <Button variant="default" size="xs" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
              Previous page
            </Button>
            <Button
              variant="default"
              size="xs"
              disabled={!data?.fieldworkers.pageInfo.hasNextPage}
              onClick={() => setCursors([...cursors, data?.fieldworkers.pageInfo.endCursor ?? undefined])}
            >
              Next page
            </Button>
          </Group>
        )}
      </QueryState>
      {!isAdmin && (
        <Text size="sm" c="dimmed">
          Only administrators can change fieldworkers’ calendar sync.
        </Text>
      )}

      {dialog?.action.kind === 'invite' && (
        <AuthorizationEmailModal
          recipient={dialog.user}
          provider={dialog.action.provider}
          organizationName={orgName}
          onClose={() => setDialog(null)}
          onSent={refetch}
        />
      )}
      {dialog?.action.kind === 'unlink' &&
        (() => {
          const { provider, accountEmail } = dialog.action;
          const name = providerName(provider);
          return (
            <ConfirmModal
              title={`Unlink ${dialog.user.name}'s ${name} calendar?`}
              message={`Calsync stops syncing with ${accountEmail}. ${dialog.user.name} can link it again later.`}
              confirmLabel="Unlink"
              onClose={() => setDialog(null)}
              onConfirm={async () => {
                const res = await unlink({ provider, userId: dialog.user.id });
                finish(res, `${dialog.user.name}'s ${name} calendar was unlinked.`);
                refetch();
              }}
            />
          );
        })()}
      {dialog?.action.kind === 'deactivate' && (
        <ConfirmModal
          title={`Deactivate ${dialog.user.name}?`}
          message={`${dialog.user.name} can no longer sign in, and their calendars stop syncing.`}
          confirmLabel="Deactivate"
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            const res = await deactivate({ id: dialog.user.id });
            finish(res, `${dialog.user.name} was deactivated.`);
            refetch();
          }}
        />
      )}
    </Stack>
  );
}
