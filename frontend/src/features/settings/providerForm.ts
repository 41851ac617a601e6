import type {
  CredentialMode,
  Provider,
  ProviderConfigDestination,
  ProviderConfigSyncDirection,
  ProviderConfigUnlinkPolicy,
  UpdateProviderConfigInput,
} from '@/gql/graphql';

/** What the form knows of the stored settings (null: never configured). */
export interface StoredProviderConfig {
  enabled: boolean;
  usersCanOverride: boolean;
  credentialMode: CredentialMode;
  destination: ProviderConfigDestination;
  syncDirection: ProviderConfigSyncDirection;
  unlinkPolicy: ProviderConfigUnlinkPolicy;
  clientID?: string | null;
  serviceAccountEmail?: string | null;
  msTenantID?: string | null;
  hasClientSecret: boolean;
  hasServiceAccountKey: boolean;
}

export type KeyFormat = 'JSON' | 'P12';

export interface ProviderFormState {
  enabled: boolean;
  usersCanOverride: boolean;
  credentialMode: CredentialMode;
  destination: ProviderConfigDestination;
  syncDirection: ProviderConfigSyncDirection;
  unlinkPolicy: ProviderConfigUnlinkPolicy;
  clientId: string;
  tenantId: string;
  /** The admin chose to replace the stored client secret. */
  replaceClientSecret: boolean;
  clientSecret: string;
  /** The admin chose to replace the stored service account key. */
  replaceKey: boolean;
  keyFormat: KeyFormat;
  serviceAccountKey: string;
  p12Base64: string;
  p12Password: string;
  serviceAccountEmail: string;
  notifyFieldworkers: boolean;
}

export function initialState(config: StoredProviderConfig | null): ProviderFormState {
  return {
    enabled: config?.enabled ?? false,
    usersCanOverride: config?.usersCanOverride ?? false,
    credentialMode: config?.credentialMode ?? 'PLATFORM_APP',
    destination: config?.destination ?? 'PRIMARY',
    syncDirection: config?.syncDirection ?? 'PUSH_ONLY',
    unlinkPolicy: config?.unlinkPolicy ?? 'REMOVE',
    clientId: config?.clientID ?? '',
    tenantId: config?.msTenantID ?? '',
    replaceClientSecret: false,
    clientSecret: '',
    replaceKey: false,
    keyFormat: 'JSON',
    serviceAccountKey: '',
    p12Base64: '',
    p12Password: '',
    serviceAccountEmail: '',
    notifyFieldworkers: true,
  };
}

/** The credentials a provider's mode asks for. */
export interface ModeNeeds {
  clientId: boolean;
  clientSecret: boolean;
  /** Microsoft: shown; required for SERVICE_ACCOUNT. */
  tenantId: boolean;
  tenantRequired: boolean;
  /** Google SERVICE_ACCOUNT: a JSON or P12 key. */
  googleKey: boolean;
}

export function modeNeeds(provider: Provider, mode: CredentialMode): ModeNeeds {
  const none = { clientId: false, clientSecret: false, tenantId: false, tenantRequired: false, googleKey: false };
  if (mode === 'PRIVATE_APP') {
    return { ...none, clientId: true, clientSecret: true, tenantId: provider === 'MICROSOFT' };
  }
  if (mode === 'SERVICE_ACCOUNT') {
    if (provider === 'GOOGLE') return { ...none, googleKey: true };
    return { ...none, clientId: true, clientSecret: true, tenantId: true, tenantRequired: true };
  }
  return none;
}

/** Whether the client secret input is shown (nothing stored, or replacing). */
export function showsClientSecretInput(provider: Provider, config: StoredProviderConfig | null, s: ProviderFormState): boolean {
  return modeNeeds(provider, s.credentialMode).clientSecret && (!config?.hasClientSecret || s.replaceClientSecret);
}

/** Whether the key inputs are shown (nothing stored, or replacing). */
export function showsKeyInput(provider: Provider, config: StoredProviderConfig | null, s: ProviderFormState): boolean {
  return modeNeeds(provider, s.credentialMode).googleKey && (!config?.hasServiceAccountKey || s.replaceKey);
}

function asksConsent(enabled: boolean, mode: CredentialMode): boolean {
  return enabled && (mode === 'PLATFORM_APP' || mode === 'PRIVATE_APP');
}

/**
 * turnsConsentOn: saving makes users link through a consent where they did
 * not before (enabled with the platform or a private app, or switched to one
 * of them while enabled) — the server then emails fieldworkers who are not
 * linked, unless told not to.
 */
export function turnsConsentOn(config: StoredProviderConfig | null, s: ProviderFormState): boolean {
  if (!asksConsent(s.enabled, s.credentialMode)) return false;
  if (!config) return true;
  return !asksConsent(config.enabled, config.credentialMode) || config.credentialMode !== s.credentialMode;
}

/**
 * buildInput turns the form into updateProviderConfig's input. Secrets are
 * write-only: one is sent only when its input is shown (nothing stored yet,
 * or the admin chose to replace it) and filled in; a stored secret is never
 * sent back.
 */
export function buildInput(provider: Provider, config: StoredProviderConfig | null, s: ProviderFormState): UpdateProviderConfigInput {
  const input: UpdateProviderConfigInput = {
    provider,
    enabled: s.enabled,
    usersCanOverride: s.usersCanOverride,
    destination: s.destination,
    syncDirection: s.syncDirection,
    unlinkPolicy: s.unlinkPolicy,
  };
  if (!config || config.credentialMode !== s.credentialMode) input.credentialMode = s.credentialMode;
  const needs = modeNeeds(provider, s.credentialMode);
  if (needs.clientId && s.clientId.trim() !== (config?.clientID ?? '')) input.clientId = s.clientId.trim();
  if (needs.tenantId && s.tenantId.trim() !== (config?.msTenantID ?? '')) input.tenantId = s.tenantId.trim();
  if (showsClientSecretInput(provider, config, s) && s.clientSecret !== '') input.clientSecret = s.clientSecret;
  if (showsKeyInput(provider, config, s)) {
    if (s.keyFormat === 'JSON' && s.serviceAccountKey.trim() !== '') {
      input.serviceAccountKey = s.serviceAccountKey;
    } else if (s.keyFormat === 'P12' && s.p12Base64 !== '') {
      input.serviceAccountP12Base64 = s.p12Base64;
      input.p12Password = s.p12Password;
      input.serviceAccountEmail = s.serviceAccountEmail.trim();
    }
  }
  if (turnsConsentOn(config, s)) input.notifyFieldworkers = s.notifyFieldworkers;
  return input;
}

export const providerNames: Record<Provider, string> = { GOOGLE: 'Google', MICROSOFT: 'Microsoft' };
