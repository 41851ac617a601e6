// Package gcal emulates the Google Calendar API v3 and Google's OAuth 2.0
// server closely enough that the unmodified google.golang.org/api/calendar/v3
// client and golang.org/x/oauth2 (including golang.org/x/oauth2/google
// service-account key files) work against it. State lives in memory, guarded
// by one mutex, and can be saved and restored with Snapshot and Restore.
//
// # Served paths
//
// ServeHTTP serves the full paths, prefix included:
//
//	/google/calendar/v3/...            Calendar API (point the SDK at it with
//	                                   option.WithEndpoint(base+"/google/calendar/v3/"))
//	/google/batch/calendar/v3          multipart/mixed batch, at most 1000 parts; inner
//	                                   request lines take /calendar/v3/..., /google/calendar/v3/...
//	                                   or an absolute URL (www.googleapis.com or this host),
//	                                   with or without the HTTP version
//	/google/o/oauth2/v2/auth           consent page (GET) and its form (POST)
//	/google/token                      token endpoint: authorization_code (PKCE),
//	                                   refresh_token, urn:ietf:params:oauth:grant-type:jwt-bearer
//	/google/revoke                     token revocation (also /google/o/oauth2/revoke)
//	/google/oauth2/v3/userinfo         OpenID Connect userinfo
//	/google/oauth2/v3/certs            JWKS of the id_token signing key
//
// Calendar API methods: calendarList.list/get; calendars.insert/get/patch/
// update/delete/clear; events.insert/get/list/patch/update/delete/instances/
// watch; channels.stop; freebusy.query; colors.get. Every call needs a
// bearer token from this emulator's token endpoint (401 otherwise) whose
// scopes include one the method accepts per the discovery document (403
// insufficientPermissions otherwise). Each authenticated call counts against
// a per-user (quotaUser when given) and a per-project (OAuth client or
// service account) sliding window; past it the answer is 403
// rateLimitExceeded (or the configured reason) or 429. Fault rules of
// Options.Faults apply to the API, batch, token, revoke and userinfo paths.
//
// Requests may carry alt=json, prettyPrint=false (answers are pretty-printed
// otherwise, as Google's), quotaUser, sendUpdates (accepted, no mail is sent)
// and fields (partial responses, e.g. "items(id,status),nextSyncToken").
// Calendar ids may be percent-escaped ("ann%40example.com"). A missing
// token answers 401 reason "required" ("Login Required."), an unknown,
// expired or revoked one 401 "authError", as Google does.
//
// Absolute URLs in answers (consent form action, resourceUri, htmlLink, key
// file token_uri) are built from the request's Host and X-Forwarded-Proto.
//
// # Control API
//
// ControlHandler serves the control API, mounted at /_emulator/google. It
// takes and returns JSON; errors are {"error":{"code":N,"reason":"..","message":".."}}.
// Paths below are relative to the mount point; {email} and {calendarId} are
// path-escaped.
//
//	GET    /                                   HTML index of the accounts
//	GET    /accounts                           {"accounts":[Account]}
//	POST   /accounts                           {"email","name","domain","timeZone"} → 201 Account;
//	                                           creates the primary calendar (id = email);
//	                                           domain makes it a Workspace user; 409 if it exists
//	GET    /accounts/{email}                   {"account":Account,"calendars":[CalendarInfo]}
//	GET    /accounts/{email}/page              HTML page: the account's calendars and events as
//	                                           the user sees them (?from=YYYY-MM-DD&days=N)
//	POST   /accounts/{email}/calendars         {"summary","description","timeZone"} → 201 CalendarInfo
//	POST   /accounts/{email}/grants            {"clientId","scopes":[..],"offline":bool} → token
//	                                           response, as if the user had consented
//	POST   /accounts/{email}/revoke            {"clientId"} (empty: every client) → {"revoked":N};
//	                                           refresh then answers invalid_grant
//	POST   /accounts/{email}/expire-tokens     → {"expired":N}; API calls with them answer 401
//	GET    /clients                            {"clients":[Client]}
//	POST   /clients                            {"clientId","clientSecret","name","redirectUris":[..],
//	                                           "public":bool} → 201
//	GET    /service-accounts                   {"serviceAccounts":[..]}
//	POST   /service-accounts                   {"name","projectId","domain","scopes":[..]} → 201
//	                                           JSON key file (type service_account, PKCS#8
//	                                           private_key, token_uri = <base>/google/token);
//	                                           domain+scopes grant domain-wide delegation
//	GET    /calendars/{calendarId}/events      {"items":[Event]} stored events (masters, exceptions;
//	                                           ?showDeleted=true adds tombstones)
//	POST   /calendars/{calendarId}/events      Event resource (optional "id") → 201 Event,
//	                                           created as the owner
//	GET    /calendars/{calendarId}/events/{eventId}    Event (instance ids work too)
//	PATCH  /calendars/{calendarId}/events/{eventId}    patch as the owner → Event
//	PUT    /calendars/{calendarId}/events/{eventId}    full update as the owner → Event
//	DELETE /calendars/{calendarId}/events/{eventId}    delete as the owner → 204
//	POST   /calendars/{calendarId}/invalidate-sync-tokens   → 204; its sync tokens answer 410
//	POST   /sync-tokens/invalidate             → 204; every calendar's sync tokens answer 410
//	GET    /quota                              {"userPerMinute","projectPerMinute","windowSeconds",
//	                                           "status","userReason"}
//	PUT    /quota                              same shape; zero fields unchanged, negative
//	                                           limit = unlimited; status 403 or 429; userReason
//	                                           rateLimitExceeded|userRateLimitExceeded|quotaExceeded
//	POST   /quota/reset                        → 204; forgets the counted requests
//	GET    /config, PUT /config                {"syncTokenRetentionSeconds":N} (0 = forever;
//	                                           default 30 days)
//	GET    /faults                             {"faults":[emucore.Fault]}
//	POST   /faults                             emucore.Fault, plus "latencyMs" → 201 {"id"}; e.g.
//	                                           {"status":503,"count":2,"pathPrefix":"/google/calendar/v3/"},
//	                                           {"status":504,"count":1,"afterHandler":true},
//	                                           {"dropNotifications":true,"fraction":0.5},
//	                                           {"duplicateNotifications":true,"count":3}
//	DELETE /faults                             → 204; removes every rule
//	GET    /channels                           {"channels":[ChannelInfo]} live push channels
//	POST   /reset                              → 204; wipes all state, faults and quota counts
//	GET    /snapshot                           the Snapshot JSON
//	PUT    /snapshot                           Restore from a Snapshot → 204
//
// Changes made through the control API bump sync sequences and send push
// notifications exactly like API calls.
//
// # Behaviour notes
//
// Event ids chosen by clients must be base32hex (a-v, 0-9), 5 to 1024
// characters; reusing one, even of a deleted event, gives 409 duplicate.
// Deleted events stay as tombstones with status "cancelled". Occurrences of
// a series have ids "<seriesId>_<YYYYMMDD>" (all-day) or
// "<seriesId>_<YYYYMMDDTHHMMSSZ>"; patching or deleting one creates an
// exception. Lists page with opaque tokens that stay stable while the
// calendar changes; nextSyncToken comes on the last page only. Sync tokens
// encode the calendar, its change sequence and an epoch bumped by
// invalidation; expired or invalidated tokens give 410 fullSyncRequired.
// Without timeMax, series are expanded up to two years ahead.
//
// Push channels deliver from background goroutines, one per channel so each
// channel's messages stay in order: a "sync" message first, then "exists"
// for each change of the calendar's events (changes in one API call are
// coalesced), with increasing X-Goog-Message-Number. Expired channels (by
// the injected clock) stop delivering. Failed deliveries are not retried.
//
// Errors use Google's shape, {"error":{"code","message","errors":[{"domain",
// "reason","message"}]}}, with Google's reasons: notFound, duplicate,
// deleted, conditionNotMet (If-Match), fullSyncRequired, invalid, required,
// parseError, badRequest, timeRangeEmpty, rateLimitExceeded,
// userRateLimitExceeded, quotaExceeded, authError, insufficientPermissions,
// cannotDeletePrimaryCalendar, push.webhookUrlNotHttps, channelIdNotUnique,
// backendError. The OAuth endpoints answer {"error","error_description"}:
// invalid_grant, invalid_client, unauthorized_client, invalid_scope,
// redirect_uri_mismatch, unsupported_grant_type, invalid_token.
//
// The consent page lists the emulator's accounts (login_hint preselects one;
// an email can be typed instead) and one checkbox per requested non-basic
// scope, unchecked by default as in Google's granular consent: unchecked
// scopes are not granted. access_type=offline returns a refresh token on
// every consent. Refresh tokens do not rotate. Token responses carry an
// RS256 id_token with the account email (keys at /google/oauth2/v3/certs).
// Service-account key files (control API) work with
// golang.org/x/oauth2/google; the JWT's sub must be a user of the domain the
// service account has domain-wide delegation for, with delegated scopes.
//
// Not emulated: ACLs and sharing (a user sees only their own calendars,
// except free/busy inside a Workspace domain), the calendarList methods
// insert, delete and watch and its sync tokens, settings, the events
// methods import, move and quickAdd, attendee responses and invitation
// mail, conference data creation, and retries of failed push deliveries.
package gcal
