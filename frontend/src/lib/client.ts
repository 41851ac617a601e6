import { Client, fetchExchange, subscriptionExchange } from 'urql';
import { cacheExchange } from '@urql/exchange-graphcache';
import { createClient as createWSClient, type Client as WSClient } from 'graphql-ws';
import { getCsrfToken } from './session';

// Types without an identity of their own: graphcache embeds them in their
// parent instead of normalizing them. CalendarEntry has an id, but it is
// unique only with its kind and fieldworker.
const embedded = [
  'AuditEventConnection', 'AuditEventEdge', 'BookingConnection', 'BookingEdge',
  'EmailMessageConnection', 'EmailMessageEdge', 'PageInfo', 'PastCalendarAccountConnection',
  'PastCalendarAccountEdge', 'SyncRunConnection', 'SyncRunEdge', 'UserConnection', 'UserEdge',
  'Viewer', 'SignInPayload', 'CreateBearerTokenPayload', 'MassModifyBookingsPayload',
  'BookingChangeEvent', 'CalendarSync', 'TestConnectionPayload', 'StartCalendarLinkPayload',
  'ServiceSyncResult', 'CalendarAccountEvent', 'SyncStatusEvent', 'CalendarLegend',
  'CalendarView', 'ExternalEventsChangedEvent', 'CalendarEntry', 'MovedOccurrence',
];

export interface ApiClient {
  client: Client;
  close: () => void;
}

function websocketURL(): string {
  const u = new URL('/graphql', window.location.href);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  return u.toString();
}

// createApiClient makes a fresh client (and cache): one per signed-in
// session, so nothing of one user is ever shown to the next.
export function createApiClient(): ApiClient {
  let ws: WSClient | null = null;
  const wsClient = () => {
    // The socket is opened on the first subscription; the session cookie
    // authenticates it.
    ws ??= createWSClient({ url: websocketURL(), lazy: true, retryAttempts: Infinity, shouldRetry: () => true });
    return ws;
  };
  const client = new Client({
    url: '/graphql',
    requestPolicy: 'cache-and-network',
    // POST only: queries with their variables stay out of URLs (and logs).
    preferGetMethod: false,
    fetchOptions: () => {
      const headers: Record<string, string> = {};
      const csrf = getCsrfToken();
      if (csrf) headers['X-CSRF-Token'] = csrf;
      return { headers, credentials: 'same-origin' };
    },
    exchanges: [
      cacheExchange({ keys: Object.fromEntries(embedded.map((t) => [t, () => null])) }),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query || '' };
          return {
            subscribe(sink) {
              const unsubscribe = wsClient().subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });
  return { client, close: () => void ws?.dispose() };
}
