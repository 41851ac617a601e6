import { useState } from 'react';
import { useMutation, type CombinedError } from 'urql';
import { Button, Group, Modal, MultiSelect, NumberInput, SegmentedControl, Select, Stack, Text } from '@mantine/core';
import { ErrorAlert } from '@/components';
import type { MassModifyBookingsInput } from '@/gql/graphql';
import { BookingsMassModifyMutation } from '../api';
import { notifications } from '@mantine/notifications';

type HostMode = 'KEEP' | 'REPLACE' | 'ADD' | 'REMOVE';
interface Option {
  id: string;
  name: string;
}

// MassModifyModal applies one change to every selected booking.
export function MassModifyModal({
  opened,
  onClose,
  ids,
  statuses,
  types,
  fieldworkers,
  onDone,
}: {
  opened: boolean;
  onClose: () => void;
  ids: string[];
  statuses: Option[];
  types: Option[];
  fieldworkers: Option[];
  onDone: () => void;
}) {
  const [statusId, setStatusId] = useState<string | null>(null);
  const [typeId, setTypeId] = useState<string | null>(null);
  const [published, setPublished] = useState<string>('KEEP');
  const [hostMode, setHostMode] = useState<HostMode>('KEEP');
  const [hostIds, setHostIds] = useState<string[]>([]);
  const [shift, setShift] = useState<number | string>(0);
  const [error, setError] = useState<CombinedError | null>(null);
  const [{ fetching }, massModify] = useMutation(BookingsMassModifyMutation);

  const input: MassModifyBookingsInput = { ids };
  if (statusId) input.statusID = statusId;
  if (typeId) input.typeID = typeId;
  if (published !== 'KEEP') input.published = published === 'YES';
  if (hostMode === 'REPLACE') input.hostIDs = hostIds;
  if (hostMode === 'ADD' && hostIds.length) input.addHostIDs = hostIds;
  if (hostMode === 'REMOVE' && hostIds.length) input.removeHostIDs = hostIds;
  const minutes = typeof shift === 'number' ? shift : Number(shift) || 0;
  if (minutes) input.shiftMinutes = minutes;
  const nothing = Object.keys(input).length === 1;

  const reset = () => {
    setStatusId(null);
    setTypeId(null);
    setPublished('KEEP');
    setHostMode('KEEP');
    setHostIds([]);
    setShift(0);
    setError(null);
  };

  async function apply() {
    setError(null);
    const r = await massModify({ input });
    if (r.error || !r.data) {
      setError(r.error ?? null);
      return;
    }
    const n = r.data.massModifyBookings.count;
    notifications.show({ color: 'green', message: `${n} ${n === 1 ? 'booking' : 'bookings'} changed` });
    reset();
    onDone();
  }

  return (
    <Modal
      opened={opened}
      onClose={() => {
        setError(null);
        onClose();
      }}
      title={`Mass modify ${ids.length} ${ids.length === 1 ? 'booking' : 'bookings'}`}
      centered
    >
      <Stack gap="sm">
        {error && <ErrorAlert error={error} title="Nothing was changed" />}
        <Select label="Set status" placeholder="Unchanged" clearable data={statuses.map((s) => ({ value: s.id, label: s.name }))} value={statusId} onChange={setStatusId} />
        <Select label="Set type" placeholder="Unchanged" clearable data={types.map((t) => ({ value: t.id, label: t.name }))} value={typeId} onChange={setTypeId} />
        <Select
          label="Published"
          allowDeselect={false}
          data={[
            { value: 'KEEP', label: 'Unchanged' },
            { value: 'YES', label: 'Publish' },
            { value: 'NO', label: 'Unpublish' },
          ]}
          value={published}
          onChange={(v) => v && setPublished(v)}
        />
        <div>
          <Text size="sm" fw={500} mb={4} id="mass-hosts-mode">
            Hosts
          </Text>
          <SegmentedControl
            aria-labelledby="mass-hosts-mode"
            fullWidth
            size="xs"
            value={hostMode}
            onChange={(v) => setHostMode(v as HostMode)}
            data={[
              { value: 'KEEP', label: 'Unchanged' },
              { value: 'REPLACE', label: 'Replace' },
              { value: 'ADD', label: 'Add' },
              { value: 'REMOVE', label: 'Remove' },
            ]}
          />
        </div>
        {hostMode !== 'KEEP' && (
          <MultiSelect
            label={hostMode === 'REPLACE' ? 'New hosts' : hostMode === 'ADD' ? 'Hosts to add' : 'Hosts to remove'}
            data={fieldworkers.map((f) => ({ value: f.id, label: f.name }))}
            value={hostIds}
            onChange={setHostIds}
            searchable
          />
        )}
        <NumberInput label="Shift by minutes" description="Negative moves earlier" step={15} value={shift} onChange={setShift} />
        <Group justify="flex-end" mt="sm">
          <Button variant="default" onClick={onClose}>
            Close
          </Button>
          <Button onClick={apply} loading={fetching} disabled={nothing}>
            Apply to {ids.length}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
