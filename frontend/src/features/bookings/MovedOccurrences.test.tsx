import { describe, expect, test, vi } from 'vitest';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { CombinedError } from 'urql';
import { GraphQLError, print } from 'graphql';
import axe from 'axe-core';
import { never } from 'wonka';
import { makeFragmentData } from '@/gql';
import { renderWithProviders } from '@/testing/render';
import { MovedOccurrences, MovedOccurrencesFragment } from './components/MovedOccurrences';

type Moved = { originalStart: string; startAt: string; endAt: string };

// A daily round from 1 May 2030, 09:00–10:30 in Helsinki (UTC+3).
function booking(movedOccurrences: Moved[]) {
  return makeFragmentData(
    {
      __typename: 'Booking',
      id: 'b7',
      startAt: '2030-05-01T06:00:00Z',
      endAt: '2030-05-01T07:30:00Z',
      timeZone: 'Europe/Helsinki',
      movedOccurrences: movedOccurrences.map((m) => ({ __typename: 'MovedOccurrence', ...m })),
    } as never,
    MovedOccurrencesFragment,
  );
}

const third = { originalStart: '2030-05-03T06:00:00Z', startAt: '2030-05-03T11:00:00Z', endAt: '2030-05-03T13:00:00Z' };
const fourth = { originalStart: '2030-05-04T06:00:00Z', startAt: '2030-05-04T20:00:00Z', endAt: '2030-05-04T22:00:00Z' };

type Op = { query: unknown; variables?: unknown };

describe('MovedOccurrences', () => {
  test('lists each moved occurrence in the booking’s zone; Move back puts it where the series does', async () => {
    const mutation = vi.fn((op: Op) => ({ operation: op, data: { moveOccurrence: { __typename: 'Booking', id: 'b7' } } }));
    const { container } = renderWithProviders(<MovedOccurrences booking={booking([third, fourth])} canMove />, {
      mutation,
      query: () => never,
    });

    const list = screen.getByRole('list', { name: 'Moved occurrences' });
    const items = within(list).getAllByRole('listitem');
    expect(items.map((li) => within(li).getByText(/→/).textContent)).toEqual([
      'Fri 3 May 09:00 → Fri 3 May 14:00–16:00',
      'Sat 4 May 09:00 → Sat 4 May 23:00 – Sun 5 May 01:00',
    ]);

    await userEvent.click(screen.getByRole('button', { name: 'Move back to Sat 4 May 09:00' }));
    expect(mutation).toHaveBeenCalledTimes(1);
    const op = mutation.mock.calls[0][0];
    // Back at its original start, as long as the booking (1 h 30 min).
    expect(op.variables).toEqual({
      bookingId: 'b7',
      originalStart: '2030-05-04T06:00:00Z',
      startAt: '2030-05-04T06:00:00Z',
      endAt: '2030-05-04T07:30:00Z',
    });
    // The answer carries the moves, so graphcache updates the booking's page.
    expect(print(op.query as never)).toMatch(/moveOccurrence\([^)]*\) \{[\s\S]*movedOccurrences \{\s*originalStart\s*startAt\s*endAt/);

    const { violations } = await axe.run(container, { rules: { 'color-contrast': { enabled: false } } });
    expect(violations.map((v) => v.id)).toEqual([]);
  });

  test("shows the server's refusal", async () => {
    const message = 'no occurrence of the booking starts at 2030-05-03T06:00:00Z';
    const mutation = vi.fn((op: Op) => ({
      operation: op,
      data: undefined,
      error: new CombinedError({ graphQLErrors: [new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', field: 'originalStart' } })] }),
    }));
    renderWithProviders(<MovedOccurrences booking={booking([third])} canMove />, { mutation, query: () => never });
    await userEvent.click(screen.getByRole('button', { name: 'Move back to Fri 3 May 09:00' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The occurrence was not moved back');
    expect(alert).toHaveTextContent(message);
  });

  test('shows nothing without moved occurrences, and no Move back to those who may not reschedule', () => {
    const { unmount } = renderWithProviders(<MovedOccurrences booking={booking([])} canMove />);
    expect(screen.queryByRole('heading', { name: 'Moved occurrences' })).toBeNull();
    unmount();
    renderWithProviders(<MovedOccurrences booking={booking([third])} canMove={false} />);
    expect(screen.getByRole('heading', { name: 'Moved occurrences' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /Move back/ })).toBeNull();
  });
});
