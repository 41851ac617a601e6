package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"calsync/internal/config"
	"calsync/internal/testenv"
	"calsync/internal/viewer"
)

// expFragments is a document of exponential cost: each fragment spreads
// the previous one twice (under 1 KB for n = 24).
func expFragments(n int, siblings bool) string {
	var b strings.Builder
	b.WriteString("query{viewer{...F0}}")
	for i := range n {
		if siblings {
			fmt.Fprintf(&b, "fragment F%d on Viewer{...F%d ...F%d}", i, i+1, i+1)
		} else {
			fmt.Fprintf(&b, "fragment F%d on Viewer{user{organization{viewerA:id}} a:organization{id} ...F%d ...F%d}", i, i+1, i+1)
		}
	}
	fmt.Fprintf(&b, "fragment F%d on Viewer{role}", n)
	return b.String()
}

func repeated(prefix, item, suffix string, n int, numbered bool) string {
	var b strings.Builder
	b.WriteString(prefix)
	for i := range n {
		if numbered {
			fmt.Fprintf(&b, item, i)
		} else {
			b.WriteString(item)
		}
	}
	b.WriteString(suffix)
	return b.String()
}

func manyFragments(n int) string {
	var b strings.Builder
	b.WriteString("query{")
	for i := range n {
		fmt.Fprintf(&b, "...F%d ", i)
	}
	b.WriteString("}")
	for i := range n {
		fmt.Fprintf(&b, "fragment F%d on Query{viewer{role}}", i)
	}
	return b.String()
}

func notChain(n int) string {
	return strings.Repeat("{not:", n) + "{title:\"x\"}" + strings.Repeat("}", n)
}

func orOfOrs(outer, inner int) map[string]any {
	or := make([]any, outer)
	for i := range or {
		in := make([]any, inner)
		for j := range in {
			in[j] = map[string]any{"title": "a"}
		}
		or[i] = map[string]any{"or": in}
	}
	return map[string]any{"or": or}
}

func orOfEmpty(outer, inner int) map[string]any {
	or := make([]any, outer)
	for i := range or {
		in := make([]any, inner)
		for j := range in {
			in[j] = map[string]any{}
		}
		or[i] = map[string]any{"or": in}
	}
	return map[string]any{"or": or}
}

func notDeep(n int) map[string]any {
	w := map[string]any{"title": "x"}
	for range n {
		w = map[string]any{"not": w}
	}
	return w
}

func idList(n int) []string {
	s := make([]string, n)
	for i := range s {
		s[i] = fmt.Sprint(i + 1)
	}
	return s
}

func ids(n int) string {
	s := make([]string, n)
	for i := range s {
		s[i] = fmt.Sprint(i + 1)
	}
	return "[" + strings.Join(s, ",") + "]"
}

// hostileDocuments are documents an anonymous or signed-in caller can send
// that used to cost seconds of CPU or answer INTERNAL; each is refused
// with a code before it is walked or executed.
var hostileDocuments = []struct {
	name, query string
	code        string
	vars        map[string]any
}{
	{"24 fragments each spread twice (siblings)", expFragments(24, true), "COMPLEXITY_LIMIT_EXCEEDED", nil},
	{"24 fragments each spread twice (nested fields)", expFragments(24, false), "COMPLEXITY_LIMIT_EXCEEDED", nil},
	{"1000 copies of one field", repeated("{", "viewer{role} ", "}", 1000, false), "COMPLEXITY_LIMIT_EXCEEDED", nil},
	{"3000 copies of one field", repeated("{", "viewer{role} ", "}", 3000, false), "GRAPHQL_PARSE_FAILED", nil},
	{"150 fragments", manyFragments(150), "BAD_USER_INPUT", nil},
	{"beyond the token limit", repeated("{", "a%d:__typename ", "}", 6000, true), "GRAPHQL_PARSE_FAILED", nil},
	{"page of 501", `{users(first:501){totalCount}}`, "BAD_USER_INPUT", nil},
	{"negative page", `{users(last:-1){totalCount}}`, "BAD_USER_INPUT", nil},
	{"101 nodes", `{nodes(ids:` + ids(101) + `){id}}`, "BAD_USER_INPUT", nil},
	{"idIn of 20000", `query($ids:[ID!]){users(first:1,where:{idIn:$ids}){totalCount}}`, "BAD_USER_INPUT", map[string]any{"ids": idList(20000)}},
	{"nodes of 5000", `query($ids:[ID!]!){nodes(ids:$ids){id}}`, "BAD_USER_INPUT", map[string]any{"ids": idList(5000)}},
	{"not chain of 200", `{bookings(from:"2026-01-01T00:00:00Z",to:"2026-02-01T00:00:00Z",first:1,where:` + notChain(200) + `){totalCount}}`, "BAD_USER_INPUT", nil},
	{"complexity multiplied by first", `{users(first:500){edges{node{id name email role active bookings(first:500){edges{node{id}}}}}}}`, "COMPLEXITY_LIMIT_EXCEEDED", nil},
	{"990 nested inline fragments around 440 fields", "{" + strings.Repeat("...{", 990) + strings.Repeat(" __typename", 440) + strings.Repeat("}", 991), "COMPLEXITY_LIMIT_EXCEEDED", nil},
	{"one nested set repeating a field 2000 times", "{viewer{" + strings.Repeat("role ", 2000) + "}}", "COMPLEXITY_LIMIT_EXCEEDED", nil},
	{"__schema under 300 aliases", repeated("{", "a%d:__schema{...S} ", "} fragment S on __Schema{types{fields{name args{name}}}}", 300, true), "BAD_USER_INPUT", nil},
	{"__type under 50 aliases", repeated("{", `t%d:__type(name:"User"){name} `, "}", 50, true), "BAD_USER_INPUT", nil},
	{"or of 660 ors of 500 empty filters", `query($w:BookingWhereInput){bookings(from:"2026-01-01T00:00:00Z",to:"2027-01-01T00:00:00Z",first:5,where:$w){totalCount}}`, "BAD_USER_INPUT", map[string]any{"w": orOfEmpty(660, 500)}},
	{"not nested 9990 deep", `query($w:BookingWhereInput){bookings(from:"2026-01-01T00:00:00Z",to:"2027-01-01T00:00:00Z",first:5,where:$w){totalCount}}`, "BAD_USER_INPUT", map[string]any{"w": notDeep(9990)}},
	{"or of 65 ors of 500", `query($w:BookingWhereInput){bookings(from:"2026-01-01T00:00:00Z",to:"2027-01-01T00:00:00Z",first:5,where:$w){totalCount}}`, "BAD_USER_INPUT", map[string]any{"w": orOfOrs(65, 500)}},
	{"signIn aliased inside an inline fragment", `mutation{...on Mutation{a:signIn(input:{email:"a@b.c",password:"x"}){__typename} b:signIn(input:{email:"a@b.c",password:"y"}){__typename}}}`, "BAD_USER_INPUT", nil},
	{"signIn alone inside an inline fragment", `mutation{...on Mutation{signIn(input:{email:"a@b.c",password:"x"}){__typename}}}`, "BAD_USER_INPUT", nil},
	{"setPassword twice", `mutation{a:setPassword(input:{userId:1,password:"aaaaaaaaaaaa"}) b:setPassword(input:{userId:1,password:"aaaaaaaaaaaa"})}`, "BAD_USER_INPUT", nil},
	{"createUser behind a fragment", `mutation{...C} fragment C on Mutation{createUser(input:{user:{name:"x",email:"x@y.z",role:FIELDWORKER},password:"aaaaaaaaaaaa"}){id}}`, "BAD_USER_INPUT", nil},
	{"nested deeper than 12", `{viewer{user{organization{users(first:1){edges{node{organization{users(first:1){edges{node{organization{users(first:1){edges{node{id}}}}}}}}}}}}}}}`, "BAD_USER_INPUT", nil},
}

func TestHostileDocumentsRefused(t *testing.T) {
	for _, backend := range testenv.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			env := testenv.New(t, backend)
			org := env.SeedOrg(t, "acme")
			anon := env.Anonymous()
			admin := env.SignIn(t, org.Admin.Email, org.Password)
			for _, d := range hostileDocuments {
				for who, c := range map[string]*testenv.Client{"anonymous": anon, "admin": admin} {
					t.Run(d.name+"/"+who, func(t *testing.T) {
						r := c.Do(t, d.query, d.vars)
						if len(r.Errors) == 0 {
							t.Fatalf("answered without error: %.200s", r.Data)
						}
						got := r.Errors[0].Code()
						if who == "anonymous" && got == "UNAUTHENTICATED" {
							t.Fatalf("reached execution: %+v", r.Errors[0])
						}
						if got != d.code {
							t.Fatalf("code %s (%s), want %s", got, r.Errors[0].Message, d.code)
						}
						if len(r.Errors) > 3 {
							t.Fatalf("%d errors for one refusal", len(r.Errors))
						}
					})
				}
			}
		})
	}
}

// TestLimitsAdmitOrdinaryDocuments: the limits refuse hostile documents,
// not the ordinary ones a console sends.
func TestLimitsAdmitOrdinaryDocuments(t *testing.T) {
	env := testenv.New(t, testenv.SQLite)
	org := env.SeedOrg(t, "acme")
	admin := env.SignIn(t, org.Admin.Email, org.Password)
	for _, q := range []string{
		`{users(first:500){edges{node{id name email role}}}}`,
		`query P($n:Int){users(first:$n){edges{node{...U ...V}}}} fragment U on User{id name} fragment V on User{id email role}`,
		`{nodes(ids:` + ids(100) + `){id}}`,
		`{users(first:10,where:{idIn:` + ids(500) + `}){totalCount}}`,
		`{bookings(from:"2026-01-01T00:00:00Z",to:"2026-02-01T00:00:00Z",first:5,where:` + notChain(5) + `){totalCount}}`,
	} {
		r := admin.Do(t, q, map[string]any{"n": 50})
		for _, e := range r.Errors {
			if e.Code() != "NOT_FOUND" { // nodes(ids:) of ids nobody has
				t.Errorf("%.80s: %+v", q, e)
				break
			}
		}
	}
}

// TestConnectionDefaultPage: a connection asked for with neither first
// nor last answers a page of 100, not every row.
func TestConnectionDefaultPage(t *testing.T) {
	env := testenv.New(t, testenv.SQLite)
	org := env.SeedOrg(t, "acme")
	admin := env.SignIn(t, org.Admin.Email, org.Password)
	ctx := viewer.SystemContext(context.Background(), org.ID)
	for i := range 120 {
		env.App.Client().User.Create().SetName(fmt.Sprint("worker ", i)).
			SetEmail(fmt.Sprintf("w%d@acme.test", i)).SetRole(viewer.RoleFieldworker).SaveX(ctx)
	}
	var out struct {
		Users struct {
			TotalCount int
			Edges      []struct{ Node struct{ ID string } }
			PageInfo   struct{ HasNextPage bool }
		}
	}
	admin.MustDo(t, `{users{totalCount edges{node{id}} pageInfo{hasNextPage}}}`, nil, &out)
	if out.Users.TotalCount < 120 || len(out.Users.Edges) != 100 || !out.Users.PageInfo.HasNextPage {
		t.Fatalf("total %d, page %d, hasNextPage %v; want a page of 100 of more", out.Users.TotalCount, len(out.Users.Edges), out.Users.PageInfo.HasNextPage)
	}
}

func TestRequestBodyLimit(t *testing.T) {
	env := testenv.NewWith(t, testenv.SQLite, func(c *config.Config) { c.MaxBodyBytes = 64 << 10 })
	big := `{"query":"{__typename}","variables":{"pad":"` + strings.Repeat("x", 70<<10) + `"}}`
	res, err := http.Post(env.Server.URL+"/graphql", "application/json", strings.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge || !bytes.Contains(body, []byte(`"REQUEST_TOO_LARGE"`)) {
		t.Fatalf("status %d body %s, want 413 REQUEST_TOO_LARGE", res.StatusCode, body)
	}
	// Without Content-Length (chunked), the limit still holds.
	req, _ := http.NewRequest(http.MethodPost, env.Server.URL+"/graphql", io.MultiReader(strings.NewReader(big)))
	req.Header.Set("Content-Type", "application/json")
	req.ContentLength = -1
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("chunked: status %d, want 413", res.StatusCode)
	}
	var small bytes.Buffer
	_ = json.NewEncoder(&small).Encode(map[string]any{"query": "{__typename}"})
	res, err = http.Post(env.Server.URL+"/graphql", "application/json", &small)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("small body: status %d", res.StatusCode)
	}
}
