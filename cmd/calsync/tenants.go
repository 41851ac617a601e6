package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"calsync/internal/linking/outbox"
	"calsync/internal/mail"
	"calsync/internal/server"
	"calsync/internal/tenants"
	"calsync/sync/tasks"
)

const orgUsage = `usage: calsync org <command>

commands:
  create   create an organization and its first admin, who gets a one-time sign-in link
           --name NAME --slug SLUG --admin-email EMAIL [--admin-name NAME] [--time-zone ZONE]
  list     print every organization: slug, name, created, number of users
`

const userUsage = `usage: calsync user <command>

commands:
  reset-password   end a user's password and sessions and issue a one-time sign-in link
                   --org SLUG --email EMAIL
  operator         let a user see the queue dashboard at /admin/queues (every tenant's tasks),
                   or with --off take it away
                   --org SLUG --email EMAIL [--off]
`

func orgCommand(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, orgUsage)
		return errors.New("org: missing command")
	}
	if isHelp(args[0]) {
		fmt.Print(orgUsage)
		return nil
	}
	switch args[0] {
	case "create":
		fs := newFlags("org create")
		name := fs.String("name", "", "the organization's name")
		slug := fs.String("slug", "", "short unique id (lower-case letters, digits, hyphens)")
		email := fs.String("admin-email", "", "the first admin's email")
		adminName := fs.String("admin-name", "", "the first admin's name (default: the email's local part)")
		tz := fs.String("time-zone", "UTC", "the organization's default time zone (IANA name)")
		if err := parse(fs, args[1:], "name", "slug", "admin-email"); err != nil {
			return err
		}
		return withTenants(ctx, func(svc *tenants.Service, smtp bool, sent func() error) error {
			out, err := svc.CreateOrganization(ctx, tenants.NewOrganization{
				Name: *name, Slug: *slug, AdminEmail: *email, AdminName: *adminName, TimeZone: *tz,
			})
			if err != nil {
				return err
			}
			fmt.Printf("created organization %q (%s) with admin %s\n", out.Organization.Slug, out.Organization.Name, out.User.Email)
			return handOver(out, smtp, sent())
		})
	case "list":
		fs := newFlags("org list")
		if err := parse(fs, args[1:]); err != nil {
			return err
		}
		return withTenants(ctx, func(svc *tenants.Service, _ bool, _ func() error) error {
			orgs, err := svc.List(ctx)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SLUG\tNAME\tCREATED\tUSERS")
			for _, o := range orgs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\n", o.Slug, o.Name, o.CreatedAt.UTC().Format(time.DateTime+" MST"), o.Users)
			}
			return tw.Flush()
		})
	}
	return fmt.Errorf("org: unknown command %q (see calsync org --help)", args[0])
}

func userCommand(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, userUsage)
		return errors.New("user: missing command")
	}
	if isHelp(args[0]) {
		fmt.Print(userUsage)
		return nil
	}
	switch args[0] {
	case "reset-password":
	case "operator":
		return operatorCommand(ctx, args[1:])
	default:
		return fmt.Errorf("user: unknown command %q (see calsync user --help)", args[0])
	}
	fs := newFlags("user reset-password")
	org := fs.String("org", "", "the organization's slug")
	email := fs.String("email", "", "the user's email")
	if err := parse(fs, args[1:], "org", "email"); err != nil {
		return err
	}
	return withTenants(ctx, func(svc *tenants.Service, smtp bool, sent func() error) error {
		out, err := svc.ResetPassword(ctx, *org, *email)
		if err != nil {
			return err
		}
		fmt.Printf("password of %s in %q reset: their sessions and tokens are revoked\n", out.User.Email, out.Organization.Slug)
		return handOver(out, smtp, sent())
	})
}

func operatorCommand(ctx context.Context, args []string) error {
	fs := newFlags("user operator")
	org := fs.String("org", "", "the organization's slug")
	email := fs.String("email", "", "the user's email")
	off := fs.Bool("off", false, "revoke the operator flag instead of granting it")
	if err := parse(fs, args, "org", "email"); err != nil {
		return err
	}
	return withTenants(ctx, func(svc *tenants.Service, _ bool, _ func() error) error {
		u, changed, err := svc.SetOperator(ctx, *org, *email, !*off)
		if err != nil {
			return err
		}
		switch {
		case !changed && *off:
			fmt.Printf("%s in %q is not an operator: nothing to do\n", u.Email, *org)
		case !changed:
			fmt.Printf("%s in %q is already an operator: nothing to do\n", u.Email, *org)
		case *off:
			fmt.Printf("%s in %q is no longer an operator: the queue dashboard is closed to them\n", u.Email, *org)
		default:
			fmt.Printf("%s in %q is now an operator: they may see the queue dashboard at %s\n", u.Email, *org, server.QueuesPath)
		}
		return nil
	})
}

func isHelp(a string) bool { return a == "-h" || a == "--help" || a == "help" }

func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parse parses args and checks that the required flags were given, with
// one-line errors.
func parse(fs *flag.FlagSet, args []string, required ...string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(os.Stdout)
			fmt.Printf("usage: calsync %s\n", fs.Name())
			fs.PrintDefaults()
			return nil
		}
		return fmt.Errorf("%s: %w", fs.Name(), err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	var missing []string
	for _, r := range required {
		if f := fs.Lookup(r); f != nil && strings.TrimSpace(f.Value.String()) == "" {
			missing = append(missing, "--"+r)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s: missing %s", fs.Name(), strings.Join(missing, ", "))
	}
	return nil
}

// withTenants opens Calsync (migrating the database) and runs fn with the
// tenants service. The CLI has no worker: the sign-in email is delivered
// in this process once its transaction has committed (through SMTP when
// configured, else kept in the outbox); sent reports how that went.
func withTenants(ctx context.Context, fn func(svc *tenants.Service, smtp bool, sent func() error) error) error {
	a, cfg, _, err := open(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	var sender tasks.Sender
	if cfg.SMTPURL != "" {
		s, err := mail.NewSMTP(cfg.SMTPURL, cfg.SMTPFrom)
		if err != nil {
			return err
		}
		sender = s
	}
	d := &deliverNow{send: &tasks.SendEmail{Client: a.Client(), Sender: sender, Now: time.Now}}
	svc := tenants.New(tenants.Options{
		Client: a.Client(), Auth: a.Auth, Outbox: outbox.New(a.Client(), d), PublicURL: cfg.PublicURL,
	})
	return fn(svc, sender != nil, func() error { return d.err })
}

// handOver tells the operator where the sign-in link went; without SMTP
// (or when sending failed) it prints the link to hand over.
func handOver(out *tenants.Issued, smtp bool, sendErr error) error {
	until := out.ExpiresAt.UTC().Format("2 January 2006 15:04 MST")
	if smtp && sendErr == nil {
		fmt.Printf("emailed a one-time sign-in link to %s (valid until %s)\n", out.User.Email, until)
		return nil
	}
	fmt.Printf("one-time sign-in link for %s (valid until %s; hand it over privately):\n  %s\n", out.User.Email, until, out.URL)
	if sendErr != nil {
		return fmt.Errorf("the sign-in email could not be sent (%v); hand over the link above", sendErr)
	}
	return nil
}

// deliverNow is the CLI's outbox delivery: the email:send handler, run
// in this process at once.
type deliverNow struct {
	send *tasks.SendEmail
	err  error
}

func (d *deliverNow) EmailQueued(ctx context.Context, orgID, emailID int) {
	t, _, err := tasks.NewEmailTask(tasks.EmailPayload{OrgID: orgID, MessageID: emailID})
	if err == nil {
		err = d.send.ProcessTask(ctx, t)
	}
	d.err = err
}
