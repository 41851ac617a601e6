package gcal

import "html/template"

const pageStyle = `<style>
body{font-family:Roboto,Arial,sans-serif;margin:0;background:#f1f3f4;color:#202124}
main{max-width:760px;margin:32px auto;background:#fff;border:1px solid #dadce0;border-radius:8px;padding:24px 32px}
h1{font-weight:400;font-size:24px}h2{font-weight:400;font-size:18px;margin-top:28px}
.muted{color:#5f6368;font-size:14px}.error{color:#d93025}
label{display:block;margin:8px 0}fieldset{border:1px solid #dadce0;border-radius:4px;margin:16px 0}
button{font-size:14px;padding:8px 20px;border-radius:4px;border:1px solid #dadce0;background:#fff;cursor:pointer}
button.primary{background:#1a73e8;color:#fff;border-color:#1a73e8}
table{border-collapse:collapse;width:100%;font-size:14px}td,th{border-bottom:1px solid #eee;padding:6px 8px;text-align:left;vertical-align:top}
.cancelled{text-decoration:line-through;color:#80868b}.tag{font-size:12px;color:#5f6368;border:1px solid #dadce0;border-radius:3px;padding:0 4px}
</style>`

// consentTemplate is the Google sign-in and consent page: an account
// chooser, the client's name and a checkbox per non-basic scope,
// unchecked as in Google's granular consent.
var consentTemplate = template.Must(template.New("consent").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in - Google Accounts (emulator)</title>` + pageStyle + `</head>
<body><main>
<h1>Sign in with Google</h1>
<p><strong id="client-name">{{.ClientName}}</strong> wants to access your Google Account</p>
{{if .Error}}<p class="error" id="error">{{.Error}}</p>{{end}}
<form method="post" action="{{.Action}}">
<input type="hidden" name="request_id" value="{{.RequestID}}">
<fieldset><legend>Choose an account</legend>
{{range .Accounts}}<label><input type="radio" name="account" value="{{.Email}}"{{if .Selected}} checked{{end}}> {{.Name}} &lt;{{.Email}}&gt;</label>
{{else}}<p class="muted">No accounts exist in the emulator yet.</p>
{{end}}<label>Or sign in as: <input type="email" name="login_email" value="{{.LoginEmail}}" placeholder="Email"></label>
</fieldset>
<fieldset><legend>{{.ClientName}} wants to</legend>
{{range .Scopes}}{{if .Basic}}<p class="muted">{{.Description}}</p>
{{else}}<label><input type="checkbox" name="scope" value="{{.Scope}}"> {{.Description}} <span class="tag">{{.Scope}}</span></label>
{{end}}{{end}}</fieldset>
<p class="muted">Make sure you trust {{.ClientName}}. You may be sharing sensitive info with this site or app.</p>
<button type="submit" name="action" value="cancel">Cancel</button>
<button type="submit" name="action" value="allow" class="primary">Allow</button>
</form>
</main></body></html>`))

// consentView is the data of consentTemplate.
type consentView struct {
	ClientName string
	Action     string
	RequestID  string
	Error      string
	LoginEmail string
	Accounts   []consentAccount
	Scopes     []consentScope
}

type consentAccount struct {
	Email, Name string
	Selected    bool
}

type consentScope struct {
	Scope, Description string
	Basic              bool
}

// errorTemplate is Google's "Access blocked" page for requests that cannot
// be sent back to the client.
var errorTemplate = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Error - Google Accounts (emulator)</title>` + pageStyle + `</head>
<body><main>
<h1>Access blocked: authorization error</h1>
<p class="error" id="error-code">Error {{.Status}}: {{.Code}}</p>
<p id="error-description">{{.Description}}</p>
</main></body></html>`))

type errorView struct {
	Status            int
	Code, Description string
}

// accountTemplate is the human-readable page of an account: what the user
// would see in Google Calendar.
var accountTemplate = template.Must(template.New("account").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Account.Email}} - Google Calendar (emulator)</title>` + pageStyle + `</head>
<body><main>
<h1>{{.Account.Name}}</h1>
<p class="muted">{{.Account.Email}}{{if .Account.Domain}} · Workspace domain {{.Account.Domain}}{{end}} · time zone {{.Account.TimeZone}}</p>
<p class="muted">Showing {{.From}} to {{.To}} ({{.Zone}}). <a href="?days={{.Days}}&amp;from={{.PrevFrom}}">earlier</a> · <a href="?days={{.Days}}&amp;from={{.NextFrom}}">later</a></p>
{{range .Calendars}}
<h2 id="cal-{{.ID}}">{{.Summary}}{{if .Primary}} <span class="tag">primary</span>{{end}}</h2>
<p class="muted">{{.ID}} · {{.TimeZone}} · {{.Count}} event(s) stored, {{.Deleted}} deleted</p>
{{if .Rows}}<table><tr><th>When</th><th>Event</th><th>Details</th></tr>
{{range .Rows}}<tr id="event-{{.ID}}" class="{{if .Cancelled}}cancelled{{end}}"><td>{{.When}}</td><td>{{.Summary}}{{if .Recurring}} <span class="tag">repeats</span>{{end}}{{if .Exception}} <span class="tag">changed occurrence</span>{{end}}{{if .Cancelled}} <span class="tag">cancelled</span>{{end}}</td><td class="muted">{{.Details}}</td></tr>
{{end}}</table>{{else}}<p class="muted">No events in this period.</p>{{end}}
{{end}}
</main></body></html>`))

type accountView struct {
	Account            Account
	From, To, Zone     string
	Days               int
	PrevFrom, NextFrom string
	Calendars          []calendarView
}

type calendarView struct {
	ID, Summary, TimeZone string
	Primary               bool
	Count, Deleted        int
	Rows                  []eventRow
}

type eventRow struct {
	ID, When, Summary, Details      string
	Recurring, Exception, Cancelled bool
}

// indexTemplate lists the accounts with links to their pages.
var indexTemplate = template.Must(template.New("index").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Google emulator</title>` + pageStyle + `</head>
<body><main>
<h1>Google Calendar emulator</h1>
<table><tr><th>Account</th><th>Name</th><th>Domain</th></tr>
{{range .}}<tr><td><a href="accounts/{{.Email}}/page">{{.Email}}</a></td><td>{{.Name}}</td><td>{{.Domain}}</td></tr>
{{else}}<tr><td colspan="3" class="muted">No accounts yet: POST /accounts to create one.</td></tr>{{end}}
</table>
</main></body></html>`))
