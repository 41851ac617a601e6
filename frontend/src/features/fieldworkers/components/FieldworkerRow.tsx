import { Badge, Button, Group, Menu, Stack, Table, Text } from '@mantine/core';
import { IconChevronDown } from '@tabler/icons-react';
import { graphql, getFragmentData, type FragmentType } from '@/gql';
import type { Provider } from '@/gql/graphql';
import { reasonShort } from '../words';
import { accountStatusWords, formatInstant, providerName } from '@/lib/words';
import { SyncProgress, type ProgressState } from './SyncProgress';

export const FieldworkerRowFragment = graphql(`
  fragment FieldworkersRow_user on User {
    id
    name
    email
    active
    calendarSyncs {
      provider
      enabled
      reason
      credentialMode
      action
      account {
        id
        accountEmail
        status
        lastError
        lastSyncedAt
      }
      lastInvitation {
        id
        createdAt
        expiresAt
        usedAt
        revokedAt
      }
    }
  }
`);

export type RowAction =
  | { kind: 'invite'; provider: Provider }
  | { kind: 'switch'; provider: Provider; enabled: boolean | null }
  | { kind: 'resync'; provider: Provider }
  | { kind: 'unlink'; provider: Provider; accountEmail: string }
  | { kind: 'deactivate' };

export interface RowUser {
  id: string;
  name: string;
  email: string;
}

const providers: Provider[] = ['GOOGLE', 'MICROSOFT'];

// FieldworkerRow is one fieldworker with their sync per provider and the
// administrator's actions.
export function FieldworkerRow({
  user,
  timeZone,
  progress,
  onAction,
}: {
  user: FragmentType<typeof FieldworkerRowFragment>;
  timeZone: string;
  progress: Record<string, ProgressState>;
  onAction: (u: RowUser, a: RowAction) => void;
}) {
  const u = getFragmentData(FieldworkerRowFragment, user);
  const sync = (p: Provider) => u.calendarSyncs.find((s) => s.provider === p);
  const act = (a: RowAction) => onAction({ id: u.id, name: u.name, email: u.email }, a);

  return (
    <Table.Tr>
      <Table.Td>
        <Stack gap={4} align="flex-start">
          <Text fw={600}>{u.name}</Text>
          <Text size="sm" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
            {u.email}
          </Text>
          {!u.active && (
            <Badge color="gray.7" variant="filled">
              Inactive
            </Badge>
          )}
          <Menu position="bottom-start" withinPortal>
            <Menu.Target>
              <Button size="xs" variant="default" rightSection={<IconChevronDown size={14} aria-hidden />} aria-label={`Actions for ${u.name}`}>
                Actions
              </Button>
            </Menu.Target>
            <Menu.Dropdown>
              {providers.map((p) => {
                const s = sync(p);
                const name = providerName(p);
                if (!s) return null;
                return [
                  <Menu.Label key={`${p}-label`}>{name}</Menu.Label>,
                  s.enabled && s.credentialMode !== 'SERVICE_ACCOUNT' && !s.account ? (
                    <Menu.Item key={`${p}-invite`} onClick={() => act({ kind: 'invite', provider: p })}>
                      Send {name} authorization email
                    </Menu.Item>
                  ) : null,
                  !(s.enabled && s.reason === 'ADMIN_CHOICE') ? (
                    <Menu.Item key={`${p}-on`} onClick={() => act({ kind: 'switch', provider: p, enabled: true })}>
                      Turn {name} sync on
                    </Menu.Item>
                  ) : null,
                  !(!s.enabled && s.reason === 'ADMIN_CHOICE') ? (
                    <Menu.Item key={`${p}-off`} onClick={() => act({ kind: 'switch', provider: p, enabled: false })}>
                      Turn {name} sync off
                    </Menu.Item>
                  ) : null,
                  s.reason === 'ADMIN_CHOICE' || s.reason === 'USER_CHOICE' ? (
                    <Menu.Item key={`${p}-follow`} onClick={() => act({ kind: 'switch', provider: p, enabled: null })}>
                      {name}: follow the organization
                    </Menu.Item>
                  ) : null,
                  s.account ? (
                    <Menu.Item key={`${p}-resync`} onClick={() => act({ kind: 'resync', provider: p })}>
                      Re-sync {name} calendar
                    </Menu.Item>
                  ) : null,
                  s.account ? (
                    <Menu.Item
                      key={`${p}-unlink`}
                      color="red"
                      onClick={() => act({ kind: 'unlink', provider: p, accountEmail: s.account!.accountEmail })}
                    >
                      Unlink {name} calendar…
                    </Menu.Item>
                  ) : null,
                ];
              })}
              {u.active && (
                <>
                  <Menu.Divider />
                  <Menu.Item color="red" onClick={() => act({ kind: 'deactivate' })}>
                    Deactivate {u.name}…
                  </Menu.Item>
                </>
              )}
            </Menu.Dropdown>
          </Menu>
        </Stack>
      </Table.Td>
      {providers.map((p) => {
        const s = sync(p);
        const name = providerName(p);
        if (!s) return <Table.Td key={p} />;
        const inv = s.lastInvitation;
        const pending = inv && !inv.usedAt && !inv.revokedAt && new Date(inv.expiresAt) > new Date();
        return (
          <Table.Td key={p}>
            <Stack gap={4}>
              <Group gap={6} wrap="wrap">
                <Badge color={s.enabled ? 'teal.9' : 'gray.7'} variant="filled">
                  {s.enabled ? 'On' : 'Off'}
                </Badge>
                <Text size="xs" c="dimmed">
                  {reasonShort(s.reason)}
                </Text>
              </Group>
              {s.account ? (
                <>
                  <Group gap={6} wrap="wrap">
                    <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
                      {s.account.accountEmail}
                    </Text>
                    <Badge size="sm" variant="filled" color={accountStatusWords(s.account.status).color}>
                      {accountStatusWords(s.account.status).label}
                    </Badge>
                  </Group>
                  <Text size="xs">Last sync: {formatInstant(s.account.lastSyncedAt, timeZone, 'never')}</Text>
                  {s.account.lastError && (
                    <Text size="xs" c="red.9">
                      Error: {s.account.lastError}
                    </Text>
                  )}
                  <SyncProgress progress={progress[s.account.id]} label={`${name} sync progress of ${u.name}`} />
                </>
              ) : (
                <Text size="sm" c="dimmed">
                  Not linked
                  {pending ? ` · email sent ${formatInstant(inv.createdAt, timeZone, 'never')}` : ''}
                </Text>
              )}
            </Stack>
          </Table.Td>
        );
      })}
    </Table.Tr>
  );
}
