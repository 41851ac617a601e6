package engine_test

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect/sql"

	"calsync/ent"
	"calsync/ent/booking"
	"calsync/ent/calendaraccount"
	"calsync/ent/providerconfig"
	"calsync/ent/syncpending"
	"calsync/internal/domain"
	"calsync/internal/testenv"
	"calsync/internal/viewer"
	"calsync/sync/engine"
)

// TestAccountLoadedWithItsRound: the account's two-way state and its
// round's scope, selected with the account's row (engine.WithTwoWay,
// engine.WithPending), say what TwoWayOf and the pending rows say, on SQLite and
// on PostgreSQL (whose EXISTS and text aggregate differ).
func TestAccountLoadedWithItsRound(t *testing.T) {
	for _, backend := range testenv.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			client := testenv.OpenStore(t, backend, nil).Client
			org, ctx := testenv.NewOrg(t, client, "Load")
			u, err := client.User.Create().SetEmail("fw@load.test").SetName("Fiona").Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			a, err := client.CalendarAccount.Create().SetProvider(domain.ProviderGoogle).SetAccountEmail("fw@load.test").
				SetCredentialMode(domain.CredentialPlatformApp).SetDestinationCalendarID("dest").AddUsers(u).Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			// Another account of the organization, its own rows beside.
			other, err := client.CalendarAccount.Create().SetProvider(domain.ProviderGoogle).SetAccountEmail("other@load.test").
				SetCredentialMode(domain.CredentialPlatformApp).SetDestinationCalendarID("dest").AddUsers(u).Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			load := func(with ...func(*sql.Selector)) *ent.CalendarAccount {
				t.Helper()
				got, err := client.CalendarAccount.Query().Where(calendaraccount.ID(a.ID)).WithUsers().Modify(with...).Only(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if got.ID != a.ID || len(got.Edges.Users) != 1 {
					t.Fatalf("loaded account %+v, users %v", got, got.Edges.Users)
				}
				return got
			}
			twoWay := func(want engine.TwoWayState) {
				t.Helper()
				got, err := engine.TwoWayFrom(load(engine.WithTwoWay, engine.WithPending))
				if err != nil || got != want {
					t.Fatalf("two-way state with the account: %+v, %v; want %+v", got, err, want)
				}
				if got, err := engine.TwoWayOf(ctx, client, a); err != nil || got != want {
					t.Fatalf("TwoWayOf: %+v, %v; want %+v", got, err, want)
				}
			}
			scope := func(requested int, want map[int]bool) {
				t.Helper()
				if err := client.CalendarAccount.UpdateOneID(a.ID).SetSyncRequested(requested).Exec(ctx); err != nil {
					t.Fatal(err)
				}
				got, err := engine.ScopeOf(load(engine.WithPending))
				if err != nil {
					t.Fatal(err)
				}
				if (got == nil) != (want == nil) || len(got) != len(want) {
					t.Fatalf("scope at %d requested: %v, want %v", requested, got, want)
				}
				for ref := range want {
					if !got[ref] {
						t.Fatalf("scope at %d requested: %v, want %v", requested, got, want)
					}
				}
			}

			got, err := engine.RenderedOrg(load(engine.WithRenderedOrg, engine.WithTwoWay, engine.WithPending))
			if err != nil || got.ID != org.ID || got.Name != "Load" || got.DefaultTimeZone != org.DefaultTimeZone || org.DefaultTimeZone == "" {
				t.Fatalf("organization with the account: %+v, %v; want %+v", got, err, org)
			}
			if _, err := engine.RenderedOrg(load()); err == nil {
				t.Fatal("organization of an account loaded without it: no error")
			}

			twoWay(engine.TwoWayState{}) // no settings
			pc, err := client.ProviderConfig.Create().SetProvider(domain.ProviderGoogle).Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			twoWay(engine.TwoWayState{}) // push only
			if err := pc.Update().SetSyncDirection(providerconfig.SyncDirectionTWO_WAY).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			twoWay(engine.TwoWayState{On: true})
			cal, err := client.ProviderCalendar.Create().SetAccountID(a.ID).SetCalendarID("dest").SetName("Work").
				SetPrimary(true).SetSelected(true).SetReadsBack(true).Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			twoWay(engine.TwoWayState{On: true}) // not read in full yet
			if err := cal.Update().SetWindowFrom(time.Now()).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			twoWay(engine.TwoWayState{On: true, Ready: true})
			if _, err := client.ProviderConfig.Create().SetProvider(domain.ProviderMicrosoft).SetSyncDirection(providerconfig.SyncDirectionPUSH_ONLY).Save(ctx); err != nil {
				t.Fatal(err)
			}
			twoWay(engine.TwoWayState{On: true, Ready: true}) // another provider's settings change nothing

			scope(0, nil) // nothing pending: the whole account
			for _, p := range []struct{ account, ref, seq int }{{a.ID, 7, 1}, {a.ID, 12, 2}, {a.ID, 30, 4}, {other.ID, 99, 1}} {
				if err := client.SyncPending.Create().SetOrganizationID(org.ID).SetAccountID(p.account).SetBookingRef(p.ref).SetSeq(p.seq).Exec(ctx); err != nil {
					t.Fatal(err)
				}
			}
			scope(2, map[int]bool{7: true, 12: true}) // seq 4 is a later round's
			scope(4, map[int]bool{7: true, 12: true, 30: true})
			if err := client.SyncPending.Create().SetOrganizationID(org.ID).SetAccountID(a.ID).SetBookingRef(0).SetSeq(3).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			scope(2, map[int]bool{7: true, 12: true})
			scope(3, nil) // booking 0: the whole account

			if _, err := client.SyncPending.Delete().Where(syncpending.AccountID(a.ID)).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			if err := client.ProviderCalendar.DeleteOne(cal).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			if err := client.CalendarAccount.DeleteOneID(a.ID).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			if got, err := engine.TwoWayOf(ctx, client, a); err != nil || got != (engine.TwoWayState{}) {
				t.Fatalf("TwoWayOf a deleted account: %+v, %v", got, err)
			}
		})
	}
}

// TestRenderedOrgIsEnoughToRender: a sync renders with the organization's
// fields it selects with the account (engine.RenderedOrg) and the
// creator's name it selects with each booking, not the whole organization
// and user; Render must give the same events from both. Every field of the
// full entities is set, so Render reading one more fails here.
func TestRenderedOrgIsEnoughToRender(t *testing.T) {
	full, creator := &ent.Organization{}, &ent.User{}
	for _, e := range []any{full, creator} {
		v := reflect.ValueOf(e).Elem()
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() && f.Name != "Edges" {
				fill(t, v.Field(i), f.Name)
			}
		}
	}
	full.DefaultTimeZone = "Europe/Helsinki"
	partial := &ent.Organization{ID: full.ID, Name: full.Name, DefaultTimeZone: full.DefaultTimeZone}
	partialCreator := &ent.User{ID: creator.ID, Name: creator.Name}
	fw := &ent.User{ID: 3, Name: "Fiona", Email: "fiona@render.test", Active: true}
	start := time.Date(2031, 3, 4, 9, 0, 0, 0, time.UTC)
	for _, b := range []*ent.Booking{
		{ID: 1, Title: "Visit", StartAt: start, EndAt: start.Add(time.Hour), Published: true},
		{ID: 2, Title: "Visit", StartAt: start, EndAt: start.Add(time.Hour), Published: true, TimeZone: "America/New_York",
			CustomerName: "Ada", ServiceName: "Gate repair", CreatedAt: start.Add(-24 * time.Hour)},
		{ID: 3, Title: "Day off", StartAt: start, EndAt: start.Add(24 * time.Hour), AllDay: true, Published: true, Recurrence: "RRULE:FREQ=WEEKLY;COUNT=3"},
	} {
		for _, cancelled := range []bool{false, true} {
			b.Edges.CreatedBy = creator
			want := engine.Render(full, b, fw, cancelled)
			b.Edges.CreatedBy = partialCreator
			got := engine.Render(partial, b, fw, cancelled)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("booking %d (cancelled %v) rendered with the selected fields:\n%+v\nwith the whole organization:\n%+v", b.ID, cancelled, got, want)
			}
		}
	}
}

// fill sets f, a field of an entity, to a value that is not its zero.
func fill(t *testing.T, f reflect.Value, name string) {
	t.Helper()
	switch f.Kind() {
	case reflect.String:
		f.SetString(name + " value")
	case reflect.Int, reflect.Int64:
		f.SetInt(int64(len(name)))
	case reflect.Bool:
		f.SetBool(true)
	case reflect.Pointer:
		f.Set(reflect.New(f.Type().Elem()))
		fill(t, f.Elem(), name)
	case reflect.Struct:
		if f.Type() != reflect.TypeFor[time.Time]() {
			t.Fatalf("field %s: fill does not know %s", name, f.Type())
		}
		f.Set(reflect.ValueOf(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)))
	default:
		t.Fatalf("field %s: fill does not know %s", name, f.Type())
	}
}

// TestBookingsLoadedWithHostsAndCreator: a sync's bookings come with their
// hosts among the account's active users and their creator's name in the
// same statement, on SQLite and on PostgreSQL.
func TestBookingsLoadedWithHostsAndCreator(t *testing.T) {
	for _, backend := range testenv.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			client := testenv.OpenStore(t, backend, nil).Client
			_, ctx := testenv.NewOrg(t, client, "Hosts")
			var users []*ent.User
			for _, name := range []string{"Fiona", "Gus", "Hal", "Admin"} {
				u, err := client.User.Create().SetEmail(strings.ToLower(name) + "@hosts.test").SetName(name).Save(ctx)
				if err != nil {
					t.Fatal(err)
				}
				users = append(users, u)
			}
			fiona, gus, hal, admin := users[0], users[1], users[2], users[3]
			start := time.Now().Add(48 * time.Hour)
			mk := func(title string, creator *ent.User, hosts ...*ent.User) *ent.Booking {
				t.Helper()
				c := client.Booking.Create().SetTitle(title).SetStartAt(start).SetEndAt(start.Add(time.Hour)).SetTimeZone("UTC").AddHosts(hosts...)
				if creator != nil {
					c.SetCreatedBy(creator)
				}
				b, err := c.Save(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return b
			}
			both := mk("Both", admin, fiona, gus)
			hals := mk("Hal's", nil, hal)
			none := mk("Nobody's", admin)
			got, err := client.Booking.Query().Order(ent.Asc(booking.FieldID)).
				Modify(engine.WithHostsAmong([]int{fiona.ID, gus.ID}), engine.WithCreatorName).All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want := map[int]struct {
				hosts   []int
				creator string
			}{both.ID: {[]int{fiona.ID, gus.ID}, "Admin"}, hals.ID: {nil, ""}, none.ID: {nil, "Admin"}}
			for _, b := range got {
				if err := engine.CreatorFromRow(b); err != nil {
					t.Fatal(err)
				}
				hosts, err := engine.HostsOf(b)
				if err != nil {
					t.Fatal(err)
				}
				slices.Sort(hosts)
				creator := ""
				if b.Edges.CreatedBy != nil {
					creator = b.Edges.CreatedBy.Name
					if b.Edges.CreatedBy.ID != admin.ID {
						t.Errorf("%s: creator %d, want %d", b.Title, b.Edges.CreatedBy.ID, admin.ID)
					}
				}
				if w := want[b.ID]; !slices.Equal(hosts, w.hosts) || creator != w.creator {
					t.Errorf("%s: hosts %v and creator %q, want %v and %q", b.Title, hosts, creator, w.hosts, w.creator)
				}
			}
			if len(got) != 3 {
				t.Fatalf("%d bookings, want 3", len(got))
			}
		})
	}
}

// TestAccountUsersSelectedWithIt: the users selected with an account
// (engine.WithUsers, engine.UsersFromRow) are those ent's WithUsers reads
// — the account's users in its organization, with their names (quotes,
// commas, accents) and active flags — on SQLite and on PostgreSQL (whose
// JSON functions differ).
func TestAccountUsersSelectedWithIt(t *testing.T) {
	for _, backend := range testenv.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			client := testenv.OpenStore(t, backend, nil).Client
			_, ctx := testenv.NewOrg(t, client, "Members")
			other, otherCtx := testenv.NewOrg(t, client, "Elsewhere")
			user := func(ctx context.Context, email, name string, active bool) *ent.User {
				t.Helper()
				u, err := client.User.Create().SetEmail(email).SetName(name).SetActive(active).Save(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return u
			}
			fiona := user(ctx, "fiona@members.test", "Fiona", true)
			gus := user(ctx, "gus@members.test", `Gus "the" O'Brien, Jr. — Ø`, false)
			user(ctx, "hal@members.test", "Hal", true) // not a member of the account
			zed := user(otherCtx, "zed@elsewhere.test", "Zed", true)
			account := func(email string, users ...*ent.User) *ent.CalendarAccount {
				t.Helper()
				a, err := client.CalendarAccount.Create().SetProvider(domain.ProviderGoogle).SetAccountEmail(email).
					SetCredentialMode(domain.CredentialPlatformApp).AddUsers(users...).Save(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return a
			}
			shared := account("team@members.test", fiona, gus)
			empty := account("nobody@members.test")
			// A row no tenant may read through the account (another
			// organization's user): ent's tenant filter leaves it out,
			// and so must the selection.
			if err := client.CalendarAccount.UpdateOneID(shared.ID).AddUsers(zed).Exec(viewer.AllTenantsContext(context.Background())); err != nil {
				t.Fatalf("link another organization's user (%d): %v", other.ID, err)
			}
			type member struct {
				id     int
				name   string
				active bool
			}
			members := func(users []*ent.User) []member {
				var out []member
				for _, u := range users {
					out = append(out, member{u.ID, u.Name, u.Active})
				}
				slices.SortFunc(out, func(a, b member) int { return a.id - b.id })
				return out
			}
			for _, a := range []*ent.CalendarAccount{shared, empty} {
				want, err := client.CalendarAccount.Query().Where(calendaraccount.ID(a.ID)).WithUsers().Only(ctx)
				if err != nil {
					t.Fatal(err)
				}
				got, err := client.CalendarAccount.Query().Where(calendaraccount.ID(a.ID)).Modify(engine.WithUsers).Only(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if err := engine.UsersFromRow(got); err != nil {
					t.Fatal(err)
				}
				if got.Edges.Users == nil {
					t.Fatalf("%s: users not set", a.AccountEmail)
				}
				if a.ID == shared.ID && !slices.Equal(members(want.Edges.Users), members([]*ent.User{fiona, gus})) {
					t.Fatalf("ent's users of the shared account: %+v", members(want.Edges.Users))
				}
				if g, w := members(got.Edges.Users), members(want.Edges.Users); !slices.Equal(g, w) {
					t.Errorf("%s: selected users %+v, ent's %+v", a.AccountEmail, g, w)
				}
				for _, u := range got.Edges.Users {
					if u.OrganizationID != a.OrganizationID {
						t.Errorf("%s: user %d of organization %d", a.AccountEmail, u.ID, u.OrganizationID)
					}
				}
			}
		})
	}
}
