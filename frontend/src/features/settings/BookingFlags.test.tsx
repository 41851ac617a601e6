import { describe, expect, test } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderWithProviders } from '@/testing/render';
import { BookingStatusEditor, BookingStatusesSection } from './BookingStatusesSection';
import { BookingTypeEditor, BookingTypesSection } from './BookingTypesSection';

function capture() {
  const sent: { query: string; variables: Record<string, unknown> }[] = [];
  const mutation = (op: { query: unknown; variables?: unknown }) => {
    const q = op.query as { definitions: { name?: { value: string } }[] };
    sent.push({ query: q.definitions[0]?.name?.value ?? '', variables: op.variables as Record<string, unknown> });
    return { data: {} };
  };
  return { sent, mutation };
}

const onHold = {
  id: '7',
  name: 'On hold',
  color: '#aa5500',
  description: 'Waiting for the customer',
  pushToCalendar: true,
  deleteFromCalendar: true,
};

describe('booking status flags', { timeout: 20_000 }, () => {
  test('the list says what each status does to calendars', () => {
    renderWithProviders(
      <BookingStatusesSection
        statuses={[onHold, { ...onHold, id: '8', name: 'Tentative', pushToCalendar: false, deleteFromCalendar: false }] as never}
        cancellationStatusId="8"
        onChanged={() => {}}
      />,
    );
    const items = within(screen.getByRole('list', { name: 'Booking statuses' })).getAllByRole('listitem');
    expect(within(items[0]).getByText('Pushed to calendars')).toBeInTheDocument();
    expect(within(items[0]).getByText('Removes events')).toBeInTheDocument();
    expect(within(items[1]).getByText('Not pushed')).toBeInTheDocument();
    expect(within(items[1]).getByText('Keeps events')).toBeInTheDocument();
    expect(within(items[1]).getByText('Cancellation status')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Edit On hold' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Delete Tentative' })).toBeInTheDocument();
  });

  test('editing turns one flag off and sends it with the rest unchanged', async () => {
    const user = userEvent.setup();
    const { sent, mutation } = capture();
    let done = false;
    renderWithProviders(<BookingStatusEditor status={onHold} onDone={() => (done = true)} />, { mutation });
    const push = screen.getByRole('switch', { name: /Push to calendars/ });
    expect(push).toBeChecked();
    await user.click(push);
    expect(push).not.toBeChecked();
    await user.click(screen.getByRole('button', { name: 'Save status' }));
    await waitFor(() => expect(done).toBe(true));
    expect(sent[0].query).toBe('SettingsUpdateBookingStatus');
    expect(sent[0].variables).toEqual({
      id: '7',
      input: { name: 'On hold', color: '#aa5500', pushToCalendar: false, deleteFromCalendar: true, description: 'Waiting for the customer' },
    });
  });

  test('emptying the description clears it', async () => {
    const user = userEvent.setup();
    const { sent, mutation } = capture();
    renderWithProviders(<BookingStatusEditor status={onHold} onDone={() => {}} />, { mutation });
    await user.clear(screen.getByLabelText('Description'));
    await user.click(screen.getByRole('button', { name: 'Save status' }));
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0].variables.input).toMatchObject({ clearDescription: true });
    expect(sent[0].variables.input).not.toHaveProperty('description');
  });

  test('a new status is pushed and removes events unless told otherwise', async () => {
    const user = userEvent.setup();
    const { sent, mutation } = capture();
    renderWithProviders(<BookingStatusEditor status={null} onDone={() => {}} />, { mutation });
    await user.type(screen.getByLabelText(/^Name/), 'Tentative');
    await user.click(screen.getByRole('switch', { name: /Remove events from calendars/ }));
    await user.click(screen.getByRole('button', { name: 'Create status' }));
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0].query).toBe('SettingsCreateBookingStatus');
    expect(sent[0].variables.input).toMatchObject({ name: 'Tentative', pushToCalendar: true, deleteFromCalendar: false });
  });
});

describe('booking type flags', { timeout: 20_000 }, () => {
  test('a type that does not sync is created with syncToCalendar off', async () => {
    const user = userEvent.setup();
    const { sent, mutation } = capture();
    renderWithProviders(<BookingTypeEditor type={null} onDone={() => {}} />, { mutation });
    await user.type(screen.getByLabelText(/^Name/), 'Training');
    const sync = screen.getByRole('switch', { name: /Sync to calendars/ });
    expect(sync).toBeChecked();
    await user.click(sync);
    await user.click(screen.getByRole('button', { name: 'Create type' }));
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0].query).toBe('SettingsCreateBookingType');
    expect(sent[0].variables.input).toEqual({ name: 'Training', syncToCalendar: false, personal: false, default: false, unavailable: false });
  });

  test('editing a type changes its flags; the list shows them', async () => {
    const user = userEvent.setup();
    const { sent, mutation } = capture();
    const type = { id: '3', name: 'Personal', syncToCalendar: true, personal: true, default: false, unavailable: false };
    renderWithProviders(<BookingTypeEditor type={type} onDone={() => {}} />, { mutation });
    await user.click(screen.getByRole('switch', { name: /Unavailable time/ }));
    await user.click(screen.getByRole('button', { name: 'Save type' }));
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0].variables).toEqual({ id: '3', input: { name: 'Personal', syncToCalendar: true, personal: true, default: false, unavailable: true } });
  });

  test('the type list shows which types sync', () => {
    renderWithProviders(
      <BookingTypesSection
        types={[
          { id: '1', name: 'Visit', syncToCalendar: true, personal: false, default: true, unavailable: false },
          { id: '2', name: 'Training', syncToCalendar: false, personal: false, default: false, unavailable: false },
        ] as never}
        onChanged={() => {}}
      />,
    );
    const items = within(screen.getByRole('list', { name: 'Booking types' })).getAllByRole('listitem');
    expect(within(items[0]).getByText('Syncs to calendars')).toBeInTheDocument();
    expect(within(items[0]).getByText('Default for imported events')).toBeInTheDocument();
    expect(within(items[1]).getByText('Does not sync')).toBeInTheDocument();
  });
});
