package engine

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
