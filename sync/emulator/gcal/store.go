package gcal

import (
	"strings"
	"time"
)

// store is the whole emulator state. Every field is exported for the
// snapshot; the store is only touched with Emulator.mu held.
type store struct {
	Accounts        map[string]*account        `json:"accounts"`        // by lower-case email
	Calendars       map[string]*calendarState  `json:"calendars"`       // by lower-case id
	Clients         map[string]*oauthClient    `json:"clients"`         // by client id
	ServiceAccounts map[string]*serviceAccount `json:"serviceAccounts"` // by lower-case client email
	Grants          map[string]*grant          `json:"grants"`          // by grantKey(client, email)
	RefreshTokens   map[string]*refreshToken   `json:"refreshTokens"`
	AccessTokens    map[string]*accessToken    `json:"accessTokens"`
	Codes           map[string]*authCode       `json:"codes"`
	Channels        map[string]*channel        `json:"channels"` // by resource id
	Config          config                     `json:"config"`
	// Version is the last etag version handed out; etags only grow.
	Version int64 `json:"version"`
	// SigningKeyPEM is the emulator's RSA key for id_tokens (PKCS#8 PEM),
	// created on first use.
	SigningKeyPEM string `json:"signingKeyPem,omitempty"`
	SigningKeyID  string `json:"signingKeyId,omitempty"`
}

// config holds the settings the control API changes.
type config struct {
	UserQuotaPerMinute    int    `json:"userQuotaPerMinute"`
	ProjectQuotaPerMinute int    `json:"projectQuotaPerMinute"`
	QuotaWindowSeconds    int    `json:"quotaWindowSeconds"`
	RateLimitStatus       int    `json:"rateLimitStatus"`
	UserRateLimitReason   string `json:"userRateLimitReason"`
	SyncTokenRetentionSec int64  `json:"syncTokenRetentionSeconds"`
}

const (
	defaultUserQuota      = 600
	defaultProjectQuota   = 10000
	defaultSyncRetention  = 30 * 24 * time.Hour
	accessTokenLifetime   = 3599 * time.Second
	authCodeLifetime      = 10 * time.Minute
	authRequestLifetime   = time.Hour
	defaultChannelTTL     = 7 * 24 * time.Hour
	maxChannelTTL         = 30 * 24 * time.Hour
	maxRefreshPerClient   = 100
	expansionHorizon      = 2 * 366 * 24 * time.Hour
	maxInstancesPerSeries = 2500
)

func defaultConfig() config {
	return config{
		UserQuotaPerMinute:    defaultUserQuota,
		ProjectQuotaPerMinute: defaultProjectQuota,
		QuotaWindowSeconds:    60,
		RateLimitStatus:       403,
		UserRateLimitReason:   "rateLimitExceeded",
		SyncTokenRetentionSec: int64(defaultSyncRetention / time.Second),
	}
}

func newStore() *store {
	return &store{
		Accounts:        map[string]*account{},
		Calendars:       map[string]*calendarState{},
		Clients:         map[string]*oauthClient{},
		ServiceAccounts: map[string]*serviceAccount{},
		Grants:          map[string]*grant{},
		RefreshTokens:   map[string]*refreshToken{},
		AccessTokens:    map[string]*accessToken{},
		Codes:           map[string]*authCode{},
		Channels:        map[string]*channel{},
		Config:          defaultConfig(),
	}
}

// nextVersion returns a fresh etag version: strictly increasing, and close
// to the modification time in microseconds as Google's etags are.
func (s *store) nextVersion(now time.Time) int64 {
	v := now.UnixMicro()
	if v <= s.Version {
		v = s.Version + 1
	}
	s.Version = v
	return v
}

// account is a Google user.
type account struct {
	Email    string    `json:"email"`
	Name     string    `json:"name"`
	Domain   string    `json:"domain,omitempty"` // Workspace domain, for domain-wide delegation
	Subject  string    `json:"sub"`              // the numeric Google account id
	TimeZone string    `json:"timeZone"`
	Created  time.Time `json:"created"`
}

// calendarState is one calendar and its events.
type calendarState struct {
	ID          string            `json:"id"`
	Owner       string            `json:"owner"` // account email
	Summary     string            `json:"summary"`
	Description string            `json:"description,omitempty"`
	Location    string            `json:"location,omitempty"`
	TimeZone    string            `json:"timeZone"`
	Primary     bool              `json:"primary"`
	Version     int64             `json:"version"`
	Created     time.Time         `json:"created"`
	Updated     time.Time         `json:"updated"`
	ChangeSeq   int64             `json:"changeSeq"` // bumped by every event change
	SyncEpoch   int64             `json:"syncEpoch"` // bumped to invalidate sync tokens
	Events      map[string]*event `json:"events"`    // by event id, tombstones included
}

func (c *calendarState) location() *time.Location {
	if loc, err := time.LoadLocation(c.TimeZone); err == nil {
		return loc
	}
	return time.UTC
}

func normEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// calendarByID resolves an API calendar id ("primary" or an id) for the
// acting user; calendars the user does not own do not exist for them.
func (s *store) calendarFor(user, id string) (*calendarState, *Error) {
	if id == "primary" {
		id = user
	}
	cal := s.Calendars[strings.ToLower(id)]
	if cal == nil || !strings.EqualFold(cal.Owner, user) {
		return nil, errNotFound()
	}
	return cal, nil
}

// calendarsOf returns the calendars an account owns, primary first.
func (s *store) calendarsOf(email string) []*calendarState {
	var out []*calendarState
	for _, c := range s.Calendars {
		if strings.EqualFold(c.Owner, email) {
			out = append(out, c)
		}
	}
	sortCalendars(out)
	return out
}
