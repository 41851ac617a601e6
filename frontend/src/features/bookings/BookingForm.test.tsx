import { describe, expect, test, vi } from 'vitest';
import { fireEvent, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { CombinedError } from 'urql';
import { GraphQLError } from 'graphql';
import { never } from 'wonka';
import { renderWithProviders } from '@/testing/render';
import { BookingForm } from './components/BookingForm';
import { toUpdateInput, valuesFromBooking } from './formValues';

// jsdom has no document.fonts, which Mantine's autosize Textarea listens to.
if (!('fonts' in document)) {
  Object.defineProperty(document, 'fonts', {
    configurable: true,
    value: { addEventListener: () => {}, removeEventListener: () => {}, ready: Promise.resolve() },
  });
}

const statuses = [{ id: 's1', name: 'Confirmed', color: '#2b8a3e' }];
const types = [{ id: 't1', name: 'Appointment', default: true }];
const fieldworkers = [{ id: 'u3', name: 'Fiona Field' }];

function renderNew(mutation: (op: { query: unknown; variables?: unknown }) => unknown) {
  return renderWithProviders(
    <BookingForm
      booking={null}
      statuses={statuses}
      types={types}
      fieldworkers={fieldworkers}
      defaultTimeZone="Europe/Helsinki"
      defaultStart={{ start: '2025-05-12T10:00', end: '2025-05-12T11:00' }}
    />,
    { mutation, query: () => never, route: '/bookings/new' },
  );
}

describe('BookingForm', () => {
  test('checks the title before asking the server', { timeout: 20_000 }, async () => {
    const mutation = vi.fn(() => never);
    renderNew(mutation);
    await userEvent.click(screen.getByRole('button', { name: 'Create booking' }));
    expect(await screen.findByText('Enter a title')).toBeInTheDocument();
    expect(screen.getByLabelText(/^Title/)).toHaveAttribute('aria-invalid', 'true');
    expect(mutation).not.toHaveBeenCalled();
  });

  test("shows the server's validation error at the top and by the field it names", { timeout: 20_000 }, async () => {
    const message = 'endAt: a booking lasts at most 31 days';
    const mutation = vi.fn((op: { query: unknown; variables?: unknown }) => ({
      operation: op,
      data: undefined,
      error: new CombinedError({
        graphQLErrors: [new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', field: 'endAt' } })],
      }),
    }));
    renderNew(mutation);
    fireEvent.change(screen.getByLabelText(/^Title/), { target: { value: 'Boiler service' } });
    fireEvent.change(screen.getByLabelText(/^End/), { target: { value: '2025-07-12T11:00' } });
    await userEvent.click(screen.getByRole('button', { name: 'Create booking' }));

    const alert = await screen.findByRole('alert', { name: /not saved/ });
    expect(within(alert).getByText(message)).toBeInTheDocument();
    expect(screen.getByLabelText(/^End/)).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByLabelText(/^Start/)).not.toHaveAttribute('aria-invalid', 'true');

    // What was sent: UTC instants from the Helsinki wall clocks, the default type, published.
    const vars = (mutation.mock.calls[0][0] as { variables: { input: Record<string, unknown> } }).variables.input;
    expect(vars).toMatchObject({
      title: 'Boiler service',
      startAt: '2025-05-12T07:00:00Z',
      endAt: '2025-07-12T08:00:00Z',
      timeZone: 'Europe/Helsinki',
      typeID: 't1',
      published: true,
    });
  });
});

describe('update input', () => {
  const stored = {
    id: 'b1',
    title: 'Leak repair',
    startAt: '2025-05-12T07:00:00Z',
    endAt: '2025-05-12T08:30:00Z',
    timeZone: 'Europe/Helsinki',
    recurrence: 'FREQ=WEEKLY;BYDAY=MO,WE',
    published: true,
    hosts: [{ id: 'u3', name: 'Fiona Field' }],
    customerName: 'Customer 1',
    addresses: ['Mannerheimintie 10'],
    customProperties: { 'Access code': '1000' },
  };

  test('a new time alone is a reschedule; a custom rule is left alone', () => {
    const original = valuesFromBooking(stored);
    const changes = toUpdateInput(original, { ...original, start: '2025-05-12T11:00', end: '2025-05-12T12:30' });
    expect(changes).toEqual({
      onlyTime: true,
      none: false,
      input: { startAt: '2025-05-12T08:00:00Z', endAt: '2025-05-12T09:30:00Z', timeZone: 'Europe/Helsinki' },
    });
  });

  test('emptied fields are cleared and hosts added and removed', () => {
    const original = valuesFromBooking(stored);
    const changes = toUpdateInput(original, { ...original, title: 'Leak repair 2', customerName: '', addresses: '', hostIds: ['u4'], properties: [] });
    expect(changes.onlyTime).toBe(false);
    expect(changes.input).toEqual({
      title: 'Leak repair 2',
      clearCustomerName: true,
      clearAddresses: true,
      addHostIDs: ['u4'],
      removeHostIDs: ['u3'],
      clearCustomProperties: true,
    });
    expect(toUpdateInput(original, original).none).toBe(true);
  });
});
