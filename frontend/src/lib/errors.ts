import type { CombinedError } from 'urql';

// errorMessage turns a failed operation into the words to show: the server's
// own messages (they speak the user's language), or a network explanation.
export function errorMessage(error: CombinedError | Error | null | undefined): string {
  if (!error) return '';
  const combined = error as CombinedError;
  if (combined.graphQLErrors?.length) {
    return combined.graphQLErrors.map((e) => e.message).join('\n');
  }
  if (combined.networkError) {
    return 'Calsync could not be reached. Check your connection and try again.';
  }
  return error.message.replace(/^\[(GraphQL|Network)\] /, '');
}

// errorCode is the first error's extensions.code (FORBIDDEN, BAD_USER_INPUT…).
export function errorCode(error: CombinedError | null | undefined): string | undefined {
  const code = error?.graphQLErrors?.[0]?.extensions?.code;
  return typeof code === 'string' ? code : undefined;
}
