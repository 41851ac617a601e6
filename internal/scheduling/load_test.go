package scheduling_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"calsync/ent"
	"calsync/internal/domain"
	"calsync/internal/scheduling"
	"calsync/internal/testenv"
	"calsync/internal/viewer"
)

// TestBookingLoadedWithItsHosts: a change reads a booking and its hosts'
// ids in one statement; the ids are those ent's QueryHosts reads (the
// hosts in the booking's organization), on SQLite and on PostgreSQL; a
// missing booking is NOT_FOUND.
func TestBookingLoadedWithItsHosts(t *testing.T) {
	for _, backend := range testenv.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			client := testenv.OpenStore(t, backend, nil).Client
			_, ctx := testenv.NewOrg(t, client, "Hosting")
			_, otherCtx := testenv.NewOrg(t, client, "Elsewhere")
			user := func(ctx context.Context, email string) *ent.User {
				t.Helper()
				u, err := client.User.Create().SetEmail(email).SetName(email).Save(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return u
			}
			fiona, gus, zed := user(ctx, "fiona@hosting.test"), user(ctx, "gus@hosting.test"), user(otherCtx, "zed@elsewhere.test")
			start := time.Now().Add(48 * time.Hour).Truncate(time.Hour)
			booking := func(hosts ...*ent.User) *ent.Booking {
				t.Helper()
				b, err := client.Booking.Create().SetTitle("Visit").SetStartAt(start).SetEndAt(start.Add(time.Hour)).SetTimeZone("UTC").
					AddHosts(hosts...).Save(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return b
			}
			shared, nobodys := booking(fiona, gus), booking()
			// Another organization's user as a host: a row ent's tenant
			// filter leaves out, and so must the selection.
			if err := client.Booking.UpdateOneID(shared.ID).AddHosts(zed).Exec(viewer.AllTenantsContext(context.Background())); err != nil {
				t.Fatal(err)
			}
			for _, b := range []*ent.Booking{shared, nobodys} {
				want, err := b.QueryHosts().IDs(ctx)
				if err != nil {
					t.Fatal(err)
				}
				got, hosts, err := scheduling.Load(ctx, client, b.ID)
				if err != nil {
					t.Fatal(err)
				}
				slices.Sort(want)
				slices.Sort(hosts)
				if b.ID == shared.ID && !slices.Equal(want, []int{fiona.ID, gus.ID}) {
					t.Fatalf("ent's hosts of the shared booking: %v", want)
				}
				if got.ID != b.ID || got.Title != b.Title || !slices.Equal(hosts, want) {
					t.Errorf("booking %d loaded as %d %q with hosts %v; want hosts %v", b.ID, got.ID, got.Title, hosts, want)
				}
			}
			if _, _, err := scheduling.Load(ctx, client, shared.ID+1000); domain.CodeOf(err) != domain.CodeNotFound {
				t.Fatalf("a missing booking: %v, want NOT_FOUND", err)
			}
			// Another organization cannot read the booking at all.
			if _, _, err := scheduling.Load(otherCtx, client, shared.ID); domain.CodeOf(err) != domain.CodeNotFound {
				t.Fatalf("another organization's booking: %v, want NOT_FOUND", err)
			}
		})
	}
}
