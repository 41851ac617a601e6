package ent

import "entgo.io/ent/dialect"

// RawDriver returns the client's driver — inside a transaction, the
// transaction's — for the few statements ent cannot build, such as an
// UPDATE … RETURNING (calsync/internal/store). Written by hand, not
// generated: statements sent through it bypass privacy rules and hooks,
// so they must filter by organization themselves.
func (c *Client) RawDriver() dialect.Driver { return c.driver }
