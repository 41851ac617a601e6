package server

import (
	"bytes"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

// consoleCSP is the policy of the admin console: its own scripts only (no
// inline script), inline styles (the component library sets style
// attributes), and API calls and websockets to this origin alone.
const consoleCSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// consoleHandler serves the built console: hashed assets with a year of
// caching (their names change with their content), any other address with
// index.html, which is never cached, so deep links (/bookings/42) open the
// app and a new release is picked up on the next load.
func consoleHandler(files fs.FS) http.Handler {
	index, err := fs.ReadFile(files, "index.html")
	if err != nil {
		return nil
	}
	started := time.Now()
	assets := http.FileServerFS(files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if strings.HasPrefix(name, "assets/") {
			if st, err := fs.Stat(files, name); err != nil || st.IsDir() {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			assets.ServeHTTP(w, r)
			return
		}
		if name != "" && name != "index.html" && !strings.HasPrefix(name, ".") {
			// Files at the top of the build (favicon…): cached briefly,
			// their names carry no hash.
			if st, err := fs.Stat(files, name); err == nil && !st.IsDir() {
				w.Header().Set("Cache-Control", "public, max-age=3600")
				assets.ServeHTTP(w, r)
				return
			}
		}
		h := w.Header()
		h.Set("Content-Security-Policy", consoleCSP)
		h.Set("Cache-Control", "no-cache")
		h.Set("Content-Type", "text/html; charset=utf-8")
		http.ServeContent(w, r, "index.html", started, bytes.NewReader(index))
	})
}
