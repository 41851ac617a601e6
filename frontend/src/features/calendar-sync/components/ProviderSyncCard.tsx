import { useState } from 'react';
import { useMutation, type CombinedError } from 'urql';
import { Alert, Badge, Button, Divider, Group, Paper, Radio, Stack, Text, Title } from '@mantine/core';
import { IconLink, IconRefresh } from '@tabler/icons-react';
import { graphql, getFragmentData, type FragmentType } from '@/gql';
import { ConfirmButton, ErrorAlert } from '@/components';
import {
  actionWords,
  choiceOf,
  choiceValue,
  overrideBlocked,
  reasonText,
  type SwitchChoice,
} from '../words';
import { accountStatusWords, formatInstant, providerName } from '@/lib/words';
import { CalendarList, CalendarListFragment } from './CalendarList';
import { SyncProgress, type ProgressState } from './SyncProgress';

export const ProviderSyncCardFragment = graphql(`
  fragment CalendarSyncCard_sync on CalendarSync {
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
      syncRuns(first: 1, orderBy: { field: CREATED_AT, direction: DESC }) {
        edges {
          node {
            id
            state
            total
            done
          }
        }
      }
      ...CalendarSyncCalendars_account
    }
  }
`);

const StartLinkDocument = graphql(`
  mutation CalendarSyncStartLink($provider: Provider!) {
    startCalendarLink(provider: $provider) {
      url
    }
  }
`);

const EnableServiceDocument = graphql(`
  mutation CalendarSyncEnableService($provider: Provider!) {
    enableServiceAccountSync(provider: $provider) {
      error
      account {
        id
        status
      }
    }
  }
`);

const ResyncDocument = graphql(`
  mutation CalendarSyncResync($provider: Provider!) {
    resyncCalendar(provider: $provider) {
      id
      status
      lastError
      lastSyncedAt
    }
  }
`);

const UnlinkDocument = graphql(`
  mutation CalendarSyncUnlink($provider: Provider!) {
    unlinkCalendar(provider: $provider) {
      id
      status
    }
  }
`);

const SetChoiceDocument = graphql(`
  mutation CalendarSyncSetChoice($userId: ID!, $provider: Provider!, $enabled: Boolean) {
    setCalendarSync(userId: $userId, provider: $provider, enabled: $enabled) {
      id
      googleSync
      microsoftSync
      calendarSyncs {
        ...CalendarSyncCard_sync
      }
    }
  }
`);

export interface OrgProviderConfig {
  enabled: boolean;
  usersCanOverride: boolean;
}

/** navigate is window.location.assign (replaced in tests). */
export type Navigate = (url: string) => void;

// ProviderSyncCard is one provider on My calendar sync: whether sync is on
// and why, what to do next, the linked account and the user's own switch.
export function ProviderSyncCard({
  sync,
  userId,
  timeZone,
  ownChoice,
  config,
  isAdmin,
  progress,
  onChanged,
  navigate = (url) => window.location.assign(url),
}: {
  sync: FragmentType<typeof ProviderSyncCardFragment>;
  userId: string;
  timeZone: string;
  ownChoice: boolean | null | undefined;
  config: OrgProviderConfig | null;
  isAdmin: boolean;
  progress?: ProgressState;
  onChanged: () => void;
  navigate?: Navigate;
}) {
  const s = getFragmentData(ProviderSyncCardFragment, sync);
  const name = providerName(s.provider);
  const [error, setError] = useState<CombinedError | Error | null>(null);
  const [link, startLink] = useMutation(StartLinkDocument);
  const [service, enableService] = useMutation(EnableServiceDocument);
  const [resync, resyncCalendar] = useMutation(ResyncDocument);
  const [, unlinkCalendar] = useMutation(UnlinkDocument);
  const [choice, setChoice] = useMutation(SetChoiceDocument);
  const words = actionWords(s.provider, s.action);
  const account = s.account;
  const lastRun = account?.syncRuns.edges?.[0]?.node;
  const shownProgress: ProgressState | undefined =
    progress ?? (lastRun && (lastRun.state === 'RUNNING' || lastRun.state === 'QUEUED') ? lastRun : undefined);
  const blocked = overrideBlocked({
    provider: s.provider,
    reason: s.reason,
    configured: !!config,
    usersCanOverride: config?.usersCanOverride ?? false,
    isAdmin,
  });
  const headingId = `sync-${s.provider.toLowerCase()}`;

  const doAction = async () => {
    setError(null);
    if (s.action === 'LINK' || s.action === 'RELINK') {
      const res = await startLink({ provider: s.provider });
      if (res.error) return setError(res.error);
      if (res.data) navigate(res.data.startCalendarLink.url);
    } else if (s.action === 'ENABLE_SERVICE_SYNC') {
      const res = await enableService({ provider: s.provider });
      if (res.error) return setError(res.error);
      const failed = res.data?.enableServiceAccountSync.find((r) => r.error)?.error;
      if (failed) setError(new Error(failed));
      onChanged();
    }
  };

  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby={headingId}>
      <Stack gap="sm">
        <Group justify="space-between" gap="xs">
          <Title order={2} size="h3" id={headingId}>
            {name} Calendar
          </Title>
          <Badge color={s.enabled ? 'teal.9' : 'gray.7'} variant="filled" size="lg">
            {s.enabled ? 'Sync on' : 'Sync off'}
          </Badge>
        </Group>
        <Text>{reasonText(s.provider, s.enabled, s.reason)}</Text>

        {error && <ErrorAlert error={error} title="That did not work" />}

        {words.button && (
          <Alert color={s.action === 'RELINK' ? 'red' : 'blue'} variant="light" title={s.action === 'RELINK' ? `${name} needs your permission again` : undefined}>
            <Stack gap="sm" align="flex-start">
              <Text size="sm">{words.explanation}</Text>
              <Button leftSection={<IconLink size={16} aria-hidden />} onClick={doAction} loading={link.fetching || service.fetching}>
                {words.button}
              </Button>
            </Stack>
          </Alert>
        )}

        {account && (
          <Stack gap="sm">
            <Divider />
            <Group gap="xs" wrap="wrap">
              <Text>
                Connected to <strong>{account.accountEmail}</strong>
              </Text>
              <Badge color={accountStatusWords(account.status).color} variant="filled">
                {accountStatusWords(account.status).label}
              </Badge>
            </Group>
            <Text size="sm">Last sync: {formatInstant(account.lastSyncedAt, timeZone, 'never')}</Text>
            {account.lastError && (
              <Alert color="red" variant="light" title="Last error">
                {account.lastError}
              </Alert>
            )}
            <SyncProgress progress={shownProgress} label={`${name} sync progress`} />
            <Group gap="xs">
              <Button
                variant="light"
                leftSection={<IconRefresh size={16} aria-hidden />}
                loading={resync.fetching}
                onClick={async () => {
                  setError(null);
                  const res = await resyncCalendar({ provider: s.provider });
                  if (res.error) setError(res.error);
                }}
              >
                Re-sync all your events
              </Button>
              <ConfirmButton
                title={`Unlink your ${name} calendar?`}
                message={`Calsync stops syncing with ${account.accountEmail}: its events made by Calsync are removed according to your organization's rules, and its busy times no longer show in Calsync. You can link again later.`}
                confirmLabel="Unlink"
                onConfirm={async () => {
                  setError(null);
                  const res = await unlinkCalendar({ provider: s.provider });
                  if (res.error) setError(res.error);
                  onChanged();
                }}
              >
                Unlink
              </ConfirmButton>
            </Group>
            <CalendarList provider={s.provider} account={account as FragmentType<typeof CalendarListFragment>} />
          </Stack>
        )}

        {config && s.reason !== 'NOT_CONFIGURED' && (
          <>
            <Divider />
            {blocked ? (
              <Text size="sm" c="dimmed">
                {blocked}
              </Text>
            ) : (
              <Radio.Group
                label={`Your ${name} sync`}
                description={`Follow the organization (${config.enabled ? 'on' : 'off'}) or decide for yourself.`}
                value={choiceOf(ownChoice)}
                onChange={async (v) => {
                  setError(null);
                  const res = await setChoice({ userId, provider: s.provider, enabled: choiceValue(v as SwitchChoice) });
                  if (res.error) setError(res.error);
                  onChanged();
                }}
              >
                <Group gap="md" mt="xs">
                  <Radio value="follow" label="Follow the organization" disabled={choice.fetching} />
                  <Radio value="on" label="On" disabled={choice.fetching} />
                  <Radio value="off" label="Off" disabled={choice.fetching} />
                </Group>
              </Radio.Group>
            )}
          </>
        )}
      </Stack>
    </Paper>
  );
}
