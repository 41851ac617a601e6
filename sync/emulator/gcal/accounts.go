package gcal

import (
	"crypto/rand"
	"math/big"
	"slices"
	"strings"
	"time"
)

// Account is a Google user of the emulator.
type Account struct {
	Email string `json:"email"`
	Name  string `json:"name,omitempty"`
	// Domain makes the account a Workspace user of that domain, which
	// service accounts with domain-wide delegation for it can impersonate.
	Domain   string `json:"domain,omitempty"`
	TimeZone string `json:"timeZone,omitempty"` // IANA; default UTC
	// Subject (the numeric account id, "sub") and PrimaryCalendarID are
	// set by the emulator.
	Subject           string `json:"sub,omitempty"`
	PrimaryCalendarID string `json:"primaryCalendarId,omitempty"`
}

// CalendarInfo describes a calendar.
type CalendarInfo struct {
	ID          string `json:"id"`
	Owner       string `json:"owner"`
	Summary     string `json:"summary"`
	Description string `json:"description,omitempty"`
	TimeZone    string `json:"timeZone"`
	Primary     bool   `json:"primary"`
}

func (a *account) public() Account {
	return Account{Email: a.Email, Name: a.Name, Domain: a.Domain, TimeZone: a.TimeZone, Subject: a.Subject, PrimaryCalendarID: a.Email}
}

func (c *calendarState) info() CalendarInfo {
	return CalendarInfo{ID: c.ID, Owner: c.Owner, Summary: c.Summary, Description: c.Description, TimeZone: c.TimeZone, Primary: c.Primary}
}

// CreateAccount adds a user and its primary calendar, whose id is the
// email. It fails with 409 when the email exists.
func (e *Emulator) CreateAccount(a Account) (Account, error) {
	email := normEmail(a.Email)
	at := strings.LastIndexByte(email, '@')
	if at <= 0 || at == len(email)-1 || strings.ContainsAny(email, " /") {
		return Account{}, errInvalid("account email is not valid: " + a.Email)
	}
	domain := strings.ToLower(strings.TrimSpace(a.Domain))
	if domain != "" && email[at+1:] != domain {
		return Account{}, errInvalid("a Workspace account's email must be in its domain " + domain)
	}
	tz := a.TimeZone
	if tz == "" {
		tz = "UTC"
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return Account{}, errInvalid("unknown time zone " + tz)
	}
	name := a.Name
	if name == "" {
		name = email[:at]
	}
	var out Account
	err := e.update(func() error {
		if e.st.Accounts[email] != nil {
			return newError(409, "global", "duplicate", "account "+email+" exists")
		}
		now := e.clock.Now()
		acc := &account{Email: email, Name: name, Domain: domain, Subject: numericID(21), TimeZone: tz, Created: now}
		e.st.Accounts[email] = acc
		e.st.Calendars[email] = &calendarState{
			ID: email, Owner: email, Summary: email, TimeZone: tz, Primary: true,
			Version: e.st.nextVersion(now), Created: now, Updated: now, Events: map[string]*event{},
		}
		out = acc.public()
		return nil
	})
	return out, err
}

// Accounts lists the users, sorted by email.
func (e *Emulator) Accounts() []Account {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Account, 0, len(e.st.Accounts))
	for _, a := range e.st.Accounts {
		out = append(out, a.public())
	}
	slices.SortFunc(out, func(a, b Account) int { return strings.Compare(a.Email, b.Email) })
	return out
}

// Calendars lists the calendars of an account, primary first.
func (e *Emulator) Calendars(email string) ([]CalendarInfo, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.st.Accounts[normEmail(email)] == nil {
		return nil, errNotFound()
	}
	var out []CalendarInfo
	for _, c := range e.st.calendarsOf(email) {
		out = append(out, c.info())
	}
	return out, nil
}

// CreateCalendar adds a secondary calendar to an account, as
// calendars.insert does.
func (e *Emulator) CreateCalendar(email string, c CalendarInfo) (CalendarInfo, error) {
	var out CalendarInfo
	err := e.update(func() error {
		acc := e.st.Accounts[normEmail(email)]
		if acc == nil {
			return errNotFound()
		}
		cal, err := e.insertCalendar(acc, map[string]any{"summary": c.Summary, "description": c.Description, "timeZone": c.TimeZone})
		if err != nil {
			return err
		}
		out = cal.info()
		return nil
	})
	return out, err
}

// numericID returns a random decimal id of n digits, like Google's
// account and client ids.
func numericID(n int) string {
	var b strings.Builder
	b.WriteByte('1')
	for b.Len() < n {
		d, _ := rand.Int(rand.Reader, big.NewInt(10))
		b.WriteString(d.String())
	}
	return b.String()
}

func sortCalendars(cs []*calendarState) {
	slices.SortFunc(cs, func(a, b *calendarState) int {
		if a.Primary != b.Primary {
			if a.Primary {
				return -1
			}
			return 1
		}
		return strings.Compare(a.ID, b.ID)
	})
}
