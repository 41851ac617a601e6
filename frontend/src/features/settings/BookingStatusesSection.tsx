import { useState, type FormEvent } from 'react';
import { useMutation, type CombinedError } from 'urql';
import {
  Badge,
  Button,
  ColorInput,
  ColorSwatch,
  Group,
  Modal,
  Paper,
  Stack,
  Switch,
  Text,
  TextInput,
  Textarea,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { graphql, getFragmentData, type FragmentType } from '@/gql';
import type { SettingsBookingStatusFragment } from '@/gql/graphql';
import { ConfirmButton, ErrorAlert } from '@/components';

export const BookingStatusFields = graphql(`
  fragment SettingsBookingStatus on BookingStatus {
    id
    name
    color
    description
    pushToCalendar
    deleteFromCalendar
  }
`);

const CreateBookingStatusMutation = graphql(`
  mutation SettingsCreateBookingStatus($input: CreateBookingStatusInput!) {
    createBookingStatus(input: $input) {
      ...SettingsBookingStatus
    }
  }
`);

const UpdateBookingStatusMutation = graphql(`
  mutation SettingsUpdateBookingStatus($id: ID!, $input: UpdateBookingStatusInput!) {
    updateBookingStatus(id: $id, input: $input) {
      ...SettingsBookingStatus
    }
  }
`);

const DeleteBookingStatusMutation = graphql(`
  mutation SettingsDeleteBookingStatus($id: ID!) {
    deleteBookingStatus(id: $id)
  }
`);

const defaultColor = '#616161';

export const statusFlagText = {
  push: {
    label: 'Push to calendars',
    description: 'Bookings in this status appear in the fieldworkers’ calendars.',
  },
  remove: {
    label: 'Remove events from calendars',
    description:
      'When a booking leaves a calendar (deleted, moved, cancelled, or put in a status that is not pushed) its event is deleted. Off: the event stays; a cancelled booking’s is marked “Cancelled:”.',
  },
};

/** BookingStatusesSection lists the booking statuses with their flags, and creates, edits and deletes them. */
export function BookingStatusesSection({
  statuses: refs,
  cancellationStatusId,
  onChanged,
}: {
  statuses: FragmentType<typeof BookingStatusFields>[];
  cancellationStatusId?: string | null;
  onChanged: () => void;
}) {
  const statuses = getFragmentData(BookingStatusFields, refs);
  const [editing, setEditing] = useState<SettingsBookingStatusFragment | 'new' | null>(null);
  const [deleteError, setDeleteError] = useState<CombinedError | null>(null);
  const [, remove] = useMutation(DeleteBookingStatusMutation);

  return (
    <Stack gap="md">
      <Group justify="space-between" wrap="wrap">
        <Title order={2} size="h3">
          Booking statuses
        </Title>
        <Button onClick={() => setEditing('new')}>New status</Button>
      </Group>
      {deleteError && <ErrorAlert error={deleteError} title="The status was not deleted" />}
      {statuses.length === 0 ? (
        <Text c="dimmed">No booking statuses yet.</Text>
      ) : (
        <Stack gap="xs" component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }} aria-label="Booking statuses">
          {statuses.map((st) => (
            <Paper key={st.id} withBorder p="sm" component="li">
              <Group justify="space-between" wrap="wrap" gap="sm">
                <Stack gap={4} style={{ minWidth: 0, flex: '1 1 240px' }}>
                  <Group gap="xs" wrap="nowrap">
                    <ColorSwatch color={st.color} size={18} aria-hidden />
                    <Text fw={600} truncate>
                      {st.name}
                    </Text>
                    {st.id === cancellationStatusId && (
                      <Badge variant="outline" color="gray.8">
                        Cancellation status
                      </Badge>
                    )}
                  </Group>
                  {st.description && (
                    <Text size="sm" c="dimmed">
                      {st.description}
                    </Text>
                  )}
                  <Group gap="xs">
                    <Badge variant="outline" color={st.pushToCalendar ? 'blue.9' : 'gray.8'}>
                      {st.pushToCalendar ? 'Pushed to calendars' : 'Not pushed'}
                    </Badge>
                    <Badge variant="outline" color={st.deleteFromCalendar ? 'blue.9' : 'gray.8'}>
                      {st.deleteFromCalendar ? 'Removes events' : 'Keeps events'}
                    </Badge>
                  </Group>
                </Stack>
                <Group gap="xs">
                  <Button variant="default" size="xs" onClick={() => setEditing(st)}>
                    Edit<VisuallyHidden> {st.name}</VisuallyHidden>
                  </Button>
                  <ConfirmButton
                    size="xs"
                    title={`Delete “${st.name}”?`}
                    message="The status is deleted. A status that bookings still use cannot be deleted."
                    confirmLabel="Delete status"
                    onConfirm={async () => {
                      setDeleteError(null);
                      const r = await remove({ id: st.id });
                      if (r.error) {
                        setDeleteError(r.error);
                        return;
                      }
                      notifications.show({ color: 'green', message: `Status “${st.name}” deleted.` });
                      onChanged();
                    }}
                  >
                    Delete<VisuallyHidden> {st.name}</VisuallyHidden>
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
        title={editing === 'new' ? 'New booking status' : 'Edit booking status'}
        centered
       
      >
        {editing !== null && (
          <BookingStatusEditor
            status={editing === 'new' ? null : editing}
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

/** BookingStatusEditor is the form creating a status (status null) or changing one. */
export function BookingStatusEditor({
  status,
  onDone,
}: {
  status: SettingsBookingStatusFragment | null;
  onDone: () => void;
}) {
  const [name, setName] = useState(status?.name ?? '');
  const [color, setColor] = useState(status?.color ?? defaultColor);
  const [description, setDescription] = useState(status?.description ?? '');
  const [push, setPush] = useState(status?.pushToCalendar ?? true);
  const [removeEvents, setRemoveEvents] = useState(status?.deleteFromCalendar ?? true);
  const [error, setError] = useState<CombinedError | null>(null);
  const [createState, create] = useMutation(CreateBookingStatusMutation);
  const [updateState, update] = useMutation(UpdateBookingStatusMutation);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    const r = status
      ? await update({
          id: status.id,
          input: {
            name: name.trim(),
            color,
            pushToCalendar: push,
            deleteFromCalendar: removeEvents,
            ...(description.trim() ? { description: description.trim() } : status.description ? { clearDescription: true } : {}),
          },
        })
      : await create({
          input: {
            name: name.trim(),
            color,
            pushToCalendar: push,
            deleteFromCalendar: removeEvents,
            ...(description.trim() ? { description: description.trim() } : {}),
          },
        });
    if (r.error) return setError(r.error);
    notifications.show({ color: 'green', message: `Status “${name.trim()}” saved.` });
    onDone();
  }

  return (
    <form onSubmit={onSubmit} noValidate>
      <Stack gap="sm">
        <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} data-autofocus />
        <ColorInput label="Colour" format="hex" withEyeDropper={false} value={color} onChange={setColor} />
        <Textarea
          label="Description"
          rows={2}
          value={description}
          onChange={(e) => setDescription(e.currentTarget.value)}
        />
        <Switch
          label={statusFlagText.push.label}
          description={statusFlagText.push.description}
          checked={push}
          onChange={(e) => setPush(e.currentTarget.checked)}
        />
        <Switch
          label={statusFlagText.remove.label}
          description={statusFlagText.remove.description}
          checked={removeEvents}
          onChange={(e) => setRemoveEvents(e.currentTarget.checked)}
        />
        {error && <ErrorAlert error={error} title="The status was not saved" />}
        <Group justify="flex-end">
          <Button type="submit" loading={createState.fetching || updateState.fetching}>
            {status ? 'Save status' : 'Create status'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
