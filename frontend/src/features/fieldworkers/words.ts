import type { Provider, SyncSwitchReason } from '@/gql/graphql';
import { providerName } from '@/lib/words';

// The words of the Fieldworkers page (an administrator's view of others).

export function reasonShort(reason: SyncSwitchReason): string {
  switch (reason) {
    case 'NOT_CONFIGURED':
      return 'not set up for the organization';
    case 'USER_INACTIVE':
      return 'deactivated';
    case 'ADMIN_CHOICE':
      return 'set by an administrator';
    case 'USER_CHOICE':
      return 'their own choice';
    case 'ORGANIZATION':
    default:
      return 'organization setting';
  }
}

/** authorizationSubject is the subject line Calsync gives authorization emails. */
export function authorizationSubject(orgName: string, p: Provider): string {
  return `${orgName}: connect your ${providerName(p)} calendar`;
}

/** inviteLink finds the authorization link in an email's text. */
export function inviteLink(body: string): string | null {
  const m = body.match(/https?:\/\/\S+\/invite\/\S+/);
  return m ? m[0].replace(/[).,]+$/, '') : null;
}
