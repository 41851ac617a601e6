// Package outlook emulates Microsoft Graph v1.0 (the Outlook calendar
// part) and the Microsoft identity platform closely enough that the
// unmodified msgraph-sdk-go and golang.org/x/oauth2 work against it, and
// it reproduces the limits and failures Calsync must survive.
//
// The emulator is an http.Handler. ServeHTTP serves:
//
//	/graph/v1.0/...                          Microsoft Graph
//	/microsoft/{tenant}/oauth2/v2.0/authorize consent page (GET) and its form (POST)
//	/microsoft/{tenant}/oauth2/v2.0/token     token endpoint
//	/microsoft/{tenant}/v2.0/.well-known/openid-configuration
//	/microsoft/{tenant}/discovery/v2.0/keys   JWKS of the RS256 key signing tokens
//
// {tenant} is common, organizations, consumers (nobody can sign in), a
// tenant id or a tenant domain. ControlHandler serves the control API; the
// lead mounts it with http.StripPrefix at /_emulator/microsoft
// (ControlPrefix). Links the emulator returns (nextLink, deltaLink, the
// consent form's action, webLink) are built from the request's Host and
// X-Forwarded-Proto, so it works at any address. An event's webLink opens
// the owner's agenda page (GET /users/{user}/page of the control API) on
// the event's week with the event highlighted; events the Go API returns,
// with no request to take an address from, link to Outlook on the web
// (https://outlook.office365.com/owa/?itemid=...&exvsurl=1&path=/calendar/item).
//
// # Pointing the SDKs at it
//
// x/oauth2: Endpoint{AuthURL: base+"/microsoft/common/oauth2/v2.0/authorize",
// TokenURL: base+"/microsoft/common/oauth2/v2.0/token"}; client credentials
// use base+"/microsoft/{tenant}/oauth2/v2.0/token" with scope
// "https://graph.microsoft.com/.default". msgraph-sdk-go: a request adapter
// with an authentication provider adding the bearer token, then
// adapter.SetBaseUrl(base + "/graph/v1.0").
//
// # Identity platform
//
// authorize validates client_id and the exact redirect_uri (errors are
// shown on a page, never redirected), response_type=code and PKCE:
// public clients must send a code_challenge, with code_challenge_method
// S256 or plain (no method means plain, RFC 7636). state is optional and
// echoed in the redirect only when sent. The consent page
// offers the accounts of the tenant (all accounts for common and
// organizations), shows the app's name and one ticked checkbox per
// requested permission; unticked permissions are not granted. Cancel
// redirects with error=access_denied. prompt=none with login_hint answers
// without the page when consent exists.
//
// token supports authorization_code (code single use, 10 min, redirect_uri
// and code_verifier checked, client_secret for confidential apps, by form
// or HTTP Basic), refresh_token and client_credentials. Responses carry
// token_type, scope, expires_in, ext_expires_in, access_token,
// refresh_token (only with offline_access) and id_token (only with openid;
// RS256, claims preferred_username, email, oid, tid, name, nonce). Refresh
// tokens rotate: every refresh returns a new one, and, as at Entra ID, the
// redeemed one keeps working until it expires (90 days) or is revoked with
// the grant or the user's sign-in sessions. A revoked grant answers
// AADSTS65001, revokeSignInSessions AADSTS50173, an unknown or malformed
// code AADSTS9002313, a redeemed code AADSTS54005, a PKCE mismatch
// AADSTS501481. Errors have Entra ID's shape: error, error_description
// ("AADSTSnnnn: ..."), error_codes, timestamp, trace_id, correlation_id.
// Client credentials need a tenant in the path and an app the tenant has
// consented to (its home tenant, or GrantAppPermissions); the access
// token's roles are the granted application permissions. Access tokens
// last an hour; "expire access tokens" ends them early.
//
// # Microsoft Graph
//
// Both /me/... (delegated tokens) and /users/{id or userPrincipalName}/...
// (app-only tokens of the user's tenant with Calendars.Read[Write], or the
// user's own delegated token) serve:
//
//	GET  /me                                  id, userPrincipalName, mail, displayName
//	POST /me/revokeSignInSessions             invalidates the user's refresh tokens
//	GET|POST /me/calendars                    list; create {name}
//	GET|PATCH|DELETE /me/calendars/{id}       (the default calendar cannot be deleted)
//	GET  /me/calendar                         the default calendar
//	GET|POST /me/events, /me/calendars/{id}/events, /me/calendar/events
//	GET|PATCH|DELETE /me/events/{id}          (also under a calendar)
//	GET  /me/events/{id}/instances?startDateTime=&endDateTime=
//	GET  /me/calendarView?startDateTime=&endDateTime= (also under a calendar)
//	GET  /me/calendarView/delta[()]           (also under a calendar)
//	GET|POST /subscriptions, GET|PATCH|DELETE /subscriptions/{id},
//	POST /subscriptions/{id}/reauthorize
//	POST /$batch
//
// /me/events and /me/calendarView cover the default calendar; event ids
// resolve in any calendar. Lists take $top (default 10; outside 1..1000
// 400 BadRequest), $skip (nextLink), $count, $select, $orderby
// (start/dateTime, end/dateTime, subject, createdDateTime,
// lastModifiedDateTime), $expand of
// singleValueExtendedProperties (optionally ($filter=id eq '...')) and a
// $filter subset: eq/ne/gt/ge/lt/le on subject, type, showAs, sensitivity,
// importance, iCalUId, transactionId, seriesMasterId, isAllDay,
// isCancelled, start/dateTime, end/dateTime, createdDateTime,
// lastModifiedDateTime, location/displayName; and/or/not; and any() over
// categories and singleValueExtendedProperties, e.g.
// singleValueExtendedProperties/Any(ep: ep/id eq '...' and ep/value eq '...'),
// where the value also takes startswith(ep/value, '...') and
// contains(ep/value, '...') (case-insensitive, as Graph documents).
//
// Events have Graph's fields (id, subject, body, bodyPreview, start/end
// as dateTimeTimeZone, isAllDay, location, sensitivity, showAs,
// importance, isCancelled, isReminderOn, reminderMinutesBeforeStart,
// categories, transactionId, recurrence, seriesMasterId, type, iCalUId,
// webLink, changeKey, @odata.etag W/"changeKey", createdDateTime,
// lastModifiedDateTime, organizer, attendees, originalStart...). Times
// come back in UTC unless Prefer: outlook.timezone names a zone (IANA or
// Windows, e.g. "Pacific Standard Time"); inputs accept both kinds. Every
// change gives a new changeKey; If-Match with a stale etag answers 412
// ErrorIrresolvableConflict. A POST repeating a transactionId returns the
// event the first POST created. Recurrence is Graph's patternedRecurrence
// (daily, weekly, absolute/relative monthly and yearly; endDate, noEnd,
// numbered); calendarView expands series into occurrences and exceptions
// (a PATCHed occurrence), DELETE of an occurrence cancels it. Request
// bodies may be gzip-compressed (msgraph-sdk-go does that).
//
// Delta (calendarView/delta): the first request needs startDateTime and
// endDateTime; pages follow Prefer: odata.maxpagesize (echoed in
// Preference-Applied) with an absolute @odata.nextLink ($skiptoken); the
// last page has @odata.deltaLink ($deltatoken). Following a deltaLink
// returns what changed since: new or changed items in full (plain
// occurrences in Graph's slim shape: id, type, seriesMasterId, start,
// end) and deletions as {"@removed":{"reason":"deleted"},"id":...}. An
// unknown, evicted (64 tokens per user) or expired token answers 410
// SyncStateNotFound.
//
// Subscriptions: resource me/events (every calendar of the mailbox),
// me/calendar/events, me/calendars/{id}/events or the same under
// users/{id}/. Before 201 the
// emulator POSTs {notificationUrl}?validationToken=... (and to
// lifecycleNotificationUrl) and needs 200 text/plain with the decoded token
// within 10 s, else 400 ValidationError (or InvalidRequest "timed out").
// Only https URLs are accepted, or http on loopback with
// Options.AllowInsecureWebhooks. expirationDateTime may be at most 10070
// minutes ahead (1440 with includeResourceData); later answers 400
// ExtensionError, as at Graph. PATCH renews, within the same limit.
// Notifications are POSTed as Graph does ({"value":[{subscriptionId,
// subscriptionExpirationDateTime, changeType, resource,
// resourceData{@odata.type, @odata.id, @odata.etag, id}, clientState,
// tenantId}]}), retried with backoff (5 attempts, at most 4 h
// on the injected clock) unless answered 2xx within 3 s; a dropNotifications
// fault drops them, a duplicateNotifications fault sends them twice. A subscription with a lifecycleNotificationUrl gets
// reauthorizationRequired an hour before it expires; expired subscriptions
// disappear.
//
// $batch: at most 20 requests with id, method, url, headers, body and
// dependsOn; each runs through the whole pipeline (its own throttling and
// faults), so the outer 200 can hold inner 429s with Retry-After in the
// inner headers; a request whose dependency failed gets 424; a POST,
// PATCH or PUT with a body and no Content-Type header gets 400 BadRequest.
// Requests run one at a time in dependency order.
//
// Throttling per app per mailbox: 10,000 requests per 10 minutes
// (throttled requests count too) and 4 concurrent requests; beyond either,
// 429 ApplicationThrottled with Retry-After. Directory calls (/me,
// revokeSignInSessions) and /subscriptions are not mailbox calls.
//
// Errors have Graph's shape {"error":{"code","message","innerError":{date,
// request-id, client-request-id}}} with Graph's codes (ErrorItemNotFound,
// ErrorInvalidIdMalformed, InvalidAuthenticationToken, ErrorAccessDenied,
// ErrorInvalidRequest, BadRequest, RequestBodyRead,
// TimeZoneNotSupportedException, ErrorInvalidUser, SyncStateNotFound,
// ErrorOccurrenceCrossingBoundary for an occurrence moved onto or past the
// day of the one before or after it, ...).
// Faults from Options.Faults apply to Graph requests after authentication
// and throttling (so a latency fault holds a concurrency slot) and to the
// identity endpoints.
//
// # Control API
//
// JSON in and out; errors are {"error": "..."} with 400, 404 or 409.
// Paths are relative to the mount point (/_emulator/microsoft). {user} is
// an id, a userPrincipalName or a mail address; {calendar} an id, a
// calendar name or "default".
//
//	GET    /                                   HTML index of users, apps and subscriptions
//	GET    /tenants                            list tenants
//	POST   /tenants                            {id?, domain?, displayName?} -> 201 tenant
//	PUT    /tenants/{tenant}/appPermissions/{clientId}
//	                                           {permissions: ["Calendars.ReadWrite"]} -> 204 (admin consent
//	                                           to application permissions; [] withdraws it)
//	GET    /users                              list users with their calendars
//	POST   /users                              {userPrincipalName, displayName?, mail?, tenant?, id?}
//	                                           -> 201 user; creates the default calendar "Calendar" (and the
//	                                           tenant of the UPN's domain when tenant is empty and unknown)
//	GET    /users/{user}                       one user
//	GET    /users/{user}/page                  HTML agenda of every calendar, as Outlook shows it;
//	                                           query start=YYYY-MM-DD, days=N (14), tz=zone (UTC), itemid=
//	POST   /users/{user}/calendars             {name} -> 201 calendar
//	GET    /users/{user}/calendars/{calendar}/events
//	                                           {value: [Graph events]}: stored single events and series
//	                                           masters; with start= and end= (RFC 3339) the expanded view
//	POST   /users/{user}/calendars/{calendar}/events
//	                                           Graph event JSON -> 201 event, created as the user
//	PATCH  /users/{user}/events/{event}        Graph event JSON -> 200 event, changed as the user
//	                                           (an occurrence id changes one occurrence)
//	DELETE /users/{user}/events/{event}        204, deleted as the user
//	                                           (these three notify subscriptions and show in delta like API changes)
//	POST   /users/{user}/revokeSignInSessions  204; refresh tokens die (AADSTS50173)
//	DELETE /users/{user}/grants/{clientId}     204; consent withdrawn, refresh tokens die (AADSTS65001)
//	POST   /users/{user}/deltaTokens/expire    {expired: n}; next delta request answers 410
//	GET    /apps                               list app registrations
//	POST   /apps                               {clientId?, clientSecret?, displayName?, redirectUris?, tenant?}
//	                                           -> 201 app (no secret: public client)
//	POST   /accessTokens/expire                {user?, clientId?} -> {expired: n}; Graph answers 401 to them
//	GET    /throttling                         {requests, windowSeconds, concurrency}
//	PUT    /throttling                         same shape (0 disables a limit) -> 200 new limits
//	GET    /faults                             active fault rules
//	POST   /faults                             emucore.Fault JSON ({method?, pathPrefix?, status?, reason?,
//	                                           retryAfterSeconds?, latency? (ns) or latencyMs?, count?,
//	                                           fraction?, afterHandler?, dropNotifications?,
//	                                           duplicateNotifications?}) -> 201 {id}
//	DELETE /faults                             204; clears every rule
//	GET    /subscriptions                      every subscription (all apps)
//	POST   /subscriptions/{id}/lifecycle       {event: reauthorizationRequired|subscriptionRemoved|missed}
//	                                           -> 202; subscriptionRemoved also deletes the subscription
//	POST   /reset                              204; empty emulator, faults cleared
//	GET    /snapshot                           whole state as JSON
//	PUT    /snapshot                           204; restore a snapshot
//
// Every control operation is also a Go method (CreateTenant, CreateUser,
// RegisterApp, GrantAppPermissions, CreateCalendar, ListEvents,
// ListInstances, CreateEvent, UpdateEvent, DeleteEvent, RevokeGrant,
// RevokeSignInSessions, ExpireAccessTokens, ExpireDeltaTokens,
// SetThrottle, SendLifecycleEvent, Reset, Snapshot, Restore), and
// RefreshTokensIssued counts an app's refresh tokens for a user.
package outlook
