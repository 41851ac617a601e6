package store

import (
	"entgo.io/ent/dialect"

	"calsync/ent"
)

// DriverOf is the ent client's driver, for tests that run statements
// through it directly.
func DriverOf(d *DB) dialect.Driver { return d.drv }

// DetachedClient is a client on d's pool through the detached-context
// driver alone (no UTC rewriting), to compare with ent's own driver.
func DetachedClient(d *DB) *ent.Client {
	return ent.NewClient(ent.Driver(&detachedDriver{db: d.SQL, dialect: d.Dialect}))
}
