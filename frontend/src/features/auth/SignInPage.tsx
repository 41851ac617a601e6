import { useState } from 'react';
import { useMutation } from 'urql';
import { Alert, Button, Container, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { graphql } from '@/gql';
import { errorMessage } from '@/lib/errors';
import { useSession } from './session';

const SignInDocument = graphql(`
  mutation SignIn($input: SignInInput!) {
    signIn(input: $input) {
      viewer {
        csrfToken
        role
      }
    }
  }
`);

// SignInPage asks for email and password, and for the organization only when
// the server says the email opens accounts in several.
export function SignInPage() {
  const { restart } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [organization, setOrganization] = useState('');
  const [askOrganization, setAskOrganization] = useState(false);
  const [{ fetching, error }, signIn] = useMutation(SignInDocument);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const res = await signIn({
      input: { email: email.trim(), password, organization: organization.trim() || undefined },
    });
    if (res.data?.signIn) {
      restart();
      return;
    }
    if (res.error?.graphQLErrors.some((g) => /organi[sz]ation/i.test(g.message))) {
      setAskOrganization(true);
    }
  };

  return (
    <Container size={420} py={64}>
      <Title order={1} ta="center" mb="xs">
        Calsync
      </Title>
      <Text c="dimmed" ta="center" mb="lg">
        Sign in to your organization
      </Text>
      <Paper withBorder shadow="sm" p="lg" radius="md" component="form" onSubmit={submit}>
        <Stack>
          {error && (
            <Alert color="red" title="Could not sign in" role="alert">
              {errorMessage(error)}
            </Alert>
          )}
          <TextInput
            label="Email"
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
          />
          <PasswordInput
            label="Password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
          />
          {askOrganization && (
            <TextInput
              label="Organization"
              description="Your email opens accounts in several organizations: give the organization's short name (slug)."
              required
              value={organization}
              onChange={(e) => setOrganization(e.currentTarget.value)}
            />
          )}
          <Button type="submit" loading={fetching} fullWidth>
            Sign in
          </Button>
        </Stack>
      </Paper>
    </Container>
  );
}
