// Package directory manages the people of an organization: creating and
// updating users, passwords, deactivation.
package directory

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"calsync/ent"
	"calsync/ent/authtoken"
	"calsync/ent/user"
	"calsync/internal/audit"
	"calsync/internal/auth"
	"calsync/internal/domain"
	"calsync/internal/store"
	"calsync/internal/viewer"
)

// Directory applies user mutations.
type Directory struct {
	client    *ent.Client
	log       *slog.Logger
	now       func() time.Time
	unlinker  Unlinker
	passwords Passwords
}

// Unlinker disconnects every calendar of a user (linking's consent).
type Unlinker interface {
	UnlinkAll(ctx context.Context, userID int) error
}

// Passwords is the argon2 work the directory needs done: a wrong
// password is an error about field; a hash may be refused when the
// server is busy.
type Passwords interface {
	VerifyPassword(ctx context.Context, userID int, password, field string) error
	HashPassword(ctx context.Context, password string) (string, error)
}

// Options configures a Directory.
type Options struct {
	Client *ent.Client
	Now    func() time.Time
	// Logger hears of failures after commit.
	Logger *slog.Logger
	// Unlinker, when set, runs once a user's deactivation has committed:
	// their calendars are unlinked and their sync stops.
	Unlinker Unlinker
	// Passwords checks a user's current password before they change it
	// and hashes new passwords (auth.Service: checks throttled like a
	// sign-in, and every argon2 computation inside its cap).
	Passwords Passwords
}

// New returns a Directory.
func New(o Options) *Directory {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Directory{client: o.Client, now: o.Now, log: o.Logger, unlinker: o.Unlinker, passwords: o.Passwords}
}

func (d *Directory) deactivated(ctx context.Context, userID int) error {
	if err := d.revokeTokens(ctx, userID, 0); err != nil {
		return err
	}
	if d.unlinker == nil {
		return nil
	}
	// Unlinking calls providers (removes events, revokes grants): do it
	// once the deactivation has committed, never for one that rolls back,
	// and outside its transaction. The deactivation stands either way.
	store.AfterCommit(ctx, func(ctx context.Context) {
		if err := d.unlinker.UnlinkAll(ctx, userID); err != nil {
			d.log.ErrorContext(ctx, "unlink after deactivation failed", slog.Int("user_id", userID), slog.Any("error", err))
		}
	})
	return nil
}

func (d *Directory) db(ctx context.Context) *ent.Client {
	return store.ClientFrom(ctx, d.client)
}

// CreateUser adds a user to the viewer's organization, with an optional
// initial password.
func (d *Directory) CreateUser(ctx context.Context, in ent.CreateUserInput, password *string) (*ent.User, error) {
	in.Email = domain.NormalizeEmail(in.Email)
	if err := domain.ValidateEmail(in.Email); err != nil {
		return nil, domain.InvalidField("email", err)
	}
	c := d.db(ctx).User.Create().SetInput(in)
	if password != nil {
		if err := allowed(ctx, d.db(ctx).User.Create().SetInput(in).SetPasswordHash("").Mutation()); err != nil {
			return nil, err
		}
		if err := auth.ValidatePassword(*password); err != nil {
			return nil, domain.InvalidField("password", err)
		}
		h, err := d.hash(ctx, *password)
		if err != nil {
			return nil, err
		}
		c.SetPasswordHash(h)
	}
	if in.GeneralFieldworker != nil && *in.GeneralFieldworker {
		if err := d.clearGeneralFieldworker(ctx, 0); err != nil {
			return nil, err
		}
	}
	u, err := c.Save(audit.WithAction(ctx, "user.create"))
	if ent.IsConstraintError(err) {
		return nil, domain.Errorf(domain.CodeConflict, "a user with email %s already exists", in.Email)
	}
	return u, err
}

// allowed asks the User privacy policy whether the viewer may make the
// change m describes, before any argon2 work is spent on it: hashing a
// password costs 19 MiB and tens of milliseconds, and a refused request
// must not cost that (400 aliases of setPassword in one anonymous
// request did). The rules are the ones the write itself is held to again
// when it runs (ent/schema/policy.go); m is a probe carrying the same
// fields, never saved.
func allowed(ctx context.Context, m *ent.UserMutation) error {
	return user.Policy.EvalMutation(ctx, m)
}

// hash hashes a new password through auth's cap on argon2 work.
func (d *Directory) hash(ctx context.Context, password string) (string, error) {
	if d.passwords == nil {
		return "", errors.New("directory: no password service")
	}
	return d.passwords.HashPassword(ctx, password)
}

// clearGeneralFieldworker makes sure at most one user is the general
// fieldworker: the new one replaces the old.
func (d *Directory) clearGeneralFieldworker(ctx context.Context, except int) error {
	return d.db(ctx).User.Update().Where(user.GeneralFieldworker(true), user.IDNEQ(except)).
		SetGeneralFieldworker(false).Exec(ctx)
}

// UpdateUser changes a user; users may change a few of their own fields,
// admins anything (the privacy rules decide).
func (d *Directory) UpdateUser(ctx context.Context, id int, in ent.UpdateUserInput) (*ent.User, error) {
	db := d.db(ctx)
	u, err := db.User.Get(ctx, id)
	if err != nil {
		if ent.IsNotFound(err) {
			return nil, domain.NotFound("user", id)
		}
		return nil, err
	}
	if in.Email != nil {
		e := domain.NormalizeEmail(*in.Email)
		if err := domain.ValidateEmail(e); err != nil {
			return nil, domain.InvalidField("email", err)
		}
		in.Email = &e
	}
	v, _ := viewer.FromContext(ctx)
	if v.UserID == id && in.Role != nil && *in.Role != u.Role {
		return nil, domain.Errorf(domain.CodeBadUserInput, "you cannot change your own role")
	}
	if v.UserID == id && in.Active != nil && !*in.Active {
		return nil, domain.Errorf(domain.CodeBadUserInput, "you cannot deactivate yourself")
	}
	if in.GeneralFieldworker != nil && *in.GeneralFieldworker {
		if err := d.clearGeneralFieldworker(ctx, id); err != nil {
			return nil, err
		}
	}
	out, err := db.User.UpdateOne(u).SetInput(in).Save(audit.WithAction(ctx, "user.update"))
	if ent.IsConstraintError(err) {
		return nil, domain.Errorf(domain.CodeConflict, "another user already has that email")
	}
	if err == nil && in.Active != nil && !*in.Active {
		err = d.deactivated(ctx, id)
	}
	return out, err
}

// SetPassword sets a user's password: admins for anyone, users for
// themselves, who must give their current password (an admin changing
// their own too). Every other session and bearer token of the user is
// revoked (open subscriptions end with them): on a change of one's own
// password all but the one making the change, on a reset by an admin
// all of them.
//
// Everything that can refuse the change is decided before the new
// password is hashed: who may set it (the privacy rules), that the user
// exists for the viewer, and the current password (itself throttled and
// capped). So a request that fails costs no argon2 hash, and the hash
// runs inside auth's cap like every password check.
func (d *Directory) SetPassword(ctx context.Context, id int, password string, current *string) error {
	db := d.db(ctx)
	if err := allowed(ctx, db.User.UpdateOneID(id).SetPasswordHash("").Mutation()); err != nil {
		return err
	}
	exists, err := db.User.Query().Where(user.ID(id)).Exist(ctx)
	if err != nil {
		return fmt.Errorf("directory: set password: %w", err)
	}
	if !exists {
		return domain.NotFound("user", id)
	}
	if err := auth.ValidatePassword(password); err != nil {
		return domain.InvalidField("password", err)
	}
	v, _ := viewer.FromContext(ctx)
	self := v.UserID != 0 && v.UserID == id
	if self {
		if current == nil || *current == "" {
			return domain.InvalidField("currentPassword", errors.New("required to change your own password"))
		}
		if d.passwords == nil {
			return errors.New("directory: no password service")
		}
		if err := d.passwords.VerifyPassword(ctx, id, *current, "currentPassword"); err != nil {
			return err
		}
	}
	h, err := d.hash(ctx, password)
	if err != nil {
		return err
	}
	err = db.User.UpdateOneID(id).SetPasswordHash(h).Exec(audit.WithAction(ctx, "user.set_password"))
	if ent.IsNotFound(err) {
		return domain.NotFound("user", id)
	}
	if err != nil {
		return err
	}
	keep := 0
	if r := auth.RequestFromContext(ctx); self && r != nil {
		keep = r.TokenID
	}
	return d.revokeTokens(ctx, id, keep)
}

// Deactivate stops a user: they can no longer sign in, their tokens are
// revoked, and (through the sync engine) their sync stops.
func (d *Directory) Deactivate(ctx context.Context, id int) (*ent.User, error) {
	v, _ := viewer.FromContext(ctx)
	if v.UserID == id {
		return nil, domain.Errorf(domain.CodeBadUserInput, "you cannot deactivate yourself")
	}
	u, err := d.db(ctx).User.UpdateOneID(id).SetActive(false).Save(audit.WithAction(ctx, "user.deactivate"))
	if ent.IsNotFound(err) {
		return nil, domain.NotFound("user", id)
	}
	if err != nil {
		return nil, err
	}
	return u, d.deactivated(ctx, id)
}

// revokeTokens revokes every session and bearer token of userID except
// the token keep (0: none), as the viewer: users their own, admins anyone's
// of their organization (rule.AllowAdminRevokeTokens).
func (d *Directory) revokeTokens(ctx context.Context, userID, keep int) error {
	err := d.db(ctx).AuthToken.Update().
		Where(authtoken.UserID(userID), authtoken.RevokedAtIsNil(), authtoken.IDNEQ(keep)).
		SetRevokedAt(d.now()).Exec(ctx)
	if err != nil {
		return fmt.Errorf("directory: revoke tokens: %w", err)
	}
	return nil
}

// RevokeBearer revokes one of the viewer's own bearer tokens.
func (d *Directory) RevokeBearer(ctx context.Context, id int) (*ent.AuthToken, error) {
	db := d.db(ctx)
	t, err := db.AuthToken.Get(ctx, id)
	if ent.IsNotFound(err) || (err == nil && t.Kind != authtoken.KindBEARER) {
		return nil, domain.NotFound("bearer token", id)
	}
	if err != nil {
		return nil, err
	}
	if t.RevokedAt != nil {
		return t, nil
	}
	return db.AuthToken.UpdateOne(t).SetRevokedAt(d.now()).Save(ctx)
}
