// Package tenants sets up organizations for the operator: a new
// organization with its default statuses, types and provider settings
// and its first admin, who gets a one-time sign-in link; the list of
// organizations; and password resets by sign-in link.
package tenants

import (
	"context"
	"errors"
	"fmt"
	"html"
	"regexp"
	"strings"
	"time"

	"calsync/ent"
	"calsync/ent/organization"
	"calsync/ent/user"
	"calsync/internal/auth"
	"calsync/internal/domain"
	"calsync/internal/linking/outbox"
	"calsync/internal/store"
	"calsync/internal/viewer"
)

// Options configures the Service.
type Options struct {
	Client *ent.Client
	// Auth issues the sign-in links and revokes access on a reset.
	Auth *auth.Service
	// Outbox carries the sign-in emails (sent through SMTP when
	// configured, otherwise kept for admins and the operator).
	Outbox    *outbox.Outbox
	PublicURL string
}

// Service creates organizations and issues sign-in links.
type Service struct {
	client    *ent.Client
	auth      *auth.Service
	outbox    *outbox.Outbox
	publicURL string
}

// New returns a Service.
func New(o Options) *Service {
	return &Service{client: o.Client, auth: o.Auth, outbox: o.Outbox, publicURL: strings.TrimSuffix(o.PublicURL, "/")}
}

// slugRE is the allowed form of a slug: 2 to 63 lower-case letters,
// digits and hyphens, starting and ending with a letter or digit (it fits
// in a DNS label and a URL without escaping).
var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$`)

// ValidateSlug says in plain words what is wrong with a slug.
func ValidateSlug(slug string) error {
	if !slugRE.MatchString(slug) {
		return fmt.Errorf("slug %q is not allowed: use 2 to 63 lower-case letters, digits and hyphens, starting and ending with a letter or digit", slug)
	}
	return nil
}

// ErrSlugTaken is returned when an organization already has the slug.
var ErrSlugTaken = errors.New("an organization with this slug already exists")

// NewOrganization describes an organization to create.
type NewOrganization struct {
	Name, Slug, AdminEmail, AdminName, TimeZone string
}

// Issued is a one-time sign-in link handed to a user.
type Issued struct {
	Organization *ent.Organization
	User         *ent.User
	URL          string
	ExpiresAt    time.Time
}

// CreateOrganization creates an organization with the default statuses,
// types and provider settings and its first admin, and sends the admin a
// one-time sign-in link (through the outbox). All or nothing.
func (s *Service) CreateOrganization(ctx context.Context, in NewOrganization) (*Issued, error) {
	in.Name = strings.TrimSpace(in.Name)
	in.AdminEmail = domain.NormalizeEmail(in.AdminEmail)
	in.AdminName = strings.TrimSpace(in.AdminName)
	if in.TimeZone == "" {
		in.TimeZone = "UTC"
	}
	if in.Name == "" || len(in.Name) > 200 {
		return nil, errors.New("the name must be 1 to 200 characters")
	}
	if err := ValidateSlug(in.Slug); err != nil {
		return nil, err
	}
	if err := domain.ValidateEmail(in.AdminEmail); err != nil {
		return nil, fmt.Errorf("admin email: %w", err)
	}
	if in.AdminName == "" {
		in.AdminName = in.AdminEmail[:strings.IndexByte(in.AdminEmail, '@')]
	}
	if len(in.AdminName) > 200 {
		return nil, errors.New("the admin name must be at most 200 characters")
	}
	if err := domain.ValidateTimeZone(in.TimeZone); err != nil {
		return nil, err
	}
	all := viewer.AllTenantsContext(ctx)
	var out *Issued
	err := store.InTx(all, s.client, func(ctx context.Context) error {
		db := store.ClientFrom(ctx, s.client)
		taken, err := db.Organization.Query().Where(organization.Slug(in.Slug)).Exist(ctx)
		if err != nil {
			return err
		}
		if taken {
			return ErrSlugTaken
		}
		org, err := db.Organization.Create().SetName(in.Name).SetSlug(in.Slug).SetDefaultTimeZone(in.TimeZone).Save(ctx)
		if err != nil {
			return err
		}
		if _, err := CreateDefaults(ctx, db, org.ID); err != nil {
			return err
		}
		u, err := db.User.Create().SetOrganizationID(org.ID).SetName(in.AdminName).SetEmail(in.AdminEmail).
			SetRole(viewer.RoleAdmin).SetTimeZone(in.TimeZone).Save(ctx)
		if err != nil {
			return err
		}
		out, err = s.sendLink(ctx, org, u, true)
		return err
	})
	if errors.Is(err, ErrSlugTaken) || ent.IsConstraintError(err) {
		return nil, fmt.Errorf("slug %q: %w", in.Slug, ErrSlugTaken)
	}
	if err != nil {
		return nil, fmt.Errorf("tenants: create organization: %w", err)
	}
	return out, nil
}

// ResetPassword ends every way the user with email in the organization
// slug signs in (password, sessions, bearer tokens) and sends them a new
// one-time sign-in link to set a password. All or nothing.
func (s *Service) ResetPassword(ctx context.Context, slug, email string) (*Issued, error) {
	email = domain.NormalizeEmail(email)
	if err := domain.ValidateEmail(email); err != nil {
		return nil, err
	}
	all := viewer.AllTenantsContext(ctx)
	org, err := s.client.Organization.Query().Where(organization.Slug(slug)).Only(all)
	if ent.IsNotFound(err) {
		return nil, fmt.Errorf("no organization with slug %q", slug)
	}
	if err != nil {
		return nil, fmt.Errorf("tenants: reset password: %w", err)
	}
	u, err := s.client.User.Query().Where(user.OrganizationID(org.ID), user.Email(email)).Only(all)
	if ent.IsNotFound(err) {
		return nil, fmt.Errorf("no user %s in organization %q", email, slug)
	}
	if err != nil {
		return nil, fmt.Errorf("tenants: reset password: %w", err)
	}
	if !u.Active {
		return nil, fmt.Errorf("user %s in organization %q is deactivated", email, slug)
	}
	var out *Issued
	err = store.InTx(all, s.client, func(ctx context.Context) error {
		if err := s.auth.RevokeAccess(ctx, u); err != nil {
			return err
		}
		out, err = s.sendLink(ctx, org, u, false)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("tenants: reset password: %w", err)
	}
	return out, nil
}

// sendLink issues u a sign-in link and queues the email carrying it.
func (s *Service) sendLink(ctx context.Context, org *ent.Organization, u *ent.User, welcome bool) (*Issued, error) {
	tok, exp, err := s.auth.IssueSignInLink(ctx, u)
	if err != nil {
		return nil, err
	}
	link := s.publicURL + auth.SignInPath + tok
	subject := fmt.Sprintf("%s: set your Calsync password", org.Name)
	intro := fmt.Sprintf("Your password for %s in Calsync has been reset.", org.Name)
	if welcome {
		subject = fmt.Sprintf("%s: welcome to Calsync", org.Name)
		intro = fmt.Sprintf("%s is set up in Calsync, and you are its administrator.", org.Name)
	}
	until := exp.UTC().Format("2 January 2006 15:04 MST")
	text := fmt.Sprintf("Hello %s,\n\n%s\n\nSet your password and sign in: %s\n\nThe link works once and expires on %s. If you did not expect this email, ignore it.\n",
		u.Name, intro, link, until)
	htmlBody := fmt.Sprintf(`<p>Hello %s,</p><p>%s</p><p><a href="%s">Set your password and sign in</a></p><p>The link works once and expires on %s. If you did not expect this email, ignore it.</p>`,
		html.EscapeString(u.Name), html.EscapeString(intro), html.EscapeString(link), until)
	if err := s.outbox.Queue(ctx, viewer.SystemContext(ctx, org.ID), u, "signin", subject, text, htmlBody); err != nil {
		return nil, err
	}
	return &Issued{Organization: org, User: u, URL: link, ExpiresAt: exp}, nil
}

// Summary is one organization in the list.
type Summary struct {
	Slug, Name string
	CreatedAt  time.Time
	Users      int
}

// List returns every organization, oldest first, with its number of
// users.
func (s *Service) List(ctx context.Context) ([]Summary, error) {
	all := viewer.AllTenantsContext(ctx)
	orgs, err := s.client.Organization.Query().Order(ent.Asc(organization.FieldID)).All(all)
	if err != nil {
		return nil, fmt.Errorf("tenants: list: %w", err)
	}
	var counts []struct {
		OrganizationID int `json:"organization_id"`
		Count          int `json:"count"`
	}
	if err := s.client.User.Query().GroupBy(user.FieldOrganizationID).Aggregate(ent.Count()).Scan(all, &counts); err != nil {
		return nil, fmt.Errorf("tenants: count users: %w", err)
	}
	n := map[int]int{}
	for _, c := range counts {
		n[c.OrganizationID] = c.Count
	}
	out := make([]Summary, 0, len(orgs))
	for _, o := range orgs {
		out = append(out, Summary{Slug: o.Slug, Name: o.Name, CreatedAt: o.CreatedAt, Users: n[o.ID]})
	}
	return out, nil
}

// SetOperator grants (on) or revokes the operator flag of the user with
// email in the organization slug: operators may see the queue dashboard,
// which shows every tenant's tasks. It reports whether the flag changed.
func (s *Service) SetOperator(ctx context.Context, slug, email string, on bool) (*ent.User, bool, error) {
	email = domain.NormalizeEmail(email)
	if err := domain.ValidateEmail(email); err != nil {
		return nil, false, err
	}
	all := viewer.AllTenantsContext(ctx)
	org, err := s.client.Organization.Query().Where(organization.Slug(slug)).Only(all)
	if ent.IsNotFound(err) {
		return nil, false, fmt.Errorf("no organization with slug %q", slug)
	}
	if err != nil {
		return nil, false, fmt.Errorf("tenants: set operator: %w", err)
	}
	u, err := s.client.User.Query().Where(user.OrganizationID(org.ID), user.Email(email)).Only(all)
	if ent.IsNotFound(err) {
		return nil, false, fmt.Errorf("no user %s in organization %q", email, slug)
	}
	if err != nil {
		return nil, false, fmt.Errorf("tenants: set operator: %w", err)
	}
	if on && !u.Active {
		return nil, false, fmt.Errorf("user %s in organization %q is deactivated", email, slug)
	}
	if u.Operator == on {
		return u, false, nil
	}
	u, err = u.Update().SetOperator(on).Save(viewer.SystemContext(ctx, org.ID))
	if err != nil {
		return nil, false, fmt.Errorf("tenants: set operator: %w", err)
	}
	return u, true, nil
}
