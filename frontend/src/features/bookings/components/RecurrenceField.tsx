import { Code, Fieldset, Group, NumberInput, Radio, Select, Stack, Text, TextInput } from '@mantine/core';
import { buildRule, describeRule, weekdayName, type Ending, type Frequency, type RecurrenceChoice } from '../recurrence';

// RecurrenceField offers the common repeats of a booking and shows the
// rule they make; a rule the choices cannot express stays as it is
// (offered as "Custom rule") until another choice replaces it.
export function RecurrenceField({
  value,
  onChange,
  start,
  originalCustom,
  error,
}: {
  value: RecurrenceChoice;
  onChange: (v: RecurrenceChoice) => void;
  /** the booking's local start ("YYYY-MM-DDTHH:mm") */
  start: string;
  /** the stored custom rule, kept on offer while editing */
  originalCustom?: string;
  error?: string;
}) {
  const hasDate = /^\d{4}-\d{2}-\d{2}/.test(start);
  const data: { value: Frequency; label: string }[] = [
    { value: 'NONE', label: 'Does not repeat' },
    { value: 'DAILY', label: 'Daily' },
    { value: 'WEEKLY', label: hasDate ? `Weekly on ${weekdayName(start)}` : 'Weekly' },
    { value: 'MONTHLY', label: hasDate ? `Monthly on day ${Number(start.slice(8, 10))}` : 'Monthly' },
  ];
  const custom = value.frequency === 'CUSTOM' ? value.custom : originalCustom;
  if (custom) data.push({ value: 'CUSTOM', label: `Custom rule (${custom})` });
  const rule = buildRule(value, start);
  const repeats = value.frequency !== 'NONE' && value.frequency !== 'CUSTOM';
  return (
    <Fieldset legend="Repeats">
      <Stack gap="sm">
        <Select
          label="Frequency"
          data={data}
          value={value.frequency}
          allowDeselect={false}
          onChange={(f) => f && onChange({ ...value, frequency: f as Frequency, custom: f === 'CUSTOM' ? (custom ?? '') : value.custom })}
          error={error}
        />
        {repeats && (
          <Radio.Group label="Ends" value={value.ending} onChange={(e) => onChange({ ...value, ending: e as Ending })}>
            <Stack gap="xs" mt={4}>
              <Radio value="NEVER" label="Never" />
              <Group gap="xs" wrap="wrap" align="center">
                <Radio value="COUNT" label="After" />
                <NumberInput
                  aria-label="Number of times"
                  min={1}
                  max={999}
                  w={90}
                  size="xs"
                  value={value.count}
                  disabled={value.ending !== 'COUNT'}
                  onChange={(n) => onChange({ ...value, count: typeof n === 'number' ? n : Number(n) || 0 })}
                />
                <Text size="sm">times</Text>
              </Group>
              <Group gap="xs" wrap="wrap" align="center">
                <Radio value="UNTIL" label="On date" />
                <TextInput
                  aria-label="Last date"
                  type="date"
                  size="xs"
                  value={value.until}
                  disabled={value.ending !== 'UNTIL'}
                  onChange={(e) => onChange({ ...value, until: e.currentTarget.value })}
                />
              </Group>
            </Stack>
          </Radio.Group>
        )}
        <Text size="sm" c="dimmed">
          {describeRule(value, start)}
          {rule && (
            <>
              {' · '}
              <Code>{rule}</Code>
            </>
          )}
        </Text>
      </Stack>
    </Fieldset>
  );
}
