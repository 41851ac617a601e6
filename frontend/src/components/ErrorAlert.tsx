import { Alert, Button, Group } from '@mantine/core';
import type { CombinedError } from 'urql';
import { errorMessage } from '@/lib/errors';

// ErrorAlert shows the server's message for a failed operation.
export function ErrorAlert({
  error,
  title = 'Something went wrong',
  onRetry,
}: {
  error: CombinedError | Error;
  title?: string;
  onRetry?: () => void;
}) {
  return (
    <Alert color="red" title={title} role="alert" style={{ whiteSpace: 'pre-line' }}>
      {errorMessage(error)}
      {onRetry && (
        <Group mt="sm">
          <Button variant="light" color="red" size="xs" onClick={onRetry}>
            Try again
          </Button>
        </Group>
      )}
    </Alert>
  );
}
