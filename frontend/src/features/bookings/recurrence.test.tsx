import { useState } from 'react';
import { describe, expect, test } from 'vitest';
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderWithProviders } from '@/testing/render';
import { buildRule, describeRule, noRecurrence, parseRule, type RecurrenceChoice } from './recurrence';
import { RecurrenceField } from './components/RecurrenceField';

const monday = '2025-05-12T09:00';

describe('recurrence builder', () => {
  test('choices make rules', () => {
    expect(buildRule(noRecurrence, monday)).toBeNull();
    expect(buildRule({ ...noRecurrence, frequency: 'DAILY' }, monday)).toBe('FREQ=DAILY');
    expect(buildRule({ ...noRecurrence, frequency: 'WEEKLY', ending: 'COUNT', count: 4 }, monday)).toBe('FREQ=WEEKLY;BYDAY=MO;COUNT=4');
    expect(buildRule({ ...noRecurrence, frequency: 'WEEKLY' }, '2025-05-15T09:00')).toBe('FREQ=WEEKLY;BYDAY=TH');
    expect(buildRule({ ...noRecurrence, frequency: 'MONTHLY', ending: 'UNTIL', until: '2025-12-31' }, monday)).toBe('FREQ=MONTHLY;UNTIL=20251231');
  });

  test('rules read back into the same choices', () => {
    for (const c of [
      { ...noRecurrence, frequency: 'DAILY' as const },
      { ...noRecurrence, frequency: 'WEEKLY' as const, ending: 'COUNT' as const, count: 4 },
      { ...noRecurrence, frequency: 'MONTHLY' as const, ending: 'UNTIL' as const, until: '2025-12-31' },
    ]) {
      const rule = buildRule(c, monday);
      expect(parseRule(rule, monday)).toEqual(c);
    }
    expect(parseRule('RRULE:FREQ=WEEKLY;BYDAY=MO;INTERVAL=1', monday).frequency).toBe('WEEKLY');
    expect(parseRule('FREQ=MONTHLY;BYMONTHDAY=12', monday).frequency).toBe('MONTHLY');
  });

  test('rules beyond the choices are kept as custom', () => {
    for (const rule of [
      'FREQ=WEEKLY;BYDAY=MO,WE',
      'FREQ=WEEKLY;BYDAY=TU',
      'FREQ=DAILY;INTERVAL=2',
      'FREQ=WEEKLY;BYDAY=MO;UNTIL=20251231T100000Z',
      'FREQ=YEARLY;BYMONTH=5',
      'FREQ=MONTHLY;BYDAY=2MO',
    ]) {
      const c = parseRule(rule, monday);
      expect(c.frequency).toBe('CUSTOM');
      expect(buildRule(c, monday)).toBe(rule);
    }
    expect(describeRule(parseRule('FREQ=WEEKLY;BYDAY=MO,WE', monday), monday)).toBe('Custom rule: FREQ=WEEKLY;BYDAY=MO,WE');
    expect(describeRule(parseRule('FREQ=WEEKLY;BYDAY=MO;COUNT=4', monday), monday)).toBe('Weekly on Monday, 4 times');
  });
});

function Harness({ initial, original }: { initial: RecurrenceChoice; original?: string }) {
  const [v, setV] = useState(initial);
  return <RecurrenceField value={v} onChange={setV} start={monday} originalCustom={original} />;
}

describe('RecurrenceField', () => {
  test('shows the rule of the choices and keeps a custom rule on offer', async () => {
    const user = userEvent.setup();
    const custom = 'FREQ=WEEKLY;BYDAY=MO,WE';
    renderWithProviders(<Harness initial={parseRule(custom, monday)} original={custom} />);
    expect(screen.getByText(custom, { selector: 'code' })).toBeInTheDocument();
    await user.click(screen.getByRole('combobox', { name: 'Frequency' }));
    await user.click(await screen.findByRole('option', { name: 'Weekly on Monday', hidden: true }));
    expect(screen.getByText('FREQ=WEEKLY;BYDAY=MO', { selector: 'code' })).toBeInTheDocument();
    await user.click(screen.getByRole('radio', { name: 'After' }));
    expect(screen.getByText('FREQ=WEEKLY;BYDAY=MO;COUNT=4', { selector: 'code' })).toBeInTheDocument();
    // The stored custom rule can be chosen again.
    await user.click(screen.getByRole('combobox', { name: 'Frequency' }));
    await user.click(await screen.findByRole('option', { name: `Custom rule (${custom})`, hidden: true }));
    expect(screen.getByText(custom, { selector: 'code' })).toBeInTheDocument();
  });
});
