import { useState } from 'react';
import { useMutation, useQuery, type CombinedError } from 'urql';
import { Alert, Button, Group, Modal, Paper, Stack, Text } from '@mantine/core';
import { graphql } from '@/gql';
import type { Provider } from '@/gql/graphql';
import { ErrorAlert, QueryState } from '@/components';
import { authorizationSubject, inviteLink } from '../words';
import { providerName } from '@/lib/words';

const SendDocument = graphql(`
  mutation FieldworkersSendAuthorization($provider: Provider!, $userIds: [ID!]!) {
    sendAuthorizationEmails(provider: $provider, userIds: $userIds) {
      id
      createdAt
      expiresAt
      userID
    }
  }
`);

export const FieldworkersOutboxDocument = graphql(`
  query FieldworkersOutbox {
    outbox(first: 20) {
      edges {
        node {
          id
          createdAt
          to
          subject
          body
          kind
          state
        }
      }
    }
  }
`);

export interface Recipient {
  id: string;
  name: string;
  email: string;
}

// AuthorizationEmailModal shows what the fieldworker will get before it is
// sent, sends it, then shows the email Calsync kept (the outbox, when no
// mail server is configured) as the confirmation.
export function AuthorizationEmailModal({
  recipient,
  provider,
  organizationName,
  onClose,
  onSent,
}: {
  recipient: Recipient;
  provider: Provider;
  organizationName: string;
  onClose: () => void;
  onSent?: () => void;
}) {
  const name = providerName(provider);
  const [send, sendEmails] = useMutation(SendDocument);
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<CombinedError | null>(null);
  const [outbox, reloadOutbox] = useQuery({
    query: FieldworkersOutboxDocument,
    pause: !sent,
    requestPolicy: 'network-only',
  });
  const kept = outbox.data?.outbox.edges
    ?.map((e) => e?.node)
    .find((m) => m && m.to.toLowerCase().includes(recipient.email.toLowerCase()) && m.kind === 'authorization');
  const link = kept ? inviteLink(kept.body) : null;

  return (
    <Modal opened onClose={onClose} title={sent ? 'Authorization email sent' : `Send ${name} authorization email`} centered size="lg">
      {!sent ? (
        <Stack>
          <Text>
            {recipient.name} gets an email with a link that leads straight to {name}’s permission page — no Calsync password
            needed. The link works once and for seven days; sending a new one replaces any earlier link.
          </Text>
          <Paper withBorder p="sm" aria-label="Email preview">
            <Stack gap={4}>
              <Text size="sm">
                <strong>To:</strong> {recipient.name} &lt;{recipient.email}&gt;
              </Text>
              <Text size="sm">
                <strong>Subject:</strong> {authorizationSubject(organizationName, provider)}
              </Text>
              <Text size="sm" c="dimmed">
                {organizationName} asks you to connect your {name} calendar to Calsync, so your bookings appear in it and your
                busy times are respected. Grant permission: (a single-use link)
              </Text>
            </Stack>
          </Paper>
          {error && <ErrorAlert error={error} title="The email was not sent" />}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button
              loading={send.fetching}
              onClick={async () => {
                setError(null);
                const res = await sendEmails({ provider, userIds: [recipient.id] });
                if (res.error) {
                  setError(res.error);
                  return;
                }
                setSent(true);
                onSent?.();
              }}
            >
              Send email
            </Button>
          </Group>
        </Stack>
      ) : (
        <Stack>
          <Alert color="green" variant="light" title={`Sent to ${recipient.email}`}>
            This is the email Calsync keeps in its outbox.
          </Alert>
          <QueryState
            fetching={outbox.fetching}
            error={outbox.error}
            empty={outbox.data ? !kept : undefined}
            emptyText="The email is queued; it does not show in the outbox yet."
            label="Loading the email"
            onRetry={() => reloadOutbox({ requestPolicy: 'network-only' })}
          >
            {kept && (
              <Paper withBorder p="sm" aria-label="Sent email">
                <Stack gap="xs">
                  <Text size="sm">
                    <strong>To:</strong> {kept.to}
                  </Text>
                  <Text size="sm">
                    <strong>Subject:</strong> {kept.subject}
                  </Text>
                  <Text size="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
                    {kept.body}
                  </Text>
                  {link && (
                    <Text size="xs" c="dimmed">
                      The link above works once: forward nothing, {recipient.name} has it in the email.
                    </Text>
                  )}
                </Stack>
              </Paper>
            )}
          </QueryState>
          <Group justify="flex-end">
            <Button onClick={onClose}>Done</Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
