package outlook

import (
	"time"
)

// state is everything the emulator knows. It is guarded by Emulator.mu and
// serialised whole by Snapshot, so every field is exported for encoding/json
// and nothing in it points outside the struct.
type state struct {
	Tenants       map[string]*Tenant       `json:"tenants"`
	Users         map[string]*account      `json:"users"`
	Apps          map[string]*App          `json:"apps"`
	Grants        map[string]*consentGrant `json:"grants"`   // key: grantKey(user, client)
	AppRoles      map[string][]string      `json:"appRoles"` // key: tenantID|clientID
	Consents      map[string]*pendingAuth  `json:"consents"`
	Codes         map[string]*authCode     `json:"codes"`
	RefreshTokens map[string]*refreshToken `json:"refreshTokens"`
	AccessTokens  map[string]*accessToken  `json:"accessTokens"`
	Subscriptions map[string]*Subscription `json:"subscriptions"`
	DeltaStates   map[string]*deltaState   `json:"deltaStates"`
	Throttle      ThrottleConfig           `json:"throttle"`
	SigningKey    []byte                   `json:"signingKey,omitempty"` // PKCS#8 DER of the RSA key signing JWTs
	KeyID         string                   `json:"keyId,omitempty"`
	TxnIndex      map[string]string        `json:"txnIndex"` // userID|transactionId -> event id
	DeltaSeq      int64                    `json:"deltaSeq"`
	TokenSeq      int64                    `json:"tokenSeq"` // refresh token issue order
}

func newState() *state {
	return &state{
		Tenants:       map[string]*Tenant{},
		Users:         map[string]*account{},
		Apps:          map[string]*App{},
		Grants:        map[string]*consentGrant{},
		AppRoles:      map[string][]string{},
		Consents:      map[string]*pendingAuth{},
		Codes:         map[string]*authCode{},
		RefreshTokens: map[string]*refreshToken{},
		AccessTokens:  map[string]*accessToken{},
		Subscriptions: map[string]*Subscription{},
		DeltaStates:   map[string]*deltaState{},
		TxnIndex:      map[string]string{},
		Throttle:      defaultThrottle(),
	}
}

// fillMaps replaces nil maps (from an old or hand-written snapshot) with
// empty ones so the handlers never write to a nil map.
func (s *state) fillMaps() {
	if s.Tenants == nil {
		s.Tenants = map[string]*Tenant{}
	}
	if s.Users == nil {
		s.Users = map[string]*account{}
	}
	if s.Apps == nil {
		s.Apps = map[string]*App{}
	}
	if s.Grants == nil {
		s.Grants = map[string]*consentGrant{}
	}
	if s.AppRoles == nil {
		s.AppRoles = map[string][]string{}
	}
	if s.Consents == nil {
		s.Consents = map[string]*pendingAuth{}
	}
	if s.Codes == nil {
		s.Codes = map[string]*authCode{}
	}
	if s.RefreshTokens == nil {
		s.RefreshTokens = map[string]*refreshToken{}
	}
	if s.AccessTokens == nil {
		s.AccessTokens = map[string]*accessToken{}
	}
	if s.Subscriptions == nil {
		s.Subscriptions = map[string]*Subscription{}
	}
	if s.DeltaStates == nil {
		s.DeltaStates = map[string]*deltaState{}
	}
	if s.TxnIndex == nil {
		s.TxnIndex = map[string]string{}
	}
	dropNil(s.Tenants)
	dropNil(s.Users)
	dropNil(s.Apps)
	dropNil(s.Grants)
	dropNil(s.Consents)
	dropNil(s.Codes)
	dropNil(s.RefreshTokens)
	dropNil(s.AccessTokens)
	dropNil(s.Subscriptions)
	dropNil(s.DeltaStates)
	for _, u := range s.Users {
		if u.Calendars == nil {
			u.Calendars = map[string]*calendarFolder{}
		}
		dropNil(u.Calendars)
		for _, c := range u.Calendars {
			if c.Events == nil {
				c.Events = map[string]*storedEvent{}
			}
			dropNil(c.Events)
		}
		// Every mailbox has a default calendar; a hand-edited snapshot
		// might not say which.
		if def := u.Calendars[u.DefaultCalendarID]; def == nil || !def.IsDefault {
			u.DefaultCalendarID = ""
			for _, c := range u.Calendars {
				if c.IsDefault {
					u.DefaultCalendarID = c.ID
				}
			}
			if u.DefaultCalendarID == "" {
				c := &calendarFolder{ID: newCalendarID(), Name: "Calendar", Color: "auto", ChangeKey: newChangeKey(), IsDefault: true, Created: u.Created, Events: map[string]*storedEvent{}}
				u.Calendars[c.ID] = c
				u.DefaultCalendarID = c.ID
			}
		}
	}
}

// dropNil removes null entries a hand-edited snapshot may hold.
func dropNil[V any](m map[string]*V) {
	for k, v := range m {
		if v == nil {
			delete(m, k)
		}
	}
}

// Tenant is a Microsoft Entra directory.
type Tenant struct {
	ID          string `json:"id"`
	Domain      string `json:"domain"`
	DisplayName string `json:"displayName"`
}

// account is a mailbox owner in a tenant.
type account struct {
	ID                string                     `json:"id"`
	TenantID          string                     `json:"tenantId"`
	UserPrincipalName string                     `json:"userPrincipalName"`
	Mail              string                     `json:"mail"`
	DisplayName       string                     `json:"displayName"`
	Calendars         map[string]*calendarFolder `json:"calendars"`
	DefaultCalendarID string                     `json:"defaultCalendarId"`
	// TokensValidFrom is set by revokeSignInSessions: refresh tokens issued
	// before it no longer work.
	TokensValidFrom time.Time `json:"tokensValidFrom"`
	// RevokedBelow: refresh tokens with a lower issue sequence are revoked
	// (the clock may stand still in tests, so time alone cannot order them).
	RevokedBelow int64     `json:"revokedBelow"`
	Created      time.Time `json:"created"`
}

// calendarFolder is one calendar folder of a user.
type calendarFolder struct {
	ID        string                  `json:"id"`
	Name      string                  `json:"name"`
	Color     string                  `json:"color"`
	ChangeKey string                  `json:"changeKey"`
	IsDefault bool                    `json:"isDefault"`
	Created   time.Time               `json:"created"`
	Events    map[string]*storedEvent `json:"events"`
}

// App is a registered application (client).
type App struct {
	ClientID     string    `json:"clientId"`
	ClientSecret string    `json:"clientSecret,omitempty"` // empty: public client
	DisplayName  string    `json:"displayName"`
	RedirectURIs []string  `json:"redirectUris"`
	TenantID     string    `json:"tenantId"` // home tenant
	Created      time.Time `json:"created"`
}

// Confidential reports whether the app authenticates with a secret.
func (a *App) Confidential() bool { return a.ClientSecret != "" }

// consentGrant is a user's delegated consent to an app.
type consentGrant struct {
	UserID   string    `json:"userId"`
	ClientID string    `json:"clientId"`
	Scopes   []string  `json:"scopes"`
	Granted  time.Time `json:"granted"`
}

func grantKey(userID, clientID string) string { return userID + "|" + clientID }

// pendingAuth is an authorization request waiting on the consent page.
type pendingAuth struct {
	ID                  string    `json:"id"`
	Tenant              string    `json:"tenant"`
	ClientID            string    `json:"clientId"`
	RedirectURI         string    `json:"redirectUri"`
	Scopes              []string  `json:"scopes"`
	State               string    `json:"state"`
	Nonce               string    `json:"nonce,omitempty"`
	CodeChallenge       string    `json:"codeChallenge,omitempty"`
	CodeChallengeMethod string    `json:"codeChallengeMethod,omitempty"`
	LoginHint           string    `json:"loginHint,omitempty"`
	ResponseMode        string    `json:"responseMode,omitempty"`
	Expires             time.Time `json:"expires"`
}

// authCode is an issued, not yet redeemed authorization code.
type authCode struct {
	Code          string   `json:"code"`
	ClientID      string   `json:"clientId"`
	UserID        string   `json:"userId"`
	RedirectURI   string   `json:"redirectUri"`
	Scopes        []string `json:"scopes"`
	Nonce         string   `json:"nonce,omitempty"`
	CodeChallenge string   `json:"codeChallenge,omitempty"`
	// CodeChallengeMethod is "plain" or "S256" (empty in older snapshots: S256).
	CodeChallengeMethod string    `json:"codeChallengeMethod,omitempty"`
	Expires             time.Time `json:"expires"`
	Redeemed            bool      `json:"redeemed"`
}

// refreshToken is one refresh token; each redemption issues a new one in
// the same family and marks this one Used, which does not revoke it (as at
// Entra ID).
type refreshToken struct {
	Token    string    `json:"token"`
	Family   string    `json:"family"`
	ClientID string    `json:"clientId"`
	UserID   string    `json:"userId"`
	Scopes   []string  `json:"scopes"`
	Issued   time.Time `json:"issued"`
	Expires  time.Time `json:"expires"`
	Used     bool      `json:"used"`
	Revoked  bool      `json:"revoked"` // the user withdrew consent
	Seq      int64     `json:"seq"`
}

// accessToken is an issued bearer token for Graph.
type accessToken struct {
	Token    string    `json:"token"`
	ClientID string    `json:"clientId"`
	UserID   string    `json:"userId,omitempty"` // empty: app-only
	TenantID string    `json:"tenantId"`
	Scopes   []string  `json:"scopes,omitempty"` // delegated permissions
	Roles    []string  `json:"roles,omitempty"`  // application permissions
	Expires  time.Time `json:"expires"`
}

// Subscription is a Graph change-notification subscription.
type Subscription struct {
	ID                       string    `json:"id"`
	Resource                 string    `json:"resource"`
	ChangeType               string    `json:"changeType"`
	ClientState              string    `json:"clientState,omitempty"`
	NotificationURL          string    `json:"notificationUrl"`
	LifecycleNotificationURL string    `json:"lifecycleNotificationUrl,omitempty"`
	Expiration               time.Time `json:"expirationDateTime"`
	ApplicationID            string    `json:"applicationId"`
	CreatorID                string    `json:"creatorId"`
	TenantID                 string    `json:"tenantId"`
	UserID                   string    `json:"userId"`               // mailbox watched
	CalendarID               string    `json:"calendarId,omitempty"` // empty: every calendar
	IncludeResourceData      bool      `json:"includeResourceData,omitempty"`
	ReauthSent               bool      `json:"reauthSent"`
	Created                  time.Time `json:"created"`
}

// deltaState is what a $skiptoken or $deltatoken stands for.
type deltaState struct {
	Token      string    `json:"token"`
	UserID     string    `json:"userId"`
	CalendarID string    `json:"calendarId"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	// Snapshot maps each instance id in the view to its change key, as the
	// client will know it once this round is complete.
	Snapshot map[string]string `json:"snapshot"`
	// Pending is the rest of the round a $skiptoken still has to deliver;
	// empty for a $deltatoken.
	Pending []deltaItem `json:"pending,omitempty"`
	Skip    bool        `json:"skip"`
	Issued  time.Time   `json:"issued"`
	Seq     int64       `json:"seq"` // issue order, for cache eviction
}

// deltaItem is one entry of a delta round: an instance to send in full or
// as removed.
type deltaItem struct {
	ID      string `json:"id"`
	Removed bool   `json:"removed,omitempty"`
}

// ThrottleConfig sets the per-app-per-mailbox limits.
type ThrottleConfig struct {
	// Requests per Window per app per mailbox (0: unlimited).
	Requests int `json:"requests"`
	// WindowSeconds is the sliding window length.
	WindowSeconds int `json:"windowSeconds"`
	// Concurrency is the most requests in flight per app per mailbox (0: unlimited).
	Concurrency int `json:"concurrency"`
}

func defaultThrottle() ThrottleConfig {
	return ThrottleConfig{Requests: 10000, WindowSeconds: 600, Concurrency: 4}
}
