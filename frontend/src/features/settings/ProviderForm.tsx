import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import {
  Alert,
  Button,
  Checkbox,
  FileInput,
  Group,
  PasswordInput,
  Radio,
  SegmentedControl,
  Stack,
  Switch,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { graphql, getFragmentData, type FragmentType } from '@/gql';
import type { CredentialMode, Provider } from '@/gql/graphql';
import { ErrorAlert } from '@/components';
import {
  buildInput,
  initialState,
  modeNeeds,
  providerNames,
  showsClientSecretInput,
  showsKeyInput,
  turnsConsentOn,
  type KeyFormat,
  type ProviderFormState,
  type StoredProviderConfig,
} from './providerForm';

export const ProviderConfigFields = graphql(`
  fragment SettingsProviderConfig on ProviderConfig {
    id
    provider
    enabled
    usersCanOverride
    credentialMode
    destination
    syncDirection
    unlinkPolicy
    clientID
    serviceAccountEmail
    msTenantID
    hasClientSecret
    hasServiceAccountKey
    updatedAt
  }
`);

const UpdateProviderConfigMutation = graphql(`
  mutation SettingsUpdateProviderConfig($input: UpdateProviderConfigInput!) {
    updateProviderConfig(input: $input) {
      ...SettingsProviderConfig
    }
  }
`);

const TestProviderConnectionMutation = graphql(`
  mutation SettingsTestProviderConnection($provider: Provider!) {
    testProviderConnection(provider: $provider) {
      ok
      message
    }
  }
`);

function modeOptions(provider: Provider): { value: CredentialMode; label: string; description: string }[] {
  const name = providerNames[provider];
  return [
    {
      value: 'PLATFORM_APP',
      label: "Calsync's app",
      description: `Each user approves Calsync's ${name} app for their own calendar. Nothing to set up.`,
    },
    {
      value: 'PRIVATE_APP',
      label: 'Your own OAuth app',
      description: `Each user approves your organization's ${name} app, registered by you (client id and secret).`,
    },
    {
      value: 'SERVICE_ACCOUNT',
      label: provider === 'GOOGLE' ? 'Service account (Google Workspace)' : 'App-only access (Microsoft 365 tenant)',
      description:
        provider === 'GOOGLE'
          ? 'A service account with domain-wide delegation writes to your Workspace users’ calendars; users approve nothing.'
          : 'An app registration with the Calendars.ReadWrite application permission in your tenant writes to users’ calendars; users approve nothing.',
    },
  ];
}

function readFile(file: File, as: 'text' | 'base64'): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onerror = () => reject(r.error ?? new Error('The file could not be read'));
    r.onload = () => {
      const v = String(r.result ?? '');
      resolve(as === 'text' ? v : v.slice(v.indexOf(',') + 1));
    };
    if (as === 'text') r.readAsText(file);
    else r.readAsDataURL(file);
  });
}

/**
 * ProviderForm edits one provider's settings. Secrets are write-only: the
 * form shows that one is stored and offers to replace it, and sends it only
 * when the admin typed a new one.
 */
export function ProviderForm({
  provider,
  config: configRef,
  onSaved,
}: {
  provider: Provider;
  config: FragmentType<typeof ProviderConfigFields> | null;
  onSaved?: () => void;
}) {
  const config = getFragmentData(ProviderConfigFields, configRef);
  // The form starts from what is stored and starts over when a save stored
  // something new (its updatedAt changes).
  return (
    <ProviderFormFields key={config?.updatedAt ?? 'new'} provider={provider} config={config ?? null} onSaved={onSaved} />
  );
}

function ProviderFormFields({
  provider,
  config,
  onSaved,
}: {
  provider: Provider;
  config: StoredProviderConfig | null;
  onSaved?: () => void;
}) {
  const name = providerNames[provider];
  const [s, setState] = useState<ProviderFormState>(() => initialState(config));
  const set = <K extends keyof ProviderFormState>(k: K, v: ProviderFormState[K]) => setState((old) => ({ ...old, [k]: v }));
  const [saveMutation, save] = useMutation(UpdateProviderConfigMutation);
  const [testMutation, test] = useMutation(TestProviderConnectionMutation);
  const [fileError, setFileError] = useState<string | null>(null);
  const [tested, setTested] = useState<{ ok: boolean; message: string } | null>(null);
  const [saveError, setSaveError] = useState<typeof saveMutation.error>(undefined);

  const needs = modeNeeds(provider, s.credentialMode);
  const showSecret = showsClientSecretInput(provider, config, s);
  const showKey = showsKeyInput(provider, config, s);
  const consentTurnsOn = turnsConsentOn(config, s);
  const idPrefix = `provider-${provider.toLowerCase()}`;

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setSaveError(undefined);
    const r = await save({ input: buildInput(provider, config, s) });
    if (r.error) {
      setSaveError(r.error);
      return;
    }
    notifications.show({ color: 'green', message: `${name} settings saved.` });
    onSaved?.();
  }

  async function onTest() {
    setTested(null);
    const r = await test({ provider });
    if (r.data) setTested(r.data.testProviderConnection);
  }

  return (
    <form onSubmit={onSubmit} aria-labelledby={`${idPrefix}-title`} noValidate>
      <Stack gap="lg">
        <Title order={2} size="h3" id={`${idPrefix}-title`}>
          {name} calendar sync
        </Title>
        <Stack gap="sm">
          <Switch
            label={`Sync bookings to ${name} calendars`}
            description="On: the organization's users get their bookings in their calendar."
            checked={s.enabled}
            onChange={(e) => set('enabled', e.currentTarget.checked)}
          />
          <Switch
            label="Users can override"
            description="On: each user may turn the sync on or off for themself. Off: the organization decides for everyone."
            checked={s.usersCanOverride}
            onChange={(e) => set('usersCanOverride', e.currentTarget.checked)}
          />
        </Stack>

        <Radio.Group
          label="Credentials"
          description="How Calsync gets access to the calendars."
          value={s.credentialMode}
          onChange={(v) => set('credentialMode', v as CredentialMode)}
        >
          <Stack gap="xs" mt="xs">
            {modeOptions(provider).map((o) => (
              <Radio key={o.value} value={o.value} label={o.label} description={o.description} />
            ))}
          </Stack>
        </Radio.Group>

        {(needs.clientId || needs.clientSecret || needs.tenantId || needs.googleKey) && (
          <Stack gap="sm">
            {needs.tenantId && (
              <TextInput
                label="Directory (tenant) id"
                description="Your Microsoft Entra tenant id or domain."
                required={needs.tenantRequired}
                value={s.tenantId}
                onChange={(e) => set('tenantId', e.currentTarget.value)}
                autoComplete="off"
              />
            )}
            {needs.clientId && (
              <TextInput
                label="Client id"
                required
                value={s.clientId}
                onChange={(e) => set('clientId', e.currentTarget.value)}
                autoComplete="off"
              />
            )}
            {needs.clientSecret &&
              (showSecret ? (
                <Group align="flex-end" gap="xs" wrap="nowrap">
                  <PasswordInput
                    style={{ flex: 1 }}
                    label={config?.hasClientSecret ? 'New client secret' : 'Client secret'}
                    description="Write-only: stored encrypted and never shown again."
                    required
                    value={s.clientSecret}
                    onChange={(e) => set('clientSecret', e.currentTarget.value)}
                    autoComplete="new-password"
                  />
                  {config?.hasClientSecret && (
                    <Button
                      variant="default"
                      onClick={() => setState((o) => ({ ...o, replaceClientSecret: false, clientSecret: '' }))}
                    >
                      Keep stored secret
                    </Button>
                  )}
                </Group>
              ) : (
                <StoredSecret
                  text="A client secret is stored."
                  replaceLabel="Replace client secret"
                  onReplace={() => set('replaceClientSecret', true)}
                />
              ))}
            {needs.googleKey &&
              (showKey ? (
                <Stack gap="sm">
                  <SegmentedControl
                    aria-label="Key format"
                    value={s.keyFormat}
                    onChange={(v) => set('keyFormat', v as KeyFormat)}
                    data={[
                      { value: 'JSON', label: 'JSON key' },
                      { value: 'P12', label: 'P12 key' },
                    ]}
                  />
                  {s.keyFormat === 'JSON' ? (
                    <>
                      <FileInput
                        label="Service account key file"
                        description="The JSON key file from the Google Cloud console; its text appears below."
                        placeholder="Choose a .json file"
                        accept="application/json,.json"
                        clearable
                        onChange={async (f) => {
                          setFileError(null);
                          if (!f) return;
                          try {
                            set('serviceAccountKey', await readFile(f, 'text'));
                          } catch (err) {
                            setFileError(String(err));
                          }
                        }}
                      />
                      <Textarea
                        label="Service account key (JSON)"
                        description="Write-only: stored encrypted and never shown again."
                        rows={5}
                        value={s.serviceAccountKey}
                        onChange={(e) => set('serviceAccountKey', e.currentTarget.value)}
                        styles={{ input: { fontFamily: 'monospace' } }}
                      />
                    </>
                  ) : (
                    <>
                      <FileInput
                        label="P12 key file"
                        placeholder="Choose a .p12 file"
                        accept=".p12,application/x-pkcs12"
                        required
                        clearable
                        onChange={async (f) => {
                          setFileError(null);
                          if (!f) return set('p12Base64', '');
                          try {
                            set('p12Base64', await readFile(f, 'base64'));
                          } catch (err) {
                            setFileError(String(err));
                          }
                        }}
                      />
                      <PasswordInput
                        label="P12 password"
                        required
                        value={s.p12Password}
                        onChange={(e) => set('p12Password', e.currentTarget.value)}
                        autoComplete="new-password"
                      />
                      <TextInput
                        label="Service account email"
                        required
                        type="email"
                        value={s.serviceAccountEmail}
                        onChange={(e) => set('serviceAccountEmail', e.currentTarget.value)}
                        autoComplete="off"
                      />
                    </>
                  )}
                  {fileError && (
                    <Text c="red" size="sm" role="alert">
                      {fileError}
                    </Text>
                  )}
                  {config?.hasServiceAccountKey && (
                    <Group>
                      <Button variant="default" onClick={() => setState((o) => ({ ...o, replaceKey: false }))}>
                        Keep stored key
                      </Button>
                    </Group>
                  )}
                </Stack>
              ) : (
                <StoredSecret
                  text={
                    config?.serviceAccountEmail
                      ? `A service account key is stored (${config.serviceAccountEmail}).`
                      : 'A service account key is stored.'
                  }
                  replaceLabel="Replace key"
                  onReplace={() => set('replaceKey', true)}
                />
              ))}
          </Stack>
        )}

        <Radio.Group
          label="Calendar"
          value={s.destination}
          onChange={(v) => set('destination', v as ProviderFormState['destination'])}
        >
          <Stack gap="xs" mt="xs">
            <Radio value="PRIMARY" label="Main calendar" description="Bookings go into each user's own main calendar." />
            <Radio
              value="SECONDARY"
              label="A separate calendar"
              description="Calsync creates a calendar named after the organization and puts the bookings there."
            />
          </Stack>
        </Radio.Group>

        <Radio.Group
          label="Sync direction"
          value={s.syncDirection}
          onChange={(v) => set('syncDirection', v as ProviderFormState['syncDirection'])}
        >
          <Stack gap="xs" mt="xs">
            <Radio
              value="PUSH_ONLY"
              label="Calsync to calendar"
              description="Bookings are copied into the calendar. Changes made there are not taken back (a deleted event comes back on re-sync); the chosen calendars still show as busy time."
            />
            <Radio
              value="TWO_WAY"
              label="Both ways"
              description="Bookings are copied into the calendar, and what the user changes there, or in the other calendars they chose to import and can edit, comes back: new events become bookings (kept in the calendar they were made in), moved ones reschedule them, deleted ones cancel them. A booking changed on both sides waits in Sync conflicts."
            />
          </Stack>
        </Radio.Group>

        <Radio.Group
          label="When a user unlinks their calendar"
          value={s.unlinkPolicy}
          onChange={(v) => set('unlinkPolicy', v as ProviderFormState['unlinkPolicy'])}
        >
          <Stack gap="xs" mt="xs">
            <Radio value="REMOVE" label="Remove the events" description="Calsync deletes the events it put in the calendar." />
            <Radio
              value="KEEP"
              label="Keep the events"
              description="The events stay in the calendar but are no longer updated."
            />
          </Stack>
        </Radio.Group>

        {consentTurnsOn && (
          <Checkbox
            label="Send authorization emails to fieldworkers who are not linked"
            description="Each active fieldworker whose sync is on and who has not linked a calendar gets a link to approve access."
            checked={s.notifyFieldworkers}
            onChange={(e) => set('notifyFieldworkers', e.currentTarget.checked)}
          />
        )}

        {saveError && <ErrorAlert error={saveError} title={`${name} settings were not saved`} />}

        <Group gap="sm">
          <Button type="submit" loading={saveMutation.fetching}>
            Save {name} settings
          </Button>
          <Button variant="default" onClick={onTest} loading={testMutation.fetching}>
            Test connection
          </Button>
        </Group>
        {testMutation.error && !testMutation.fetching && (
          <ErrorAlert error={testMutation.error} title="The connection could not be tested" />
        )}
        {tested && (
          <Alert
            color={tested.ok ? 'blue' : 'red'}
            title={tested.ok ? 'Connection works' : 'Connection failed'}
            role="status"
          >
            {tested.message || (tested.ok ? `${name} accepted the credentials.` : '')}
          </Alert>
        )}
      </Stack>
    </form>
  );
}

function StoredSecret({ text, replaceLabel, onReplace }: { text: string; replaceLabel: string; onReplace: () => void }) {
  return (
    <Group gap="sm" justify="space-between" wrap="wrap">
      <Text size="sm">{text}</Text>
      <Button variant="default" size="xs" onClick={onReplace}>
        {replaceLabel}
      </Button>
    </Group>
  );
}
