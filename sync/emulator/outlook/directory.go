package outlook

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Errors of the Go seeding API (and the control API built on it).
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("already exists")
	ErrInvalid  = errors.New("invalid")
)

// TenantSpec describes a tenant to create. Empty ID: a new GUID; empty
// Domain: "<id-prefix>.onmicrosoft.com".
type TenantSpec struct {
	ID          string `json:"id,omitempty"`
	Domain      string `json:"domain,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
}

// UserSpec describes a user to create. Tenant is a tenant id or domain;
// empty means the tenant of the UPN's domain, created when missing.
type UserSpec struct {
	ID                string `json:"id,omitempty"`
	UserPrincipalName string `json:"userPrincipalName"`
	Mail              string `json:"mail,omitempty"`
	DisplayName       string `json:"displayName,omitempty"`
	Tenant            string `json:"tenant,omitempty"`
}

// AppSpec describes an app registration. An empty ClientSecret makes a
// public client (which must use PKCE).
type AppSpec struct {
	ClientID     string   `json:"clientId,omitempty"`
	ClientSecret string   `json:"clientSecret,omitempty"`
	DisplayName  string   `json:"displayName,omitempty"`
	RedirectURIs []string `json:"redirectUris,omitempty"`
	Tenant       string   `json:"tenant,omitempty"`
}

// UserInfo is a user as the Go and control APIs return it.
type UserInfo struct {
	ID                string         `json:"id"`
	TenantID          string         `json:"tenantId"`
	UserPrincipalName string         `json:"userPrincipalName"`
	Mail              string         `json:"mail"`
	DisplayName       string         `json:"displayName"`
	Calendars         []CalendarInfo `json:"calendars"`
}

// CalendarInfo is a calendar as the Go and control APIs return it.
type CalendarInfo struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	IsDefault bool   `json:"isDefaultCalendar"`
	Events    int    `json:"eventCount"`
}

// CreateTenant adds a tenant.
func (e *Emulator) CreateTenant(spec TenantSpec) (Tenant, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	t, err := e.createTenantLocked(spec)
	if err != nil {
		return Tenant{}, err
	}
	return *t, nil
}

// createTenantLocked adds a tenant; the caller holds e.mu.
func (e *Emulator) createTenantLocked(spec TenantSpec) (*Tenant, error) {
	id := strings.ToLower(strings.TrimSpace(spec.ID))
	if id == "" {
		id = newGUID()
	}
	if _, ok := e.st.Tenants[id]; ok {
		return nil, fmt.Errorf("outlook: tenant %s: %w", id, ErrConflict)
	}
	domain := strings.ToLower(strings.TrimSpace(spec.Domain))
	if domain == "" {
		domain = strings.Split(id, "-")[0] + ".onmicrosoft.com"
	}
	if t := e.tenantLocked(domain); t != nil {
		return nil, fmt.Errorf("outlook: tenant domain %s: %w", domain, ErrConflict)
	}
	name := spec.DisplayName
	if name == "" {
		name = domain
	}
	t := &Tenant{ID: id, Domain: domain, DisplayName: name}
	e.st.Tenants[id] = t
	return t, nil
}

// tenantLocked finds a tenant by id or domain.
func (e *Emulator) tenantLocked(idOrDomain string) *Tenant {
	key := strings.ToLower(strings.TrimSpace(idOrDomain))
	if t, ok := e.st.Tenants[key]; ok {
		return t
	}
	for _, t := range e.st.Tenants {
		if t.Domain == key {
			return t
		}
	}
	return nil
}

// Tenants lists the tenants, ordered by domain.
func (e *Emulator) Tenants() []Tenant {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Tenant, 0, len(e.st.Tenants))
	for _, t := range e.st.Tenants {
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Domain < out[j].Domain })
	return out
}

// CreateUser adds a user with a default calendar named "Calendar".
func (e *Emulator) CreateUser(spec UserSpec) (UserInfo, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	upn := strings.ToLower(strings.TrimSpace(spec.UserPrincipalName))
	if upn == "" {
		upn = strings.ToLower(strings.TrimSpace(spec.Mail))
	}
	local, domain, ok := strings.Cut(upn, "@")
	if !ok || local == "" || domain == "" {
		return UserInfo{}, fmt.Errorf("outlook: user principal name %q: %w", spec.UserPrincipalName, ErrInvalid)
	}
	if e.userLocked(upn) != nil {
		return UserInfo{}, fmt.Errorf("outlook: user %s: %w", upn, ErrConflict)
	}
	var tenant *Tenant
	if spec.Tenant != "" {
		if tenant = e.tenantLocked(spec.Tenant); tenant == nil {
			return UserInfo{}, fmt.Errorf("outlook: tenant %s: %w", spec.Tenant, ErrNotFound)
		}
	} else if tenant = e.tenantLocked(domain); tenant == nil {
		t, err := e.createTenantLocked(TenantSpec{Domain: domain})
		if err != nil {
			return UserInfo{}, err
		}
		tenant = t
	}
	id := strings.ToLower(strings.TrimSpace(spec.ID))
	if id == "" {
		id = newGUID()
	}
	if _, ok := e.st.Users[id]; ok {
		return UserInfo{}, fmt.Errorf("outlook: user id %s: %w", id, ErrConflict)
	}
	mail := strings.ToLower(strings.TrimSpace(spec.Mail))
	if mail == "" {
		mail = upn
	}
	name := spec.DisplayName
	if name == "" {
		name = local
	}
	now := e.clock.Now().UTC()
	u := &account{
		ID: id, TenantID: tenant.ID, UserPrincipalName: upn, Mail: mail, DisplayName: name,
		Calendars: map[string]*calendarFolder{}, Created: now,
	}
	cal := &calendarFolder{ID: newCalendarID(), Name: "Calendar", Color: "auto", ChangeKey: newChangeKey(), IsDefault: true, Created: now, Events: map[string]*storedEvent{}}
	u.Calendars[cal.ID] = cal
	u.DefaultCalendarID = cal.ID
	e.st.Users[id] = u
	return userInfo(u), nil
}

// userLocked finds a user by id, user principal name or mail address.
func (e *Emulator) userLocked(idOrName string) *account {
	key := strings.ToLower(strings.TrimSpace(idOrName))
	if u, ok := e.st.Users[key]; ok {
		return u
	}
	for _, u := range e.st.Users {
		if u.UserPrincipalName == key || u.Mail == key {
			return u
		}
	}
	return nil
}

func (e *Emulator) mustUserLocked(idOrName string) (*account, error) {
	u := e.userLocked(idOrName)
	if u == nil {
		return nil, fmt.Errorf("outlook: user %s: %w", idOrName, ErrNotFound)
	}
	return u, nil
}

// userInfo is the public view of a user.
func userInfo(u *account) UserInfo {
	info := UserInfo{ID: u.ID, TenantID: u.TenantID, UserPrincipalName: u.UserPrincipalName, Mail: u.Mail, DisplayName: u.DisplayName}
	for _, c := range sortedCalendars(u) {
		info.Calendars = append(info.Calendars, CalendarInfo{ID: c.ID, Name: c.Name, IsDefault: c.IsDefault, Events: len(c.Events)})
	}
	return info
}

// sortedCalendars orders a user's calendars as Outlook lists them: the
// default first, then by creation.
func sortedCalendars(u *account) []*calendarFolder {
	cals := make([]*calendarFolder, 0, len(u.Calendars))
	for _, c := range u.Calendars {
		cals = append(cals, c)
	}
	sort.Slice(cals, func(i, j int) bool {
		if cals[i].IsDefault != cals[j].IsDefault {
			return cals[i].IsDefault
		}
		if !cals[i].Created.Equal(cals[j].Created) {
			return cals[i].Created.Before(cals[j].Created)
		}
		return cals[i].ID < cals[j].ID
	})
	return cals
}

// Users lists every user, ordered by user principal name.
func (e *Emulator) Users() []UserInfo {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]UserInfo, 0, len(e.st.Users))
	for _, u := range e.st.Users {
		out = append(out, userInfo(u))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].UserPrincipalName < out[j].UserPrincipalName })
	return out
}

// User returns one user by id, UPN or mail.
func (e *Emulator) User(idOrName string) (UserInfo, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, err := e.mustUserLocked(idOrName)
	if err != nil {
		return UserInfo{}, err
	}
	return userInfo(u), nil
}

// RegisterApp adds an app registration in a tenant (the first tenant when
// Tenant is empty and exactly one exists).
func (e *Emulator) RegisterApp(spec AppSpec) (App, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	id := strings.ToLower(strings.TrimSpace(spec.ClientID))
	if id == "" {
		id = newGUID()
	}
	if _, ok := e.st.Apps[id]; ok {
		return App{}, fmt.Errorf("outlook: app %s: %w", id, ErrConflict)
	}
	tenantID := ""
	if spec.Tenant != "" {
		t := e.tenantLocked(spec.Tenant)
		if t == nil {
			return App{}, fmt.Errorf("outlook: tenant %s: %w", spec.Tenant, ErrNotFound)
		}
		tenantID = t.ID
	}
	for _, u := range spec.RedirectURIs {
		if u == "" || strings.ContainsAny(u, " \t\n") {
			return App{}, fmt.Errorf("outlook: redirect uri %q: %w", u, ErrInvalid)
		}
	}
	name := spec.DisplayName
	if name == "" {
		name = "App " + id[:8]
	}
	app := &App{
		ClientID: id, ClientSecret: spec.ClientSecret, DisplayName: name,
		RedirectURIs: slices.Clone(spec.RedirectURIs), TenantID: tenantID, Created: e.clock.Now().UTC(),
	}
	e.st.Apps[id] = app
	return *app, nil
}

// Apps lists the app registrations.
func (e *Emulator) Apps() []App {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]App, 0, len(e.st.Apps))
	for _, a := range e.st.Apps {
		out = append(out, *a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].DisplayName < out[j].DisplayName })
	return out
}

// GrantAppPermissions records admin consent to application permissions
// (such as "Calendars.ReadWrite") for an app in a tenant; client
// credentials tokens for that tenant then carry them as roles. An empty
// list withdraws the consent.
func (e *Emulator) GrantAppPermissions(tenant, clientID string, permissions []string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	t := e.tenantLocked(tenant)
	if t == nil {
		return fmt.Errorf("outlook: tenant %s: %w", tenant, ErrNotFound)
	}
	if _, ok := e.st.Apps[strings.ToLower(clientID)]; !ok {
		return fmt.Errorf("outlook: app %s: %w", clientID, ErrNotFound)
	}
	key := t.ID + "|" + strings.ToLower(clientID)
	if len(permissions) == 0 {
		delete(e.st.AppRoles, key)
		return nil
	}
	perms := make([]string, 0, len(permissions))
	for _, p := range permissions {
		perms = append(perms, normaliseScope(p))
	}
	e.st.AppRoles[key] = perms
	return nil
}
