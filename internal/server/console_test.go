package server

import (
	"compress/gzip"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

// TestConsoleServing: deep links get index.html (never cached, under the
// console's CSP), hashed assets a year of caching, missing assets a 404
// (not index.html, which a browser would try to run as script), and only
// GET and HEAD are answered.
func TestConsoleServing(t *testing.T) {
	files := fstest.MapFS{
		"index.html":             {Data: []byte(`<!doctype html><div id="root"></div><script type="module" src="/assets/index-abc123.js"></script>`)},
		"assets/index-abc123.js": {Data: []byte(`console.log("calsync")`)},
		"favicon.svg":            {Data: []byte(`<svg/>`)},
	}
	h := consoleHandler(files)
	if h == nil {
		t.Fatal("consoleHandler returned nil for a built console")
	}
	cases := []struct {
		method, path string
		status       int
		cache, body  string
		csp          bool
	}{
		{"GET", "/", 200, "no-cache", `<div id="root">`, true},
		{"GET", "/bookings/42", 200, "no-cache", `<div id="root">`, true},
		{"GET", "/sync?x=1", 200, "no-cache", `<div id="root">`, true},
		{"HEAD", "/calendar", 200, "no-cache", "", true},
		{"GET", "/assets/index-abc123.js", 200, "public, max-age=31536000, immutable", `console.log`, false},
		{"GET", "/assets/missing-000.js", 404, "", "", false},
		{"GET", "/assets/../index.html", 200, "no-cache", `<div id="root">`, true},
		{"GET", "/favicon.svg", 200, "public, max-age=3600", `<svg/>`, false},
		{"POST", "/bookings", 405, "", "", false},
	}
	for _, c := range cases {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(c.method, c.path, nil))
		if rec.Code != c.status {
			t.Errorf("%s %s: status %d, want %d", c.method, c.path, rec.Code, c.status)
			continue
		}
		if got := rec.Header().Get("Cache-Control"); c.cache != "" && got != c.cache {
			t.Errorf("%s %s: Cache-Control %q, want %q", c.method, c.path, got, c.cache)
		}
		if c.body != "" && !strings.Contains(rec.Body.String(), c.body) {
			t.Errorf("%s %s: body %q lacks %q", c.method, c.path, rec.Body.String(), c.body)
		}
		if csp := rec.Header().Get("Content-Security-Policy"); c.csp && !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("%s %s: CSP %q", c.method, c.path, csp)
		}
		if c.status == 404 && strings.Contains(rec.Body.String(), "root") {
			t.Errorf("%s %s: a missing asset got index.html", c.method, c.path)
		}
	}
	// Scripts go gzip-compressed to browsers that take it, the same bytes
	// each time; others get them plain.
	req := httptest.NewRequest("GET", "/assets/index-abc123.js", nil)
	req.Header.Set("Accept-Encoding", "br, gzip;q=0.8")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Header().Get("Content-Encoding") != "gzip" || rec.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Fatalf("gzip: headers %v", rec.Header())
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	if plain, _ := io.ReadAll(zr); string(plain) != `console.log("calsync")` {
		t.Fatalf("gzip body decodes to %q", plain)
	}
	req.Header.Set("Accept-Encoding", "gzip;q=0")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Header().Get("Content-Encoding") != "" || rec.Body.String() != `console.log("calsync")` {
		t.Fatalf("gzip;q=0 still got %q %q", rec.Header().Get("Content-Encoding"), rec.Body.String())
	}

	if consoleHandler(fstest.MapFS{}) != nil {
		t.Error("a console without index.html must not be served")
	}
}
