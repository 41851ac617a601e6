package server

import (
	"bytes"
	"compress/gzip"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
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
	zipped := &gzipCache{files: files}
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
			if zipped.serve(w, r, name) {
				return
			}
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

// gzipCache serves scripts and styles gzip-compressed to browsers that
// accept it, compressing each file once: the embedded files never change
// while the process runs, and the console's script is a third the size
// compressed.
type gzipCache struct {
	files fs.FS
	mu    sync.Mutex
	done  map[string][]byte
}

var compressible = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".svg": "image/svg+xml",
	".map": "application/json",
}

func (c *gzipCache) serve(w http.ResponseWriter, r *http.Request, name string) bool {
	ctype, ok := compressible[path.Ext(name)]
	if !ok || !acceptsGzip(r.Header.Get("Accept-Encoding")) {
		return false
	}
	c.mu.Lock()
	body, ok := c.done[name]
	if !ok {
		raw, err := fs.ReadFile(c.files, name)
		if err != nil {
			c.mu.Unlock()
			return false
		}
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		_, _ = zw.Write(raw)
		_ = zw.Close()
		body = b.Bytes()
		if c.done == nil {
			c.done = map[string][]byte{}
		}
		c.done[name] = body
	}
	c.mu.Unlock()
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Encoding", "gzip")
	h.Add("Vary", "Accept-Encoding")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
	return true
}

// acceptsGzip reads Accept-Encoding for gzip not refused with q=0.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}
