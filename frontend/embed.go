// Package frontend holds the admin console's built files (dist/app, made by
// `make console` from this folder's React sources), embedded in the binary.
package frontend

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Console returns the built console, or nil when this binary was compiled
// before the console was built (a plain `go build` on a fresh clone).
func Console() fs.FS {
	sub, err := fs.Sub(dist, "dist/app")
	if err != nil {
		return nil
	}
	if _, err := fs.Stat(sub, "index.html"); err != nil {
		return nil
	}
	return sub
}
