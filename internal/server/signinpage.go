package server

import (
	"html/template"
	"log/slog"
	"net/http"

	"calsync/internal/auth"
	"calsync/internal/domain"
)

// signInPattern serves one-time sign-in links (GET shows the form to set
// a password, POST sets it and signs in).
const signInPattern = auth.SignInPath + "{token}"

var signInPage = template.Must(template.New("signin").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Set your password — Calsync</title></head>
<body style="font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em">
<h1 id="title">Set your password</h1>
<p id="message">Choose a password for <strong>{{.UserName}}</strong> ({{.UserEmail}}) at <strong>{{.Organization}}</strong>.
You will be signed in; from then on, sign in with your email and this password.</p>
{{if .Error}}<p id="error" role="alert" style="color:#b00020">{{.Error}}</p>{{end}}
<form id="calsync-set-password" method="post">
<p><label>New password (at least {{.MinLen}} characters)<br><input type="password" name="password" autocomplete="new-password" required minlength="{{.MinLen}}"></label></p>
<p><label>Repeat it<br><input type="password" name="confirm" autocomplete="new-password" required minlength="{{.MinLen}}"></label></p>
<p><button type="submit">Set password and sign in</button></p>
</form>
</body></html>`))

// signInLink serves a one-time sign-in link: the form to set a password
// (GET) and, on submission (POST), the password set, the link used up
// and a session cookie. A used, replaced, expired or unknown link gets a
// page saying so and changes nothing. The token in the path is what a
// forged cross-site form cannot know.
func signInLink(svc *auth.Service, log *slog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token := r.PathValue("token")
		st, err := svc.DescribeSignInLink(r.Context(), token)
		if err != nil {
			log.ErrorContext(r.Context(), "describe sign-in link failed", slog.Any("error", err))
			renderLinkPage(w, http.StatusInternalServerError, linkPageData{Title: "Something went wrong", Message: "Try the link again in a minute."})
			return
		}
		if !st.OK {
			renderLinkPage(w, http.StatusGone, linkPageData{Title: st.Title, Message: st.Message})
			return
		}
		form := func(status int, msg string) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Referrer-Policy", "no-referrer")
			w.WriteHeader(status)
			_ = signInPage.Execute(w, struct {
				UserName, UserEmail, Organization, Error string
				MinLen                                   int
			}{st.UserName, st.UserEmail, st.Organization, msg, auth.MinPasswordLen})
		}
		switch r.Method {
		case http.MethodGet:
			form(http.StatusOK, "")
			return
		case http.MethodPost:
		default:
			w.Header().Set("Allow", "GET, POST")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		if err := r.ParseForm(); err != nil {
			form(http.StatusBadRequest, "The form could not be read; try again.")
			return
		}
		pw := r.PostForm.Get("password")
		if pw != r.PostForm.Get("confirm") {
			form(http.StatusBadRequest, "The two passwords differ.")
			return
		}
		res, err := svc.UseSignInLink(r.Context(), token, pw)
		if err != nil {
			if domain.CodeOf(err) != "" {
				form(http.StatusBadRequest, err.Error())
				return
			}
			log.ErrorContext(r.Context(), "use sign-in link failed", slog.Any("error", err))
			renderLinkPage(w, http.StatusInternalServerError, linkPageData{Title: "Something went wrong", Message: "Your password was not changed. Try the link again in a minute."})
			return
		}
		if !res.State.OK || res.Token == "" {
			renderLinkPage(w, http.StatusGone, linkPageData{Title: res.State.Title, Message: res.State.Message})
			return
		}
		svc.SetSessionCookie(w, res.Token, res.ExpiresAt)
		renderLinkPage(w, http.StatusOK, linkPageData{Title: "Password set", Message: "Your password is set and you are signed in. From now on, sign in with your email and this password."})
	}
}
