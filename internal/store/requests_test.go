package store_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"calsync/ent"
	"calsync/ent/calendaraccount"
	"calsync/ent/predicate"
	"calsync/ent/syncpending"
	"calsync/ent/syncrun"
	"calsync/ent/user"
	"calsync/internal/domain"
	"calsync/internal/store"
	"calsync/internal/viewer"
)

// TestCountRequests: a request is counted, in one statement, for the
// selected accounts only — by id, or by organization, linked user and
// status — and the counts after it come back; RequestsHandled never moves
// sync_done back, drops the account's pending rows it handled, and returns
// sync_requested as it stands.
func TestCountRequests(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) {
			db, _ := openStore(t, backend)
			ctx := newOrg(t, db.Client)
			v, _ := viewer.FromContext(ctx)
			other := newOrgNamed(t, db.Client, "other")
			ann := mustUser(t, db.Client, ctx, "ann@store.test")
			bob := mustUser(t, db.Client, ctx, "bob@store.test")
			eve := mustUser(t, db.Client, other, "eve@store.test")
			account := func(ctx context.Context, email string, st calendaraccount.Status, users ...*ent.User) *ent.CalendarAccount {
				a, err := db.Client.CalendarAccount.Create().SetProvider(domain.ProviderGoogle).SetAccountEmail(email).
					SetCredentialMode(domain.CredentialPlatformApp).SetStatus(st).AddUsers(users...).Save(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return a
			}
			annG := account(ctx, "ann-g@store.test", calendaraccount.StatusACTIVE, ann)
			annM := account(ctx, "ann-m@store.test", calendaraccount.StatusERROR, ann)
			bobG := account(ctx, "bob-g@store.test", calendaraccount.StatusACTIVE, bob)
			annOld := account(ctx, "ann-old@store.test", calendaraccount.StatusDISCONNECTED, ann)
			eveG := account(other, "eve-g@store.test", calendaraccount.StatusACTIVE, eve)
			now := time.Date(2026, 12, 1, 9, 30, 0, 0, time.FixedZone("X", 3600))
			// The engine's selection: an organization's syncing accounts
			// linked by some users.
			byUsers := func(org int, users ...int) store.AccountSelection {
				return store.AccountSelection{Where: []predicate.CalendarAccount{
					calendaraccount.OrganizationID(org), calendaraccount.HasUsersWith(user.IDIn(users...)),
					calendaraccount.StatusIn(calendaraccount.StatusACTIVE, calendaraccount.StatusERROR),
				}}
			}

			count := func(sel store.AccountSelection, refs ...int) []store.RequestCount {
				t.Helper()
				var out []store.RequestCount
				err := store.InTx(ctx, db.Client, func(ctx context.Context) error {
					var err error
					out, err = store.CountRequests(ctx, store.ClientFrom(ctx, db.Client), sel, refs, now)
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				return out
			}
			// Ann's syncing accounts, not her disconnected one, not Bob's, not
			// another organization's (Eve's id given with this org's).
			got := count(byUsers(v.OrgID, ann.ID, eve.ID))
			want := []store.RequestCount{{AccountID: annG.ID, OrgID: v.OrgID, Requested: 1}, {AccountID: annM.ID, OrgID: v.OrgID, Requested: 1}}
			if !slices.Equal(got, want) {
				t.Fatalf("by users: got %+v, want %+v", got, want)
			}
			// By id: whatever the status, across organizations; a missing
			// id is left out.
			got = count(store.AccountSelection{IDs: []int{eveG.ID, annG.ID, annOld.ID, eveG.ID + 1000}})
			want = []store.RequestCount{{AccountID: annG.ID, OrgID: v.OrgID, Requested: 2}, {AccountID: annOld.ID, OrgID: v.OrgID, Requested: 1}, {AccountID: eveG.ID, OrgID: eveG.OrganizationID, Requested: 1}}
			slices.SortFunc(want, func(a, b store.RequestCount) int { return a.AccountID - b.AccountID })
			if !slices.Equal(got, want) {
				t.Fatalf("by id: got %+v, want %+v", got, want)
			}
			if got := count(byUsers(v.OrgID)); len(got) != 0 {
				t.Fatalf("no users selected %+v", got)
			}
			if got := count(store.AccountSelection{}); len(got) != 0 {
				t.Fatalf("an empty selection counted %+v", got)
			}
			if a := db.Client.CalendarAccount.GetX(ctx, bobG.ID); a.SyncRequested != 0 {
				t.Fatalf("Bob's account was counted: %d", a.SyncRequested)
			}
			if a := db.Client.CalendarAccount.GetX(ctx, annG.ID); a.SyncRequestedAt == nil || !a.SyncRequestedAt.Equal(now) {
				t.Fatalf("requested at %v, want %v", a.SyncRequestedAt, now)
			}

			handled := func(org, id, requested int, synced time.Time) (int, bool) {
				t.Helper()
				n, ok, err := store.RequestsHandled(ctx, db.Client, org, id, requested, synced, now)
				if err != nil {
					t.Fatal(err)
				}
				return n, ok
			}
			// Pending rows: Ann's up to seq 2 are dropped with the
			// handled count, her later one and Eve's stay.
			pend := func(ctx context.Context, orgID, accountID, ref, seq int) {
				t.Helper()
				if err := db.Client.SyncPending.Create().SetOrganizationID(orgID).SetAccountID(accountID).SetBookingRef(ref).SetSeq(seq).Exec(ctx); err != nil {
					t.Fatal(err)
				}
			}
			ev, _ := viewer.FromContext(other)
			pend(ctx, v.OrgID, annG.ID, 10, 1)
			pend(ctx, v.OrgID, annG.ID, 11, 2)
			pend(ctx, v.OrgID, annG.ID, 12, 3)
			pend(other, ev.OrgID, eveG.ID, 10, 1)
			pending := func() []int {
				t.Helper()
				refs, err := db.Client.SyncPending.Query().Order(ent.Asc(syncpending.FieldBookingRef), ent.Asc(syncpending.FieldAccountID)).
					Select(syncpending.FieldBookingRef).Ints(viewer.AllTenantsContext(context.Background()))
				if err != nil {
					t.Fatal(err)
				}
				return refs
			}
			if n, ok := handled(v.OrgID, annG.ID, 2, now); !ok || n != 2 {
				t.Fatalf("handled: %d %v", n, ok)
			}
			if got := pending(); !slices.Equal(got, []int{10, 12}) {
				t.Fatalf("pending rows after handling up to 2: %v, want Eve's 10 and Ann's 12", got)
			}
			if n, ok := handled(v.OrgID, annG.ID, 1, time.Time{}); !ok || n != 2 {
				t.Fatalf("handled an older count: %d %v", n, ok)
			}
			if a := db.Client.CalendarAccount.GetX(ctx, annG.ID); a.SyncDone != 2 || a.LastSyncedAt == nil || !a.LastSyncedAt.Equal(now) {
				t.Fatalf("after handling: done %d, last synced %v", a.SyncDone, a.LastSyncedAt)
			}
			if _, ok := handled(v.OrgID, eveG.ID, 1, now); ok {
				t.Fatal("another organization's account was recorded as handled")
			}
			if a := db.Client.CalendarAccount.GetX(other, eveG.ID); a.SyncDone != 0 {
				t.Fatalf("another organization's account: done %d", a.SyncDone)
			}
			if got := pending(); !slices.Equal(got, []int{10, 12}) {
				t.Fatalf("pending rows after handling another organization's account: %v, want 10 and 12", got)
			}

			// Pending rows recorded with the count, for each account and
			// booking; a booking's newer count replaces its older seq.
			count(store.AccountSelection{IDs: []int{bobG.ID}}, 21, 22)
			count(byUsers(v.OrgID, bob.ID), 22)
			var rows []struct {
				Ref int `json:"booking_ref"`
				Seq int `json:"seq"`
			}
			if err := db.Client.SyncPending.Query().Where(syncpending.AccountID(bobG.ID)).Order(ent.Asc(syncpending.FieldBookingRef)).
				Select(syncpending.FieldBookingRef, syncpending.FieldSeq).Scan(ctx, &rows); err != nil {
				t.Fatal(err)
			}
			if len(rows) != 2 || rows[0].Ref != 21 || rows[0].Seq != 1 || rows[1].Ref != 22 || rows[1].Seq != 2 {
				t.Fatalf("Bob's pending rows: %+v, want booking 21 at 1 and 22 at 2", rows)
			}
		})
	}
}

func newOrgNamed(t *testing.T, client *ent.Client, slug string) context.Context {
	t.Helper()
	org, err := client.Organization.Create().SetName(slug).SetSlug(slug).Save(viewer.AllTenantsContext(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	return viewer.SystemContext(context.Background(), org.ID)
}

func mustUser(t *testing.T, client *ent.Client, ctx context.Context, email string) *ent.User {
	t.Helper()
	u, err := client.User.Create().SetEmail(email).SetName(email).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestCountRequestsConcurrently: changes counting requests for the same
// accounts at once — one account, or two, as a booking with two hosts or a
// user linked twice does — and syncs recording theirs, each in a
// transaction of its own, wait for one another but never deadlock (each
// request is counted once).
func TestCountRequestsConcurrently(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) {
			db, _ := openStore(t, backend)
			ctx := newOrg(t, db.Client)
			v, _ := viewer.FromContext(ctx)
			ann := mustUser(t, db.Client, ctx, "ann@store.test")
			bob := mustUser(t, db.Client, ctx, "bob@store.test")
			var accounts []*ent.CalendarAccount
			for i, u := range []*ent.User{ann, ann, bob} {
				a, err := db.Client.CalendarAccount.Create().SetProvider(domain.ProviderGoogle).
					SetAccountEmail(fmt.Sprintf("a%d@store.test", i)).SetCredentialMode(domain.CredentialPlatformApp).
					SetStatus(calendaraccount.StatusACTIVE).AddUsers(u).Save(ctx)
				if err != nil {
					t.Fatal(err)
				}
				accounts = append(accounts, a)
			}
			sels := []store.AccountSelection{
				{Where: []predicate.CalendarAccount{calendaraccount.OrganizationID(v.OrgID), calendaraccount.HasUsersWith(user.IDIn(ann.ID))}},
				{Where: []predicate.CalendarAccount{calendaraccount.OrganizationID(v.OrgID), calendaraccount.HasUsersWith(user.IDIn(ann.ID, bob.ID))}},
				{Where: []predicate.CalendarAccount{calendaraccount.OrganizationID(v.OrgID), calendaraccount.HasUsersWith(user.IDIn(bob.ID))}},
				{IDs: []int{accounts[2].ID, accounts[0].ID}},
				{IDs: []int{accounts[1].ID}},
			}
			const workers, each = 16, 80
			var counted [3]atomic.Int64
			errs := make(chan error, workers*each)
			var wg sync.WaitGroup
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range each {
						err := store.InTx(ctx, db.Client, func(ctx context.Context) error {
							tx := store.ClientFrom(ctx, db.Client)
							if (w+i)%4 == 3 {
								// A sync recording its outcome and handled
								// requests, as the engine's transaction does.
								a := accounts[(w+i)%3]
								if err := tx.SyncRun.Create().SetAccountID(a.ID).SetKind(syncrun.KindINCREMENTAL).
									SetState(syncrun.StateSUCCEEDED).SetStartedAt(time.Now()).Exec(ctx); err != nil {
									return err
								}
								// Its pending rows are dropped with it.
								if _, _, err := store.RequestsHandled(ctx, tx, v.OrgID, a.ID, i, time.Now(), time.Now()); err != nil {
									return err
								}
								time.Sleep(time.Duration(i%3) * time.Millisecond)
								return nil
							}
							// With the change's pending rows (a booking
							// changed again while its last change is pending).
							got, err := store.CountRequests(ctx, tx, sels[(w*7+i)%len(sels)], []int{1 + i%5, 6}, time.Now())
							if err != nil {
								return err
							}
							time.Sleep(time.Duration(i%3) * time.Millisecond) // the rest of the change
							for _, c := range got {
								for k, a := range accounts {
									if a.ID == c.AccountID {
										defer counted[k].Add(1)
									}
								}
							}
							return nil
						})
						if err != nil {
							errs <- err
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatalf("a concurrent request failed: %v", err)
			}
			for k, a := range accounts {
				got, err := db.Client.CalendarAccount.Get(ctx, a.ID)
				if err != nil {
					t.Fatal(err)
				}
				if int64(got.SyncRequested) != counted[k].Load() {
					t.Errorf("account %d: %d requests recorded, %d counted", k, got.SyncRequested, counted[k].Load())
				}
			}
		})
	}
}
