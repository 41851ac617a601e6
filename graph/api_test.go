package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"calsync/ent/booking"
	"calsync/internal/auth"
	"calsync/internal/testenv"
	"calsync/internal/viewer"
)

// TestNewUserFlow is the foundation's "done when": sign in, list bookings,
// create one, and see it arrive on an open bookingChanged subscription.
func TestNewUserFlow(t *testing.T) {
	for _, backend := range testenv.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			env := testenv.New(t, backend)
			org := env.SeedOrg(t, "flow")
			admin := env.SignIn(t, org.Admin.Email, testenv.Password)
			fw := env.SignIn(t, org.Fieldworker.Email, testenv.Password)

			var list struct {
				Bookings struct {
					TotalCount int
					Edges      []struct{ Node struct{ ID, Title string } }
				}
			}
			admin.MustDo(t, `{bookings(from:"2030-01-01T00:00:00Z",to:"2030-02-01T00:00:00Z",first:10){totalCount edges{node{id title}}}}`, nil, &list)
			if list.Bookings.TotalCount != 1 || list.Bookings.Edges[0].Node.Title != "Visit flow" {
				t.Fatalf("bookings = %+v", list.Bookings)
			}

			adminNext := env.Subscribe(t, admin, `subscription{bookingChanged{kind bookingId booking{title hosts{id}}}}`, nil)
			fwNext := env.Subscribe(t, fw, `subscription($f:ID){bookingChanged(fieldworkerId:$f){kind booking{title}}}`, map[string]any{"f": strconv.Itoa(org.Fieldworker.ID)})

			var created struct{ CreateBooking struct{ ID, Title string } }
			admin.MustDo(t, `mutation($in:CreateBookingInput!){createBooking(input:$in){id title}}`, map[string]any{"in": map[string]any{
				"title": "Leak repair", "startAt": "2030-01-08T10:00:00Z", "endAt": "2030-01-08T11:30:00Z",
				"timeZone": "Europe/Helsinki", "hostIDs": []string{strconv.Itoa(org.Fieldworker.ID)},
				"statusID": strconv.Itoa(org.Status.ID), "typeID": strconv.Itoa(org.Type.ID),
				"customProperties": map[string]any{"Gate code": "1234"}, "amount": "120.50", "currency": "EUR",
			}}, &created)

			for name, next := range map[string]func(time.Duration) map[string]any{"admin": adminNext, "fieldworker": fwNext} {
				m := next(5 * time.Second)
				if m == nil || m["type"] != "next" {
					t.Fatalf("%s: no subscription event, got %v", name, m)
				}
				raw, _ := json.Marshal(m["payload"])
				if !strings.Contains(string(raw), `"kind":"CREATED"`) || !strings.Contains(string(raw), `"title":"Leak repair"`) {
					t.Fatalf("%s: unexpected event %s", name, raw)
				}
			}

			// A booking the fieldworker does not host never reaches their
			// filtered subscription.
			admin.MustDo(t, `mutation($in:CreateBookingInput!){createBooking(input:$in){id}}`, map[string]any{"in": map[string]any{
				"title": "Other", "startAt": "2030-01-09T10:00:00Z", "endAt": "2030-01-09T11:00:00Z",
				"hostIDs": []string{strconv.Itoa(org.Fieldworker2.ID)},
			}}, nil)
			if m := adminNext(5 * time.Second); m == nil {
				t.Fatal("admin did not hear about the second booking")
			}
			if m := fwNext(300 * time.Millisecond); m != nil {
				t.Fatalf("fieldworker heard about a booking they do not host: %v", m)
			}
		})
	}
}

// TestBookingPageQueryCount: a page of bookings with hosts, status and type
// costs the same number of SQL statements for 10 bookings as for 100.
func TestBookingPageQueryCount(t *testing.T) {
	for _, backend := range testenv.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			env := testenv.New(t, backend)
			org := env.SeedOrg(t, "count")
			admin := env.SignIn(t, org.Admin.Email, testenv.Password)
			ctx := viewer.SystemContext(context.Background(), org.ID)
			db := env.App.Client()
			counts := map[int]int{}
			have := 1
			for _, n := range []int{10, 100} {
				bulk := make([]*entBookingCreate, 0, n-have)
				for i := have; i < n; i++ {
					start := time.Date(2030, 1, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour)
					bulk = append(bulk, db.Booking.Create().SetTitle(fmt.Sprintf("b%d", i)).SetStartAt(start).SetEndAt(start.Add(time.Hour)).
						SetStatus(org.Status).SetType(org.Type).AddHosts(org.Fieldworker, org.Fieldworker2))
				}
				if err := db.Booking.CreateBulk(bulk...).Exec(ctx); err != nil {
					t.Fatal(err)
				}
				have = n
				// Warm up: the first request of a session also records its
				// last use, which is not part of the page's cost.
				admin.MustDo(t, `{viewer{role}}`, nil, nil)
				env.Queries.Reset()
				var out struct {
					Bookings struct{ Edges []json.RawMessage }
				}
				admin.MustDo(t, `{bookings(from:"2029-12-01T00:00:00Z",to:"2030-03-01T00:00:00Z",first:100){totalCount edges{node{id title hosts{id name} status{name} type{name}}}}}`, nil, &out)
				if len(out.Bookings.Edges) != n {
					t.Fatalf("got %d bookings, want %d", len(out.Bookings.Edges), n)
				}
				counts[n] = env.Queries.Count()
			}
			if counts[10] != counts[100] {
				t.Fatalf("SQL statements grow with page size: 10 bookings → %d, 100 → %d", counts[10], counts[100])
			}
			// auth token lookup (+ last-used update), count, page, hosts, status, type.
			if counts[100] > 8 {
				t.Fatalf("a page of 100 bookings cost %d SQL statements; want at most 8", counts[100])
			}
			t.Logf("SQL statements per page: %d", counts[100])
		})
	}
}

// TestInvalidInputsChangeNothing: bad input gets a typed error and leaves
// the database as it was.
func TestInvalidInputsChangeNothing(t *testing.T) {
	for _, backend := range testenv.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			env := testenv.New(t, backend)
			org := env.SeedOrg(t, "inv")
			other := env.SeedOrg(t, "other")
			admin := env.SignIn(t, org.Admin.Email, testenv.Password)
			fw := strconv.Itoa(org.Fieldworker.ID)
			good := func(over map[string]any) map[string]any {
				in := map[string]any{"title": "x", "startAt": "2030-01-08T10:00:00Z", "endAt": "2030-01-08T11:00:00Z", "hostIDs": []string{fw}}
				for k, v := range over {
					in[k] = v
				}
				return map[string]any{"in": in}
			}
			create := `mutation($in:CreateBookingInput!){createBooking(input:$in){id}}`
			cases := []struct {
				name, query string
				vars        map[string]any
				code        string
			}{
				{"end before start", create, good(map[string]any{"endAt": "2030-01-08T09:00:00Z"}), "BAD_USER_INPUT"},
				{"unknown time zone", create, good(map[string]any{"timeZone": "Mars/Olympus_Mons"}), "BAD_USER_INPUT"},
				{"malformed RRULE", create, good(map[string]any{"recurrence": "FREQ=SOMETIMES;COUNT=x"}), "BAD_USER_INPUT"},
				{"bad customer email", create, good(map[string]any{"customerEmail": "not an email"}), "BAD_USER_INPUT"},
				{"bad time literal", create, good(map[string]any{"startAt": "next tuesday"}), "BAD_USER_INPUT"},
				{"four addresses", create, good(map[string]any{"addresses": []string{"a", "b", "c", "d"}}), "BAD_USER_INPUT"},
				{"bad currency", create, good(map[string]any{"amount": "10", "currency": "euro"}), "BAD_USER_INPUT"},
				{"unknown host id", create, good(map[string]any{"hostIDs": []string{"999999999"}}), "NOT_FOUND"},
				{"another org's host", create, good(map[string]any{"hostIDs": []string{strconv.Itoa(other.Fieldworker.ID)}}), "NOT_FOUND"},
				{"another org's status", create, good(map[string]any{"statusID": strconv.Itoa(other.Status.ID)}), "NOT_FOUND"},
				{"bad user email", `mutation{createUser(input:{user:{email:"bob@@x",name:"Bob"}}){id}}`, nil, "BAD_USER_INPUT"},
				{"short password", `mutation($e:String!){createUser(input:{user:{email:$e,name:"Bob"},password:"short"}){id}}`, map[string]any{"e": "bob@inv.test"}, "BAD_USER_INPUT"},
				{"duplicate email", `mutation($e:String!){createUser(input:{user:{email:$e,name:"Dup"}}){id}}`, map[string]any{"e": org.Scheduler.Email}, "CONFLICT"},
				{"unknown time zone on reschedule", `mutation($id:ID!){rescheduleBooking(id:$id,startAt:"2030-01-08T10:00:00Z",endAt:"2030-01-08T11:00:00Z",timeZone:"Nowhere/City"){id}}`, map[string]any{"id": strconv.Itoa(org.Booking.ID)}, "BAD_USER_INPUT"},
				{"reschedule end before start", `mutation($id:ID!){rescheduleBooking(id:$id,startAt:"2030-01-08T10:00:00Z",endAt:"2030-01-08T09:00:00Z"){id}}`, map[string]any{"id": strconv.Itoa(org.Booking.ID)}, "BAD_USER_INPUT"},
				{"update unknown booking", `mutation{updateBooking(id:"424242",input:{title:"y"}){id}}`, nil, "NOT_FOUND"},
				{"update another org's booking", `mutation($id:ID!){updateBooking(id:$id,input:{title:"hacked"}){id}}`, map[string]any{"id": strconv.Itoa(other.Booking.ID)}, "NOT_FOUND"},
				{"cancel another org's booking", `mutation($id:ID!){cancelBooking(id:$id){id}}`, map[string]any{"id": strconv.Itoa(other.Booking.ID)}, "NOT_FOUND"},
				{"mass modify with one foreign id", `mutation($ids:[ID!]!){massModifyBookings(input:{ids:$ids,shiftMinutes:30}){count}}`, map[string]any{"ids": []string{strconv.Itoa(org.Booking.ID), strconv.Itoa(other.Booking.ID)}}, "NOT_FOUND"},
				{"bad colour", `mutation{createBookingStatus(input:{name:"X",color:"red"}){id}}`, nil, "BAD_USER_INPUT"},
				{"bad org time zone", `mutation{updateOrganization(input:{defaultTimeZone:"Atlantis"}){id}}`, nil, "BAD_USER_INPUT"},
				{"bookings range reversed", `{bookings(from:"2030-02-01T00:00:00Z",to:"2030-01-01T00:00:00Z"){totalCount}}`, nil, "BAD_USER_INPUT"},
				{"unknown enum", `mutation{updateProviderConfig(input:{provider:YAHOO}){id}}`, nil, "GRAPHQL_VALIDATION_FAILED"},
			}
			ctx := viewer.AllTenantsContext(context.Background())
			before := snapshot(t, env, ctx)
			for _, c := range cases {
				r := admin.Do(t, c.query, c.vars)
				if len(r.Errors) == 0 {
					t.Errorf("%s: no error; data %s", c.name, r.Data)
					continue
				}
				if got := r.Errors[0].Code(); got != c.code {
					t.Errorf("%s: code %s (%q), want %s", c.name, got, r.Errors[0].Message, c.code)
				}
				if r.Errors[0].Message == "internal error" {
					t.Errorf("%s: internal error leaked instead of a clear message", c.name)
				}
			}
			if after := snapshot(t, env, ctx); after != before {
				t.Fatalf("invalid inputs changed the database:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

func snapshot(t *testing.T, env *testenv.Env, ctx context.Context) string {
	t.Helper()
	db := env.App.Client()
	bs, err := db.Booking.Query().Order(booking.ByID()).WithHosts().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	users, _ := db.User.Query().Count(ctx)
	statuses, _ := db.BookingStatus.Query().Count(ctx)
	orgs, _ := db.Organization.Query().All(ctx)
	var b strings.Builder
	fmt.Fprintf(&b, "users=%d statuses=%d ", users, statuses)
	for _, o := range orgs {
		fmt.Fprintf(&b, "org %d %s %s|", o.ID, o.Name, o.DefaultTimeZone)
	}
	for _, x := range bs {
		fmt.Fprintf(&b, "%d %s %s %s %s %v|", x.ID, x.Title, x.StartAt.UTC(), x.EndAt.UTC(), x.TimeZone, x.CancelledAt)
		for _, h := range x.Edges.Hosts {
			fmt.Fprintf(&b, "h%d,", h.ID)
		}
	}
	return b.String()
}

// TestSessionAndBearerAuth covers CSRF on cookie sessions, bearer tokens
// for mobile clients, revocation and sign-out.
func TestSessionAndBearerAuth(t *testing.T) {
	env := testenv.New(t, testenv.SQLite)
	org := env.SeedOrg(t, "auth")

	anon := env.Anonymous()
	var v struct{ Viewer *struct{ Role string } }
	anon.MustDo(t, `{viewer{role}}`, nil, &v)
	if v.Viewer != nil {
		t.Fatalf("anonymous viewer = %+v", v.Viewer)
	}
	if r := anon.Do(t, `mutation($e:String!){signIn(input:{email:$e,password:"wrong password!"}){viewer{role}}}`, map[string]any{"e": org.Admin.Email}); len(r.Errors) == 0 || r.Errors[0].Code() != "UNAUTHENTICATED" {
		t.Fatalf("wrong password: %+v", r.Errors)
	}

	admin := env.SignIn(t, org.Admin.Email, testenv.Password)
	csrf := admin.CSRF
	admin.CSRF = ""
	if r := admin.Do(t, `mutation{updateOrganization(input:{name:"No CSRF"}){name}}`, nil); len(r.Errors) == 0 || r.Errors[0].Code() != "FORBIDDEN" {
		t.Fatalf("mutation without CSRF header: %+v", r)
	}
	admin.CSRF = csrf
	admin.MustDo(t, `mutation{updateOrganization(input:{name:"With CSRF"}){name}}`, nil, nil)

	var tok struct {
		CreateBearerToken struct {
			Token     string
			AuthToken struct{ ID string }
		}
	}
	fw := env.SignIn(t, org.Fieldworker.Email, testenv.Password)
	fw.MustDo(t, `mutation{createBearerToken(input:{name:"Phone",ttlDays:30}){token authToken{id}}}`, nil, &tok)
	mobile := env.Anonymous()
	mobile.Bearer = tok.CreateBearerToken.Token
	mobile.MustDo(t, `{viewer{role}}`, nil, &v)
	if v.Viewer == nil || v.Viewer.Role != "FIELDWORKER" {
		t.Fatalf("bearer viewer = %+v", v.Viewer)
	}
	// Bearer requests need no CSRF token.
	mobile.MustDo(t, `mutation($id:ID!){updateUser(id:$id,input:{timeZone:"Europe/Paris"}){timeZone}}`, map[string]any{"id": strconv.Itoa(org.Fieldworker.ID)}, nil)
	// Another user cannot revoke it; its owner can.
	if r := admin.Do(t, `mutation($id:ID!){revokeBearerToken(id:$id){id}}`, map[string]any{"id": tok.CreateBearerToken.AuthToken.ID}); len(r.Errors) == 0 || r.Errors[0].Code() != "NOT_FOUND" {
		t.Fatalf("admin revoking another user's token: %+v", r)
	}
	fw.MustDo(t, `mutation($id:ID!){revokeBearerToken(id:$id){revokedAt}}`, map[string]any{"id": tok.CreateBearerToken.AuthToken.ID}, nil)
	if r := mobile.Do(t, `{viewer{role}}`, nil); r.Status != http.StatusUnauthorized || r.Errors[0].Code() != "UNAUTHENTICATED" {
		t.Fatalf("revoked bearer: status %d %+v", r.Status, r.Errors)
	}

	admin.MustDo(t, `mutation{signOut}`, nil, nil)
	admin.MustDo(t, `{viewer{role}}`, nil, &v)
	if v.Viewer != nil {
		t.Fatalf("viewer after sign-out = %+v", v.Viewer)
	}

	// Deactivation ends the user's sessions at once.
	sched := env.SignIn(t, org.Scheduler.Email, testenv.Password)
	admin = env.SignIn(t, org.Admin.Email, testenv.Password)
	admin.MustDo(t, `mutation($id:ID!){deactivateUser(id:$id){active}}`, map[string]any{"id": strconv.Itoa(org.Scheduler.ID)}, nil)
	sched.MustDo(t, `{viewer{role}}`, nil, &v)
	if v.Viewer != nil {
		t.Fatalf("deactivated user still signed in: %+v", v.Viewer)
	}
	if r := anon.Do(t, `mutation($e:String!,$p:String!){signIn(input:{email:$e,password:$p}){viewer{role}}}`, map[string]any{"e": org.Scheduler.Email, "p": testenv.Password}); len(r.Errors) == 0 {
		t.Fatal("deactivated user signed in")
	}
	_ = auth.CSRFHeader
}

// TestSubscriptionAcrossReplicas: a change committed on one replica reaches
// a subscriber connected to another, through Redis pub/sub; the legacy
// graphql-ws protocol works too.
func TestSubscriptionAcrossReplicas(t *testing.T) {
	for _, backend := range testenv.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			env := testenv.New(t, backend)
			other := env.Replica(t)
			org := env.SeedOrg(t, "rep")
			onA := env.SignIn(t, org.Scheduler.Email, testenv.Password)
			onB := other.SignIn(t, org.Admin.Email, testenv.Password)
			next := other.SubscribeLegacy(t, onB, `subscription{bookingChanged{kind bookingId}}`)
			onA.MustDo(t, `mutation($id:ID!){cancelBooking(id:$id,reason:"customer ill"){cancelledAt}}`, map[string]any{"id": strconv.Itoa(org.Booking.ID)}, nil)
			m := next(5 * time.Second)
			raw, _ := json.Marshal(m)
			if m == nil || m["type"] != "data" || !strings.Contains(string(raw), `"kind":"CANCELLED"`) {
				t.Fatalf("replica B did not hear the cancellation made on A: %s", raw)
			}
			// The change is audited, with its actor.
			var audit struct {
				AuditEvents struct {
					Edges []struct {
						Node struct {
							Action string
							Actor  *struct{ ID string }
						}
					}
				}
			}
			onB.MustDo(t, `{auditEvents(first:5){edges{node{action actor{id}}}}}`, nil, &audit)
			if len(audit.AuditEvents.Edges) == 0 || audit.AuditEvents.Edges[0].Node.Action != "booking.cancel" ||
				audit.AuditEvents.Edges[0].Node.Actor == nil || audit.AuditEvents.Edges[0].Node.Actor.ID != strconv.Itoa(org.Scheduler.ID) {
				t.Fatalf("audit trail = %+v", audit.AuditEvents.Edges)
			}
		})
	}
}

// TestAppendAndShiftRules: appended addresses are kept (and counted), and
// a mass shift that would break a booking is refused as a whole.
func TestAppendAndShiftRules(t *testing.T) {
	env := testenv.New(t, testenv.SQLite)
	org := env.SeedOrg(t, "app")
	admin := env.SignIn(t, org.Admin.Email, testenv.Password)
	id := strconv.Itoa(org.Booking.ID)
	var out struct{ UpdateBooking struct{ Addresses []string } }
	admin.MustDo(t, `mutation($id:ID!){updateBooking(id:$id,input:{addresses:["A"]}){addresses}}`, map[string]any{"id": id}, &out)
	admin.MustDo(t, `mutation($id:ID!){updateBooking(id:$id,input:{appendAddresses:["B","C"]}){addresses}}`, map[string]any{"id": id}, &out)
	if strings.Join(out.UpdateBooking.Addresses, ",") != "A,B,C" {
		t.Fatalf("addresses after append = %v", out.UpdateBooking.Addresses)
	}
	if r := admin.Do(t, `mutation($id:ID!){updateBooking(id:$id,input:{appendAddresses:["D"]}){addresses}}`, map[string]any{"id": id}); len(r.Errors) == 0 || r.Errors[0].Code() != "BAD_USER_INPUT" {
		t.Fatalf("a fourth address: %+v", r)
	}
	var created struct{ CreateBooking struct{ ID string } }
	admin.MustDo(t, `mutation{createBooking(input:{title:"Holiday",startAt:"2030-02-01T00:00:00Z",endAt:"2030-02-02T00:00:00Z",allDay:true}){id}}`, nil, &created)
	r := admin.Do(t, `mutation($ids:[ID!]!){massModifyBookings(input:{ids:$ids,shiftMinutes:60}){count}}`,
		map[string]any{"ids": []string{id, created.CreateBooking.ID}})
	if len(r.Errors) == 0 || r.Errors[0].Code() != "BAD_USER_INPUT" {
		t.Fatalf("shifting an all-day booking by an hour: %+v", r)
	}
	var b struct{ Node struct{ StartAt string } }
	admin.MustDo(t, `query($id:ID!){node(id:$id){... on Booking{startAt}}}`, map[string]any{"id": id}, &b)
	if !strings.HasPrefix(b.Node.StartAt, "2030-01-07T09:00:00") {
		t.Fatalf("the refused mass shift moved a booking: %s", b.Node.StartAt)
	}
}

// TestSubscriptionEndsAtSignOut: an open subscription stops delivering once
// its session is signed out.
func TestSubscriptionEndsAtSignOut(t *testing.T) {
	env := testenv.New(t, testenv.SQLite)
	org := env.SeedOrg(t, "so")
	admin := env.SignIn(t, org.Admin.Email, testenv.Password)
	fw := env.SignIn(t, org.Fieldworker.Email, testenv.Password)
	next := env.Subscribe(t, fw, `subscription{bookingChanged{kind}}`, nil)
	create := func(title string) {
		admin.MustDo(t, `mutation($in:CreateBookingInput!){createBooking(input:$in){id}}`, map[string]any{"in": map[string]any{
			"title": title, "startAt": "2030-03-01T10:00:00Z", "endAt": "2030-03-01T11:00:00Z", "hostIDs": []string{strconv.Itoa(org.Fieldworker.ID)},
		}}, nil)
	}
	create("before")
	if m := next(5 * time.Second); m == nil || m["type"] != "next" {
		t.Fatalf("no event while signed in: %v", m)
	}
	fw.MustDo(t, `mutation{signOut}`, nil, nil)
	create("after")
	if m := next(time.Second); m != nil && m["type"] == "next" {
		t.Fatalf("event delivered after sign-out: %v", m)
	}
}
