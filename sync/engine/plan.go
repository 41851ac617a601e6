package engine

import (
	"calsync/ent"
	"calsync/ent/eventlink"
)

// planInput is everything plan decides from. It is plain data: plan reads
// no database, no provider and no clock.
type planInput struct {
	orgID      int
	calendarID string
	// desired is what the calendar should hold (desiredFrom).
	desired map[pairKey]decision
	// links record what Calsync pushed to this calendar.
	links []*ent.EventLink
	// members are the account's users: a tagged event of anyone else is
	// not a stray (kept when a user unlinks).
	members map[int]bool
	// tagged is what the provider holds tagged as this organization's —
	// read only when needsList says so, nil otherwise.
	tagged []Remote
	// verify is a re-sync: events deleted at the provider are recreated
	// and stray Calsync events removed.
	verify bool
	// twoWay: the organization syncs both ways; an event of Calsync's found
	// missing on re-sync is handed to two-way sync (its deletion may flow
	// back) instead of being recreated.
	twoWay bool
	// deferCreates: two-way first contact has not read the calendar yet;
	// no event is created until it has (it could duplicate one it adopts).
	deferCreates bool
	// held are links with an open conflict: left alone until resolved.
	held map[int]bool
}

// planned is what a sync must do.
type planned struct {
	steps []*step
	// forget are creates whose answer was lost, no longer wanted, whose
	// event the provider does not hold: their links are marked deleted.
	forget []*ent.EventLink
	// skipped counts pairs that need nothing (or must wait).
	skipped int
	// stale are links of Calsync's events missing at the provider on a
	// two-way re-sync: two-way sync decides what their deletion means.
	stale []*ent.EventLink
}

// lostCreate says whether a link records a create the provider may have
// done without Calsync hearing of it.
func lostCreate(l *ent.EventLink) bool {
	return l.ProviderEventID == "" && l.State != eventlink.StateDELETED
}

// needsList says whether plan needs what the provider holds: on re-sync,
// or when a create that may have landed (its answer was lost) is no longer
// wanted — its event can only be found by its tags.
func needsList(desired map[pairKey]decision, links []*ent.EventLink, verify bool) bool {
	if verify {
		return true
	}
	for _, l := range links {
		if d, ok := desired[pairKey{l.BookingRef, l.UserID}]; lostCreate(l) && !(ok && d.creates()) {
			return true
		}
	}
	return false
}

// plan compares the desired state with the recorded links (and, on
// re-sync, with what the provider holds) and returns the operations that
// make the calendar equal to the desired state.
func plan(in planInput) planned {
	var out planned
	var remote map[string]bool // provider ids present, on re-sync
	if in.verify {
		remote = make(map[string]bool, len(in.tagged))
		for _, rm := range in.tagged {
			remote[rm.ID] = true
		}
	}
	seen := map[pairKey]bool{}
	known := map[string]bool{}
	for _, l := range in.links {
		pair := pairKey{l.BookingRef, l.UserID}
		seen[pair] = true
		if l.ProviderEventID != "" {
			known[l.ProviderEventID] = true
		}
		if in.held[l.ID] {
			out.skipped++
			continue
		}
		d, ok := in.desired[pair]
		live := l.State != eventlink.StateDELETED && l.ProviderEventID != ""
		switch {
		case ok && d.want == wantPresent && live && in.twoWay && remote != nil &&
			l.Origin != eventlink.OriginPROVIDER && !remote[l.ProviderEventID]:
			out.stale = append(out.stale, l)
		case ok && d.want == wantPresent && (d.creates() || live):
			if s := in.planPresent(l, d, remote); s != nil {
				out.steps = append(out.steps, s)
			} else {
				out.skipped++
			}
		case ok && d.want == wantLeave:
			out.skipped++
		case live:
			out.steps = append(out.steps, &step{pair: pair, link: l, op: Op{Kind: OpDelete, RemoteID: l.ProviderEventID, ETag: l.Etag}})
		case lostCreate(l):
			// A create whose answer was lost, no longer wanted: delete
			// what it may have made, found by its tags.
			found := false
			for _, rm := range in.tagged {
				if tagPair(rm) == pair {
					out.steps = append(out.steps, &step{pair: pair, link: l, op: Op{Kind: OpDelete, RemoteID: rm.ID}})
					known[rm.ID], found = true, true
				}
			}
			if !found {
				out.forget = append(out.forget, l)
			}
		default:
			out.skipped++
		}
	}
	for pair, d := range in.desired {
		if seen[pair] || !d.creates() {
			continue
		}
		out.steps = append(out.steps, in.createStep(pair, nil, d, 0))
	}
	if in.deferCreates {
		// New events wait for first contact; a create whose answer was
		// lost (its link holds the key) goes on: it is Calsync's own.
		kept := out.steps[:0]
		for _, st := range out.steps {
			if st.op.Kind == OpCreate && (st.link == nil || st.link.State == eventlink.StateDELETED) {
				out.skipped++
				continue
			}
			kept = append(kept, st)
		}
		out.steps = kept
	}
	if in.verify {
		// A tagged event nobody's link points at is a stray, unless it
		// belongs to a user outside this account (kept on unlink), or to
		// a pair whose create is pending (the create adopts it), or to a
		// booking the user no longer has (deleted or moved away while its
		// status kept events: scheduling forgot it on purpose).
		pendingPair := map[pairKey]bool{}
		for _, l := range in.links {
			if lostCreate(l) {
				pendingPair[pairKey{l.BookingRef, l.UserID}] = true
			}
		}
		for _, rm := range in.tagged {
			pair := tagPair(rm)
			if known[rm.ID] || !in.members[pair.user] || pendingPair[pair] || !in.desired[pair].has() {
				continue
			}
			out.steps = append(out.steps, &step{op: Op{Kind: OpDelete, RemoteID: rm.ID}})
		}
	}
	for _, st := range out.steps {
		st.cal = in.calendarID
	}
	return out
}

func (in planInput) planPresent(l *ent.EventLink, d decision, remote map[string]bool) *step {
	pair := pairKey{l.BookingRef, l.UserID}
	switch {
	case l.State == eventlink.StateDELETED:
		return in.createStep(pair, l, d, l.Generation+1)
	case l.ProviderEventID == "":
		// PENDING or FAILED before the provider confirmed: same key, so a
		// create that did happen is found, not repeated.
		return in.createStep(pair, l, d, l.Generation)
	case remote != nil && l.Origin != eventlink.OriginPROVIDER && !remote[l.ProviderEventID]:
		// Deleted at the provider by someone: recreate it (unless it
		// was only kept to show the booking cancelled).
		if !d.creates() {
			return nil
		}
		return in.createStep(pair, l, d, l.Generation+1)
	}
	ev := eventFor(l, d)
	fields := changedFields(l.FieldHashes, FieldHashes(ev))
	if len(fields) == 0 && l.State == eventlink.StateSYNCED {
		return nil
	}
	ev.Key = l.EventKey
	return &step{pair: pair, link: l, d: d, op: Op{Kind: OpUpdate, Event: ev, RemoteID: l.ProviderEventID, ETag: l.Etag, Fields: fields}}
}

func (in planInput) createStep(pair pairKey, l *ent.EventLink, d decision, gen int) *step {
	ev := d.event
	ev.Key = EventKey(in.orgID, pair.booking, pair.user, in.calendarID, gen)
	return &step{pair: pair, link: l, d: d, op: Op{Kind: OpCreate, Event: ev}, cal: in.calendarID}
}
