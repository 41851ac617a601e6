package outlook

import (
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

var consentPage = template.Must(template.New("consent").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Permissions requested</title>
<style>
body{font-family:"Segoe UI",Helvetica,Arial,sans-serif;background:#f2f2f2;margin:0}
.box{background:#fff;max-width:440px;margin:48px auto;padding:36px 44px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
h1{font-size:24px;font-weight:600;margin:0 0 12px}
.app{font-weight:600}.muted{color:#666;font-size:13px}
fieldset{border:0;padding:0;margin:16px 0}
label{display:block;margin:6px 0}
button{padding:8px 24px;margin-right:8px;border:1px solid #8a8886;background:#fff;cursor:pointer}
button.primary{background:#0067b8;color:#fff;border-color:#0067b8}
</style></head>
<body><div class="box">
<div class="muted">Microsoft (emulated) &middot; tenant {{.Tenant}}</div>
<h1>Permissions requested</h1>
<p><span class="app">{{.AppName}}</span> <span class="muted">({{.ClientID}})</span> would like to:</p>
<form method="post" action="{{.Action}}">
<input type="hidden" name="request" value="{{.RequestID}}">
<fieldset><legend>Pick an account</legend>
{{range .Accounts}}<label><input type="radio" name="account" value="{{.ID}}"{{if .Selected}} checked{{end}}> {{.DisplayName}} &lt;{{.UPN}}&gt;</label>
{{else}}<p>No account of this tenant exists in the emulator. Create one with the control API.</p>{{end}}
</fieldset>
<fieldset><legend>Permissions</legend>
{{range .Permissions}}<label><input type="checkbox" name="scope" value="{{.Name}}" checked> {{.Text}} <span class="muted">({{.Name}})</span></label>
{{end}}
</fieldset>
<p class="muted">Accepting lets this app use the ticked permissions. Unticked permissions are not granted.</p>
<button class="primary" type="submit" name="action" value="accept">Accept</button>
<button type="submit" name="action" value="cancel">Cancel</button>
</form>
</div></body></html>
`))

var identityErrorPage = template.Must(template.New("error").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in error</title>
<style>body{font-family:"Segoe UI",Helvetica,Arial,sans-serif;background:#f2f2f2}
.box{background:#fff;max-width:520px;margin:48px auto;padding:36px 44px}</style></head>
<body><div class="box"><h1>Sorry, but we're having trouble signing you in.</h1>
<p id="error" data-code="AADSTS{{.Code}}">AADSTS{{.Code}}: {{.Message}}</p></div></body></html>
`))

var formPostPage = template.Must(template.New("formpost").Parse(`<!DOCTYPE html>
<html><head><title>Working...</title></head>
<body onload="document.forms[0].submit()"><form method="post" action="{{.Action}}">
{{range $k, $v := .Fields}}<input type="hidden" name="{{$k}}" value="{{$v}}">{{end}}
<noscript><button type="submit">Continue</button></noscript></form></body></html>
`))

type consentAccount struct {
	ID, DisplayName, UPN string
	Selected             bool
}

type consentPermission struct{ Name, Text string }

func (e *Emulator) renderConsent(w http.ResponseWriter, r *http.Request, p *pendingAuth, app *App, accounts []*account) {
	data := struct {
		Tenant, AppName, ClientID, Action, RequestID string
		Accounts                                     []consentAccount
		Permissions                                  []consentPermission
	}{
		Tenant: p.Tenant, AppName: app.DisplayName, ClientID: app.ClientID, RequestID: p.ID,
		Action: baseURL(r) + identityPrefix + url.PathEscape(p.Tenant) + "/oauth2/v2.0/authorize",
	}
	for i, u := range accounts {
		sel := i == 0
		if p.LoginHint != "" {
			sel = strings.EqualFold(u.UserPrincipalName, p.LoginHint) || strings.EqualFold(u.Mail, p.LoginHint)
		}
		data.Accounts = append(data.Accounts, consentAccount{ID: u.ID, DisplayName: u.DisplayName, UPN: u.UserPrincipalName, Selected: sel})
	}
	for _, s := range p.Scopes {
		text := permissionText[strings.ToLower(s)]
		if text == "" {
			text = "Use the " + s + " permission"
		}
		data.Permissions = append(data.Permissions, consentPermission{Name: s, Text: text})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := consentPage.Execute(w, data); err != nil {
		e.logger.Error("outlook consent page", "error", err.Error())
	}
}

func (e *Emulator) renderIdentityError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := identityErrorPage.Execute(w, struct {
		Code    int
		Message string
	}{code, msg}); err != nil {
		e.logger.Error("outlook identity error page", "error", err.Error())
	}
}

func renderFormPost(w http.ResponseWriter, action string, params url.Values) {
	fields := map[string]string{}
	for k := range params {
		fields[k] = params.Get(k)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = formPostPage.Execute(w, struct {
		Action string
		Fields map[string]string
	}{action, fields})
}

// writeJSON answers v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func itoa(n int) string { return strconv.Itoa(n) }
