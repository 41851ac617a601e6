package outlook

import (
	"html/template"
	"net/http"
	"strconv"
	"time"
)

var userPage = template.Must(template.New("user").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.User.DisplayName}} – Outlook calendar (emulated)</title>
<style>
body{font-family:"Segoe UI",Helvetica,Arial,sans-serif;margin:0;background:#faf9f8;color:#323130}
header{background:#0078d4;color:#fff;padding:12px 24px}
header small{opacity:.85}
main{padding:16px 24px}
h2{font-size:18px;margin:24px 0 8px;border-bottom:2px solid #0078d4;padding-bottom:4px}
.day{margin:10px 0 4px;font-weight:600}
.ev{background:#fff;border-left:4px solid #0078d4;margin:4px 0;padding:6px 10px;box-shadow:0 1px 2px rgba(0,0,0,.1)}
.ev.free{border-left-color:#c8c6c4}.ev.tentative{border-left-color:#8ab4e3}.ev.oof{border-left-color:#8764b8}
.ev.hl{outline:2px solid #ffb900}
.time{display:inline-block;min-width:130px;color:#605e5c}
.tag{font-size:11px;background:#edebe9;border-radius:2px;padding:1px 5px;margin-left:6px}
.muted{color:#8a8886}
nav a{margin-right:12px}
</style></head><body>
<header><strong>{{.User.DisplayName}}</strong> <small>&lt;{{.User.Mail}}&gt; · tenant {{.User.TenantID}}</small></header>
<main>
<nav><a href="?start={{.Prev}}&amp;days={{.Days}}&amp;tz={{.TZ}}">&larr; earlier</a>
<span>{{.From}} – {{.To}} ({{.TZ}})</span>
<a href="?start={{.Next}}&amp;days={{.Days}}&amp;tz={{.TZ}}">later &rarr;</a></nav>
{{range .Calendars}}<h2>{{.Name}}{{if .Default}} <span class="tag">default</span>{{end}} <span class="muted">({{.Count}} stored events)</span></h2>
{{range .Days}}<div class="day">{{.Label}}</div>
{{range .Events}}<div class="ev {{.ShowAs}}{{if .Highlight}} hl{{end}}" id="{{.ID}}"><span class="time">{{.When}}</span> {{.Subject}}{{if .Location}} <span class="muted">· {{.Location}}</span>{{end}}{{range .Tags}}<span class="tag">{{.}}</span>{{end}}</div>
{{end}}{{else}}<p class="muted">Nothing scheduled.</p>{{end}}
{{end}}
</main></body></html>
`))

var indexPage = template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Microsoft emulator</title>
<style>body{font-family:"Segoe UI",Helvetica,Arial,sans-serif;margin:24px}td,th{padding:4px 10px;text-align:left}</style></head><body>
<h1>Microsoft Graph &amp; identity emulator</h1>
<h2>Users</h2><table><tr><th>User</th><th>Tenant</th><th>Calendars</th></tr>
{{range .Users}}<tr><td><a href="users/{{.ID}}/page">{{.DisplayName}} &lt;{{.UserPrincipalName}}&gt;</a></td><td>{{.TenantID}}</td><td>{{len .Calendars}}</td></tr>
{{else}}<tr><td colspan="3">No users yet: POST users.</td></tr>{{end}}</table>
<h2>Apps</h2><ul>{{range .Apps}}<li>{{.DisplayName}} ({{.ClientID}}){{if .ClientSecret}} · confidential{{else}} · public{{end}}</li>{{else}}<li>None.</li>{{end}}</ul>
<h2>Subscriptions</h2><ul>{{range .Subscriptions}}<li>{{.ID}} · {{.Resource}} · {{.ChangeType}} → {{.NotificationURL}} (expires {{.Expiration}})</li>{{else}}<li>None.</li>{{end}}</ul>
</body></html>
`))

type pageEvent struct {
	ID, When, Subject, Location, ShowAs string
	Tags                                []string
	Highlight                           bool
}

type pageDay struct {
	Label  string
	Events []pageEvent
}

type pageCalendar struct {
	Name    string
	Default bool
	Count   int
	Days    []pageDay
}

// ctlUserPage shows a user's calendars as Outlook would: a day-by-day
// agenda of what each calendar view holds. Query: start (YYYY-MM-DD,
// default the Monday of this week), days (default 14), tz (zone, default
// UTC), itemid (an event to highlight, on whose week the agenda starts
// unless start is given; webLinks point here).
func (e *Emulator) ctlUserPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	tzName := q.Get("tz")
	if tzName == "" {
		tzName = "UTC"
	}
	loc, ok := loadZone(tzName)
	if !ok {
		http.Error(w, "unknown time zone", http.StatusBadRequest)
		return
	}
	days := 14
	if d, err := strconv.Atoi(q.Get("days")); err == nil && d > 0 && d <= 366 {
		days = d
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.userLocked(r.PathValue("user"))
	if u == nil {
		http.Error(w, "no such user", http.StatusNotFound)
		return
	}
	highlight := q.Get("itemid")
	// The agenda starts on the Monday of this week, or of the highlighted
	// event's week, so following a webLink shows the event.
	from := e.clock.Now()
	if highlight != "" {
		if ref, gerr := findEvent(u, highlight, ""); gerr == nil {
			in := ref.instance()
			from = in.Start
			if in.Source.IsAllDay {
				from = wallIn(in.Start, loc)
			}
		}
	}
	day := from.In(loc)
	start := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc)
	start = start.AddDate(0, 0, -((int(start.Weekday()) + 6) % 7))
	if s := q.Get("start"); s != "" {
		if d, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
			start = d
		}
	}
	end := start.AddDate(0, 0, days)
	win := newViewWindow(start, end, loc)
	var cals []pageCalendar
	for _, cal := range sortedCalendars(u) {
		pc := pageCalendar{Name: cal.Name, Default: cal.IsDefault, Count: len(cal.Events)}
		var cur *pageDay
		for _, in := range viewInstances(cal, win, false) {
			st, en := in.Start.In(loc), in.End.In(loc)
			if in.Source.IsAllDay {
				st, en = wallIn(in.Start, loc), wallIn(in.End, loc)
			}
			label := st.Format("Monday 2 January 2006")
			if st.Before(start) {
				label = start.Format("Monday 2 January 2006")
			}
			if cur == nil || cur.Label != label {
				pc.Days = append(pc.Days, pageDay{Label: label})
				cur = &pc.Days[len(pc.Days)-1]
			}
			pe := pageEvent{ID: in.ID, Subject: in.Source.Subject, Location: in.Source.Location, ShowAs: in.Source.ShowAs,
				Highlight: highlight != "" && (highlight == in.ID || (in.Master != nil && highlight == in.Master.ID))}
			if pe.Subject == "" {
				pe.Subject = "(No title)"
			}
			if in.Source.IsAllDay {
				pe.When = "All day"
			} else {
				pe.When = st.Format("15:04") + " – " + en.Format("15:04")
			}
			switch in.Type {
			case "occurrence":
				pe.Tags = append(pe.Tags, "recurring")
			case "exception":
				pe.Tags = append(pe.Tags, "recurring · changed")
			}
			if in.Source.Sensitivity == "private" || in.Source.Sensitivity == "confidential" {
				pe.Tags = append(pe.Tags, "private")
			}
			if in.Source.ShowAs != "busy" {
				pe.Tags = append(pe.Tags, in.Source.ShowAs)
			}
			if in.Source.IsCancelled {
				pe.Tags = append(pe.Tags, "cancelled")
			}
			cur.Events = append(cur.Events, pe)
		}
		cals = append(cals, pc)
	}
	data := map[string]any{
		"User": userInfo(u), "Calendars": cals, "Days": days, "TZ": tzName,
		"From": start.Format(time.DateOnly), "To": end.AddDate(0, 0, -1).Format(time.DateOnly),
		"Prev": start.AddDate(0, 0, -days).Format(time.DateOnly), "Next": end.Format(time.DateOnly),
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := userPage.Execute(w, data); err != nil {
		e.logger.Error("outlook user page", "error", err.Error())
	}
}

// ctlIndex lists users (with links to their pages), apps and subscriptions.
func (e *Emulator) ctlIndex(w http.ResponseWriter, _ *http.Request) {
	data := map[string]any{"Users": e.Users(), "Apps": e.Apps(), "Subscriptions": e.Subscriptions()}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := indexPage.Execute(w, data); err != nil {
		e.logger.Error("outlook index page", "error", err.Error())
	}
}
