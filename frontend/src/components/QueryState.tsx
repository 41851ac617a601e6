import type { ReactNode } from 'react';
import { Center, Loader, Text } from '@mantine/core';
import type { CombinedError } from 'urql';
import { ErrorAlert } from './ErrorAlert';

// QueryState gives every query its three other states: loading (nothing
// yet), error (the server's message, with a retry), and empty.
export function QueryState({
  fetching,
  error,
  empty,
  emptyText = 'Nothing here yet.',
  label = 'Loading',
  onRetry,
  children,
}: {
  fetching: boolean;
  error?: CombinedError;
  /** true when the answer arrived and holds nothing to show */
  empty?: boolean;
  emptyText?: ReactNode;
  label?: string;
  onRetry?: () => void;
  children: ReactNode;
}) {
  if (error && !fetching) return <ErrorAlert error={error} onRetry={onRetry} />;
  if (fetching && empty !== false && !children) {
    return (
      <Center p="xl">
        <Loader aria-label={label} />
      </Center>
    );
  }
  if (empty) {
    if (fetching) {
      return (
        <Center p="xl">
          <Loader aria-label={label} />
        </Center>
      );
    }
    return (
      <Text c="dimmed" p="md">
        {emptyText}
      </Text>
    );
  }
  return <>{children}</>;
}
