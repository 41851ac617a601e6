// Package graph is Calsync's GraphQL API: thin resolvers over the domain
// packages; authorization lives in the ent privacy rules.
package graph

import (
	"context"
	"log/slog"

	"calsync/ent"
	"calsync/internal/auth"
	"calsync/internal/broker"
	"calsync/internal/directory"
	"calsync/internal/scheduling"
)

// Resolver holds the API's dependencies.
type Resolver struct {
	Client     *ent.Client
	Auth       *auth.Service
	Scheduling *scheduling.Service
	Directory  *directory.Directory
	Broker     *broker.Broker
	Log        *slog.Logger
}

// db returns the operation's transactional client, or the plain one for
// queries (which run outside a transaction).
func (r *Resolver) db(ctx context.Context) *ent.Client {
	if c := ent.FromContext(ctx); c != nil {
		return c
	}
	return r.Client
}
