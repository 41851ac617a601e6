import { ActionIcon, Button, Fieldset, Group, Stack, Text, TextInput } from '@mantine/core';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { propertyRow, type PropertyRow } from '../formValues';

// PropertiesField edits a booking's custom name/value pairs.
export function PropertiesField({
  rows,
  onChange,
  error,
}: {
  rows: PropertyRow[];
  onChange: (rows: PropertyRow[]) => void;
  error?: string;
}) {
  const set = (key: number, patch: Partial<PropertyRow>) => onChange(rows.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  return (
    <Fieldset legend="Custom properties">
      <Stack gap="xs">
        {rows.length === 0 && (
          <Text size="sm" c="dimmed">
            No custom properties.
          </Text>
        )}
        {rows.map((r, i) => (
          <Group key={r.key} gap="xs" wrap="nowrap" align="flex-end">
            <TextInput
              style={{ flex: 1, minWidth: 0 }}
              label={`Property ${i + 1} name`}
              value={r.name}
              onChange={(e) => set(r.key, { name: e.currentTarget.value })}
            />
            <TextInput
              style={{ flex: 1, minWidth: 0 }}
              label={`Property ${i + 1} value`}
              value={r.value}
              onChange={(e) => set(r.key, { value: e.currentTarget.value })}
            />
            <ActionIcon
              variant="subtle"
              color="red"
              size="lg"
              mb={2}
              aria-label={`Remove property ${r.name || i + 1}`}
              onClick={() => onChange(rows.filter((x) => x.key !== r.key))}
            >
              <IconTrash size={18} />
            </ActionIcon>
          </Group>
        ))}
        {error && (
          <Text size="sm" c="red" role="alert">
            {error}
          </Text>
        )}
        <Group>
          <Button variant="light" size="xs" leftSection={<IconPlus size={16} />} onClick={() => onChange([...rows, propertyRow()])}>
            Add property
          </Button>
        </Group>
      </Stack>
    </Fieldset>
  );
}
