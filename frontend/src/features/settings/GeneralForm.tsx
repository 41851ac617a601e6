import { useMemo, useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { Button, ColorInput, Group, Select, SimpleGrid, Stack, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { graphql, getFragmentData, type FragmentType } from '@/gql';
import { ErrorAlert } from '@/components';
import type { CombinedError } from 'urql';
import type { SettingsOrganizationFragment } from '@/gql/graphql';

export const OrganizationFields = graphql(`
  fragment SettingsOrganization on Organization {
    id
    name
    defaultTimeZone
    primaryColor
    secondaryColor
    googleEventColor
    microsoftEventColor
    cancellationStatusID
    updatedAt
  }
`);

const UpdateOrganizationMutation = graphql(`
  mutation SettingsUpdateOrganization($input: UpdateOrganizationInput!) {
    updateOrganization(input: $input) {
      ...SettingsOrganization
    }
  }
`);

const SetCancellationStatusMutation = graphql(`
  mutation SettingsSetCancellationStatus($statusId: ID!) {
    setCancellationStatus(statusId: $statusId) {
      ...SettingsOrganization
    }
  }
`);

function timeZones(current: string): string[] {
  let zones: string[] = [];
  try {
    zones = Intl.supportedValuesOf('timeZone');
  } catch {
    zones = [];
  }
  return zones.includes(current) ? zones : [current, ...zones];
}

const colorFields = [
  { key: 'primaryColor', label: 'Primary colour', description: 'Bookings in the calendar view.' },
  { key: 'secondaryColor', label: 'Secondary colour', description: 'Recurring bookings.' },
  { key: 'googleEventColor', label: 'Google event colour', description: 'Events imported from Google calendars.' },
  { key: 'microsoftEventColor', label: 'Outlook event colour', description: 'Events imported from Outlook calendars.' },
] as const;

type ColorKey = (typeof colorFields)[number]['key'];

/** GeneralForm edits the organization's name, time zone, colours and cancellation status. */
export function GeneralForm({
  organization: orgRef,
  statuses,
}: {
  organization: FragmentType<typeof OrganizationFields>;
  statuses: { id: string; name: string }[];
}) {
  const org = getFragmentData(OrganizationFields, orgRef);
  return <GeneralFormFields key={org.updatedAt} org={org} statuses={statuses} />;
}

function GeneralFormFields({
  org,
  statuses,
}: {
  org: SettingsOrganizationFragment;
  statuses: { id: string; name: string }[];
}) {
  const [name, setName] = useState(org.name);
  const [zone, setZone] = useState(org.defaultTimeZone);
  const [colors, setColors] = useState<Record<ColorKey, string>>({
    primaryColor: org.primaryColor,
    secondaryColor: org.secondaryColor,
    googleEventColor: org.googleEventColor,
    microsoftEventColor: org.microsoftEventColor,
  });
  const [cancellation, setCancellation] = useState<string | null>(org.cancellationStatusID ?? null);
  const [error, setError] = useState<CombinedError | null>(null);
  const [updateState, update] = useMutation(UpdateOrganizationMutation);
  const [setStatusState, setStatus] = useMutation(SetCancellationStatusMutation);
  const zones = useMemo(() => timeZones(org.defaultTimeZone), [org.defaultTimeZone]);
  const cancellationPlaceholder = org.cancellationStatusID ? undefined : 'The status named “Cancelled”';

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    const r = await update({ input: { name: name.trim(), defaultTimeZone: zone, ...colors } });
    if (r.error) return setError(r.error);
    if (cancellation && cancellation !== (org.cancellationStatusID ?? null)) {
      const c = await setStatus({ statusId: cancellation });
      if (c.error) return setError(c.error);
    }
    notifications.show({ color: 'green', message: 'Organization settings saved.' });
  }

  return (
    <form onSubmit={onSubmit} aria-labelledby="settings-general-title" noValidate>
      <Stack gap="md">
        <Title order={2} size="h3" id="settings-general-title">
          General
        </Title>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput label="Organization name" required value={name} onChange={(e) => setName(e.currentTarget.value)} />
          <Select
            label="Default time zone"
            description="For users who have not chosen their own."
            searchable
            allowDeselect={false}
            data={zones}
            value={zone}
            onChange={(v) => v && setZone(v)}
            limit={50}
          />
        </SimpleGrid>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          {colorFields.map((f) => (
            <ColorInput
              key={f.key}
              label={f.label}
              description={f.description}
              format="hex"
              withEyeDropper={false}
              value={colors[f.key]}
              onChange={(v) => setColors((c) => ({ ...c, [f.key]: v }))}
            />
          ))}
        </SimpleGrid>
        <Select
          label="Cancellation status"
          description="The status a cancelled booking gets. Its “remove events” flag decides whether cancelled bookings disappear from calendars or stay marked “Cancelled:”."
          placeholder={cancellationPlaceholder}
          data={statuses.map((s) => ({ value: s.id, label: s.name }))}
          value={cancellation}
          onChange={setCancellation}
          allowDeselect={false}
        />
        {error && <ErrorAlert error={error} title="The settings were not saved" />}
        <Group>
          <Button type="submit" loading={updateState.fetching || setStatusState.fetching}>
            Save general settings
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
