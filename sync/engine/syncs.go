package engine

import (
	"slices"

	"calsync/ent"
	"calsync/ent/calendaraccount"
	"calsync/ent/predicate"
)

// syncingStatuses are the states in which an account's calendar is kept in
// step: ACTIVE, and ERROR — a failing account keeps being tried (on every
// change and every reconcile pass), and a sync that succeeds clears the
// error. NEEDS_REAUTH and UNLINKED accounts wait for the user.
var syncingStatuses = []calendaraccount.Status{calendaraccount.StatusACTIVE, calendaraccount.StatusERROR}

// AccountSyncs is the one predicate for "this account syncs". (A syncing
// account whose destination calendar is not prepared yet has nothing to
// write to: the engine waits for linking to finish.)
func AccountSyncs(a *ent.CalendarAccount) bool {
	return slices.Contains(syncingStatuses, a.Status)
}

// SyncingAccounts selects the accounts AccountSyncs holds for.
func SyncingAccounts() predicate.CalendarAccount {
	return calendaraccount.StatusIn(syncingStatuses...)
}
