package engine

import (
	"calsync/ent"
	"calsync/internal/store"
)

// The account's round, selected with its row, for the external tests.
var (
	WithTwoWay  = withTwoWay
	TwoWayFrom  = twoWayFrom
	WithPending = withPending
	ScopeOf     = scopeOf
)

// The organization's fields Render reads, selected with an account's row.
var (
	WithRenderedOrg = withRenderedOrg
	RenderedOrg     = renderedOrg
)

// What a sync selects with each booking.
var (
	WithHostsAmong  = withHostsAmong
	WithCreatorName = withCreatorName
	CreatorFromRow  = creatorFromRow
	HostsOf         = func(b *ent.Booking) ([]int, error) { return store.SelectedIDs(b, hostsColumn) }
)
