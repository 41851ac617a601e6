package engine

// The account's round, selected with its row, for the external tests.
var (
	WithTwoWay  = withTwoWay
	TwoWayFrom  = twoWayFrom
	WithPending = withPending
	ScopeOf     = scopeOf
)
