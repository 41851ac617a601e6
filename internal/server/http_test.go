package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"calsync/internal/config"
	"calsync/internal/testenv"
)

type exchange struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func send(t *testing.T, method, target string, headers map[string]string, body string) exchange {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, target, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	ex := exchange{status: res.StatusCode, header: res.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &ex.body)
	return ex
}

// TestGraphQLOverHTTP runs the graphql-http server audits (MUST and
// SHOULD) against the real handler.
func TestGraphQLOverHTTP(t *testing.T) {
	env := testenv.New(t, testenv.SQLite)
	u := env.Server.URL + "/graphql"
	const gqlResp = "application/graphql-response+json"
	jsonCT := map[string]string{"Content-Type": "application/json"}
	with := func(accept string) map[string]string {
		return map[string]string{"Content-Type": "application/json", "Accept": accept}
	}
	get := func(q url.Values) string { return u + "?" + q.Encode() }
	typename := `{"query":"{ __typename }"}`

	type want struct {
		status      int
		contentType string // substring
		errors      *bool  // errors present?
		noData      bool   // no data entry
	}
	yes, no := true, false
	cases := []struct {
		name    string
		method  string
		target  string
		headers map[string]string
		body    string
		want    want
	}{
		{"22EB accept graphql-response+json", "POST", u, with(gqlResp), typename, want{200, gqlResp, &no, false}},
		{"4655 accept application/json", "POST", u, with("application/json"), typename, want{200, "application/json", &no, false}},
		{"47DE accept */*", "POST", u, with("*/*"), typename, want{200, "application/json", &no, false}},
		{"80D8 no accept on GET", "GET", get(url.Values{"query": {"{ __typename }"}}), nil, "", want{200, "application/json", &no, false}},
		{"82A3 utf-8", "POST", u, jsonCT, typename, want{200, "charset=utf-8", &no, false}},
		{"BF61 utf-8 request", "POST", u, map[string]string{"Content-Type": "application/json; charset=utf-8"}, typename, want{200, "", &no, false}},
		{"9C48 GET mutation", "GET", get(url.Values{"query": {"mutation { signOut }"}}), map[string]string{"Accept": gqlResp}, "", want{405, "", &yes, true}},
		{"9ABE POST without content-type", "POST", u, nil, "", want{415, "", &yes, true}},
		{"7267 POST without body", "POST", u, jsonCT, "", want{200, "application/json", &yes, true}},
		{"6610 missing query (strict)", "POST", u, with(gqlResp), `{"notquery":"{ __typename }"}`, want{400, gqlResp, &yes, true}},
		{"3715 missing query (json)", "POST", u, with("application/json"), `{"notquery":"{ __typename }"}`, want{200, "application/json", &yes, true}},
		{"4F50 object query (strict)", "POST", u, with(gqlResp), `{"query":{"obj":"ect"}}`, want{400, "", &yes, true}},
		{"4F51 number query (strict)", "POST", u, with(gqlResp), `{"query":0}`, want{400, "", &yes, true}},
		{"4F52 boolean query (strict)", "POST", u, with(gqlResp), `{"query":false}`, want{400, "", &yes, true}},
		{"4F53 array query (strict)", "POST", u, with(gqlResp), `{"query":["array"]}`, want{400, "", &yes, true}},
		{"9FE0 object query (json)", "POST", u, with("application/json"), `{"query":{"obj":"ect"}}`, want{200, "", &yes, true}},
		{"E3E0 object operationName (strict)", "POST", u, with(gqlResp), `{"query":"{ __typename }","operationName":{"obj":"ect"}}`, want{400, "", &yes, true}},
		{"FB90 object operationName (json)", "POST", u, with("application/json"), `{"query":"{ __typename }","operationName":{"obj":"ect"}}`, want{200, "", &yes, true}},
		{"B8B3 string operationName", "POST", u, with("application/json"), `{"query":"query Query { __typename }","operationName":"Query"}`, want{200, "", &no, false}},
		{"94B0 null variables", "POST", u, with(gqlResp), `{"query":"{ __typename }","variables":null}`, want{200, "", &no, false}},
		{"0221 null operationName", "POST", u, with("application/json"), `{"query":"{ __typename }","operationName":null}`, want{200, "", &no, false}},
		{"0222 null extensions", "POST", u, with("application/json"), `{"query":"{ __typename }","extensions":null}`, want{200, "", &no, false}},
		{"69B0 string variables (strict)", "POST", u, with(gqlResp), `{"query":"{ __typename }","variables":"string"}`, want{400, "", &yes, true}},
		{"F053 array variables (json)", "POST", u, with("application/json"), `{"query":"{ __typename }","variables":["array"]}`, want{200, "", &yes, true}},
		{"28B9 map variables", "POST", u, with("application/json"), `{"query":"query Type($name: String!) { __type(name: $name) { name } }","variables":{"name":"sometype"}}`, want{200, "", &no, false}},
		{"6A70 GET variables", "GET", get(url.Values{"query": {"query Type($name: String!) { __type(name: $name) { name } }"}, "variables": {`{"name":"sometype"}`}}), map[string]string{"Accept": "application/json"}, "", want{200, "", &no, false}},
		{"9040 string extensions (strict)", "POST", u, with(gqlResp), `{"query":"{ __typename }","extensions":"string"}`, want{400, "", &yes, true}},
		{"1B7A map extensions", "POST", u, with("application/json"), `{"query":"{ __typename }","extensions":{"some":"value"}}`, want{200, "", &no, false}},
		{"D477 JSON parse failure (json)", "POST", u, with("application/json"), `{ "not a JSON`, want{200, "", &yes, true}},
		{"2163 JSON parse failure (strict)", "POST", u, with(gqlResp), `{ "not a JSON`, want{400, "", &yes, true}},
		{"572B document parse failure (json)", "POST", u, with("application/json"), `{"query":"{"}`, want{200, "", &yes, false}},
		{"556A document parse failure (strict)", "POST", u, with(gqlResp), `{"query":"{"}`, want{400, "", &yes, true}},
		{"FDE2 validation failure (json)", "POST", u, with("application/json"), `{"query":"{ 8f31403dfe404bccbb0e835f2629c6a7 }"}`, want{200, "", &yes, false}},
		{"74FF validation failure (strict)", "POST", u, with(gqlResp), `{"query":"{ 8f31403dfe404bccbb0e835f2629c6a7 }"}`, want{400, "", &yes, true}},
		{"unacceptable Accept", "POST", u, with("text/html"), typename, want{406, "application/json", &yes, true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ex := send(t, c.method, c.target, c.headers, c.body)
			if ex.status != c.want.status {
				t.Fatalf("status %d, want %d: %s", ex.status, c.want.status, ex.raw)
			}
			if ct := ex.header.Get("Content-Type"); c.want.contentType != "" && !strings.Contains(ct, c.want.contentType) {
				t.Fatalf("content-type %q, want %q", ct, c.want.contentType)
			}
			if ex.body == nil {
				t.Fatalf("body is not a JSON object: %q", ex.raw)
			}
			if _, has := ex.body["errors"]; c.want.errors != nil && has != *c.want.errors {
				t.Fatalf("errors present %v, want %v: %s", has, *c.want.errors, ex.raw)
			}
			if _, has := ex.body["data"]; c.want.noData && has {
				t.Fatalf("data entry present: %s", ex.raw)
			}
			if errs, _ := ex.body["errors"].([]any); len(errs) > 0 {
				e, _ := errs[0].(map[string]any)
				ext, _ := e["extensions"].(map[string]any)
				if ext["code"] == nil {
					t.Fatalf("error without extensions.code: %s", ex.raw)
				}
			}
		})
	}

	t.Run("GET mutation says Allow: POST", func(t *testing.T) {
		ex := send(t, "GET", get(url.Values{"query": {"mutation { signOut }"}}), nil, "")
		if ex.status != 405 || ex.header.Get("Allow") != "POST" {
			t.Fatalf("status %d Allow %q: %s", ex.status, ex.header.Get("Allow"), ex.raw)
		}
		if code := firstCode(ex); code != "METHOD_NOT_ALLOWED" {
			t.Fatalf("code %q", code)
		}
	})
	t.Run("a refused batch echoes nothing", func(t *testing.T) {
		body := `[{"query":"{ __typename }","variables":{"secret":"s3cr3t-value"}}]`
		ex := send(t, "POST", u, jsonCT, body)
		for _, leak := range []string{"s3cr3t-value", "RawParams", "graphql.", "Go value", "json:"} {
			if strings.Contains(ex.raw, leak) {
				t.Fatalf("response contains %q: %s", leak, ex.raw)
			}
		}
		if firstCode(ex) != "BAD_REQUEST" {
			t.Fatalf("code %q: %s", firstCode(ex), ex.raw)
		}
	})
	t.Run("a request with no credentials is UNAUTHENTICATED", func(t *testing.T) {
		for _, q := range []string{`{organization{name}}`, `{users(first:1){totalCount}}`, `mutation{signOut}`} {
			ex := send(t, "POST", u, jsonCT, `{"query":"`+q+`"}`)
			if code := firstCode(ex); code != "UNAUTHENTICATED" {
				t.Errorf("%s: code %q: %s", q, code, ex.raw)
			}
		}
	})
	t.Run("a non-numeric id is an invalid id", func(t *testing.T) {
		org := env.SeedOrg(t, "acme")
		admin := env.SignIn(t, org.Admin.Email, org.Password)
		r := admin.Do(t, `{node(id:"abc"){id}}`, nil)
		if len(r.Errors) != 1 || r.Errors[0].Code() != "BAD_USER_INPUT" || !strings.HasSuffix(r.Errors[0].Message, "invalid id") || strings.Contains(r.Errors[0].Message, "strconv") {
			t.Fatalf("errors %+v", r.Errors)
		}
	})
}

func firstCode(ex exchange) string {
	errs, _ := ex.body["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	e, _ := errs[0].(map[string]any)
	ext, _ := e["extensions"].(map[string]any)
	s, _ := ext["code"].(string)
	return s
}

// TestSecurityHeaders: every HTML page forbids framing and sniffing and
// sends no referrer; Calsync's own pages carry a strict CSP.
func TestSecurityHeaders(t *testing.T) {
	env := testenv.New(t, testenv.SQLite)
	for _, path := range []string{"/", "/link/not-a-token", "/invite/not-a-token", "/oauth/google/callback?state=x&code=y", "/playground", "/graphql"} {
		t.Run(path, func(t *testing.T) {
			res, err := http.Get(env.Server.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			h := res.Header
			if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" || h.Get("Referrer-Policy") != "no-referrer" {
				t.Fatalf("headers %v", h)
			}
			csp := h.Get("Content-Security-Policy")
			if path != "/graphql" && !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Fatalf("CSP %q", csp)
			}
			switch {
			case path == "/" && strings.Contains(csp, "script-src 'self'"):
				// The built console: its own scripts only, never inline.
				if strings.Contains(csp, "script-src 'self' 'unsafe-inline'") || !strings.Contains(csp, "frame-ancestors 'none'") {
					t.Fatalf("console CSP allows inline script: %q", csp)
				}
			case path != "/playground" && path != "/graphql" && !strings.Contains(csp, "default-src 'none'"):
				t.Fatalf("CSP %q", csp)
			}
		})
	}
}

// TestCORS: listed origins get CORS headers with credentials, compared on
// scheme, host and port; others get none and their requests are refused.
func TestCORS(t *testing.T) {
	env := testenv.NewWith(t, testenv.SQLite, func(c *config.Config) {
		c.AllowedOrigins = []string{"https://app.example.com", "http://console.example.com:8080"}
	})
	u := env.Server.URL + "/graphql"
	preflight := func(origin string) exchange {
		return send(t, "OPTIONS", u, map[string]string{
			"Origin": origin, "Access-Control-Request-Method": "POST",
			"Access-Control-Request-Headers": "content-type, x-csrf-token",
		}, "")
	}
	for _, origin := range []string{"https://app.example.com", "https://app.example.com:443", "http://console.example.com:8080"} {
		ex := preflight(origin)
		h := ex.header
		if ex.status != 204 || h.Get("Access-Control-Allow-Origin") != origin || h.Get("Access-Control-Allow-Credentials") != "true" ||
			!strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") || !strings.Contains(strings.ToLower(h.Get("Access-Control-Allow-Headers")), "x-csrf-token") {
			t.Fatalf("preflight from %s: %d %v", origin, ex.status, h)
		}
		post := send(t, "POST", u, map[string]string{"Origin": origin, "Content-Type": "application/json"}, `{"query":"{ __typename }"}`)
		if post.status != 200 || post.header.Get("Access-Control-Allow-Origin") != origin {
			t.Fatalf("POST from %s: %d %v", origin, post.status, post.header)
		}
	}
	for _, origin := range []string{"http://app.example.com", "https://app.example.com:8443", "http://console.example.com:8081", "https://evil.example"} {
		ex := preflight(origin)
		if ex.header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("preflight from %s allowed: %v", origin, ex.header)
		}
		post := send(t, "POST", u, map[string]string{"Origin": origin, "Content-Type": "application/json"}, `{"query":"{ __typename }"}`)
		if post.status != 403 || post.header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("POST from %s: %d %v", origin, post.status, post.header)
		}
	}
}

// TestIntrospectionOff: with introspection off, an introspection query is
// a validation error (not INTERNAL) and the playground is gone.
func TestIntrospectionOff(t *testing.T) {
	env := testenv.NewWith(t, testenv.SQLite, func(c *config.Config) { c.Introspection = false })
	for _, q := range []string{`{__schema{types{name}}}`, `{__type(name:"User"){name}}`, `query{...I} fragment I on Query{__schema{queryType{name}}}`} {
		r := env.Anonymous().Do(t, q, nil)
		if len(r.Errors) != 1 || r.Errors[0].Code() != "GRAPHQL_VALIDATION_FAILED" || !strings.Contains(r.Errors[0].Message, "introspection") {
			t.Fatalf("%s: %+v", q, r.Errors)
		}
	}
	if r := env.Anonymous().Do(t, `{__typename}`, nil); len(r.Errors) != 0 {
		t.Fatalf("__typename: %+v", r.Errors)
	}
	res, err := http.Get(env.Server.URL + "/playground")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	// Gone: a 404, or (with the console built) the console's own page,
	// whose router says there is nothing there.
	if res.StatusCode != 404 && (res.StatusCode != 200 || strings.Contains(strings.ToLower(string(body)), "playground")) {
		t.Fatalf("playground: %d %.200s", res.StatusCode, body)
	}
}

// TestEmulatorControlLoopbackOnly: the emulators' control API (tokens,
// signing keys, reset) answers only clients on this machine.
func TestEmulatorControlLoopbackOnly(t *testing.T) {
	env := testenv.New(t, testenv.SQLite)
	h := env.App.Handler()
	for _, path := range []string{"/_emulator/google/snapshot", "/_emulator/microsoft/clients", "/_emulator/"} {
		for _, remote := range []string{"203.0.113.9:5555", "[2001:db8::1]:5555", "10.0.0.2:1"} {
			req := httptest.NewRequest("GET", path, nil)
			req.RemoteAddr = remote
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusForbidden || strings.Contains(rec.Body.String(), "token") && !strings.Contains(rec.Body.String(), "loopback") {
				t.Fatalf("%s from %s: %d %.200s", path, remote, rec.Code, rec.Body.String())
			}
		}
		req := httptest.NewRequest("POST", "/_emulator/google/reset", nil)
		req.RemoteAddr = "203.0.113.9:5555"
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusForbidden {
			t.Fatalf("reset from outside: %d", rec.Code)
		}
	}
	res, err := http.Get(env.Server.URL + "/_emulator/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("loopback client: %d", res.StatusCode)
	}
}

// TestCORSAnyOrigin: "*" opens the API to any site for bearer-token
// clients, never with credentials.
func TestCORSAnyOrigin(t *testing.T) {
	env := testenv.NewWith(t, testenv.SQLite, func(c *config.Config) { c.AllowedOrigins = []string{"*"} })
	ex := send(t, "OPTIONS", env.Server.URL+"/graphql", map[string]string{"Origin": "https://anywhere.example", "Access-Control-Request-Method": "POST"}, "")
	if ex.header.Get("Access-Control-Allow-Origin") != "*" || ex.header.Get("Access-Control-Allow-Credentials") != "" {
		t.Fatalf("preflight: %v", ex.header)
	}
}

// TestDNSRebindingRefused: a page whose name was rebound to 127.0.0.1
// reaches the server from loopback with its own Host; the emulators'
// control API and the same-origin rule refuse it.
func TestDNSRebindingRefused(t *testing.T) {
	env := testenv.New(t, testenv.SQLite)
	_, port, _ := strings.Cut(strings.TrimPrefix(env.Server.URL, "http://"), ":")
	evil := "attacker.example:" + port
	for _, path := range []string{"/_emulator/google/clients", "/_emulator/microsoft/clients", "/_emulator/"} {
		ex := send(t, "GET", env.Server.URL+path, map[string]string{"Host": evil}, "")
		if ex.status != http.StatusForbidden {
			t.Fatalf("%s with Host %s: %d %.200s", path, evil, ex.status, ex.raw)
		}
	}
	ex := send(t, "POST", env.Server.URL+"/graphql", map[string]string{"Host": evil, "Origin": "http://" + evil, "Content-Type": "application/json"}, `{"query":"{ __typename }"}`)
	if ex.status != http.StatusForbidden {
		t.Fatalf("graphql from a rebound origin: %d %s", ex.status, ex.raw)
	}
	ex = send(t, "POST", env.Server.URL+"/graphql", map[string]string{"Origin": env.Server.URL, "Content-Type": "application/json"}, `{"query":"{ __typename }"}`)
	if ex.status != http.StatusOK {
		t.Fatalf("same origin: %d %s", ex.status, ex.raw)
	}
}

// TestSubscriptionOverHTTPRefused: a subscription sent over POST or GET is
// refused at once instead of holding the request open.
func TestSubscriptionOverHTTPRefused(t *testing.T) {
	env := testenv.New(t, testenv.SQLite)
	org := env.SeedOrg(t, "acme")
	admin := env.SignIn(t, org.Admin.Email, org.Password)
	for _, q := range []string{`subscription{bookingChanged{kind}}`, `subscription{a:bookingChanged{kind} b:bookingChanged{kind}}`} {
		r := admin.Do(t, q, nil)
		if r.Status != http.StatusBadRequest || len(r.Errors) != 1 || r.Errors[0].Code() == "INTERNAL" {
			t.Fatalf("%s: %d %+v", q, r.Status, r.Errors)
		}
	}
}

// TestBadInputMessages: bad input answers BAD_USER_INPUT in the user's
// words, never INTERNAL, Go package names or ent's wrapping.
func TestBadInputMessages(t *testing.T) {
	env := testenv.New(t, testenv.SQLite)
	org := env.SeedOrg(t, "acme")
	admin := env.SignIn(t, org.Admin.Email, org.Password)
	book := func(extra string) string {
		return `mutation{createBooking(input:{title:"x",startAt:"2030-01-01T10:00:00Z",endAt:"2030-01-01T11:00:00Z"` + extra + `}){id}}`
	}
	cases := []struct{ query, message, field string }{
		{`{users(first:1,after:"!!!"){totalCount}}`, "invalid cursor", ""},
		{`{users(first:1,after:"AAAAAAAA"){totalCount}}`, "invalid cursor", ""},
		{`{users(first:1,where:{or:[{}]}){totalCount}}`, "may not be empty", "where"},
		{`{bookings(from:"2030-01-01T00:00:00Z",to:"2030-02-01T00:00:00Z",first:1,where:{not:{}}){totalCount}}`, "may not be empty", "where"},
		{book(`,timeZone:"Local"`), `invalid timeZone: unknown time zone "Local"`, "timeZone"},
		{`mutation{createBooking(input:{title:"",startAt:"2030-01-01T10:00:00Z",endAt:"2030-01-01T11:00:00Z"}){id}}`, "invalid title: must not be empty", "title"},
	}
	for _, c := range cases {
		r := admin.Do(t, c.query, nil)
		if len(r.Errors) != 1 {
			t.Fatalf("%s: %+v", c.query, r.Errors)
		}
		e := r.Errors[0]
		if e.Code() != "BAD_USER_INPUT" || !strings.Contains(e.Message, c.message) || strings.Contains(e.Message, "validator failed") ||
			strings.Contains(e.Message, "msgpack") || strings.Contains(e.Message, "base64") {
			t.Errorf("%s: %s %q", c.query, e.Code(), e.Message)
		}
		if c.field != "" && e.Extensions["field"] != c.field {
			t.Errorf("%s: field %v, want %s", c.query, e.Extensions["field"], c.field)
		}
	}
}

// TestGetIntVariables: an Int variable sent over GET (browsers' clients
// send short queries that way) is an int, as over POST — not a float64
// the schema refuses.
func TestGetIntVariables(t *testing.T) {
	env := testenv.New(t, testenv.SQLite)
	org := env.SeedOrg(t, "get-int")
	admin := env.SignIn(t, org.Admin.Email, testenv.Password)
	q := url.Values{"query": {"query Out($f: Int) { outbox(first: $f) { totalCount } }"}, "variables": {`{"f": 5}`}}
	res, err := admin.HTTP.Get(admin.URL + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || strings.Contains(string(raw), "errors") {
		t.Fatalf("GET with an Int variable: %d %s", res.StatusCode, raw)
	}
}
