package engine

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect/sql"

	"calsync/ent"
	"calsync/ent/calendaraccount"
	"calsync/ent/organization"
	"calsync/internal/recurrence"
	"calsync/internal/store"
)

// base32hex without padding, lower case: the alphabet Google accepts for
// client-chosen event ids (a-v, 0-9).
var keyEncoding = base32.HexEncoding.WithPadding(base32.NoPadding)

// EventKey is the stable key of the event for (booking, fieldworker,
// calendar) in its generation: 26 base32hex characters.
func EventKey(orgID, bookingID, userID int, calendarID string, generation int) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("calsync|%d|%d|%d|%s|%d", orgID, bookingID, userID, calendarID, generation)))
	return strings.ToLower(keyEncoding.EncodeToString(sum[:16]))
}

// WithRendered loads the edges Render reads (status, type, creator): a
// booking rendered without one of them renders differently from what was
// pushed.
func WithRendered(q *ent.BookingQuery) *ent.BookingQuery {
	return q.WithStatus().WithType().WithCreatedBy()
}

// The organization's fields Render reads, selected with an account's row
// (withRenderedOrg): a sync reads them with its account instead of
// loading the organization.
const (
	orgNameColumn     = "calsync_org_name"
	orgTimeZoneColumn = "calsync_org_time_zone"
)

// withRenderedOrg selects, with each account, its organization's fields
// that Render reads.
func withRenderedOrg(s *sql.Selector) {
	b := sql.Dialect(s.Dialect())
	// In a fixed order: the statement's text is the prepared statement's key.
	for _, c := range [][2]string{{organization.FieldName, orgNameColumn}, {organization.FieldDefaultTimeZone, orgTimeZoneColumn}} {
		o := b.Table(organization.Table)
		s.AppendSelectExprAs(store.OrEmpty(b.Select(o.C(c[0])).From(o).
			Where(sql.ColumnsEQ(o.C(organization.FieldID), s.C(calendaraccount.FieldOrganizationID)))), c[1])
	}
}

// renderedOrg is the organization of an account loaded withRenderedOrg,
// holding what Render reads (its id, name and default time zone) and
// nothing else: it is for rendering only.
func renderedOrg(a *ent.CalendarAccount) (*ent.Organization, error) {
	org := &ent.Organization{ID: a.OrganizationID}
	var err error
	if org.Name, err = store.SelectedText(a, orgNameColumn); err != nil {
		return nil, fmt.Errorf("engine: load organization: %w", err)
	}
	if org.DefaultTimeZone, err = store.SelectedText(a, orgTimeZoneColumn); err != nil {
		return nil, fmt.Errorf("engine: load organization: %w", err)
	}
	if org.Name == "" || org.DefaultTimeZone == "" {
		return nil, fmt.Errorf("engine: load organization %d: not found", a.OrganizationID)
	}
	return org, nil
}

// Render builds the event for booking b as seen by fieldworker u; b has
// the edges WithRendered loads. Of org it reads the id, name and default
// time zone only, what a sync selects with its account (withRenderedOrg);
// reading another field means selecting it there too.
func Render(org *ent.Organization, b *ent.Booking, u *ent.User, cancelled bool) Event {
	tz := b.TimeZone
	if tz == "" {
		tz = org.DefaultTimeZone
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		loc, tz = time.UTC, "UTC"
	}
	title := b.Title
	if cancelled {
		title = "Cancelled: " + title
	}
	ev := Event{
		Title:       title,
		Description: describe(org, b, u, loc, cancelled),
		Location:    location(b),
		Start:       b.StartAt.In(loc),
		End:         b.EndAt.In(loc),
		TimeZone:    tz,
		AllDay:      b.AllDay,
		RRule:       strings.TrimPrefix(b.Recurrence, "RRULE:"),
		Busy:        !cancelled,
		Tags: map[string]string{
			TagOwner:   strconv.Itoa(org.ID),
			TagBooking: strconv.Itoa(b.ID),
			TagUser:    strconv.Itoa(u.ID),
		},
	}
	for _, x := range b.RecurrenceExceptions {
		ev.ExDates = append(ev.ExDates, x.In(loc))
	}
	sort.Slice(ev.ExDates, func(i, j int) bool { return ev.ExDates[i].Before(ev.ExDates[j]) })
	if ev.RRule != "" {
		removed := map[int64]bool{}
		for _, x := range ev.ExDates {
			removed[x.Unix()] = true
		}
		for _, m := range b.MovedOccurrences {
			if !removed[m.OriginalStart.Unix()] {
				ev.Moved = append(ev.Moved, recurrence.Moved{Original: m.OriginalStart.In(loc), Start: m.StartAt.In(loc), End: m.EndAt.In(loc)})
			}
		}
		sort.Slice(ev.Moved, func(i, j int) bool { return ev.Moved[i].Original.Before(ev.Moved[j].Original) })
	}
	return ev
}

func location(b *ent.Booking) string {
	if len(b.Addresses) > 0 {
		return b.Addresses[0]
	}
	if b.SessionLink != "" {
		return b.SessionLink
	}
	return b.Suburb
}

// describe lists the booking's details in the event description.
func describe(org *ent.Organization, b *ent.Booking, u *ent.User, loc *time.Location, cancelled bool) string {
	var lines []string
	add := func(label, v string) {
		if strings.TrimSpace(v) != "" {
			lines = append(lines, label+": "+v)
		}
	}
	if cancelled {
		lines = append(lines, "This booking was cancelled.")
	}
	if st := b.Edges.Status; st != nil {
		add("Status", st.Name)
	}
	add("Fieldworker", u.Name)
	if b.Amount != "" {
		add("Amount", strings.TrimSpace(b.Amount+" "+b.Currency))
	}
	add("Suburb", b.Suburb)
	add("Time", fmt.Sprintf("%s – %s (%s)", b.StartAt.In(loc).Format("Mon 2 Jan 2006 15:04"), b.EndAt.In(loc).Format("15:04"), loc.String()))
	add("Customer", b.CustomerName)
	add("Business", b.CustomerBusinessName)
	add("Email", b.CustomerEmail)
	add("Phone", b.CustomerPhone)
	for i, a := range b.Addresses {
		add(fmt.Sprintf("Address %d", i+1), a)
	}
	add("Service", b.ServiceName)
	add("Service description", b.ServiceDescription)
	keys := make([]string, 0, len(b.CustomProperties))
	for k := range b.CustomProperties {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		add(k, b.CustomProperties[k])
	}
	add("Session link", b.SessionLink)
	if cb := b.Edges.CreatedBy; cb != nil {
		add("Created by", cb.Name)
	}
	add("Created", b.CreatedAt.In(loc).Format("2 Jan 2006 15:04"))
	lines = append(lines, "", "Managed by Calsync ("+org.Name+"): change it in Calsync, not here.")
	return strings.Join(lines, "\n")
}

// FieldHashes hashes each field group of ev, to tell what an update must send.
func FieldHashes(ev Event) map[string]string {
	h := func(parts ...string) string {
		sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
		return hex.EncodeToString(sum[:8])
	}
	ex := make([]string, len(ev.ExDates), len(ev.ExDates)+len(ev.Moved))
	for i, x := range ev.ExDates {
		ex[i] = x.UTC().Format(time.RFC3339)
	}
	for _, m := range ev.Moved {
		ex = append(ex, "moved "+m.Original.UTC().Format(time.RFC3339)+" "+m.Start.UTC().Format(time.RFC3339)+" "+m.End.UTC().Format(time.RFC3339))
	}
	tags := make([]string, 0, len(ev.Tags))
	for k, v := range ev.Tags {
		tags = append(tags, k+"="+v)
	}
	sort.Strings(tags)
	return map[string]string{
		string(FieldTitle):       h(ev.Title),
		string(FieldDescription): h(ev.Description),
		string(FieldLocation):    h(ev.Location),
		string(FieldTime):        h(ev.Start.UTC().Format(time.RFC3339), ev.End.UTC().Format(time.RFC3339), ev.TimeZone, strconv.FormatBool(ev.AllDay)),
		string(FieldRecurrence):  h(append([]string{ev.RRule}, ex...)...),
		string(FieldBusy):        h(strconv.FormatBool(ev.Busy)),
		string(FieldTags):        h(tags...),
	}
}

// changedFields lists the groups whose hashes differ (all, when nothing
// was recorded).
func changedFields(old, cur map[string]string) []Field {
	var out []Field
	for _, f := range AllFields {
		if old == nil || old[string(f)] != cur[string(f)] {
			out = append(out, f)
		}
	}
	return out
}
