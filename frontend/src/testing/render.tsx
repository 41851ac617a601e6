import type { ReactElement, ReactNode } from 'react';
import { render } from '@testing-library/react';
import { MantineProvider } from '@mantine/core';
import { MemoryRouter } from 'react-router';
import { Provider, type Client } from 'urql';
import { fromValue, never } from 'wonka';
import { theme } from '@/theme';

// renderWithProviders renders a component as the console does, with a
// GraphQL client answering from the given functions (component tests only:
// end-to-end tests use the real server).
export function renderWithProviders(
  ui: ReactElement,
  {
    query = () => never,
    mutation = () => never,
    route = '/',
  }: {
    query?: (q: { query: unknown; variables?: unknown }) => unknown;
    mutation?: (q: { query: unknown; variables?: unknown }) => unknown;
    route?: string;
  } = {},
) {
  const client = {
    executeQuery: (op: { query: unknown; variables?: unknown }) => wrap(query(op)),
    executeMutation: (op: { query: unknown; variables?: unknown }) => wrap(mutation(op)),
    executeSubscription: () => never,
  } as unknown as Client;
  const Wrapper = ({ children }: { children: ReactNode }) => (
    <MantineProvider theme={theme}>
      <Provider value={client}>
        <MemoryRouter initialEntries={[route]}>{children}</MemoryRouter>
      </Provider>
    </MantineProvider>
  );
  return render(ui, { wrapper: Wrapper });
}

function wrap(v: unknown) {
  if (v && typeof v === 'object' && 'subscribe' in (v as object)) return v;
  if (v === never) return never;
  return fromValue(v);
}
