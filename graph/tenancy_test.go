package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"calsync/ent"
	"calsync/ent/authtoken"
	"calsync/ent/booking"
	"calsync/ent/bookingstatus"
	"calsync/ent/bookingtype"
	"calsync/ent/calendaraccount"
	"calsync/ent/pastcalendaraccount"
	"calsync/ent/providerconfig"
	"calsync/ent/user"
	"calsync/internal/auth"
	"calsync/internal/domain"
	"calsync/internal/testenv"
	"calsync/internal/viewer"
)

// tnRole is who runs a case: one of org alpha's roles, or nobody.
type tnRole string

const (
	tnAdmin     tnRole = "admin"
	tnScheduler tnRole = "scheduler"
	tnFW        tnRole = "fieldworker"
	tnAnon      tnRole = "anonymous"
)

// tnData is a decoded GraphQL data object.
type tnData = map[string]any

// tnCase is one operation run as one role against alpha's or beta's
// objects, with the outcome it must have.
type tnCase struct {
	name  string
	as    tnRole
	query string
	vars  map[string]any
	// want lists the acceptable error codes; nil means the operation must
	// succeed (and then check, if set, inspects the data).
	want []string
	// tolerate lists error codes allowed next to data on success (node and
	// nodes report ids they cannot resolve as errors).
	tolerate []string
	// ghost aims the same operation at ids that exist in no organization:
	// the answer must carry the same error codes, so that another
	// organization's objects are indistinguishable from missing ones.
	ghost map[string]any
	check func(t *testing.T, d tnData)
}

var (
	tnNotFound  = []string{"NOT_FOUND"}
	tnForbidden = []string{"FORBIDDEN"}
	// tnAnonCodes: without a viewer everything but `viewer` fails.
	tnAnonCodes = []string{"UNAUTHENTICATED", "FORBIDDEN"}
	// tnForeignDenied: a role without the right to an operation aims it at
	// another organization's object. Refusing by role (FORBIDDEN) and not
	// finding the object (NOT_FOUND) both keep beta invisible, as long as
	// the answer is the same as for an id that exists nowhere (ghost).
	tnForeignDenied = []string{"NOT_FOUND", "FORBIDDEN"}
	// tnSelfRoleChange: changing one's own role must fail; the directory
	// answers BAD_USER_INPUT, the privacy rules FORBIDDEN.
	tnSelfRoleChange = []string{"BAD_USER_INPUT", "FORBIDDEN"}
)

// The operations, one per query and mutation of the schema.
const (
	tnQViewer       = `{viewer{role user{id} organization{id}}}`
	tnQNode         = `query($id:ID!){node(id:$id){id __typename}}`
	tnQNodes        = `query($ids:[ID!]!){nodes(ids:$ids){id __typename}}`
	tnQOrganization = `{organization{id name providerConfigs{id provider organizationID}}}`
	tnQUsers        = `{users(first:100){totalCount edges{node{id organizationID}}}}`
	tnQUsersWhere   = `query($w:UserWhereInput){users(first:100,where:$w){totalCount edges{node{id}}}}`
	tnQFieldworkers = `{fieldworkers(first:100){totalCount edges{node{id role organizationID}}}}`
	tnQBookings     = `query($fw:ID){bookings(from:"2029-07-01T00:00:00Z",to:"2030-06-30T00:00:00Z",fieldworkerId:$fw,includeCancelled:true,first:100){totalCount edges{node{id organizationID hosts{id}}}}}`
	tnQStatuses     = `{bookingStatuses{id organizationID}}`
	tnQTypes        = `{bookingTypes{id organizationID}}`
	tnQAuditEvents  = `{auditEvents(first:100){totalCount edges{node{id organizationID}}}}`
	tnQBearerTokens = `{bearerTokens{id userID organizationID}}`
	tnQUserBookings = `query($id:ID!){node(id:$id){id ... on User{bookings(first:100){edges{node{id}}}}}}`
	tnQOrgUsers     = `query($id:ID!){node(id:$id){id ... on Organization{users(first:100){edges{node{id organizationID}}}}}}`

	tnMUpdateOrg      = `mutation($in:UpdateOrganizationInput!){updateOrganization(input:$in){id name}}`
	tnMUpdateProvider = `mutation($in:UpdateProviderConfigInput!){updateProviderConfig(input:$in){id organizationID provider enabled}}`
	tnMCreateUser     = `mutation($in:CreateUserWithPasswordInput!){createUser(input:$in){id organizationID email role generalFieldworker}}`
	tnMUpdateUser     = `mutation($id:ID!,$in:UpdateUserInput!){updateUser(id:$id,input:$in){id organizationID name timeZone role}}`
	tnMSetPassword    = `mutation($id:ID!,$pw:String!){setPassword(input:{userId:$id,password:$pw})}`
	tnMSetOwnPassword = `mutation($id:ID!,$pw:String!,$cur:String!){setPassword(input:{userId:$id,password:$pw,currentPassword:$cur})}`
	tnMDeactivate     = `mutation($id:ID!){deactivateUser(id:$id){id active}}`
	tnMCreateStatus   = `mutation($in:CreateBookingStatusInput!){createBookingStatus(input:$in){id organizationID name}}`
	tnMUpdateStatus   = `mutation($id:ID!,$in:UpdateBookingStatusInput!){updateBookingStatus(id:$id,input:$in){id organizationID description}}`
	tnMDeleteStatus   = `mutation($id:ID!){deleteBookingStatus(id:$id)}`
	tnMCreateType     = `mutation($in:CreateBookingTypeInput!){createBookingType(input:$in){id organizationID name default personal}}`
	tnMUpdateType     = `mutation($id:ID!,$in:UpdateBookingTypeInput!){updateBookingType(id:$id,input:$in){id organizationID name default}}`
	tnMDeleteType     = `mutation($id:ID!){deleteBookingType(id:$id)}`
	tnBookingFields   = `{id organizationID title startAt endAt published cancelledAt statusID typeID hosts{id}}`
	tnMCreateBooking  = `mutation($in:CreateBookingInput!){createBooking(input:$in)` + tnBookingFields + `}`
	tnMUpdateBooking  = `mutation($id:ID!,$in:UpdateBookingInput!){updateBooking(id:$id,input:$in)` + tnBookingFields + `}`
	tnMReschedule     = `mutation($id:ID!,$s:Time!,$e:Time!){rescheduleBooking(id:$id,startAt:$s,endAt:$e)` + tnBookingFields + `}`
	tnMReassign       = `mutation($id:ID!,$h:[ID!]!){reassignBooking(id:$id,hostIDs:$h)` + tnBookingFields + `}`
	tnMCancel         = `mutation($id:ID!){cancelBooking(id:$id,reason:"tenancy test")` + tnBookingFields + `}`
	tnMDeleteBooking  = `mutation($id:ID!){deleteBooking(id:$id)}`
	tnMPublish        = `mutation($ids:[ID!]!,$p:Boolean!){setBookingsPublished(ids:$ids,published:$p)` + tnBookingFields + `}`
	tnMMassModify     = `mutation($in:MassModifyBookingsInput!){massModifyBookings(input:$in){count bookings` + tnBookingFields + `}}`
	tnMCreateToken    = `mutation($n:String!){createBearerToken(input:{name:$n,ttlDays:7}){token authToken{id userID organizationID kind}}}`
	tnMRevokeToken    = `mutation($id:ID!){revokeBearerToken(id:$id){id revokedAt}}`

	tnMUnlink          = `mutation($u:ID){unlinkCalendar(provider:GOOGLE,userId:$u){id status}}`
	tnMResync          = `mutation($u:ID){resyncCalendar(provider:GOOGLE,userId:$u){id status}}`
	tnMSendAuthEmails  = `mutation($ids:[ID!]!){sendAuthorizationEmails(provider:GOOGLE,userIds:$ids){id userID}}`
	tnMTestConnection  = `mutation{testProviderConnection(provider:GOOGLE){ok message}}`
	tnMSetCalendarSync = `mutation($u:ID!,$p:Provider!,$on:Boolean){setCalendarSync(userId:$u,provider:$p,enabled:$on){id googleSync microsoftSync}}`
	tnMEnableService   = `mutation($ids:[ID!]){enableServiceAccountSync(provider:GOOGLE,userIds:$ids){user{id} account{id} error}}`
)

// tnFixture is the world the table runs in: orgs alpha and beta as
// SeedOrg makes them, plus a few rows made for this test.
type tnFixture struct {
	db          *ent.Client
	alpha, beta testenv.Org
	clients     map[tnRole]*testenv.Client

	// alpha: a booking only Fieldworker2 hosts (invisible to Fieldworker),
	// bookings to cancel and delete, a status and a type to delete, spare
	// (unused) ones for denied deletes, a user to deactivate.
	other, cancelA, cancelS, deleteA, deleteS *ent.Booking
	doomedStatus, spareStatus                 *ent.BookingStatus
	doomedType, spareType                     *ent.BookingType
	tempUser                                  *ent.User
	alphaAudit                                *ent.AuditEvent
	alphaGoogle                               *ent.ProviderConfig

	// beta: an unused status, an unused default+personal type (bulk
	// "unmark the others" updates must not reach it), an audit event, its
	// GOOGLE provider config; beta's Fieldworker2 is the general
	// fieldworker (createUser's "clear the old general fieldworker" must
	// not reach it).
	betaSpareStatus *ent.BookingStatus
	betaSpareType   *ent.BookingType
	betaAudit       *ent.AuditEvent
	betaGoogle      *ent.ProviderConfig

	// bearer token ids: alpha's admin, scheduler, fieldworker; beta's admin.
	tokAdmin, tokScheduler, tokFW, tokBeta int

	// Google accounts linked by alpha's Fieldworker and Fieldworker2 and
	// by beta's Fieldworker.
	acctFW, acctFW2, acctBeta *ent.CalendarAccount
}

func tnSetup(t *testing.T, env *testenv.Env) *tnFixture {
	t.Helper()
	f := &tnFixture{db: env.App.Client()}
	f.alpha = env.SeedOrg(t, "alpha")
	f.beta = env.SeedOrg(t, "beta")
	bg := context.Background()
	all := viewer.AllTenantsContext(bg)
	a := viewer.SystemContext(bg, f.alpha.ID)
	b := viewer.SystemContext(bg, f.beta.ID)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var err error
	mkBooking := func(title string, day int, host *ent.User) *ent.Booking {
		t.Helper()
		start := time.Date(2030, 2, day, 9, 0, 0, 0, time.UTC)
		bk, err := f.db.Booking.Create().SetTitle(title).SetStartAt(start).SetEndAt(start.Add(time.Hour)).
			SetStatus(f.alpha.Status).SetType(f.alpha.Type).AddHosts(host).Save(a)
		must(err)
		return bk
	}
	f.other = mkBooking("Other alpha visit", 1, f.alpha.Fieldworker2)
	f.cancelA = mkBooking("To cancel (admin)", 2, f.alpha.Fieldworker2)
	f.cancelS = mkBooking("To cancel (scheduler)", 3, f.alpha.Fieldworker2)
	f.deleteA = mkBooking("To delete (admin)", 4, f.alpha.Fieldworker2)
	f.deleteS = mkBooking("To delete (scheduler)", 5, f.alpha.Fieldworker2)
	f.doomedStatus, err = f.db.BookingStatus.Create().SetName("Doomed").Save(a)
	must(err)
	f.spareStatus, err = f.db.BookingStatus.Create().SetName("Spare").Save(a)
	must(err)
	f.doomedType, err = f.db.BookingType.Create().SetName("Doomed").Save(a)
	must(err)
	f.spareType, err = f.db.BookingType.Create().SetName("Spare").Save(a)
	must(err)
	f.tempUser, err = f.db.User.Create().SetName("Temp").SetEmail("temp@alpha.test").SetRole(viewer.RoleFieldworker).Save(a)
	must(err)
	f.alphaAudit, err = f.db.AuditEvent.Create().SetOrganizationID(f.alpha.ID).SetAction("test.seed").
		SetTargetType("Organization").SetTargetID(f.alpha.ID).Save(all)
	must(err)
	f.alphaGoogle, err = f.db.ProviderConfig.Query().Where(providerconfig.ProviderEQ(domain.ProviderGoogle)).Only(a)
	must(err)

	f.betaSpareStatus, err = f.db.BookingStatus.Create().SetName("Beta spare").Save(b)
	must(err)
	f.betaSpareType, err = f.db.BookingType.Create().SetName("Beta spare").SetDefault(true).SetPersonal(true).Save(b)
	must(err)
	must(f.db.User.UpdateOneID(f.beta.Fieldworker2.ID).SetGeneralFieldworker(true).Exec(b))
	f.betaAudit, err = f.db.AuditEvent.Create().SetOrganizationID(f.beta.ID).SetAction("test.seed").
		SetTargetType("Organization").SetTargetID(f.beta.ID).Save(all)
	must(err)
	f.betaGoogle, err = f.db.ProviderConfig.Query().Where(providerconfig.ProviderEQ(domain.ProviderGoogle)).Only(b)
	must(err)
	account := func(ctx context.Context, u *ent.User) *ent.CalendarAccount {
		t.Helper()
		acct, err := f.db.CalendarAccount.Create().SetProvider(domain.ProviderGoogle).SetAccountEmail(u.Email).
			SetCredentialMode(domain.CredentialPlatformApp).AddUsers(u).Save(ctx)
		must(err)
		return acct
	}
	f.acctFW = account(a, f.alpha.Fieldworker)
	f.acctFW2 = account(a, f.alpha.Fieldworker2)
	f.acctBeta = account(b, f.beta.Fieldworker)

	f.clients = map[tnRole]*testenv.Client{
		tnAdmin:     env.SignIn(t, f.alpha.Admin.Email, testenv.Password),
		tnScheduler: env.SignIn(t, f.alpha.Scheduler.Email, testenv.Password),
		tnFW:        env.SignIn(t, f.alpha.Fieldworker.Email, testenv.Password),
		tnAnon:      env.Anonymous(),
	}
	betaAdmin := env.SignIn(t, f.beta.Admin.Email, testenv.Password)
	token := func(c *testenv.Client) int {
		t.Helper()
		var out struct {
			CreateBearerToken struct {
				AuthToken struct {
					ID string `json:"id"`
				} `json:"authToken"`
			} `json:"createBearerToken"`
		}
		c.MustDo(t, tnMCreateToken, map[string]any{"n": "setup device"}, &out)
		id, err := strconv.Atoi(out.CreateBearerToken.AuthToken.ID)
		must(err)
		return id
	}
	f.tokAdmin = token(f.clients[tnAdmin])
	f.tokScheduler = token(f.clients[tnScheduler])
	f.tokFW = token(f.clients[tnFW])
	f.tokBeta = token(betaAdmin)
	return f
}

// ---------------------------------------------------------------------------
// Snapshots of the database, read as the all-tenants system.

// tnSnap maps "org<id>/<Type>/<id>" to the row as JSON.
type tnSnap map[string]string

func tnSnapshot(t *testing.T, db *ent.Client) tnSnap {
	t.Helper()
	ctx := viewer.AllTenantsContext(context.Background())
	s := tnSnap{}
	put := func(org int, kind string, id int, v any) {
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("snapshot %s %d: %v", kind, id, err)
		}
		s[fmt.Sprintf("org%d/%s/%d", org, kind, id)] = string(raw)
	}
	fail := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("snapshot: %v", err)
		}
	}
	orgs, err := db.Organization.Query().All(ctx)
	fail(err)
	for _, o := range orgs {
		o.Edges = ent.OrganizationEdges{}
		put(o.ID, "Organization", o.ID, o)
	}
	users, err := db.User.Query().All(ctx)
	fail(err)
	for _, u := range users {
		u.Edges = ent.UserEdges{}
		put(u.OrganizationID, "User", u.ID, struct {
			User         *ent.User `json:"user"`
			PasswordHash string    `json:"password_hash"`
		}{u, u.PasswordHash})
	}
	statuses, err := db.BookingStatus.Query().All(ctx)
	fail(err)
	for _, x := range statuses {
		x.Edges = ent.BookingStatusEdges{}
		put(x.OrganizationID, "BookingStatus", x.ID, x)
	}
	types, err := db.BookingType.Query().All(ctx)
	fail(err)
	for _, x := range types {
		x.Edges = ent.BookingTypeEdges{}
		put(x.OrganizationID, "BookingType", x.ID, x)
	}
	bookings, err := db.Booking.Query().WithHosts(func(q *ent.UserQuery) { q.Select(user.FieldID) }).All(ctx)
	fail(err)
	for _, x := range bookings {
		hosts := []int{}
		for _, h := range x.Edges.Hosts {
			hosts = append(hosts, h.ID)
		}
		sort.Ints(hosts)
		x.Edges = ent.BookingEdges{}
		put(x.OrganizationID, "Booking", x.ID, struct {
			Booking *ent.Booking `json:"booking"`
			Hosts   []int        `json:"hosts"`
		}{x, hosts})
	}
	pcs, err := db.ProviderConfig.Query().All(ctx)
	fail(err)
	for _, x := range pcs {
		x.Edges = ent.ProviderConfigEdges{}
		put(x.OrganizationID, "ProviderConfig", x.ID, x)
	}
	toks, err := db.AuthToken.Query().All(ctx)
	fail(err)
	for _, x := range toks {
		x.Edges = ent.AuthTokenEdges{}
		x.LastUsedAt = nil // touched by authentication itself
		put(x.OrganizationID, "AuthToken", x.ID, x)
	}
	events, err := db.AuditEvent.Query().All(ctx)
	fail(err)
	for _, x := range events {
		x.Edges = ent.AuditEventEdges{}
		put(x.OrganizationID, "AuditEvent", x.ID, x)
	}
	accts, err := db.CalendarAccount.Query().WithUsers(func(q *ent.UserQuery) { q.Select(user.FieldID) }).All(ctx)
	fail(err)
	for _, x := range accts {
		members := []int{}
		for _, u := range x.Edges.Users {
			members = append(members, u.ID)
		}
		sort.Ints(members)
		x.Edges = ent.CalendarAccountEdges{}
		put(x.OrganizationID, "CalendarAccount", x.ID, struct {
			Account *ent.CalendarAccount `json:"account"`
			Users   []int                `json:"users"`
			Token   []byte               `json:"token_enc"`
		}{x, members, x.TokenEnc})
	}
	past, err := db.PastCalendarAccount.Query().All(ctx)
	fail(err)
	for _, x := range past {
		x.Edges = ent.PastCalendarAccountEdges{}
		put(x.OrganizationID, "PastCalendarAccount", x.ID, x)
	}
	invs, err := db.Invitation.Query().All(ctx)
	fail(err)
	for _, x := range invs {
		x.Edges = ent.InvitationEdges{}
		put(x.OrganizationID, "Invitation", x.ID, x)
	}
	atts, err := db.LinkAttempt.Query().All(ctx)
	fail(err)
	for _, x := range atts {
		x.Edges = ent.LinkAttemptEdges{}
		put(x.OrganizationID, "LinkAttempt", x.ID, x)
	}
	mails, err := db.EmailMessage.Query().All(ctx)
	fail(err)
	for _, x := range mails {
		put(x.OrganizationID, "EmailMessage", x.ID, x)
	}
	return s
}

// tnDiff describes the rows (whose key prefix matches) that differ.
func tnDiff(before, after tnSnap, prefix string) []string {
	var out []string
	trim := func(s string) string {
		if len(s) > 400 {
			return s[:400] + "…"
		}
		return s
	}
	for k, v := range before {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		w, ok := after[k]
		switch {
		case !ok:
			out = append(out, "deleted "+k+": "+trim(v))
		case w != v:
			out = append(out, "changed "+k+":\n    before "+trim(v)+"\n    after  "+trim(w))
		}
	}
	for k, w := range after {
		if _, ok := before[k]; !ok && strings.HasPrefix(k, prefix) {
			out = append(out, "created "+k+": "+trim(w))
		}
	}
	sort.Strings(out)
	return out
}

// ---------------------------------------------------------------------------
// Reading responses.

func tnDig(v any, path string) any {
	if path == "" {
		return v
	}
	for _, seg := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[seg]
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func tnAtoi(t *testing.T, v any) int {
	t.Helper()
	s, ok := v.(string)
	if !ok {
		t.Errorf("id %v (%T) is not a string", v, v)
		return -1
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Errorf("id %q: %v", s, err)
		return -1
	}
	return n
}

// tnIDs reads the ids of a connection (edges.node.id) or of a list (id);
// a null list element reads as 0.
func tnIDs(t *testing.T, d tnData, path string) []int {
	t.Helper()
	v := tnDig(d, path)
	if m, ok := v.(map[string]any); ok {
		out := []int{}
		edges, _ := m["edges"].([]any)
		for _, e := range edges {
			out = append(out, tnAtoi(t, tnDig(e, "node.id")))
		}
		return out
	}
	list, ok := v.([]any)
	if !ok {
		t.Errorf("%s: not a list or connection: %v", path, v)
		return nil
	}
	out := make([]int, len(list))
	for i, x := range list {
		if x != nil {
			out[i] = tnAtoi(t, tnDig(x, "id"))
		}
	}
	return out
}

func tnSameSet(t *testing.T, what string, got, want []int) {
	t.Helper()
	g, w := slices.Clone(got), slices.Clone(want)
	sort.Ints(g)
	sort.Ints(w)
	if !slices.Equal(g, w) {
		t.Errorf("%s: got ids %v, want %v", what, g, w)
	}
}

func tnEq(t *testing.T, d tnData, path string, want any) {
	t.Helper()
	if got := tnDig(d, path); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s = %v, want %v", path, got, want)
	}
}

func tnTimeEq(t *testing.T, d tnData, path string, want time.Time) {
	t.Helper()
	s, _ := tnDig(d, path).(string)
	got, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || !got.Equal(want) {
		t.Errorf("%s = %q, want %s", path, s, want.Format(time.RFC3339))
	}
}

func tnCodes(r testenv.Response) []string {
	out := []string{}
	for _, e := range r.Errors {
		out = append(out, e.Code())
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// tnNoData reports whether a failed operation returned nothing: no data,
// or only nulls (and lists of nulls).
func tnNoData(raw json.RawMessage) bool {
	if len(raw) == 0 {
		return true
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return false
	}
	var empty func(v any) bool
	empty = func(v any) bool {
		switch x := v.(type) {
		case nil:
			return true
		case map[string]any:
			for _, e := range x {
				if !empty(e) {
					return false
				}
			}
			return true
		case []any:
			for _, e := range x {
				if e != nil {
					return false
				}
			}
			return true
		}
		return false
	}
	return empty(v)
}

func tnSID(id int) string { return strconv.Itoa(id) }

func tnSIDs(ids ...int) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strconv.Itoa(id)
	}
	return out
}

// tnGhost is an id of the same type as id that exists in no organization
// (ent gives each type its own 2^32 range of ids).
func tnGhost(id int) int { return id + 1_000_000 }

// ---------------------------------------------------------------------------
// Expected rows, read as alpha's system viewer.

func (f *tnFixture) sys() context.Context {
	return viewer.SystemContext(context.Background(), f.alpha.ID)
}

func tnMust(t *testing.T, ids []int, err error) []int {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func (f *tnFixture) alphaUsers(t *testing.T) []int {
	ids, err := f.db.User.Query().IDs(f.sys())
	return tnMust(t, ids, err)
}

func (f *tnFixture) alphaFieldworkers(t *testing.T) []int {
	ids, err := f.db.User.Query().Where(user.RoleEQ(viewer.RoleFieldworker)).IDs(f.sys())
	return tnMust(t, ids, err)
}

func (f *tnFixture) alphaBookings(t *testing.T) []int {
	ids, err := f.db.Booking.Query().IDs(f.sys())
	return tnMust(t, ids, err)
}

func (f *tnFixture) alphaBookingsHostedBy(t *testing.T, u *ent.User) []int {
	ids, err := f.db.Booking.Query().Where(booking.HasHostsWith(user.ID(u.ID))).IDs(f.sys())
	return tnMust(t, ids, err)
}

func (f *tnFixture) alphaStatuses(t *testing.T) []int {
	ids, err := f.db.BookingStatus.Query().IDs(f.sys())
	return tnMust(t, ids, err)
}

func (f *tnFixture) alphaTypes(t *testing.T) []int {
	ids, err := f.db.BookingType.Query().IDs(f.sys())
	return tnMust(t, ids, err)
}

func (f *tnFixture) alphaProviderConfigs(t *testing.T) []int {
	ids, err := f.db.ProviderConfig.Query().IDs(f.sys())
	return tnMust(t, ids, err)
}

func (f *tnFixture) alphaAuditEvents(t *testing.T) []int {
	ids, err := f.db.AuditEvent.Query().IDs(f.sys())
	return tnMust(t, ids, err)
}

func (f *tnFixture) bearerTokensOf(t *testing.T, u *ent.User) []int {
	ids, err := f.db.AuthToken.Query().Where(authtoken.UserID(u.ID), authtoken.KindEQ(authtoken.KindBEARER)).IDs(f.sys())
	return tnMust(t, ids, err)
}

func (f *tnFixture) userOf(role tnRole) *ent.User {
	switch role {
	case tnAdmin:
		return f.alpha.Admin
	case tnScheduler:
		return f.alpha.Scheduler
	case tnFW:
		return f.alpha.Fieldworker
	}
	return nil
}

// ---------------------------------------------------------------------------
// The table.

func (f *tnFixture) cases() []tnCase {
	al, be := f.alpha, f.beta
	alphaID := tnSID(al.ID)
	staff := []tnRole{tnAdmin, tnScheduler}
	users := []tnRole{tnAdmin, tnScheduler, tnFW}
	var cs []tnCase
	add := func(c ...tnCase) { cs = append(cs, c...) }
	id := func(n int) map[string]any { return map[string]any{"id": tnSID(n)} }
	in := func(n int, input map[string]any) map[string]any {
		return map[string]any{"id": tnSID(n), "in": input}
	}
	only := func(input map[string]any) map[string]any { return map[string]any{"in": input} }
	alphaBooking := func(path string) func(t *testing.T, d tnData) {
		return func(t *testing.T, d tnData) { tnEq(t, d, path+".organizationID", alphaID) }
	}
	hostsAre := func(t *testing.T, d tnData, path string, want ...int) {
		t.Helper()
		tnSameSet(t, path+".hosts", tnIDs(t, d, path+".hosts"), want)
	}
	nodeIs := func(want int) func(t *testing.T, d tnData) {
		return func(t *testing.T, d tnData) { tnEq(t, d, "node.id", tnSID(want)) }
	}
	nodeNull := func(t *testing.T, d tnData) {
		if n := tnDig(d, "node"); n != nil {
			t.Errorf("node = %v, want null", n)
		}
	}

	// ---- Queries -------------------------------------------------------
	for _, r := range users {
		u := f.userOf(r)
		add(tnCase{name: "viewer", as: r, query: tnQViewer, check: func(t *testing.T, d tnData) {
			tnEq(t, d, "viewer.role", string(u.Role))
			tnEq(t, d, "viewer.user.id", tnSID(u.ID))
			tnEq(t, d, "viewer.organization.id", alphaID)
		}})
		add(tnCase{name: "organization", as: r, query: tnQOrganization, check: func(t *testing.T, d tnData) {
			tnEq(t, d, "organization.id", alphaID)
			tnEq(t, d, "organization.name", "Org alpha")
			tnSameSet(t, "providerConfigs", tnIDs(t, d, "organization.providerConfigs"), f.alphaProviderConfigs(t))
		}})
		add(tnCase{name: "users", as: r, query: tnQUsers, check: func(t *testing.T, d tnData) {
			tnSameSet(t, "users", tnIDs(t, d, "users"), f.alphaUsers(t))
			tnEq(t, d, "users.totalCount", len(f.alphaUsers(t)))
		}})
		add(tnCase{name: "users where id in beta's", as: r, query: tnQUsersWhere,
			vars: map[string]any{"w": map[string]any{"idIn": tnSIDs(be.Admin.ID, be.Fieldworker.ID)}},
			check: func(t *testing.T, d tnData) {
				tnSameSet(t, "users", tnIDs(t, d, "users"), nil)
				tnEq(t, d, "users.totalCount", 0)
			}})
		add(tnCase{name: "fieldworkers", as: r, query: tnQFieldworkers, check: func(t *testing.T, d tnData) {
			tnSameSet(t, "fieldworkers", tnIDs(t, d, "fieldworkers"), f.alphaFieldworkers(t))
		}})
		add(tnCase{name: "bookings", as: r, query: tnQBookings, check: func(t *testing.T, d tnData) {
			want := f.alphaBookings(t)
			if r == tnFW {
				want = f.alphaBookingsHostedBy(t, al.Fieldworker)
			}
			tnSameSet(t, "bookings", tnIDs(t, d, "bookings"), want)
			tnEq(t, d, "bookings.totalCount", len(want))
		}})
		add(tnCase{name: "bookings of beta's fieldworker", as: r, query: tnQBookings,
			vars: map[string]any{"fw": tnSID(be.Fieldworker.ID)},
			check: func(t *testing.T, d tnData) {
				tnSameSet(t, "bookings", tnIDs(t, d, "bookings"), nil)
				tnEq(t, d, "bookings.totalCount", 0)
			}})
		add(tnCase{name: "bookingStatuses", as: r, query: tnQStatuses, check: func(t *testing.T, d tnData) {
			tnSameSet(t, "bookingStatuses", tnIDs(t, d, "bookingStatuses"), f.alphaStatuses(t))
		}})
		add(tnCase{name: "bookingTypes", as: r, query: tnQTypes, check: func(t *testing.T, d tnData) {
			tnSameSet(t, "bookingTypes", tnIDs(t, d, "bookingTypes"), f.alphaTypes(t))
		}})
		add(tnCase{name: "bearerTokens", as: r, query: tnQBearerTokens, check: func(t *testing.T, d tnData) {
			tnSameSet(t, "bearerTokens", tnIDs(t, d, "bearerTokens"), f.bearerTokensOf(t, u))
		}})
	}
	// where filters must not reach into bookings (or calendar accounts)
	// through users: privacy rules filter returned rows, not the subqueries
	// a filter builds, so "users hosting a booking titled X" would be an
	// oracle on bookings a fieldworker cannot read. The filter is not
	// offered at all, for every role.
	hostsOfBookingsTitled := func(prefix string) map[string]any {
		return map[string]any{"w": map[string]any{"hasBookingsWith": []any{map[string]any{"titleHasPrefix": prefix}}}}
	}
	for _, r := range users {
		add(tnCase{name: "users where hasBookingsWith is not offered", as: r, query: tnQUsersWhere, vars: hostsOfBookingsTitled("Other alpha"),
			want: []string{"GRAPHQL_VALIDATION_FAILED"}})
		add(tnCase{name: "users where hasCalendarAccounts is not offered", as: r, query: tnQUsersWhere,
			vars: map[string]any{"w": map[string]any{"hasCalendarAccounts": true}}, want: []string{"GRAPHQL_VALIDATION_FAILED"}})
	}
	add(tnCase{name: "bookings of Fieldworker2", as: tnFW, query: tnQBookings,
		vars:  map[string]any{"fw": tnSID(al.Fieldworker2.ID)},
		check: func(t *testing.T, d tnData) { tnSameSet(t, "bookings", tnIDs(t, d, "bookings"), nil) }})
	add(tnCase{name: "auditEvents", as: tnAdmin, query: tnQAuditEvents, check: func(t *testing.T, d tnData) {
		got, want := tnIDs(t, d, "auditEvents"), f.alphaAuditEvents(t)
		for _, g := range got {
			if !slices.Contains(want, g) {
				t.Errorf("auditEvents lists %d, not one of alpha's", g)
			}
		}
		if n := min(len(want), 100); len(got) != n {
			t.Errorf("auditEvents lists %d events, want %d", len(got), n)
		}
		tnEq(t, d, "auditEvents.totalCount", len(want))
	}})
	add(tnCase{name: "auditEvents", as: tnScheduler, query: tnQAuditEvents, want: tnForbidden},
		tnCase{name: "auditEvents", as: tnFW, query: tnQAuditEvents, want: tnForbidden})

	// Anonymous: viewer is null, everything else fails with no data.
	add(tnCase{name: "viewer", as: tnAnon, query: tnQViewer, check: func(t *testing.T, d tnData) {
		if v := tnDig(d, "viewer"); v != nil {
			t.Errorf("viewer = %v, want null", v)
		}
	}})
	for _, q := range []struct {
		name, query string
		vars        map[string]any
	}{
		{"organization", tnQOrganization, nil},
		{"users", tnQUsers, nil},
		{"fieldworkers", tnQFieldworkers, nil},
		{"bookings", tnQBookings, nil},
		{"bookingStatuses", tnQStatuses, nil},
		{"bookingTypes", tnQTypes, nil},
		{"auditEvents", tnQAuditEvents, nil},
		{"bearerTokens", tnQBearerTokens, nil},
		{"node alpha booking", tnQNode, id(al.Booking.ID)},
		{"node alpha user", tnQNode, id(al.Admin.ID)},
		{"node alpha org", tnQNode, id(al.ID)},
		{"node beta booking", tnQNode, id(be.Booking.ID)},
		{"nodes alpha", tnQNodes, map[string]any{"ids": tnSIDs(al.Booking.ID, al.Status.ID)}},
	} {
		add(tnCase{name: q.name, as: tnAnon, query: q.query, vars: q.vars, want: tnAnonCodes})
	}

	// node(id:) on alpha's objects.
	for _, r := range users {
		for _, o := range []struct {
			what string
			id   int
		}{
			{"booking", al.Booking.ID}, {"user", al.Fieldworker2.ID}, {"status", al.Status.ID},
			{"type", al.Type.ID}, {"org", al.ID}, {"provider config", f.alphaGoogle.ID},
		} {
			add(tnCase{name: "node alpha " + o.what, as: r, query: tnQNode, vars: id(o.id), check: nodeIs(o.id)})
		}
	}
	for _, r := range staff {
		add(tnCase{name: "node alpha booking hosted by Fieldworker2", as: r, query: tnQNode, vars: id(f.other.ID), check: nodeIs(f.other.ID)})
		add(tnCase{name: "Fieldworker2's bookings", as: r, query: tnQUserBookings, vars: id(al.Fieldworker2.ID), check: func(t *testing.T, d tnData) {
			tnSameSet(t, "bookings", tnIDs(t, d, "node.bookings"), f.alphaBookingsHostedBy(t, al.Fieldworker2))
		}})
	}
	// A fieldworker does not see bookings they do not host: not by id, not
	// through another user's edge, not in nodes.
	add(tnCase{name: "node alpha booking hosted by Fieldworker2", as: tnFW, query: tnQNode, vars: id(f.other.ID),
		tolerate: tnNotFound, ghost: id(tnGhost(f.other.ID)), check: nodeNull})
	add(tnCase{name: "Fieldworker2's bookings", as: tnFW, query: tnQUserBookings, vars: id(al.Fieldworker2.ID), check: func(t *testing.T, d tnData) {
		tnEq(t, d, "node.id", tnSID(al.Fieldworker2.ID))
		tnSameSet(t, "bookings", tnIDs(t, d, "node.bookings"), nil)
	}})
	add(tnCase{name: "nodes alpha own+other+beta", as: tnFW, query: tnQNodes,
		vars:     map[string]any{"ids": tnSIDs(al.Booking.ID, f.other.ID, be.Booking.ID, be.Admin.ID)},
		tolerate: tnNotFound, check: func(t *testing.T, d tnData) {
			if got := tnIDs(t, d, "nodes"); !slices.Equal(got, []int{al.Booking.ID, 0, 0, 0}) {
				t.Errorf("nodes = %v, want [%d 0 0 0] (0 = null)", got, al.Booking.ID)
			}
		}})
	for _, r := range users {
		add(tnCase{name: "organization's users", as: r, query: tnQOrgUsers, vars: id(al.ID), check: func(t *testing.T, d tnData) {
			tnSameSet(t, "users", tnIDs(t, d, "node.users"), f.alphaUsers(t))
		}})
	}
	// Calendar accounts: staff see everyone's, a fieldworker only their own
	// — not another user's by id, however they got it.
	for _, r := range staff {
		add(tnCase{name: "node alpha Fieldworker2's calendar account", as: r, query: tnQNode, vars: id(f.acctFW2.ID), check: nodeIs(f.acctFW2.ID)})
	}
	add(tnCase{name: "node own calendar account", as: tnFW, query: tnQNode, vars: id(f.acctFW.ID), check: nodeIs(f.acctFW.ID)})
	add(tnCase{name: "node alpha Fieldworker2's calendar account", as: tnFW, query: tnQNode, vars: id(f.acctFW2.ID),
		tolerate: tnNotFound, ghost: id(tnGhost(f.acctFW2.ID)), check: nodeNull})

	// Audit events: admins only.
	add(tnCase{name: "node alpha audit event", as: tnAdmin, query: tnQNode, vars: id(f.alphaAudit.ID), check: nodeIs(f.alphaAudit.ID)})
	for _, r := range []tnRole{tnScheduler, tnFW} {
		add(tnCase{name: "node alpha audit event", as: r, query: tnQNode, vars: id(f.alphaAudit.ID),
			tolerate: []string{"FORBIDDEN", "NOT_FOUND"}, ghost: id(tnGhost(f.alphaAudit.ID)), check: nodeNull})
	}

	// node(id:) and nodes(ids:) on beta's objects: null, like missing ids.
	betaObjects := []struct {
		what string
		id   int
	}{
		{"booking", be.Booking.ID}, {"admin", be.Admin.ID}, {"fieldworker", be.Fieldworker.ID},
		{"status", be.Status.ID}, {"type", be.Type.ID}, {"org", be.ID},
		{"provider config", f.betaGoogle.ID}, {"audit event", f.betaAudit.ID}, {"bearer token", f.tokBeta},
		{"calendar account", f.acctBeta.ID},
	}
	var betaIDs []int
	for _, o := range betaObjects {
		betaIDs = append(betaIDs, o.id)
	}
	for _, r := range users {
		for _, o := range betaObjects {
			add(tnCase{name: "node beta " + o.what, as: r, query: tnQNode, vars: id(o.id),
				tolerate: []string{"NOT_FOUND", "FORBIDDEN"}, ghost: id(tnGhost(o.id)), check: nodeNull})
		}
		add(tnCase{name: "nodes beta", as: r, query: tnQNodes, vars: map[string]any{"ids": tnSIDs(betaIDs...)},
			tolerate: []string{"NOT_FOUND", "FORBIDDEN"}, check: func(t *testing.T, d tnData) {
				if got := tnIDs(t, d, "nodes"); !slices.Equal(got, make([]int, len(betaIDs))) {
					t.Errorf("nodes(beta ids) = %v, want all null", got)
				}
			}})
	}

	// ---- Organization and provider settings ----------------------------
	add(tnCase{name: "updateOrganization", as: tnAdmin, query: tnMUpdateOrg, vars: only(map[string]any{"name": "Alpha Renamed"}),
		check: func(t *testing.T, d tnData) {
			tnEq(t, d, "updateOrganization.id", alphaID)
			tnEq(t, d, "updateOrganization.name", "Alpha Renamed")
		}})
	add(tnCase{name: "updateProviderConfig", as: tnAdmin, query: tnMUpdateProvider,
		vars: only(map[string]any{"provider": "GOOGLE", "enabled": true, "usersCanOverride": true}),
		check: func(t *testing.T, d tnData) {
			tnEq(t, d, "updateProviderConfig.id", tnSID(f.alphaGoogle.ID))
			tnEq(t, d, "updateProviderConfig.organizationID", alphaID)
			tnEq(t, d, "updateProviderConfig.enabled", true)
		}})
	for _, r := range []tnRole{tnScheduler, tnFW, tnAnon} {
		want := tnForbidden
		if r == tnAnon {
			want = tnAnonCodes
		}
		add(tnCase{name: "updateOrganization", as: r, query: tnMUpdateOrg, vars: only(map[string]any{"name": "Hijacked"}), want: want},
			tnCase{name: "updateProviderConfig", as: r, query: tnMUpdateProvider, vars: only(map[string]any{"provider": "MICROSOFT", "enabled": true}), want: want})
	}

	// ---- Users -----------------------------------------------------------
	add(tnCase{name: "createUser (general fieldworker)", as: tnAdmin, query: tnMCreateUser,
		vars: only(map[string]any{"user": map[string]any{"email": "new@alpha.test", "name": "New", "role": "FIELDWORKER", "generalFieldworker": true}, "password": "a long enough password"}),
		check: func(t *testing.T, d tnData) {
			tnEq(t, d, "createUser.organizationID", alphaID)
			tnEq(t, d, "createUser.generalFieldworker", true)
		}})
	add(tnCase{name: "createUser with an email beta uses", as: tnAdmin, query: tnMCreateUser,
		vars: only(map[string]any{"user": map[string]any{"email": be.Scheduler.Email, "name": "Namesake", "role": "SCHEDULER"}}),
		check: func(t *testing.T, d tnData) {
			tnEq(t, d, "createUser.organizationID", alphaID)
			tnEq(t, d, "createUser.email", be.Scheduler.Email)
		}})
	for _, r := range []tnRole{tnScheduler, tnFW, tnAnon} {
		want := tnForbidden
		if r == tnAnon {
			want = tnAnonCodes
		}
		add(tnCase{name: "createUser", as: r, query: tnMCreateUser, want: want,
			vars: only(map[string]any{"user": map[string]any{"email": "sneak-" + string(r) + "@alpha.test", "name": "Sneak", "role": "ADMIN"}, "password": "a long enough password"})})
	}

	// updateUser
	add(tnCase{name: "updateUser Fieldworker2", as: tnAdmin, query: tnMUpdateUser, vars: in(al.Fieldworker2.ID, map[string]any{"name": "Fieldworker Two"}),
		check: func(t *testing.T, d tnData) { tnEq(t, d, "updateUser.name", "Fieldworker Two") }})
	add(tnCase{name: "updateUser own role", as: tnAdmin, query: tnMUpdateUser, vars: in(al.Admin.ID, map[string]any{"role": "FIELDWORKER"}), want: tnSelfRoleChange})
	add(tnCase{name: "updateUser beta admin", as: tnAdmin, query: tnMUpdateUser, vars: in(be.Admin.ID, map[string]any{"role": "FIELDWORKER", "name": "pwned"}),
		ghost: in(tnGhost(be.Admin.ID), map[string]any{"role": "FIELDWORKER", "name": "pwned"}), want: tnNotFound})
	add(tnCase{name: "updateUser beta fieldworker", as: tnAdmin, query: tnMUpdateUser, vars: in(be.Fieldworker.ID, map[string]any{"name": "pwned", "active": false}),
		ghost: in(tnGhost(be.Fieldworker.ID), map[string]any{"name": "pwned", "active": false}), want: tnNotFound})
	add(tnCase{name: "updateUser Fieldworker", as: tnScheduler, query: tnMUpdateUser, vars: in(al.Fieldworker.ID, map[string]any{"name": "Renamed by scheduler"}), want: tnForbidden})
	add(tnCase{name: "updateUser own role", as: tnScheduler, query: tnMUpdateUser, vars: in(al.Scheduler.ID, map[string]any{"role": "ADMIN"}), want: tnSelfRoleChange})
	add(tnCase{name: "updateUser beta fieldworker", as: tnScheduler, query: tnMUpdateUser, vars: in(be.Fieldworker.ID, map[string]any{"name": "pwned"}),
		ghost: in(tnGhost(be.Fieldworker.ID), map[string]any{"name": "pwned"}), want: tnForeignDenied})
	add(tnCase{name: "updateUser own name and time zone", as: tnFW, query: tnMUpdateUser, vars: in(al.Fieldworker.ID, map[string]any{"name": "Field Worker", "timeZone": "Europe/Berlin"}),
		check: func(t *testing.T, d tnData) {
			tnEq(t, d, "updateUser.name", "Field Worker")
			tnEq(t, d, "updateUser.timeZone", "Europe/Berlin")
			tnEq(t, d, "updateUser.role", "FIELDWORKER")
		}})
	add(tnCase{name: "updateUser own role", as: tnFW, query: tnMUpdateUser, vars: in(al.Fieldworker.ID, map[string]any{"role": "ADMIN"}), want: tnSelfRoleChange})
	add(tnCase{name: "updateUser own role along with name", as: tnFW, query: tnMUpdateUser, vars: in(al.Fieldworker.ID, map[string]any{"role": "SCHEDULER", "name": "Sneaky"}), want: tnSelfRoleChange})
	add(tnCase{name: "updateUser own role to the same role", as: tnFW, query: tnMUpdateUser, vars: in(al.Fieldworker.ID, map[string]any{"role": "FIELDWORKER", "name": "Sneaky"}), want: tnForbidden})
	add(tnCase{name: "updateUser own email", as: tnFW, query: tnMUpdateUser, vars: in(al.Fieldworker.ID, map[string]any{"email": "fw-new@alpha.test"}), want: tnForbidden})
	add(tnCase{name: "updateUser own active", as: tnFW, query: tnMUpdateUser, vars: in(al.Fieldworker.ID, map[string]any{"active": false}), want: []string{"BAD_USER_INPUT", "FORBIDDEN"}})
	add(tnCase{name: "updateUser own generalFieldworker", as: tnFW, query: tnMUpdateUser, vars: in(al.Fieldworker.ID, map[string]any{"generalFieldworker": true}), want: tnForbidden})
	add(tnCase{name: "updateUser Fieldworker2", as: tnFW, query: tnMUpdateUser, vars: in(al.Fieldworker2.ID, map[string]any{"name": "Renamed by colleague"}), want: tnForbidden})
	add(tnCase{name: "updateUser beta fieldworker", as: tnFW, query: tnMUpdateUser, vars: in(be.Fieldworker.ID, map[string]any{"name": "pwned"}),
		ghost: in(tnGhost(be.Fieldworker.ID), map[string]any{"name": "pwned"}), want: tnForeignDenied})
	add(tnCase{name: "updateUser Fieldworker", as: tnAnon, query: tnMUpdateUser, vars: in(al.Fieldworker.ID, map[string]any{"name": "anon"}), want: tnAnonCodes})

	// setPassword
	const newPassword = "another long password"
	pw := func(n int) map[string]any { return map[string]any{"id": tnSID(n), "pw": newPassword} }
	add(tnCase{name: "setPassword Fieldworker2", as: tnAdmin, query: tnMSetPassword, vars: pw(al.Fieldworker2.ID),
		check: func(t *testing.T, d tnData) {
			tnEq(t, d, "setPassword", true)
			u, err := f.db.User.Get(f.sys(), al.Fieldworker2.ID)
			if err != nil || !auth.CheckPassword(u.PasswordHash, newPassword) {
				t.Errorf("Fieldworker2's password was not set (err %v)", err)
			}
		}})
	add(tnCase{name: "setPassword beta admin", as: tnAdmin, query: tnMSetPassword, vars: pw(be.Admin.ID), ghost: pw(tnGhost(be.Admin.ID)), want: tnNotFound})
	add(tnCase{name: "setPassword Fieldworker", as: tnScheduler, query: tnMSetPassword, vars: pw(al.Fieldworker.ID), want: tnForbidden})
	add(tnCase{name: "setPassword beta admin", as: tnScheduler, query: tnMSetPassword, vars: pw(be.Admin.ID), ghost: pw(tnGhost(be.Admin.ID)), want: tnForeignDenied})
	add(tnCase{name: "setPassword Fieldworker2", as: tnFW, query: tnMSetPassword, vars: pw(al.Fieldworker2.ID), want: tnForbidden})
	add(tnCase{name: "setPassword admin", as: tnFW, query: tnMSetPassword, vars: pw(al.Admin.ID), want: tnForbidden})
	add(tnCase{name: "setPassword beta admin", as: tnFW, query: tnMSetPassword, vars: pw(be.Admin.ID), ghost: pw(tnGhost(be.Admin.ID)), want: tnForeignDenied})
	// One's own password needs the current one.
	add(tnCase{name: "setPassword own without the current password", as: tnFW, query: tnMSetPassword, vars: pw(al.Fieldworker.ID), want: []string{"BAD_USER_INPUT"}})
	ownPw := pw(al.Fieldworker.ID)
	ownPw["cur"] = testenv.Password
	add(tnCase{name: "setPassword own", as: tnFW, query: tnMSetOwnPassword, vars: ownPw,
		check: func(t *testing.T, d tnData) {
			tnEq(t, d, "setPassword", true)
			u, err := f.db.User.Get(f.sys(), al.Fieldworker.ID)
			if err != nil || !auth.CheckPassword(u.PasswordHash, newPassword) {
				t.Errorf("Fieldworker's password was not set (err %v)", err)
			}
			// Their other tokens end with the old password.
			tok, err := f.db.AuthToken.Get(f.sys(), f.tokFW)
			if err != nil || tok.RevokedAt == nil {
				t.Errorf("Fieldworker's bearer token survived the password change (err %v)", err)
			}
		}})
	add(tnCase{name: "setPassword Fieldworker", as: tnAnon, query: tnMSetPassword, vars: pw(al.Fieldworker.ID), want: tnAnonCodes})

	// deactivateUser
	add(tnCase{name: "deactivateUser temp user", as: tnAdmin, query: tnMDeactivate, vars: id(f.tempUser.ID),
		check: func(t *testing.T, d tnData) {
			tnEq(t, d, "deactivateUser.id", tnSID(f.tempUser.ID))
			tnEq(t, d, "deactivateUser.active", false)
		}})
	add(tnCase{name: "deactivateUser self", as: tnAdmin, query: tnMDeactivate, vars: id(al.Admin.ID), want: []string{"BAD_USER_INPUT"}})
	add(tnCase{name: "deactivateUser beta fieldworker", as: tnAdmin, query: tnMDeactivate, vars: id(be.Fieldworker.ID), ghost: id(tnGhost(be.Fieldworker.ID)), want: tnNotFound})
	add(tnCase{name: "deactivateUser Fieldworker2", as: tnScheduler, query: tnMDeactivate, vars: id(al.Fieldworker2.ID), want: tnForbidden})
	add(tnCase{name: "deactivateUser beta fieldworker", as: tnScheduler, query: tnMDeactivate, vars: id(be.Fieldworker.ID), ghost: id(tnGhost(be.Fieldworker.ID)), want: tnForeignDenied})
	add(tnCase{name: "deactivateUser Fieldworker2", as: tnFW, query: tnMDeactivate, vars: id(al.Fieldworker2.ID), want: tnForbidden})
	add(tnCase{name: "deactivateUser self", as: tnFW, query: tnMDeactivate, vars: id(al.Fieldworker.ID), want: []string{"BAD_USER_INPUT", "FORBIDDEN"}})
	add(tnCase{name: "deactivateUser beta fieldworker", as: tnFW, query: tnMDeactivate, vars: id(be.Fieldworker.ID), ghost: id(tnGhost(be.Fieldworker.ID)), want: tnForeignDenied})
	add(tnCase{name: "deactivateUser Fieldworker2", as: tnAnon, query: tnMDeactivate, vars: id(al.Fieldworker2.ID), want: tnAnonCodes})

	// ---- Booking statuses and types --------------------------------------
	type setting struct {
		kind                     string
		create, update, del      string
		own, doomed, spare       int
		betaUsed, betaSpare      int
		createInput, updateInput map[string]any
		checkCreate, checkUpdate func(t *testing.T, d tnData)
		exists                   func(id int) bool
	}
	for _, s := range []setting{
		{
			kind: "BookingStatus", create: tnMCreateStatus, update: tnMUpdateStatus, del: tnMDeleteStatus,
			own: al.Status.ID, doomed: f.doomedStatus.ID, spare: f.spareStatus.ID,
			betaUsed: be.Status.ID, betaSpare: f.betaSpareStatus.ID,
			createInput: map[string]any{"name": "Tentative"},
			updateInput: map[string]any{"description": "changed"},
			checkCreate: func(t *testing.T, d tnData) { tnEq(t, d, "createBookingStatus.organizationID", alphaID) },
			checkUpdate: func(t *testing.T, d tnData) { tnEq(t, d, "updateBookingStatus.description", "changed") },
			exists: func(id int) bool {
				ok, err := f.db.BookingStatus.Query().Where(bookingstatus.ID(id)).Exist(f.sys())
				return ok || err != nil
			},
		},
		{
			kind: "BookingType", create: tnMCreateType, update: tnMUpdateType, del: tnMDeleteType,
			own: al.Type.ID, doomed: f.doomedType.ID, spare: f.spareType.ID,
			betaUsed: be.Type.ID, betaSpare: f.betaSpareType.ID,
			// default and personal make the service unmark the other
			// types: beta's default+personal type must stay as it is.
			createInput: map[string]any{"name": "Holiday", "default": true, "personal": true},
			updateInput: map[string]any{"name": "Appointment (changed)", "default": true},
			checkCreate: func(t *testing.T, d tnData) {
				tnEq(t, d, "createBookingType.organizationID", alphaID)
				tnEq(t, d, "createBookingType.default", true)
			},
			checkUpdate: func(t *testing.T, d tnData) { tnEq(t, d, "updateBookingType.default", true) },
			exists: func(id int) bool {
				ok, err := f.db.BookingType.Query().Where(bookingtype.ID(id)).Exist(f.sys())
				return ok || err != nil
			},
		},
	} {
		add(tnCase{name: "create" + s.kind, as: tnAdmin, query: s.create, vars: only(s.createInput), check: s.checkCreate})
		add(tnCase{name: "update" + s.kind + " alpha", as: tnAdmin, query: s.update, vars: in(s.own, s.updateInput), check: s.checkUpdate})
		add(tnCase{name: "delete" + s.kind + " alpha (made to be deleted)", as: tnAdmin, query: s.del, vars: id(s.doomed),
			check: func(t *testing.T, d tnData) {
				tnEq(t, d, "delete"+s.kind, tnSID(s.doomed))
				if s.exists(s.doomed) {
					t.Errorf("%s %d is still there", s.kind, s.doomed)
				}
			}})
		for _, target := range []struct {
			what string
			id   int
		}{{"beta (in use)", s.betaUsed}, {"beta (unused)", s.betaSpare}} {
			add(tnCase{name: "update" + s.kind + " " + target.what, as: tnAdmin, query: s.update, vars: in(target.id, s.updateInput),
				ghost: in(tnGhost(target.id), s.updateInput), want: tnNotFound})
			add(tnCase{name: "delete" + s.kind + " " + target.what, as: tnAdmin, query: s.del, vars: id(target.id),
				ghost: id(tnGhost(target.id)), want: tnNotFound})
		}
		for _, r := range []tnRole{tnScheduler, tnFW, tnAnon} {
			want := tnForbidden
			if r == tnAnon {
				want = tnAnonCodes
			}
			add(tnCase{name: "create" + s.kind, as: r, query: s.create, vars: only(s.createInput), want: want})
			add(tnCase{name: "update" + s.kind + " alpha", as: r, query: s.update, vars: in(s.own, s.updateInput), want: want})
			add(tnCase{name: "delete" + s.kind + " alpha (unused)", as: r, query: s.del, vars: id(s.spare), want: want})
			if r == tnAnon {
				continue
			}
			add(tnCase{name: "update" + s.kind + " beta", as: r, query: s.update, vars: in(s.betaSpare, s.updateInput),
				ghost: in(tnGhost(s.betaSpare), s.updateInput), want: tnForeignDenied})
			add(tnCase{name: "delete" + s.kind + " beta", as: r, query: s.del, vars: id(s.betaSpare),
				ghost: id(tnGhost(s.betaSpare)), want: tnForeignDenied})
		}
	}

	// ---- Bookings --------------------------------------------------------
	newBooking := func(title string, day int, over map[string]any) map[string]any {
		start := time.Date(2030, 3, day, 10, 0, 0, 0, time.UTC)
		b := map[string]any{
			"title": title, "startAt": start.Format(time.RFC3339), "endAt": start.Add(time.Hour).Format(time.RFC3339),
			"hostIDs": tnSIDs(al.Fieldworker.ID), "statusID": tnSID(al.Status.ID), "typeID": tnSID(al.Type.ID),
		}
		for k, v := range over {
			b[k] = v
		}
		return only(b)
	}
	for i, r := range staff {
		add(tnCase{name: "createBooking", as: r, query: tnMCreateBooking, vars: newBooking("New by "+string(r), 1+i, nil),
			check: func(t *testing.T, d tnData) {
				alphaBooking("createBooking")(t, d)
				tnEq(t, d, "createBooking.statusID", tnSID(al.Status.ID))
				hostsAre(t, d, "createBooking", al.Fieldworker.ID)
			}})
	}
	add(tnCase{name: "createBooking", as: tnFW, query: tnMCreateBooking, vars: newBooking("By fieldworker", 3, nil), want: tnForbidden})
	add(tnCase{name: "createBooking", as: tnAnon, query: tnMCreateBooking, vars: newBooking("By nobody", 3, nil), want: tnAnonCodes})
	for _, ref := range []struct {
		what       string
		over, gost map[string]any
	}{
		{"beta host", map[string]any{"hostIDs": tnSIDs(be.Fieldworker.ID)}, map[string]any{"hostIDs": tnSIDs(tnGhost(be.Fieldworker.ID))}},
		{"alpha and beta hosts", map[string]any{"hostIDs": tnSIDs(al.Fieldworker.ID, be.Fieldworker.ID)}, map[string]any{"hostIDs": tnSIDs(al.Fieldworker.ID, tnGhost(be.Fieldworker.ID))}},
		{"beta status", map[string]any{"statusID": tnSID(be.Status.ID)}, map[string]any{"statusID": tnSID(tnGhost(be.Status.ID))}},
		{"beta type", map[string]any{"typeID": tnSID(be.Type.ID)}, map[string]any{"typeID": tnSID(tnGhost(be.Type.ID))}},
		{"beta host, status and type", map[string]any{"hostIDs": tnSIDs(be.Fieldworker2.ID), "statusID": tnSID(be.Status.ID), "typeID": tnSID(be.Type.ID)},
			map[string]any{"hostIDs": tnSIDs(tnGhost(be.Fieldworker2.ID)), "statusID": tnSID(tnGhost(be.Status.ID)), "typeID": tnSID(tnGhost(be.Type.ID))}},
	} {
		for _, r := range staff {
			add(tnCase{name: "createBooking with " + ref.what, as: r, query: tnMCreateBooking,
				vars: newBooking("Cross-tenant", 9, ref.over), ghost: newBooking("Cross-tenant", 9, ref.gost), want: tnNotFound})
		}
	}
	add(tnCase{name: "createBooking with beta host", as: tnFW, query: tnMCreateBooking,
		vars:  newBooking("Cross-tenant", 9, map[string]any{"hostIDs": tnSIDs(be.Fieldworker.ID)}),
		ghost: newBooking("Cross-tenant", 9, map[string]any{"hostIDs": tnSIDs(tnGhost(be.Fieldworker.ID))}), want: tnForeignDenied})

	// Operations on one booking by id: alpha's own (allowed for staff;
	// FORBIDDEN for the hosting fieldworker; NOT_FOUND for a fieldworker
	// who does not host it) and beta's (NOT_FOUND for everyone).
	type byID struct {
		op    string
		query string
		vars  func(id int) map[string]any
		// staffTargets: alpha bookings the admin and the scheduler change.
		staffTargets [2]int
		check        func(t *testing.T, d tnData)
	}
	// Fieldworker hosts al.Booking and never f.other, in every case.
	reassignHosts := func(n int) []int {
		if n == f.other.ID || n == tnGhost(f.other.ID) {
			return []int{al.Fieldworker2.ID}
		}
		return []int{al.Fieldworker.ID, al.Fieldworker2.ID}
	}
	resched := func(day int) func(int) map[string]any {
		return func(n int) map[string]any {
			start := time.Date(2030, 1, day, 9, 0, 0, 0, time.UTC)
			return map[string]any{"id": tnSID(n), "s": start.Format(time.RFC3339), "e": start.Add(2 * time.Hour).Format(time.RFC3339)}
		}
	}
	for _, op := range []byID{
		{
			op: "updateBooking", query: tnMUpdateBooking,
			vars: func(n int) map[string]any {
				return in(n, map[string]any{"title": "Updated", "customerName": "Customer"})
			},
			staffTargets: [2]int{al.Booking.ID, al.Booking.ID},
			check:        func(t *testing.T, d tnData) { tnEq(t, d, "updateBooking.title", "Updated") },
		},
		{
			op: "rescheduleBooking", query: tnMReschedule, vars: resched(8),
			staffTargets: [2]int{al.Booking.ID, f.other.ID},
			check: func(t *testing.T, d tnData) {
				tnTimeEq(t, d, "rescheduleBooking.startAt", time.Date(2030, 1, 8, 9, 0, 0, 0, time.UTC))
				tnTimeEq(t, d, "rescheduleBooking.endAt", time.Date(2030, 1, 8, 11, 0, 0, 0, time.UTC))
			},
		},
		{
			op: "reassignBooking", query: tnMReassign,
			vars:         func(n int) map[string]any { return map[string]any{"id": tnSID(n), "h": tnSIDs(reassignHosts(n)...)} },
			staffTargets: [2]int{al.Booking.ID, f.other.ID},
			check: func(t *testing.T, d tnData) {
				n := tnAtoi(t, tnDig(d, "reassignBooking.id"))
				hostsAre(t, d, "reassignBooking", reassignHosts(n)...)
			},
		},
		{
			op: "cancelBooking", query: tnMCancel, vars: id,
			staffTargets: [2]int{f.cancelA.ID, f.cancelS.ID},
			check: func(t *testing.T, d tnData) {
				if tnDig(d, "cancelBooking.cancelledAt") == nil {
					t.Error("cancelledAt is null")
				}
			},
		},
		{
			op: "deleteBooking", query: tnMDeleteBooking, vars: id,
			staffTargets: [2]int{f.deleteA.ID, f.deleteS.ID},
		},
	} {
		for i, r := range staff {
			target := op.staffTargets[i]
			check := op.check
			if op.op == "deleteBooking" {
				check = func(t *testing.T, d tnData) {
					tnEq(t, d, "deleteBooking", tnSID(target))
					if _, err := f.db.Booking.Get(f.sys(), target); !ent.IsNotFound(err) {
						t.Errorf("booking %d still there (err %v)", target, err)
					}
				}
			} else {
				inner := check
				check = func(t *testing.T, d tnData) {
					alphaBooking(op.op)(t, d)
					tnEq(t, d, op.op+".id", tnSID(target))
					inner(t, d)
				}
			}
			add(tnCase{name: op.op + " alpha", as: r, query: op.query, vars: op.vars(target), check: check})
		}
		add(tnCase{name: op.op + " alpha booking it hosts", as: tnFW, query: op.query, vars: op.vars(al.Booking.ID), want: tnForbidden})
		add(tnCase{name: op.op + " alpha booking it does not host", as: tnFW, query: op.query, vars: op.vars(f.other.ID),
			ghost: op.vars(tnGhost(f.other.ID)), want: tnNotFound})
		add(tnCase{name: op.op + " alpha", as: tnAnon, query: op.query, vars: op.vars(al.Booking.ID), want: tnAnonCodes})
		for _, r := range users {
			add(tnCase{name: op.op + " beta", as: r, query: op.query, vars: op.vars(be.Booking.ID),
				ghost: op.vars(tnGhost(be.Booking.ID)), want: tnNotFound})
		}
	}
	// Pointing alpha's booking at beta's rows.
	for _, r := range staff {
		for _, ref := range []struct {
			what         string
			input, ghost map[string]any
		}{
			{"add beta host", map[string]any{"addHostIDs": tnSIDs(be.Fieldworker.ID)}, map[string]any{"addHostIDs": tnSIDs(tnGhost(be.Fieldworker.ID))}},
			{"beta status", map[string]any{"statusID": tnSID(be.Status.ID)}, map[string]any{"statusID": tnSID(tnGhost(be.Status.ID))}},
			{"beta type", map[string]any{"typeID": tnSID(be.Type.ID)}, map[string]any{"typeID": tnSID(tnGhost(be.Type.ID))}},
		} {
			add(tnCase{name: "updateBooking alpha with " + ref.what, as: r, query: tnMUpdateBooking,
				vars: in(al.Booking.ID, ref.input), ghost: in(al.Booking.ID, ref.ghost), want: tnNotFound})
		}
		add(tnCase{name: "reassignBooking alpha to beta host", as: r, query: tnMReassign,
			vars:  map[string]any{"id": tnSID(al.Booking.ID), "h": tnSIDs(be.Fieldworker.ID)},
			ghost: map[string]any{"id": tnSID(al.Booking.ID), "h": tnSIDs(tnGhost(be.Fieldworker.ID))}, want: tnNotFound})
		add(tnCase{name: "reassignBooking alpha to alpha and beta hosts", as: r, query: tnMReassign,
			vars:  map[string]any{"id": tnSID(al.Booking.ID), "h": tnSIDs(al.Fieldworker.ID, be.Fieldworker.ID)},
			ghost: map[string]any{"id": tnSID(al.Booking.ID), "h": tnSIDs(al.Fieldworker.ID, tnGhost(be.Fieldworker.ID))}, want: tnNotFound})
	}

	// setBookingsPublished
	publish := func(p bool, ids ...int) map[string]any { return map[string]any{"ids": tnSIDs(ids...), "p": p} }
	add(tnCase{name: "setBookingsPublished alpha", as: tnAdmin, query: tnMPublish, vars: publish(false, al.Booking.ID),
		check: func(t *testing.T, d tnData) {
			tnEq(t, d, "setBookingsPublished.0.published", false)
			alphaBooking("setBookingsPublished.0")(t, d)
		}})
	add(tnCase{name: "setBookingsPublished alpha", as: tnScheduler, query: tnMPublish, vars: publish(true, al.Booking.ID, f.other.ID),
		check: func(t *testing.T, d tnData) {
			tnSameSet(t, "setBookingsPublished", tnIDs(t, d, "setBookingsPublished"), []int{al.Booking.ID, f.other.ID})
			tnEq(t, d, "setBookingsPublished.1.published", true)
		}})
	for _, r := range staff {
		add(tnCase{name: "setBookingsPublished beta", as: r, query: tnMPublish, vars: publish(false, be.Booking.ID),
			ghost: publish(false, tnGhost(be.Booking.ID)), want: tnNotFound})
		add(tnCase{name: "setBookingsPublished alpha and beta", as: r, query: tnMPublish, vars: publish(false, al.Booking.ID, be.Booking.ID),
			ghost: publish(false, al.Booking.ID, tnGhost(be.Booking.ID)), want: tnNotFound})
	}
	add(tnCase{name: "setBookingsPublished alpha booking it hosts", as: tnFW, query: tnMPublish, vars: publish(false, al.Booking.ID), want: tnForbidden})
	add(tnCase{name: "setBookingsPublished alpha booking it does not host", as: tnFW, query: tnMPublish, vars: publish(false, f.other.ID),
		ghost: publish(false, tnGhost(f.other.ID)), want: tnNotFound})
	add(tnCase{name: "setBookingsPublished beta", as: tnFW, query: tnMPublish, vars: publish(false, be.Booking.ID),
		ghost: publish(false, tnGhost(be.Booking.ID)), want: tnNotFound})
	add(tnCase{name: "setBookingsPublished alpha", as: tnAnon, query: tnMPublish, vars: publish(false, al.Booking.ID), want: tnAnonCodes})

	// massModifyBookings
	mass := func(ids []int, over map[string]any) map[string]any {
		m := map[string]any{"ids": tnSIDs(ids...)}
		for k, v := range over {
			m[k] = v
		}
		return only(m)
	}
	add(tnCase{name: "massModifyBookings alpha status and type", as: tnScheduler, query: tnMMassModify,
		vars: mass([]int{al.Booking.ID, f.other.ID}, map[string]any{"statusID": tnSID(al.Status.ID), "typeID": tnSID(al.Type.ID)}),
		check: func(t *testing.T, d tnData) {
			tnEq(t, d, "massModifyBookings.count", 2)
			alphaBooking("massModifyBookings.bookings.0")(t, d)
			alphaBooking("massModifyBookings.bookings.1")(t, d)
		}})
	add(tnCase{name: "massModifyBookings alpha shift and hosts", as: tnAdmin, query: tnMMassModify,
		vars: mass([]int{f.other.ID}, map[string]any{"shiftMinutes": 30, "hostIDs": tnSIDs(al.Fieldworker2.ID)}),
		check: func(t *testing.T, d tnData) {
			tnEq(t, d, "massModifyBookings.count", 1)
			hostsAre(t, d, "massModifyBookings.bookings.0", al.Fieldworker2.ID)
		}})
	for _, r := range staff {
		for _, m := range []struct {
			what        string
			vars, ghost map[string]any
		}{
			{"beta booking", mass([]int{be.Booking.ID}, map[string]any{"published": false}), mass([]int{tnGhost(be.Booking.ID)}, map[string]any{"published": false})},
			{"alpha and beta bookings", mass([]int{al.Booking.ID, be.Booking.ID}, map[string]any{"shiftMinutes": 60}), mass([]int{al.Booking.ID, tnGhost(be.Booking.ID)}, map[string]any{"shiftMinutes": 60})},
			{"beta status", mass([]int{al.Booking.ID}, map[string]any{"statusID": tnSID(be.Status.ID)}), mass([]int{al.Booking.ID}, map[string]any{"statusID": tnSID(tnGhost(be.Status.ID))})},
			{"beta type", mass([]int{al.Booking.ID}, map[string]any{"typeID": tnSID(be.Type.ID)}), mass([]int{al.Booking.ID}, map[string]any{"typeID": tnSID(tnGhost(be.Type.ID))})},
			{"beta hosts", mass([]int{al.Booking.ID}, map[string]any{"hostIDs": tnSIDs(be.Fieldworker.ID)}), mass([]int{al.Booking.ID}, map[string]any{"hostIDs": tnSIDs(tnGhost(be.Fieldworker.ID))})},
			{"added beta host", mass([]int{al.Booking.ID}, map[string]any{"addHostIDs": tnSIDs(be.Fieldworker.ID)}), mass([]int{al.Booking.ID}, map[string]any{"addHostIDs": tnSIDs(tnGhost(be.Fieldworker.ID))})},
		} {
			add(tnCase{name: "massModifyBookings " + m.what, as: r, query: tnMMassModify, vars: m.vars, ghost: m.ghost, want: tnNotFound})
		}
	}
	add(tnCase{name: "massModifyBookings alpha booking it hosts", as: tnFW, query: tnMMassModify,
		vars: mass([]int{al.Booking.ID}, map[string]any{"published": false}), want: tnForbidden})
	add(tnCase{name: "massModifyBookings alpha booking it does not host", as: tnFW, query: tnMMassModify,
		vars: mass([]int{f.other.ID}, map[string]any{"published": false}), ghost: mass([]int{tnGhost(f.other.ID)}, map[string]any{"published": false}), want: tnNotFound})
	add(tnCase{name: "massModifyBookings beta", as: tnFW, query: tnMMassModify,
		vars: mass([]int{be.Booking.ID}, map[string]any{"published": false}), ghost: mass([]int{tnGhost(be.Booking.ID)}, map[string]any{"published": false}), want: tnNotFound})
	add(tnCase{name: "massModifyBookings alpha", as: tnAnon, query: tnMMassModify,
		vars: mass([]int{al.Booking.ID}, map[string]any{"published": false}), want: tnAnonCodes})

	// ---- Bearer tokens ---------------------------------------------------
	for _, r := range users {
		u := f.userOf(r)
		add(tnCase{name: "createBearerToken", as: r, query: tnMCreateToken, vars: map[string]any{"n": "phone of " + string(r)},
			check: func(t *testing.T, d tnData) {
				if s, _ := tnDig(d, "createBearerToken.token").(string); s == "" {
					t.Error("no token")
				}
				tnEq(t, d, "createBearerToken.authToken.userID", tnSID(u.ID))
				tnEq(t, d, "createBearerToken.authToken.organizationID", alphaID)
			}})
	}
	add(tnCase{name: "createBearerToken", as: tnAnon, query: tnMCreateToken, vars: map[string]any{"n": "x"}, want: tnAnonCodes})
	// Tokens are personal: others' (same org or not) are not found.
	add(tnCase{name: "revokeBearerToken scheduler's", as: tnAdmin, query: tnMRevokeToken, vars: id(f.tokScheduler), ghost: id(tnGhost(f.tokScheduler)), want: tnNotFound})
	add(tnCase{name: "revokeBearerToken admin's", as: tnFW, query: tnMRevokeToken, vars: id(f.tokAdmin), ghost: id(tnGhost(f.tokAdmin)), want: tnNotFound})
	for _, r := range users {
		add(tnCase{name: "revokeBearerToken beta's", as: r, query: tnMRevokeToken, vars: id(f.tokBeta), ghost: id(tnGhost(f.tokBeta)), want: tnNotFound})
	}
	add(tnCase{name: "revokeBearerToken", as: tnAnon, query: tnMRevokeToken, vars: id(f.tokFW), want: tnAnonCodes})
	for _, own := range []struct {
		r   tnRole
		tok int
	}{{tnAdmin, f.tokAdmin}, {tnScheduler, f.tokScheduler}, {tnFW, f.tokFW}} {
		add(tnCase{name: "revokeBearerToken own", as: own.r, query: tnMRevokeToken, vars: id(own.tok),
			check: func(t *testing.T, d tnData) {
				tnEq(t, d, "revokeBearerToken.id", tnSID(own.tok))
				if tnDig(d, "revokeBearerToken.revokedAt") == nil {
					t.Error("revokedAt is null")
				}
			}})
	}

	// ---- Calendar links --------------------------------------------------
	// Users act on their own calendar links, admins on anyone's in their
	// organization (the User policy); provider settings and authorization
	// emails are admins' (ProviderConfig and Invitation policies). A
	// refusal comes before any lookup: the same for a missing user.
	of := func(u int) map[string]any { return map[string]any{"u": tnSID(u)} }
	ids := func(u ...int) map[string]any { return map[string]any{"ids": tnSIDs(u...)} }
	syncChoice := func(u int, p string) map[string]any {
		return map[string]any{"u": tnSID(u), "p": p, "on": true}
	}
	add(tnCase{name: "resyncCalendar own", as: tnFW, query: tnMResync, vars: map[string]any{},
		check: func(t *testing.T, d tnData) { tnEq(t, d, "resyncCalendar.id", tnSID(f.acctFW.ID)) }})
	add(tnCase{name: "resyncCalendar Fieldworker2's", as: tnAdmin, query: tnMResync, vars: of(al.Fieldworker2.ID),
		check: func(t *testing.T, d tnData) { tnEq(t, d, "resyncCalendar.id", tnSID(f.acctFW2.ID)) }})
	for _, r := range []tnRole{tnScheduler, tnFW} {
		add(tnCase{name: "unlinkCalendar Fieldworker2's", as: r, query: tnMUnlink, vars: of(al.Fieldworker2.ID),
			ghost: of(tnGhost(al.Fieldworker2.ID)), want: tnForbidden})
		add(tnCase{name: "unlinkCalendar beta fieldworker's", as: r, query: tnMUnlink, vars: of(be.Fieldworker.ID),
			ghost: of(tnGhost(be.Fieldworker.ID)), want: tnForbidden})
		add(tnCase{name: "resyncCalendar Fieldworker2's", as: r, query: tnMResync, vars: of(al.Fieldworker2.ID),
			ghost: of(tnGhost(al.Fieldworker2.ID)), want: tnForbidden})
		add(tnCase{name: "enableServiceAccountSync for Fieldworker2", as: r, query: tnMEnableService, vars: ids(al.Fieldworker2.ID),
			ghost: ids(tnGhost(al.Fieldworker2.ID)), want: tnForbidden})
		add(tnCase{name: "sendAuthorizationEmails to Fieldworker2", as: r, query: tnMSendAuthEmails, vars: ids(al.Fieldworker2.ID), want: tnForbidden})
		add(tnCase{name: "sendAuthorizationEmails to nobody", as: r, query: tnMSendAuthEmails, vars: ids(), want: tnForbidden})
		add(tnCase{name: "testProviderConnection", as: r, query: tnMTestConnection, want: tnForbidden})
		add(tnCase{name: "setCalendarSync Fieldworker2's", as: r, query: tnMSetCalendarSync, vars: syncChoice(al.Fieldworker2.ID, "GOOGLE"), want: tnForbidden})
		add(tnCase{name: "setCalendarSync beta fieldworker's", as: r, query: tnMSetCalendarSync, vars: syncChoice(be.Fieldworker.ID, "GOOGLE"),
			ghost: syncChoice(tnGhost(be.Fieldworker.ID), "GOOGLE"), want: tnNotFound})
	}
	add(tnCase{name: "setCalendarSync own where the organization decides", as: tnFW, query: tnMSetCalendarSync,
		vars: syncChoice(al.Fieldworker.ID, "MICROSOFT"), want: tnForbidden})
	add(tnCase{name: "unlinkCalendar beta fieldworker's", as: tnAdmin, query: tnMUnlink, vars: of(be.Fieldworker.ID),
		ghost: of(tnGhost(be.Fieldworker.ID)), want: tnNotFound})
	add(tnCase{name: "resyncCalendar beta fieldworker's", as: tnAdmin, query: tnMResync, vars: of(be.Fieldworker.ID),
		ghost: of(tnGhost(be.Fieldworker.ID)), want: tnNotFound})
	add(tnCase{name: "sendAuthorizationEmails to beta fieldworker", as: tnAdmin, query: tnMSendAuthEmails, vars: ids(be.Fieldworker.ID),
		ghost: ids(tnGhost(be.Fieldworker.ID)), want: []string{"NOT_FOUND", "BAD_USER_INPUT"}})
	for _, q := range []struct {
		name, query string
		vars        map[string]any
	}{
		{"unlinkCalendar", tnMUnlink, of(al.Fieldworker.ID)},
		{"resyncCalendar", tnMResync, of(al.Fieldworker.ID)},
		{"enableServiceAccountSync", tnMEnableService, ids(al.Fieldworker.ID)},
		{"sendAuthorizationEmails", tnMSendAuthEmails, ids(al.Fieldworker.ID)},
		{"testProviderConnection", tnMTestConnection, nil},
		{"setCalendarSync", tnMSetCalendarSync, syncChoice(al.Fieldworker.ID, "GOOGLE")},
	} {
		add(tnCase{name: q.name, as: tnAnon, query: q.query, vars: q.vars, want: tnAnonCodes})
	}
	// Last, as they end the links: a fieldworker leaves their own account
	// (the last member, so it is disconnected); an admin unlinks
	// Fieldworker2's.
	add(tnCase{name: "unlinkCalendar own", as: tnFW, query: tnMUnlink, vars: map[string]any{},
		check: func(t *testing.T, d tnData) {
			tnEq(t, d, "unlinkCalendar.id", tnSID(f.acctFW.ID))
			tnEq(t, d, "unlinkCalendar.status", "DISCONNECTED")
			f.checkLeft(t, f.acctFW.ID, al.Fieldworker, al.Fieldworker, "UNLINKED_BY_USER")
		}})
	add(tnCase{name: "unlinkCalendar Fieldworker2's", as: tnAdmin, query: tnMUnlink, vars: of(al.Fieldworker2.ID),
		check: func(t *testing.T, d tnData) {
			tnEq(t, d, "unlinkCalendar.id", tnSID(f.acctFW2.ID))
			tnEq(t, d, "unlinkCalendar.status", "DISCONNECTED")
			f.checkLeft(t, f.acctFW2.ID, al.Fieldworker2, al.Admin, "UNLINKED_BY_ADMIN")
		}})
	return cs
}

// checkLeft checks that u is no longer in account acct and that their
// departure was recorded as by, for reason.
func (f *tnFixture) checkLeft(t *testing.T, acct int, u, by *ent.User, reason string) {
	t.Helper()
	held, err := f.db.User.Query().Where(user.ID(u.ID), user.HasCalendarAccountsWith(calendaraccount.ID(acct))).Exist(f.sys())
	if err != nil || held {
		t.Errorf("user %d still in account %d (err %v)", u.ID, acct, err)
	}
	past, err := f.db.PastCalendarAccount.Query().Where(pastcalendaraccount.UserID(u.ID), pastcalendaraccount.AccountID(acct)).Only(f.sys())
	if err != nil {
		t.Fatalf("no past account of user %d: %v", u.ID, err)
	}
	if string(past.Reason) != reason || past.UnlinkedByID == nil || *past.UnlinkedByID != by.ID {
		t.Errorf("past account: reason %s by %v, want %s by %d", past.Reason, past.UnlinkedByID, reason, by.ID)
	}
}

// run runs one case and checks its outcome and what it changed.
func (f *tnFixture) run(t *testing.T, c tnCase) {
	cl := f.clients[c.as]
	before := tnSnapshot(t, f.db)
	r := cl.Do(t, c.query, c.vars)
	codes := tnCodes(r)
	var ghostCodes []string
	if c.ghost != nil {
		ghostCodes = tnCodes(cl.Do(t, c.query, c.ghost))
	}
	after := tnSnapshot(t, f.db)

	for _, e := range r.Errors {
		if e.Message == "internal error" || e.Code() == "INTERNAL" {
			t.Errorf("internal error: %+v", e)
		}
	}
	if c.want != nil {
		if len(r.Errors) == 0 {
			t.Errorf("succeeded, want an error %v; data %s", c.want, r.Data)
		}
		for _, code := range codes {
			if !slices.Contains(c.want, code) {
				t.Errorf("error code %s, want one of %v; errors %+v", code, c.want, r.Errors)
			}
		}
		if !tnNoData(r.Data) {
			t.Errorf("failed but returned data: %s", r.Data)
		}
	} else {
		for _, e := range r.Errors {
			if !slices.Contains(c.tolerate, e.Code()) {
				t.Errorf("unexpected error %s: %q at %v", e.Code(), e.Message, e.Path)
			}
		}
		if c.check != nil && len(r.Data) > 0 && string(r.Data) != "null" {
			var d tnData
			if err := json.Unmarshal(r.Data, &d); err != nil {
				t.Fatalf("decode data: %v: %s", err, r.Data)
			}
			c.check(t, d)
		} else if c.check != nil {
			t.Errorf("no data; errors %+v", r.Errors)
		}
	}
	if c.ghost != nil && !slices.Equal(codes, ghostCodes) {
		t.Errorf("beta's ids are distinguishable from missing ones: codes %v, for a missing id %v", codes, ghostCodes)
	}

	// What may change: an allowed mutation changes alpha (never beta);
	// reads and denied mutations change nothing at all.
	prefix, what := "", "the database"
	if strings.HasPrefix(strings.TrimSpace(c.query), "mutation") && c.want == nil {
		prefix, what = fmt.Sprintf("org%d/", f.beta.ID), "org beta"
	}
	if d := tnDiff(before, after, prefix); len(d) > 0 {
		t.Errorf("changed %s:\n  %s", what, strings.Join(d, "\n  "))
	}
}

// TestTenantIsolationAndRoles runs every query and mutation of the API as
// each role of org alpha (and anonymously) against alpha's objects and
// against org beta's, checks each outcome, and checks with the ent client
// that beta never changed and that denied attempts changed nothing.
func TestTenantIsolationAndRoles(t *testing.T) {
	for _, backend := range testenv.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			env := testenv.New(t, backend)
			f := tnSetup(t, env)
			betaPrefix := fmt.Sprintf("org%d/", f.beta.ID)
			start := tnSnapshot(t, f.db)
			betaRows := 0
			for k := range start {
				if strings.HasPrefix(k, betaPrefix) {
					betaRows++
				}
			}
			if betaRows < 15 {
				t.Fatalf("beta snapshot has only %d rows", betaRows)
			}

			cases := f.cases()
			seen := map[string]bool{}
			for _, c := range cases {
				name := string(c.as) + "/" + c.name
				if seen[name] {
					t.Fatalf("duplicate case name %q", name)
				}
				seen[name] = true
				t.Run(name, func(t *testing.T) { f.run(t, c) })
			}
			t.Logf("%d cases", len(cases))

			// After the whole table: nothing of beta changed.
			end := tnSnapshot(t, f.db)
			if d := tnDiff(start, end, betaPrefix); len(d) > 0 {
				t.Errorf("org beta changed during the table:\n  %s", strings.Join(d, "\n  "))
			}
			// And no alpha row points into beta (or the reverse).
			ctx := viewer.AllTenantsContext(context.Background())
			bs, err := f.db.Booking.Query().WithHosts().All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range bs {
				for _, h := range b.Edges.Hosts {
					if h.OrganizationID != b.OrganizationID {
						t.Errorf("booking %d (org %d) is hosted by user %d of org %d", b.ID, b.OrganizationID, h.ID, h.OrganizationID)
					}
				}
				for _, ref := range []struct {
					what string
					id   *int
					org  func(int) (int, error)
				}{
					{"status", b.StatusID, func(id int) (int, error) {
						s, err := f.db.BookingStatus.Query().Where(bookingstatus.ID(id)).Only(ctx)
						if err != nil {
							return 0, err
						}
						return s.OrganizationID, nil
					}},
					{"type", b.TypeID, func(id int) (int, error) {
						s, err := f.db.BookingType.Query().Where(bookingtype.ID(id)).Only(ctx)
						if err != nil {
							return 0, err
						}
						return s.OrganizationID, nil
					}},
				} {
					if ref.id == nil {
						continue
					}
					org, err := ref.org(*ref.id)
					if err != nil {
						t.Errorf("booking %d: %s %d: %v", b.ID, ref.what, *ref.id, err)
					} else if org != b.OrganizationID {
						t.Errorf("booking %d (org %d) has %s %d of org %d", b.ID, b.OrganizationID, ref.what, *ref.id, org)
					}
				}
			}
			evs, err := f.db.AuditEvent.Query().WithActor().All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range evs {
				if a := e.Edges.Actor; a != nil && a.OrganizationID != e.OrganizationID {
					t.Errorf("audit event %d of org %d has actor %d of org %d", e.ID, e.OrganizationID, a.ID, a.OrganizationID)
				}
			}
		})
	}
}

// TestFollowingOthersCalendars checks who may follow another user's
// account and sync events over a websocket: the same rule as acting on
// their calendar links (admins for anyone in their organization, users for
// themselves), refused before the user is looked up.
func TestFollowingOthersCalendars(t *testing.T) {
	for _, backend := range testenv.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			env := testenv.New(t, backend)
			al, be := env.SeedOrg(t, "alpha"), env.SeedOrg(t, "beta")
			clients := map[tnRole]*testenv.Client{
				tnAdmin:     env.SignIn(t, al.Admin.Email, testenv.Password),
				tnScheduler: env.SignIn(t, al.Scheduler.Email, testenv.Password),
				tnFW:        env.SignIn(t, al.Fieldworker.Email, testenv.Password),
			}
			own := map[tnRole]int{tnAdmin: al.Admin.ID, tnScheduler: al.Scheduler.ID, tnFW: al.Fieldworker.ID}
			for _, field := range []string{"calendarAccountChanged", "syncStatusChanged"} {
				query := `subscription($u:ID){` + field + `(userId:$u){accountId}}`
				for _, c := range []struct {
					as   tnRole
					whom string
					user int
					want string // error code; "" = subscribed
				}{
					{tnAdmin, "own", own[tnAdmin], ""},
					{tnAdmin, "Fieldworker2's", al.Fieldworker2.ID, ""},
					{tnAdmin, "beta fieldworker's", be.Fieldworker.ID, "NOT_FOUND"},
					{tnScheduler, "own", own[tnScheduler], ""},
					{tnScheduler, "Fieldworker2's", al.Fieldworker2.ID, "FORBIDDEN"},
					{tnFW, "own", own[tnFW], ""},
					{tnFW, "Fieldworker2's", al.Fieldworker2.ID, "FORBIDDEN"},
					{tnFW, "beta fieldworker's", be.Fieldworker.ID, "FORBIDDEN"},
				} {
					t.Run(fmt.Sprintf("%s/%s/%s", c.as, field, c.whom), func(t *testing.T) {
						next := env.Subscribe(t, clients[c.as], query, map[string]any{"u": tnSID(c.user)})
						msg := next(300 * time.Millisecond)
						if c.want == "" {
							if msg != nil {
								t.Fatalf("subscription refused or ended: %v", msg)
							}
							return
						}
						// A resolver's refusal arrives as a result carrying
						// only errors (graphql-transport-ws "next").
						errs, _ := tnDig(msg, "payload.errors").([]any)
						if msg == nil || msg["type"] != "next" || tnDig(msg, "payload.data") != nil {
							t.Fatalf("got %v, want an error %s", msg, c.want)
						}
						if len(errs) != 1 || tnDig(errs[0], "extensions.code") != c.want {
							t.Errorf("errors %v, want one with code %s", errs, c.want)
						}
					})
				}
			}
		})
	}
}
