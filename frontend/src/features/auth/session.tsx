import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { Provider, useQuery } from 'urql';
import { Center, Loader } from '@mantine/core';
import { graphql } from '@/gql';
import type { ViewerQuery } from '@/gql/graphql';
import { createApiClient, type ApiClient } from '@/lib/client';
import { setCsrfToken } from '@/lib/session';
import { ErrorAlert } from '@/components/ErrorAlert';

export const ViewerDocument = graphql(`
  query Viewer {
    viewer {
      csrfToken
      role
      user {
        id
        name
        email
        timeZone
      }
      organization {
        id
        name
        slug
        defaultTimeZone
        primaryColor
        secondaryColor
        googleEventColor
        microsoftEventColor
      }
    }
  }
`);

export type Viewer = NonNullable<ViewerQuery['viewer']>;
export type Role = Viewer['role'];

interface SessionValue {
  /** The signed-in user, or null. */
  viewer: Viewer | null;
  /** Drop every cached answer and ask who is signed in again (after sign-in or sign-out). */
  restart: () => void;
}

const SessionContext = createContext<SessionValue | null>(null);

// SessionProvider owns the GraphQL client: a new one (empty cache, new
// socket) after every sign-in and sign-out.
export function SessionProvider({ children }: { children: ReactNode }) {
  const [api, setApi] = useState<ApiClient>(() => createApiClient());
  useEffect(() => () => api.close(), [api]);
  const restart = useCallback(() => {
    setCsrfToken(null);
    setApi(createApiClient());
  }, []);
  return (
    <Provider value={api.client}>
      <ViewerGate restart={restart}>{children}</ViewerGate>
    </Provider>
  );
}

function ViewerGate({ restart, children }: { restart: () => void; children: ReactNode }) {
  const [{ data, fetching, error }, refetch] = useQuery({ query: ViewerDocument, requestPolicy: 'network-only' });
  const viewer = data?.viewer ?? null;
  setCsrfToken(viewer?.csrfToken);
  const value = useMemo(() => ({ viewer, restart }), [viewer, restart]);
  if (!data && fetching) {
    return (
      <Center h="100vh">
        <Loader aria-label="Loading Calsync" />
      </Center>
    );
  }
  if (!data && error) {
    return (
      <Center h="100vh" p="md">
        <ErrorAlert error={error} onRetry={() => refetch({ requestPolicy: 'network-only' })} />
      </Center>
    );
  }
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

/** useViewer is the signed-in viewer; only for pages behind the sign-in. */
export function useViewer(): Viewer {
  const { viewer } = useSession();
  if (!viewer) throw new Error('useViewer without a signed-in viewer');
  return viewer;
}

export function isStaff(role: Role): boolean {
  return role === 'ADMIN' || role === 'SCHEDULER';
}
