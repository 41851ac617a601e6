import { describe, expect, test, vi } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { CombinedError } from 'urql';
import { GraphQLError } from 'graphql';
import { makeFragmentData } from '@/gql';
import { renderWithProviders } from '@/testing/render';
import { ConflictCard, ConflictCardFragment } from './ConflictCard';
import { changedWords, formatSpan, keepLabel } from './words';

describe('conflict words', () => {
  test('what each side did', () => {
    expect(changedWords(['TIME'])).toBe('moved it');
    expect(changedWords(['TIME', 'CONTENT'])).toBe('moved it and changed its title, place or notes');
    expect(changedWords(['DELETED'])).toBe('deleted it');
    expect(changedWords([])).toBe('changed it');
  });

  test('times in the viewer’s zone; all-day by dates', () => {
    expect(formatSpan('2026-12-01T09:00:00Z', '2026-12-01T10:00:00Z', false, 'Europe/Berlin')).toBe('Tue, 1 Dec 2026, 10:00 – 11:00');
    expect(formatSpan('2026-12-01T22:00:00Z', '2026-12-02T01:00:00Z', false, 'UTC')).toBe(
      'Tue, 1 Dec 2026, 22:00 – Wed, 2 Dec 2026, 01:00',
    );
    expect(formatSpan('2026-12-01T00:00:00Z', '2026-12-02T00:00:00Z', true, 'Pacific/Auckland')).toBe('Tue, 1 Dec 2026 (all day)');
    expect(formatSpan('2026-12-01T00:00:00Z', '2026-12-04T00:00:00Z', true)).toBe('Tue, 1 Dec 2026 – Thu, 3 Dec 2026 (all day)');
  });

  test('the buttons name the side kept', () => {
    expect(keepLabel('CALSYNC')).toBe('Keep Calsync’s version');
    expect(keepLabel('GOOGLE')).toBe('Keep the Google version');
    expect(keepLabel('MICROSOFT')).toBe('Keep the Microsoft version');
  });
});

function version(start: string, end: string, deleted = false) {
  return { __typename: 'EventVersion' as const, title: 'Visit Ann', location: '12 Harbour St', description: '', start, end, allDay: false, deleted };
}

function conflict(state: 'OPEN' | 'RESOLVED' = 'OPEN', providerDeleted = false, occurrenceStart: string | null = null) {
  return makeFragmentData(
    {
      __typename: 'SyncConflict',
      id: '77',
      state,
      provider: 'GOOGLE',
      createdAt: '2026-11-30T09:00:00Z',
      resolution: state === 'OPEN' ? null : 'KEEP_PROVIDER',
      resolvedAt: state === 'OPEN' ? null : '2026-11-30T09:05:00Z',
      calsyncChanged: ['TIME'],
      providerChanged: providerDeleted ? ['DELETED'] : ['TIME'],
      occurrenceStart,
      booking: { __typename: 'Booking', id: '5', title: 'Visit Ann' },
      user: { __typename: 'User', id: '9', name: 'Fiona Field' },
      resolvedBy: state === 'OPEN' ? null : { __typename: 'User', id: '1', name: 'Ada Admin' },
      calsyncVersion: version('2026-12-01T09:00:00Z', '2026-12-01T10:00:00Z'),
      providerVersion: version('2026-12-02T14:00:00Z', '2026-12-02T15:00:00Z', providerDeleted),
    } as never,
    ConflictCardFragment,
  );
}

describe('a conflict card', () => {
  test('shows both versions and keeps the one chosen', async () => {
    const user = userEvent.setup();
    const sent: unknown[] = [];
    const onResolved = vi.fn();
    renderWithProviders(<ConflictCard conflict={conflict()} timeZone="UTC" onResolved={onResolved} />, {
      mutation: (op) => {
        sent.push(op.variables);
        return { data: { resolveSyncConflict: { __typename: 'SyncConflict', id: '77' } } };
      },
    });
    expect(screen.getByRole('heading', { name: 'In Calsync' })).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'In Google Calendar' })).toBeInTheDocument();
    expect(screen.getByText('Tue, 1 Dec 2026, 09:00 – 10:00')).toBeInTheDocument();
    expect(screen.getByText('Wed, 2 Dec 2026, 14:00 – 15:00')).toBeInTheDocument();
    expect(screen.getByText('Fiona Field moved it')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Visit Ann' })).toHaveAttribute('href', '/bookings/5');
    await user.click(screen.getByRole('button', { name: 'Keep the Google version' }));
    await waitFor(() => expect(onResolved).toHaveBeenCalled());
    expect(sent).toEqual([{ id: '77', keep: 'KEEP_PROVIDER' }]);
  });

  test('a deletion at the provider says so; the server’s refusal shows', async () => {
    const user = userEvent.setup();
    const onResolved = vi.fn();
    renderWithProviders(<ConflictCard conflict={conflict('OPEN', true)} timeZone="UTC" onResolved={onResolved} />, {
      mutation: () => ({
        error: new CombinedError({
          graphQLErrors: [new GraphQLError('the conflict was already resolved (KEEP_PROVIDER)', { extensions: { code: 'CONFLICT' } })],
        }),
      }),
    });
    expect(screen.getByText('Deleted')).toBeInTheDocument();
    expect(screen.getByText('Fiona Field deleted it')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Keep Calsync’s version' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('the conflict was already resolved');
    expect(onResolved).not.toHaveBeenCalled();
  });

  test('a conflict over one occurrence of a series names the occurrence', () => {
    renderWithProviders(<ConflictCard conflict={conflict('OPEN', true, '2026-12-02T09:00:00Z')} timeZone="UTC" />);
    expect(screen.getByText(/The occurrence of 2 Dec 2026, 09:00 was changed in Calsync and in Fiona Field’s Google Calendar/)).toBeInTheDocument();
    expect(screen.getByText('Occurrence cancelled')).toBeInTheDocument();
    expect(screen.queryByText('Deleted')).toBeNull();
  });

  test('a conflict whose booking the resolution deleted is still listed as settled', () => {
    const settled = makeFragmentData(
      { ...(conflict('RESOLVED') as unknown as Record<string, unknown>), booking: null } as never,
      ConflictCardFragment,
    );
    renderWithProviders(<ConflictCard conflict={settled} timeZone="UTC" />);
    expect(screen.getByText('Visit Ann (booking deleted)')).toBeInTheDocument();
    expect(screen.queryByRole('link')).toBeNull();
  });

  test('a settled conflict offers no choice and says who settled it', () => {
    renderWithProviders(<ConflictCard conflict={conflict('RESOLVED')} timeZone="UTC" />);
    expect(screen.getByText('Kept the Google Calendar version')).toBeInTheDocument();
    expect(screen.getByText(/settled .* by Ada Admin/)).toBeInTheDocument();
    expect(screen.queryByRole('button')).toBeNull();
  });
});
