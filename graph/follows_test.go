package graph

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"calsync/ent"
	_ "calsync/ent/runtime" // the privacy policies
	"calsync/internal/linking/consent"
	"calsync/internal/viewer"
)

// TestFollowsAsksUserPolicy: without a userId, account and sync events
// reach admins for anyone of their organization and everyone else only
// about themselves — the User policy's answer (consent.AuthorizeFor), not a
// role test of the resolver's own.
func TestFollowsAsksUserPolicy(t *testing.T) {
	r := &Resolver{Consent: consent.New(consent.Options{Client: ent.NewClient()})}
	const self, other = 7, 8
	for _, c := range []struct {
		role  viewer.Role
		users []int
		want  bool
	}{
		{viewer.RoleAdmin, []int{other}, true},
		{viewer.RoleAdmin, []int{self}, true},
		{viewer.RoleScheduler, []int{other}, false},
		{viewer.RoleScheduler, []int{other, self}, true},
		{viewer.RoleFieldworker, []int{other}, false},
		{viewer.RoleFieldworker, []int{self}, true},
		{viewer.RoleFieldworker, nil, false},
	} {
		t.Run(fmt.Sprintf("%s/%v", c.role, c.users), func(t *testing.T) {
			ctx := viewer.NewContext(context.Background(), viewer.Viewer{UserID: self, OrgID: 1, Role: c.role})
			if got := r.follows(ctx, nil, c.users); got != c.want {
				t.Fatalf("follows = %v, want %v", got, c.want)
			}
			// With a userId (already authorized), only events about them.
			id := other
			if got := r.follows(ctx, &id, c.users); got != slices.Contains(c.users, other) {
				t.Fatalf("follows(userId %d) = %v", id, got)
			}
		})
	}
}
