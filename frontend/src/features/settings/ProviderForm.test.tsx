import { describe, expect, test } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderWithProviders } from '@/testing/render';
import { ProviderForm } from './ProviderForm';
import { buildInput, initialState, type StoredProviderConfig } from './providerForm';

function stored(over: Partial<StoredProviderConfig> = {}) {
  return {
    id: '1',
    provider: 'GOOGLE',
    enabled: true,
    usersCanOverride: false,
    credentialMode: 'PRIVATE_APP',
    destination: 'PRIMARY',
    syncDirection: 'PUSH_ONLY',
    unlinkPolicy: 'REMOVE',
    clientID: 'stored-client',
    serviceAccountEmail: null,
    msTenantID: null,
    hasClientSecret: true,
    hasServiceAccountKey: false,
    updatedAt: '2025-01-01T00:00:00Z',
    ...over,
  } as StoredProviderConfig & { id: string; provider: string; updatedAt: string };
}

function renderForm(provider: 'GOOGLE' | 'MICROSOFT', config: object | null) {
  const sent: Record<string, unknown>[] = [];
  renderWithProviders(<ProviderForm provider={provider} config={config as never} />, {
    mutation: (op) => {
      const vars = op.variables as { input?: Record<string, unknown> };
      if (vars.input) sent.push(vars.input);
      return { data: { updateProviderConfig: { ...(config ?? {}), __typename: 'ProviderConfig' } } };
    },
  });
  return sent;
}

describe('ProviderForm: which credential fields each mode shows', { timeout: 20_000 }, () => {
  test('Google: the platform app asks nothing, a private app a client id and secret, a service account a key', async () => {
    const user = userEvent.setup();
    renderForm('GOOGLE', null);
    expect(screen.queryByLabelText(/^Client id/)).toBeNull();
    expect(screen.queryByLabelText(/^Client secret/)).toBeNull();

    await user.click(screen.getByRole('radio', { name: /Your own OAuth app/ }));
    expect(screen.getByLabelText(/^Client id/)).toBeInTheDocument();
    expect(screen.getByLabelText(/^Client secret/)).toBeInTheDocument();
    expect(screen.queryByLabelText(/tenant/i)).toBeNull();

    await user.click(screen.getByRole('radio', { name: /Service account/ }));
    expect(screen.queryByLabelText(/^Client id/)).toBeNull();
    expect(screen.getByLabelText(/Service account key \(JSON\)/)).toBeInTheDocument();
    await user.click(screen.getByRole('radio', { name: 'P12 key' }));
    expect(screen.getByLabelText(/^P12 password/)).toBeInTheDocument();
    expect(screen.getByLabelText(/^Service account email/)).toBeInTheDocument();
  });

  test('Microsoft: app-only access needs the tenant id with the client id and secret', async () => {
    const user = userEvent.setup();
    renderForm('MICROSOFT', null);
    await user.click(screen.getByRole('radio', { name: /App-only access/ }));
    expect(screen.getByLabelText(/^Directory \(tenant\) id/)).toBeRequired();
    expect(screen.getByLabelText(/^Client id/)).toBeInTheDocument();
    expect(screen.getByLabelText(/^Client secret/)).toBeInTheDocument();
  });
});

describe('ProviderForm: write-only secrets', { timeout: 20_000 }, () => {
  test('a stored secret is only announced, and never sent back unless replaced', async () => {
    const user = userEvent.setup();
    const sent = renderForm('GOOGLE', stored());
    expect(screen.getByText('A client secret is stored.')).toBeInTheDocument();
    expect(screen.queryByLabelText(/client secret/i)).toBeNull();
    expect(screen.getByLabelText(/^Client id/)).toHaveValue('stored-client');

    await user.click(screen.getByRole('switch', { name: /Users can override/ }));
    await user.click(screen.getByRole('button', { name: 'Save Google settings' }));
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]).toMatchObject({ provider: 'GOOGLE', usersCanOverride: true });
    expect(sent[0]).not.toHaveProperty('clientSecret');
    expect(sent[0]).not.toHaveProperty('clientId');
    expect(sent[0]).not.toHaveProperty('credentialMode');

    await user.click(screen.getByRole('button', { name: 'Replace client secret' }));
    await user.type(screen.getByLabelText(/^New client secret/), 'new-secret');
    await user.click(screen.getByRole('button', { name: 'Save Google settings' }));
    await waitFor(() => expect(sent).toHaveLength(2));
    expect(sent[1]).toMatchObject({ clientSecret: 'new-secret' });
  });

  test('giving up a replacement keeps the stored secret', async () => {
    const user = userEvent.setup();
    const sent = renderForm('GOOGLE', stored());
    await user.click(screen.getByRole('button', { name: 'Replace client secret' }));
    await user.type(screen.getByLabelText(/^New client secret/), 'typo');
    await user.click(screen.getByRole('button', { name: 'Keep stored secret' }));
    expect(screen.getByText('A client secret is stored.')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Save Google settings' }));
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]).not.toHaveProperty('clientSecret');
  });

  test('a stored service account key is announced with its account and replaced only on request', async () => {
    const user = userEvent.setup();
    renderForm(
      'GOOGLE',
      stored({ credentialMode: 'SERVICE_ACCOUNT', hasServiceAccountKey: true, serviceAccountEmail: 'sa@proj.iam.gserviceaccount.com' }),
    );
    expect(screen.getByText(/A service account key is stored \(sa@proj/)).toBeInTheDocument();
    expect(screen.queryByLabelText(/Service account key \(JSON\)/)).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Replace key' }));
    expect(screen.getByLabelText(/Service account key \(JSON\)/)).toHaveValue('');
  });

  test('the server’s refusal is shown and the form keeps what was typed', async () => {
    const user = userEvent.setup();
    renderWithProviders(<ProviderForm provider="GOOGLE" config={null} />, {
      mutation: () => ({
        error: {
          name: 'CombinedError',
          message: '[GraphQL] clientSecret: Google refused this client id and secret',
          graphQLErrors: [{ message: 'clientSecret: Google refused this client id and secret', extensions: { code: 'BAD_USER_INPUT' } }],
        },
      }),
    });
    await user.click(screen.getByRole('radio', { name: /Your own OAuth app/ }));
    await user.type(screen.getByLabelText(/^Client id/), 'bogus-id');
    await user.type(screen.getByLabelText(/^Client secret/), 'bogus-secret');
    await user.click(screen.getByRole('button', { name: 'Save Google settings' }));
    expect(await screen.findByText(/Google refused this client id and secret/)).toBeInTheDocument();
    expect(screen.getByLabelText(/^Client id/)).toHaveValue('bogus-id');
    expect(screen.getByLabelText(/^Client secret/)).toHaveValue('bogus-secret');
  });
});

describe('buildInput', { timeout: 20_000 }, () => {
  test('asks whether to email fieldworkers only when the change turns user consent on', () => {
    const off = { ...stored(), enabled: false, credentialMode: 'PLATFORM_APP' as const };
    const on = { ...initialState(off), enabled: true, notifyFieldworkers: false };
    expect(buildInput('GOOGLE', off, on)).toMatchObject({ enabled: true, notifyFieldworkers: false });
    const already = { ...off, enabled: true };
    expect(buildInput('GOOGLE', already, initialState(already))).not.toHaveProperty('notifyFieldworkers');
  });
});
