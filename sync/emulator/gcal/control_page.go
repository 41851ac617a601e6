package gcal

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ctlAccountPage renders the account's calendars and events as the user
// would see them in Google Calendar: an agenda of the non-cancelled
// events, series expanded, in the account's time zone. Query parameters:
// from (YYYY-MM-DD, default a week ago) and days (default 60, at most 366).
func (e *Emulator) ctlAccountPage(w http.ResponseWriter, r *http.Request) {
	email := normEmail(r.PathValue("email"))
	e.mu.Lock()
	acc := e.st.Accounts[email]
	if acc == nil {
		e.mu.Unlock()
		http.Error(w, "gcal: no account "+email, http.StatusNotFound)
		return
	}
	loc, err := time.LoadLocation(acc.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	now := e.clock.Now().In(loc)
	days := 60
	if d, err := strconv.Atoi(r.URL.Query().Get("days")); err == nil && d > 0 && d <= 366 {
		days = d
	}
	y, m, d := now.AddDate(0, 0, -7).Date()
	from := time.Date(y, m, d, 0, 0, 0, 0, loc)
	if f, err := time.ParseInLocation(dateLayout, r.URL.Query().Get("from"), loc); err == nil {
		from = f
	}
	to := from.AddDate(0, 0, days)
	view := accountView{
		Account: acc.public(), From: from.Format(dateLayout), To: to.AddDate(0, 0, -1).Format(dateLayout), Zone: loc.String(),
		Days: days, PrevFrom: from.AddDate(0, 0, -days).Format(dateLayout), NextFrom: to.Format(dateLayout),
	}
	for _, cal := range e.st.calendarsOf(email) {
		view.Calendars = append(view.Calendars, e.calendarAgenda(cal, from, to, loc))
	}
	e.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := accountTemplate.Execute(w, view); err != nil {
		http.Error(w, "gcal: render account page: "+err.Error(), http.StatusInternalServerError)
	}
}

// calendarAgenda lists what the calendar shows in [from, to); mu held.
func (e *Emulator) calendarAgenda(cal *calendarState, from, to time.Time, loc *time.Location) calendarView {
	cv := calendarView{ID: cal.ID, Summary: cal.Summary, TimeZone: cal.TimeZone, Primary: cal.Primary}
	type row struct {
		start time.Time
		eventRow
	}
	var rows []row
	for _, ev := range cal.Events {
		cv.Count++
		if isCancelled(ev) {
			cv.Deleted++
		}
		switch {
		case isCancelled(ev) || ev.isException():
			continue
		case ev.isRecurring():
			for _, o := range expand(cal, ev, from, to, maxInstancesPerSeries) {
				if o.cancelled() {
					continue
				}
				src := ev
				if o.exception != nil {
					src = o.exception
				}
				s, end := o.span()
				rows = append(rows, row{s, agendaRow(o.id(), src, s, end, ev.start.allDay, loc, true, o.exception != nil)})
			}
		default:
			if overlaps(ev.start.t, ev.end.t, from, to) {
				rows = append(rows, row{ev.start.t, agendaRow(ev.ID, ev, ev.start.t, ev.end.t, ev.start.allDay, loc, false, false)})
			}
		}
	}
	slices.SortFunc(rows, func(a, b row) int {
		if c := a.start.Compare(b.start); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	for _, r := range rows {
		cv.Rows = append(cv.Rows, r.eventRow)
	}
	return cv
}

func agendaRow(id string, ev *event, s, end time.Time, allDay bool, loc *time.Location, recurring, exception bool) eventRow {
	summary, _ := ev.Body["summary"].(string)
	if summary == "" {
		summary = "(No title)"
	}
	var when string
	if allDay {
		when = s.Format("Mon 02 Jan 2006") + " (all day)"
		if days := int(end.Sub(s).Hours()/24 + 0.5); days > 1 {
			when += ", " + strconv.Itoa(days) + " days"
		}
	} else {
		when = s.In(loc).Format("Mon 02 Jan 2006 15:04") + "–" + end.In(loc).Format("15:04")
	}
	var details []string
	if l, _ := ev.Body["location"].(string); l != "" {
		details = append(details, l)
	}
	if v, _ := ev.Body["visibility"].(string); v == "private" || v == "confidential" {
		details = append(details, "private")
	}
	if t, _ := ev.Body["transparency"].(string); t == "transparent" {
		details = append(details, "shown as free")
	}
	if c, _ := ev.Body["colorId"].(string); c != "" {
		details = append(details, "colour "+c)
	}
	if ev.Status == "tentative" {
		details = append(details, "tentative")
	}
	if ext, ok := ev.Body["extendedProperties"].(map[string]any); ok {
		if p, ok := ext["private"].(map[string]any); ok && len(p) > 0 {
			details = append(details, strconv.Itoa(len(p))+" private propert"+map[bool]string{true: "y", false: "ies"}[len(p) == 1])
		}
	}
	details = append(details, "id "+id)
	return eventRow{ID: id, When: when, Summary: summary, Details: strings.Join(details, " · "), Recurring: recurring, Exception: exception}
}
