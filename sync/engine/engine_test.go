package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"calsync/ent"
	"calsync/ent/calendaraccount"
	"calsync/ent/providercalendar"
	"calsync/ent/syncrun"
	"calsync/internal/domain"
	"calsync/internal/redisconn"
	"calsync/internal/testenv"
	"calsync/internal/viewer"
	"calsync/sync/emulator"
	"calsync/sync/emulator/emucore"
	"calsync/sync/tasks"
)

// calEvent is an event as the emulated provider holds it.
type calEvent = emulator.HeldEvent

// fixture is a linked fieldworker whose calendar the tests watch.
type fixture struct {
	env     *testenv.Env
	kit     testenv.ProviderKit
	org     testenv.Org
	admin   *testenv.Client
	fw      *testenv.Client
	account *ent.CalendarAccount
}

func setup(t *testing.T, k testenv.ProviderKit, slug string) *fixture {
	t.Helper()
	f := setupUnlinked(t, k, slug)
	f.link(t)
	return f
}

// setupUnlinked is setup before the fieldworker links their calendar.
func setupUnlinked(t *testing.T, k testenv.ProviderKit, slug string) *fixture {
	t.Helper()
	return setupOn(t, testenv.New(t, testenv.SQLite), k, slug)
}

// setupOn is setupUnlinked on env.
func setupOn(t *testing.T, env *testenv.Env, k testenv.ProviderKit, slug string) *fixture {
	t.Helper()
	if err := env.App.StartWorker(); err != nil {
		t.Fatal(err)
	}
	org := env.SeedOrg(t, slug)
	f := &fixture{env: env, kit: k, org: org}
	f.admin = env.SignIn(t, org.Admin.Email, testenv.Password)
	f.admin.MustDo(t, `mutation($p:Provider!){updateProviderConfig(input:{provider:$p,enabled:true}){id}}`, map[string]any{"p": string(k.Provider)}, nil)
	f.fw = env.SignIn(t, org.Fieldworker.Email, testenv.Password)
	return f
}

// link links the fieldworker's calendar (the initial sync is queued).
func (f *fixture) link(t *testing.T) {
	t.Helper()
	f.kit.Link(t, f.env, f.fw, f.org.Fieldworker.Email)
	sys := viewer.SystemContext(context.Background(), f.org.ID)
	a, err := f.env.App.Client().CalendarAccount.Query().Where(calendaraccount.ProviderEQ(f.kit.Provider)).Only(sys)
	if err != nil {
		t.Fatal(err)
	}
	f.account = a
	// Linking also starts importing the primary calendar: wait until it
	// is watched, so the provider calls that makes (a POST) do not take
	// faults the tests aim at the push.
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		n, err := f.env.App.Client().ProviderCalendar.Query().
			Where(providercalendar.AccountID(a.ID), providercalendar.Selected(true), providercalendar.ChannelIDNEQ(""),
				providercalendar.ChannelExpiresAtNotNil()).Count(sys)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the linked calendar was never watched")
		}
	}
}

// events reads the destination calendar at the provider.
func (f *fixture) events(t *testing.T) []calEvent {
	t.Helper()
	var evs []emulator.HeldEvent
	var err error
	if f.kit.Provider == domain.ProviderGoogle {
		evs, err = f.env.App.Emulators.GoogleEvents(f.account.DestinationCalendarID)
	} else {
		evs, err = f.env.App.Emulators.MicrosoftEvents(f.account.AccountEmail, f.account.DestinationCalendarID)
	}
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(evs, func(i, j int) bool { return evs[i].Title < evs[j].Title })
	return evs
}

func titles(evs []calEvent) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Title
	}
	return out
}

// waitFor polls the calendar until ok holds.
func (f *fixture) waitFor(t *testing.T, what string, ok func([]calEvent) bool) []calEvent {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		evs := f.events(t)
		if ok(evs) {
			return evs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: calendar holds %q", what, titles(evs))
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func (f *fixture) waitTitles(t *testing.T, what string, want ...string) []calEvent {
	t.Helper()
	sort.Strings(want)
	return f.waitFor(t, what, func(evs []calEvent) bool { return slices.Equal(titles(evs), want) })
}

func (f *fixture) createBooking(t *testing.T, title string, start time.Time, hosts ...int) int {
	t.Helper()
	ids := make([]string, len(hosts))
	for i, h := range hosts {
		ids[i] = strconv.Itoa(h)
	}
	var out struct{ CreateBooking struct{ ID string } }
	f.admin.MustDo(t, `mutation($in:CreateBookingInput!){createBooking(input:$in){id}}`, map[string]any{"in": map[string]any{
		"title": title, "startAt": start.Format(time.RFC3339), "endAt": start.Add(time.Hour).Format(time.RFC3339),
		"timeZone": "Europe/Helsinki", "hostIDs": ids, "customerName": "Ann Customer", "amount": "99.50", "currency": "EUR",
		"addresses": []string{"Main Street 1"}, "customProperties": map[string]any{"Gate": "1234"},
	}}, &out)
	id, _ := strconv.Atoi(out.CreateBooking.ID)
	return id
}

func (f *fixture) mutate(t *testing.T, query string, vars map[string]any) {
	t.Helper()
	f.admin.MustDo(t, query, vars, nil)
}

// TestEveryMutationReachesTheCalendar walks each booking mutation and
// checks the fieldworker's calendar after it, on both providers.
func TestEveryMutationReachesTheCalendar(t *testing.T) {
	for _, k := range testenv.Kits {
		t.Run(string(k.Provider), func(t *testing.T) {
			f := setup(t, k, "mut")
			org := f.org
			seeded := "Visit mut"
			evs := f.waitTitles(t, "initial sync", seeded)
			if evs[0].Tags["calsync"] != strconv.Itoa(org.ID) || evs[0].Tags["calsyncBooking"] != strconv.Itoa(org.Booking.ID) {
				t.Fatalf("event not tagged as Calsync's: %+v", evs[0].Tags)
			}
			start := time.Now().Add(48 * time.Hour).Truncate(time.Hour)

			// create (own), create (someone else's: never pushed here)
			b1 := f.createBooking(t, "Leak repair", start, org.Fieldworker.ID)
			f.createBooking(t, "Not mine", start, org.Fieldworker2.ID)
			f.waitTitles(t, "create", "Leak repair", seeded)

			// reschedule
			ns := start.Add(3 * time.Hour)
			f.mutate(t, `mutation($id:ID!,$s:Time!,$e:Time!){rescheduleBooking(id:$id,startAt:$s,endAt:$e){id}}`,
				map[string]any{"id": strconv.Itoa(b1), "s": ns.Format(time.RFC3339), "e": ns.Add(2 * time.Hour).Format(time.RFC3339)})
			f.waitFor(t, "reschedule", func(evs []calEvent) bool {
				for _, e := range evs {
					if e.Title == "Leak repair" {
						return e.Start.Equal(ns) && e.End.Equal(ns.Add(2*time.Hour))
					}
				}
				return false
			})

			// update title
			f.mutate(t, `mutation($id:ID!){updateBooking(id:$id,input:{title:"Leak repair (urgent)"}){id}}`, map[string]any{"id": strconv.Itoa(b1)})
			f.waitTitles(t, "update", "Leak repair (urgent)", seeded)

			// cancel: the organization's cancellation status removes it
			f.mutate(t, `mutation($id:ID!){cancelBooking(id:$id,reason:"ill"){id}}`, map[string]any{"id": strconv.Itoa(b1)})
			f.waitTitles(t, "cancel", seeded)

			// a status that is not pushed: left as it is, unless it deletes
			var st struct{ CreateBookingStatus struct{ ID string } }
			f.admin.MustDo(t, `mutation{createBookingStatus(input:{name:"Quote",pushToCalendar:false,deleteFromCalendar:false}){id}}`, nil, &st)
			quote := st.CreateBookingStatus.ID
			f.admin.MustDo(t, `mutation{createBookingStatus(input:{name:"Void",pushToCalendar:false,deleteFromCalendar:true}){id}}`, nil, &st)
			void := st.CreateBookingStatus.ID
			b2 := f.createBooking(t, "Boiler", start, org.Fieldworker.ID)
			f.waitTitles(t, "second booking", "Boiler", seeded)
			req, _ := f.counters(t)
			f.mutate(t, `mutation($id:ID!,$s:ID!){updateBooking(id:$id,input:{statusID:$s,title:"Boiler v2"}){id}}`, map[string]any{"id": strconv.Itoa(b2), "s": quote})
			f.waitHandled(t, "status not pushed", req)
			if got := titles(f.events(t)); !slices.Equal(got, []string{"Boiler", seeded}) {
				t.Fatalf("a status not pushed leaves the event as it is: calendar holds %q", got)
			}
			f.mutate(t, `mutation($id:ID!,$s:ID!){updateBooking(id:$id,input:{statusID:$s}){id}}`, map[string]any{"id": strconv.Itoa(b2), "s": void})
			f.waitTitles(t, "status deletes", seeded)

			// unpublish removes; publish brings back
			f.mutate(t, `mutation($ids:[ID!]!){setBookingsPublished(ids:$ids,published:false){id}}`, map[string]any{"ids": []string{strconv.Itoa(org.Booking.ID)}})
			f.waitTitles(t, "unpublish")
			f.mutate(t, `mutation($ids:[ID!]!){setBookingsPublished(ids:$ids,published:true){id}}`, map[string]any{"ids": []string{strconv.Itoa(org.Booking.ID)}})
			f.waitTitles(t, "publish", seeded)

			// reassign away removes; mass modify shifts; delete removes
			b3 := f.createBooking(t, "Gutter", start, org.Fieldworker.ID)
			f.waitTitles(t, "third booking", "Gutter", seeded)
			f.mutate(t, `mutation($id:ID!,$h:[ID!]!){reassignBooking(id:$id,hostIDs:$h){id}}`, map[string]any{"id": strconv.Itoa(b3), "h": []string{strconv.Itoa(org.Fieldworker2.ID)}})
			f.waitTitles(t, "reassign", seeded)
			before := f.events(t)[0].Start
			f.mutate(t, `mutation($ids:[ID!]!){massModifyBookings(input:{ids:$ids,shiftMinutes:60}){count}}`, map[string]any{"ids": []string{strconv.Itoa(org.Booking.ID)}})
			f.waitFor(t, "mass modify", func(evs []calEvent) bool { return len(evs) == 1 && evs[0].Start.Equal(before.Add(time.Hour)) })
			f.mutate(t, `mutation($id:ID!){deleteBooking(id:$id)}`, map[string]any{"id": strconv.Itoa(org.Booking.ID)})
			f.waitTitles(t, "delete")
		})
	}
}

// TestResyncRecreatesAndFaultsLeaveNoDuplicates: an event deleted at the
// provider comes back on re-sync; injected 429/503/after-write failures
// end with exactly the desired events.
func TestResyncRecreatesAndFaultsLeaveNoDuplicates(t *testing.T) {
	for _, k := range testenv.Kits {
		t.Run(string(k.Provider), func(t *testing.T) {
			f := setup(t, k, "rsy")
			evs := f.waitTitles(t, "initial sync", "Visit rsy")
			if k.Provider == domain.ProviderGoogle {
				if err := f.env.App.Emulators.Google.DeleteEventAsUser(f.account.DestinationCalendarID, evs[0].ID); err != nil {
					t.Fatal(err)
				}
			} else if err := f.env.App.Emulators.Microsoft.DeleteEvent(f.account.AccountEmail, evs[0].ID); err != nil {
				t.Fatal(err)
			}
			f.waitTitles(t, "deleted as the user")
			f.fw.MustDo(t, `mutation($p:Provider!){resyncCalendar(provider:$p){id}}`, map[string]any{"p": string(k.Provider)}, nil)
			f.waitTitles(t, "re-sync recreates", "Visit rsy")

			faults, prefix := f.env.App.Emulators.GoogleFaults, "/google/"
			if k.Provider == domain.ProviderMicrosoft {
				faults, prefix = f.env.App.Emulators.MicrosoftFaults, "/graph/"
			}
			faults.Add(emucore.Fault{PathPrefix: prefix, Status: 429, RetryAfter: 1, Count: 1})
			faults.Add(emucore.Fault{PathPrefix: prefix, Status: 503, Count: 2})
			faults.Add(emucore.Fault{PathPrefix: prefix, Method: "POST", Status: 504, AfterHandler: true, Count: 2})
			start := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
			var want []string
			for i := range 5 {
				title := fmt.Sprintf("Faulty %d", i)
				f.createBooking(t, title, start.Add(time.Duration(i)*time.Hour), f.org.Fieldworker.ID)
				want = append(want, title)
			}
			want = append(want, "Visit rsy")
			f.waitTitles(t, "after faults (no duplicates)", want...)
		})
	}
}

// TestUnlinkPolicyAndDeactivation: unlinking removes Calsync's events
// (REMOVE) or leaves them (KEEP); a deactivated user's calendar stops
// receiving changes. Sync progress is streamed to the user.
func TestUnlinkPolicyAndDeactivation(t *testing.T) {
	for _, k := range testenv.Kits {
		t.Run(string(k.Provider), func(t *testing.T) {
			f := setup(t, k, "unl")
			progress := f.env.Subscribe(t, f.fw, `subscription{syncStatusChanged{accountId state total done}}`, nil)
			f.waitTitles(t, "initial sync", "Visit unl")
			start := time.Now().Add(24 * time.Hour).Truncate(time.Hour)
			f.createBooking(t, "Second", start, f.org.Fieldworker.ID)
			f.waitTitles(t, "second booking", "Second", "Visit unl")
			sawSucceeded := false
			for m := progress(2 * time.Second); m != nil; m = progress(500 * time.Millisecond) {
				raw, _ := json.Marshal(m)
				if strings.Contains(string(raw), `"SUCCEEDED"`) {
					sawSucceeded = true
				}
			}
			if !sawSucceeded {
				t.Fatal("no SUCCEEDED sync status streamed")
			}

			// KEEP: unlinking leaves the events where they are.
			f.admin.MustDo(t, `mutation($p:Provider!){updateProviderConfig(input:{provider:$p,unlinkPolicy:KEEP}){id}}`, map[string]any{"p": string(k.Provider)}, nil)
			f.fw.MustDo(t, `mutation($p:Provider!){unlinkCalendar(provider:$p){status}}`, map[string]any{"p": string(k.Provider)}, nil)
			f.createBooking(t, "After unlink", start.Add(time.Hour), f.org.Fieldworker.ID)
			// Have the engine look at the account after the booking was
			// committed: it has nothing to sync there any more.
			req, _ := f.counters(t)
			if err := tasks.SyncAccounts(f.sys(), f.env.App.Client(), f.env.App.Queue, nil, "", 0, time.Now(), f.account.ID); err != nil {
				t.Fatal(err)
			}
			f.waitHandled(t, "sync after unlink", req)
			if got := titles(f.events(t)); !slices.Equal(got, []string{"Second", "Visit unl"}) {
				t.Fatalf("KEEP leaves the events, and nothing new arrives: calendar holds %q", got)
			}

			// REMOVE: link again (the events are adopted anew), then
			// deactivate: the events go.
			f.admin.MustDo(t, `mutation($p:Provider!){updateProviderConfig(input:{provider:$p,unlinkPolicy:REMOVE}){id}}`, map[string]any{"p": string(k.Provider)}, nil)
			if page := k.Consent(t, f.env, testenv.NewBrowser(), f.fw.StartLink(t, k.Provider), f.org.Fieldworker.Email, true); testenv.Title(page) != "Calendar linked" {
				t.Fatalf("relink: %q", testenv.Title(page))
			}
			f.waitFor(t, "relinked", func(evs []calEvent) bool {
				return slices.Contains(titles(evs), "After unlink")
			})
			f.admin.MustDo(t, `mutation($id:ID!){deactivateUser(id:$id){active}}`, map[string]any{"id": strconv.Itoa(f.org.Fieldworker.ID)}, nil)
			f.waitFor(t, "deactivation removes Calsync's events", func(evs []calEvent) bool {
				for _, e := range evs {
					if e.Title == "After unlink" {
						return false
					}
				}
				return true
			})
		})
	}
}

// TestResyncAdoptsALostCreate: a create whose answer was lost is followed
// by a re-sync; the event it made is adopted, not deleted as a stray.
func TestResyncAdoptsALostCreate(t *testing.T) {
	for _, k := range testenv.Kits {
		t.Run(string(k.Provider), func(t *testing.T) {
			f := setup(t, k, "lost")
			f.waitTitles(t, "initial sync", "Visit lost")
			faults, prefix := f.env.App.Emulators.GoogleFaults, "/google/"
			if k.Provider == domain.ProviderMicrosoft {
				faults, prefix = f.env.App.Emulators.MicrosoftFaults, "/graph/"
			}
			faults.Add(emucore.Fault{PathPrefix: prefix, Method: "POST", Status: 504, AfterHandler: true, Count: 1})
			f.createBooking(t, "Lost answer", time.Now().Add(30*time.Hour).Truncate(time.Hour), f.org.Fieldworker.ID)
			f.waitTitles(t, "the create landed", "Lost answer", "Visit lost")
			// The event is at the provider before the engine has recorded
			// that its answer was lost: wait for the failed run.
			for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(25 * time.Millisecond) {
				_, err := f.env.App.Client().SyncRun.Query().
					Where(syncrun.AccountID(f.account.ID), syncrun.StateEQ(syncrun.StateFAILED)).Only(f.sys())
				if err == nil {
					break
				}
				if !ent.IsNotFound(err) || time.Now().After(deadline) {
					t.Fatalf("the run whose answer was lost did not fail: %v", err)
				}
			}
			before := f.lastRunID(t)
			f.fw.MustDo(t, `mutation($p:Provider!){resyncCalendar(provider:$p){id}}`, map[string]any{"p": string(k.Provider)}, nil)
			// Both the re-sync and the failed run's retry have run (the
			// retry finds its request handled by the re-sync, or handles it).
			f.waitRun(t, "re-sync", syncrun.KindRESYNC, before)
			insp := asynq.NewInspector(f.env.App.Redis.Asynq)
			defer insp.Close()
			for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(25 * time.Millisecond) {
				q, err := insp.GetQueueInfo(tasks.QueueSync)
				requested, done := f.counters(t)
				if err == nil && q.Pending+q.Active+q.Retry+q.Scheduled == 0 && requested == done {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the lost create's retry never ended: %+v %v; requests %d, done %d", q, err, requested, done)
				}
			}
			if got := titles(f.events(t)); !slices.Equal(got, []string{"Lost answer", "Visit lost"}) {
				t.Fatalf("kept after re-sync, once: calendar holds %q", got)
			}
		})
	}
}

// TestStatusAndTypeEditsReachCalendars: changing what a status or type
// means for calendars re-syncs its bookings at once.
func TestStatusAndTypeEditsReachCalendars(t *testing.T) {
	for _, k := range testenv.Kits {
		t.Run(string(k.Provider), func(t *testing.T) {
			f := setup(t, k, "sty")
			f.waitTitles(t, "initial sync", "Visit sty")
			status, typ := strconv.Itoa(f.org.Status.ID), strconv.Itoa(f.org.Type.ID)
			f.mutate(t, `mutation($id:ID!){updateBookingStatus(id:$id,input:{pushToCalendar:false,deleteFromCalendar:true}){id}}`, map[string]any{"id": status})
			f.waitTitles(t, "status now deletes")
			f.mutate(t, `mutation($id:ID!){updateBookingStatus(id:$id,input:{pushToCalendar:true}){id}}`, map[string]any{"id": status})
			f.waitTitles(t, "status pushes again", "Visit sty")
			f.mutate(t, `mutation($id:ID!){updateBookingType(id:$id,input:{syncToCalendar:false}){id}}`, map[string]any{"id": typ})
			f.waitTitles(t, "type no longer syncs")
		})
	}
}

// counters reads the account's sync requests and how many of them the
// engine has handled.
func (f *fixture) counters(t *testing.T) (requested, done int) {
	t.Helper()
	a, err := f.env.App.Client().CalendarAccount.Get(f.sys(), f.account.ID)
	if err != nil {
		t.Fatal(err)
	}
	return a.SyncRequested, a.SyncDone
}

// waitHandled waits until a request counted after requested (the count
// read before a change) has been handled: a round of the engine that
// started after the change has finished.
func (f *fixture) waitHandled(t *testing.T, what string, requested int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		r, d := f.counters(t)
		if r > requested && d >= r {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d sync requests, %d handled (%d before the change)", what, r, d, requested)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// TestChangeDuringASyncIsNotLost: a booking committed while a sync of its
// fieldworker's account is running, whose wake-up coalesces into that
// running task, still reaches the calendar — by the running task syncing
// again, long before the reconcile pass.
func TestChangeDuringASyncIsNotLost(t *testing.T) {
	for _, k := range testenv.Kits {
		t.Run(string(k.Provider), func(t *testing.T) {
			f := setup(t, k, "mid")
			f.waitTitles(t, "initial sync", "Visit mid")
			faults, prefix := f.env.App.Emulators.GoogleFaults, "/google/"
			if k.Provider == domain.ProviderMicrosoft {
				faults, prefix = f.env.App.Emulators.MicrosoftFaults, "/graph/"
			}
			// The next write is slow: the sync carrying the first booking
			// is still running when the second is committed.
			faults.Add(emucore.Fault{PathPrefix: prefix, Method: "POST", Latency: 3 * time.Second, Count: 1})
			insp := asynq.NewInspector(f.env.App.Redis.Asynq)
			defer insp.Close()
			task := "account-sync:" + strconv.Itoa(f.account.ID) + ":"
			// The linking's sync, a task on the queue, may still be ending
			// (or syncing again) after its event arrived: the change below
			// must meet no queued sync of the account.
			f.waitIdle(t, "the linking's sync")
			for deadline := time.Now().Add(10 * time.Second); len(queuedSyncs(t, insp, task)) > 0; time.Sleep(20 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("the linking's sync is still queued: %v", queuedSyncs(t, insp, task))
				}
			}
			req, _ := f.counters(t)
			start := time.Now().Add(50 * time.Hour).Truncate(time.Hour)
			f.createBooking(t, "First", start, f.org.Fieldworker.ID)
			// A booking change's round is recorded only when it ends: its
			// slow write has begun (the fault is used up), and its request
			// is not handled yet. (The process that woke it runs it: no
			// task is active on the queue.)
			for deadline := time.Now().Add(10 * time.Second); len(faults.List()) > 0; time.Sleep(10 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatal("no sync started for the first booking")
				}
			}
			f.createBooking(t, "Second", start.Add(time.Hour), f.org.Fieldworker.ID)
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
				if r, _ := f.counters(t); r >= req+2 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the second booking's sync request was not counted")
				}
			}
			// The setting this test is about: the first round is still going
			// (its request not handled), and the second change's wake-up
			// joined it (the same key: a run here takes it) and queued
			// nothing.
			if _, d := f.counters(t); d > req {
				t.Fatalf("the first round ended (%d requests handled) before the second change was counted: the test proves nothing", d)
			}
			if queued := queuedSyncs(t, insp, task); len(queued) > 0 {
				t.Fatalf("the second change queued a wake-up of its own (%s, %v) instead of joining the running sync", queued[0].ID, queued[0].State)
			}
			f.waitTitles(t, "the change committed mid-sync", "First", "Second", "Visit mid")
			// And the account settles with every request handled.
			f.waitHandled(t, "settling", req+1)
		})
	}
}

// queuedSyncs lists the sync tasks on the queue (pending, scheduled,
// retrying or active) whose id starts with prefix.
func queuedSyncs(t *testing.T, insp *asynq.Inspector, prefix string) []*asynq.TaskInfo {
	t.Helper()
	var out []*asynq.TaskInfo
	for _, list := range []func(string, ...asynq.ListOption) ([]*asynq.TaskInfo, error){insp.ListPendingTasks, insp.ListScheduledTasks, insp.ListRetryTasks, insp.ListActiveTasks} {
		queued, err := list(tasks.QueueSync)
		if err != nil && err.Error() != "asynq: queue not found" {
			t.Fatal(err)
		}
		for _, q := range queued {
			if strings.HasPrefix(q.ID, prefix) {
				out = append(out, q)
			}
		}
	}
	return out
}

// TestAccountLockOutlivesRedis: on PostgreSQL an account's lock lives in
// the database. While another process holds it (its sync of the account
// still running), no sync of the account starts here — not even after
// Redis restarts empty and the relay wakes the account again, which a
// lock kept in Redis would have let through. Once released, the change
// reaches the calendar.
func TestAccountLockOutlivesRedis(t *testing.T) {
	if os.Getenv("DATABASE_URL") == "" || os.Getenv("REDIS_URL") == "" {
		t.Skip("the account lock is in the database on PostgreSQL (DATABASE_URL, and REDIS_URL for a second process)")
	}
	k := testenv.Kits[0]
	env := testenv.New(t, testenv.Postgres)
	f := setupOn(t, env, k, "fence")
	f.link(t)
	f.waitTitles(t, "initial sync", "Visit fence")
	other := env.Replica(t)
	ctx := context.Background()
	unlock, err := other.App.DB.Locker().Lock(ctx, tasks.AccountLockKey(env.Prefix(), f.account.ID), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	released := false
	defer func() {
		if !released {
			unlock()
		}
	}()
	if err := env.App.Redis.Client.FlushDB(ctx).Err(); err != nil { // the test's own Redis database
		t.Fatal(err)
	}
	req, _ := f.counters(t)
	f.createBooking(t, "Fenced", time.Now().Add(30*time.Hour).Truncate(time.Hour), f.org.Fieldworker.ID)
	// The wake-up, and the relay's (every 2 s for requests older than
	// 3 s), find the account locked.
	time.Sleep(6 * time.Second)
	if r, d := f.counters(t); r <= req || d >= r {
		t.Fatalf("while another process held the account's lock: %d requests, %d handled (%d before the change)", r, d, req)
	}
	if slices.Contains(titles(f.events(t)), "Fenced") {
		t.Fatal("a sync ran while another process held the account's lock")
	}
	unlock()
	released = true
	f.waitTitles(t, "after the lock's release", "Fenced", "Visit fence")
}

// TestFailedStepKeepsItsRequest: in one round one booking's update fails
// (a 500) while another's is taken again in a second pass (its event was
// deleted at the provider, so it is created anew). That second pass
// succeeding must not record the round's requests as handled: the failed
// booking's change still reaches the calendar, through the task's retry,
// long before the reconcile pass.
func TestFailedStepKeepsItsRequest(t *testing.T) {
	k := testenv.Kits[0] // Google: its batch runs each part through the faults
	f := setup(t, k, "keep")
	start := time.Now().Add(50 * time.Hour).Truncate(time.Hour)
	a := f.createBooking(t, "Alpha", start, f.org.Fieldworker.ID)
	b := f.createBooking(t, "Beta", start.Add(2*time.Hour), f.org.Fieldworker.ID)
	evs := f.waitTitles(t, "created", "Alpha", "Beta", "Visit keep")
	cal := f.account.DestinationCalendarID
	if err := f.env.App.Emulators.Google.DeleteEventAsUser(cal, evs[1].ID); err != nil { // Beta
		t.Fatal(err)
	}
	f.env.App.Emulators.GoogleFaults.Add(emucore.Fault{Method: "PATCH", PathPrefix: "/google/calendar/v3/calendars/" + cal + "/events/" + evs[0].ID, Status: 500, Count: 1}) // Alpha
	// Both changes in one round: the account's lock is held while they
	// are made.
	unlock, err := redisconn.NewLocker(f.env.App.Redis.Client).Lock(context.Background(), tasks.AccountLockKey(f.env.Prefix(), f.account.ID), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	f.mutate(t, `mutation($id:ID!){updateBooking(id:$id,input:{title:"Alpha 2"}){id}}`, map[string]any{"id": strconv.Itoa(a)})
	f.mutate(t, `mutation($id:ID!){updateBooking(id:$id,input:{title:"Beta 2"}){id}}`, map[string]any{"id": strconv.Itoa(b)})
	unlock()
	f.waitTitles(t, "after a failed update and a recreated event in one round", "Alpha 2", "Beta 2", "Visit keep")
	if len(f.env.App.Emulators.GoogleFaults.List()) != 0 {
		t.Fatal("Alpha's update never failed: the test proves nothing")
	}
}
