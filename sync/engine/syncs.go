package engine

import (
	"calsync/ent"
	"calsync/ent/calendaraccount"
	"calsync/ent/predicate"
)

// syncingStatuses are the states in which an account's calendar is kept in
// step: ACTIVE, and ERROR — a failing account keeps being tried (on every
// change and every reconcile pass), and a sync that succeeds clears the
// error. NEEDS_REAUTH and UNLINKED accounts wait for the user.
var syncingStatuses = []calendaraccount.Status{calendaraccount.StatusACTIVE, calendaraccount.StatusERROR}

// AccountSyncs is the one predicate for "this account syncs".
func AccountSyncs(a *ent.CalendarAccount) bool {
	for _, s := range syncingStatuses {
		if a.Status == s {
			return a.DestinationCalendarID != ""
		}
	}
	return false
}

// SyncingAccounts selects the accounts AccountSyncs holds for.
func SyncingAccounts() predicate.CalendarAccount {
	return calendaraccount.And(calendaraccount.StatusIn(syncingStatuses...), calendaraccount.DestinationCalendarIDNEQ(""))
}
