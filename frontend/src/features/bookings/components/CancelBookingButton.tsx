import { useState } from 'react';
import { useMutation, type CombinedError } from 'urql';
import { Button, Group, Modal, Stack, Text, Textarea } from '@mantine/core';
import { ErrorAlert } from '@/components';
import { BookingsCancelMutation } from '../api';
import { notifications } from '@mantine/notifications';

// CancelBookingButton asks for confirmation and an optional reason.
export function CancelBookingButton({ id, title }: { id: string; title: string }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<CombinedError | null>(null);
  const [{ fetching }, cancel] = useMutation(BookingsCancelMutation);
  async function confirm() {
    setError(null);
    const r = await cancel({ id, reason: reason.trim() || undefined });
    if (r.error) {
      setError(r.error);
      return;
    }
    notifications.show({ color: 'green', message: `“${title}” cancelled` });
    setOpen(false);
    setReason('');
  }
  return (
    <>
      <Button color="red" variant="light" onClick={() => setOpen(true)}>
        Cancel booking
      </Button>
      <Modal opened={open} onClose={() => setOpen(false)} title="Cancel this booking?" centered>
        <Stack gap="sm">
          {error && <ErrorAlert error={error} title="The booking was not cancelled" />}
          <Text size="sm">“{title}” gets the cancellation status and its calendar events are updated.</Text>
          <Textarea label="Reason (optional)" autosize minRows={2} value={reason} onChange={(e) => setReason(e.currentTarget.value)} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setOpen(false)}>
              Keep booking
            </Button>
            <Button color="red" loading={fetching} onClick={confirm}>
              Cancel booking
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
