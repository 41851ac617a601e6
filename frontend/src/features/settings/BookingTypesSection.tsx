import { useState, type FormEvent } from 'react';
import { useMutation, type CombinedError } from 'urql';
import { Badge, Button, Group, Modal, Paper, Stack, Switch, Text, TextInput, Title, VisuallyHidden } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { graphql, getFragmentData, type FragmentType } from '@/gql';
import type { SettingsBookingTypeFragment } from '@/gql/graphql';
import { ConfirmButton, ErrorAlert } from '@/components';

export const BookingTypeFields = graphql(`
  fragment SettingsBookingType on BookingType {
    id
    name
    syncToCalendar
    personal
    default
    unavailable
  }
`);

const CreateBookingTypeMutation = graphql(`
  mutation SettingsCreateBookingType($input: CreateBookingTypeInput!) {
    createBookingType(input: $input) {
      ...SettingsBookingType
    }
  }
`);

const UpdateBookingTypeMutation = graphql(`
  mutation SettingsUpdateBookingType($id: ID!, $input: UpdateBookingTypeInput!) {
    updateBookingType(id: $id, input: $input) {
      ...SettingsBookingType
    }
  }
`);

const DeleteBookingTypeMutation = graphql(`
  mutation SettingsDeleteBookingType($id: ID!) {
    deleteBookingType(id: $id)
  }
`);

type Flag = 'syncToCalendar' | 'personal' | 'default' | 'unavailable';

export const typeFlags: { key: Flag; label: string; description: string }[] = [
  { key: 'syncToCalendar', label: 'Sync to calendars', description: 'Bookings of this type are pushed to the fieldworkers’ calendars (classes and trainings often are not).' },
  { key: 'personal', label: 'Personal', description: 'Private events imported from a calendar get this type.' },
  { key: 'default', label: 'Default for imported events', description: 'Other events imported from a calendar get this type.' },
  { key: 'unavailable', label: 'Unavailable time', description: 'Bookings of this type block time rather than serve a customer.' },
];

/** BookingTypesSection lists the booking types with their flags, and creates, edits and deletes them. */
export function BookingTypesSection({
  types: refs,
  onChanged,
}: {
  types: FragmentType<typeof BookingTypeFields>[];
  onChanged: () => void;
}) {
  const types = getFragmentData(BookingTypeFields, refs);
  const [editing, setEditing] = useState<SettingsBookingTypeFragment | 'new' | null>(null);
  const [deleteError, setDeleteError] = useState<CombinedError | null>(null);
  const [, remove] = useMutation(DeleteBookingTypeMutation);

  return (
    <Stack gap="md">
      <Group justify="space-between" wrap="wrap">
        <Title order={2} size="h3">
          Booking types
        </Title>
        <Button onClick={() => setEditing('new')}>New type</Button>
      </Group>
      {deleteError && <ErrorAlert error={deleteError} title="The type was not deleted" />}
      {types.length === 0 ? (
        <Text c="dimmed">No booking types yet.</Text>
      ) : (
        <Stack gap="xs" component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }} aria-label="Booking types">
          {types.map((t) => (
            <Paper key={t.id} withBorder p="sm" component="li">
              <Group justify="space-between" wrap="wrap" gap="sm">
                <Stack gap={4} style={{ minWidth: 0, flex: '1 1 240px' }}>
                  <Text fw={600} truncate>
                    {t.name}
                  </Text>
                  <Group gap="xs">
                    <Badge variant="outline" color={t.syncToCalendar ? 'blue.9' : 'gray.8'}>
                      {t.syncToCalendar ? 'Syncs to calendars' : 'Does not sync'}
                    </Badge>
                    {t.personal && <Badge variant="outline" color="gray.8">Personal</Badge>}
                    {t.default && <Badge variant="outline" color="gray.8">Default for imported events</Badge>}
                    {t.unavailable && <Badge variant="outline" color="gray.8">Unavailable time</Badge>}
                  </Group>
                </Stack>
                <Group gap="xs">
                  <Button variant="default" size="xs" onClick={() => setEditing(t)}>
                    Edit<VisuallyHidden> {t.name}</VisuallyHidden>
                  </Button>
                  <ConfirmButton
                    size="xs"
                    title={`Delete “${t.name}”?`}
                    message="The type is deleted. A type that bookings still use cannot be deleted."
                    confirmLabel="Delete type"
                    onConfirm={async () => {
                      setDeleteError(null);
                      const r = await remove({ id: t.id });
                      if (r.error) {
                        setDeleteError(r.error);
                        return;
                      }
                      notifications.show({ color: 'green', message: `Type “${t.name}” deleted.` });
                      onChanged();
                    }}
                  >
                    Delete<VisuallyHidden> {t.name}</VisuallyHidden>
                  </ConfirmButton>
                </Group>
              </Group>
            </Paper>
          ))}
        </Stack>
      )}
      <Modal
        opened={editing !== null}
        onClose={() => setEditing(null)}
        title={editing === 'new' ? 'New booking type' : 'Edit booking type'}
        centered
       
      >
        {editing !== null && (
          <BookingTypeEditor
            type={editing === 'new' ? null : editing}
            onDone={() => {
              setEditing(null);
              onChanged();
            }}
          />
        )}
      </Modal>
    </Stack>
  );
}

/** BookingTypeEditor is the form creating a type (type null) or changing one. */
export function BookingTypeEditor({ type, onDone }: { type: SettingsBookingTypeFragment | null; onDone: () => void }) {
  const [name, setName] = useState(type?.name ?? '');
  const [flags, setFlags] = useState<Record<Flag, boolean>>({
    syncToCalendar: type?.syncToCalendar ?? true,
    personal: type?.personal ?? false,
    default: type?.default ?? false,
    unavailable: type?.unavailable ?? false,
  });
  const [error, setError] = useState<CombinedError | null>(null);
  const [createState, create] = useMutation(CreateBookingTypeMutation);
  const [updateState, update] = useMutation(UpdateBookingTypeMutation);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    const input = { name: name.trim(), ...flags };
    const r = type ? await update({ id: type.id, input }) : await create({ input });
    if (r.error) return setError(r.error);
    notifications.show({ color: 'green', message: `Type “${input.name}” saved.` });
    onDone();
  }

  return (
    <form onSubmit={onSubmit} noValidate>
      <Stack gap="sm">
        <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} data-autofocus />
        {typeFlags.map((f) => (
          <Switch
            key={f.key}
            label={f.label}
            description={f.description}
            checked={flags[f.key]}
            onChange={(e) => {
              const checked = e.currentTarget.checked;
              setFlags((old) => ({ ...old, [f.key]: checked }));
            }}
          />
        ))}
        {error && <ErrorAlert error={error} title="The type was not saved" />}
        <Group justify="flex-end">
          <Button type="submit" loading={createState.fetching || updateState.fetching}>
            {type ? 'Save type' : 'Create type'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
