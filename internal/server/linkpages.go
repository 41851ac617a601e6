package server

import (
	"html/template"
	"log/slog"
	"net/http"

	"calsync/internal/linking"
	"calsync/internal/linking/consent"
	"calsync/internal/linking/invitations"
)

var startPage = template.Must(template.New("start").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Connect your calendar — Calsync</title></head>
<body style="font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em">
<h1 id="title">Connect your {{.ProviderName}} calendar</h1>
<p id="message">You are about to let Calsync put the bookings of <strong>{{.UserName}}</strong> ({{.UserEmail}}) at
<strong>{{.Organization}}</strong> into a {{.ProviderName}} calendar, and show that calendar's busy times in Calsync.
Continue only if you are {{.UserName}}.</p>
<form id="calsync-start" method="post"><button type="submit">Continue to {{.ProviderName}}</button></form>
<p><a href="/sync">Cancel</a></p>
</body></html>`))

var linkPage = template.Must(template.New("link").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{.Title}} — Calsync</title></head>
<body style="font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em">
<h1 id="title">{{.Title}}</h1>
<p id="message">{{.Message}}</p>
{{if .OK}}<p id="status">Calsync shows how the copy is going — progress, last sync and any error — with your calendar settings, and keeps this calendar up to date from now on.</p>
<p>You can close this page.</p>{{end}}
<p><a href="/sync">Back to Calsync</a></p>
</body></html>`))

type linkPageData struct {
	Title, Message string
	OK             bool
}

func renderLinkPage(w http.ResponseWriter, status int, d linkPageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	_ = linkPage.Execute(w, d)
}

// oauthCallback completes a consent and shows the outcome.
func oauthCallback(svc *consent.Service, log *slog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, ok := linking.ParseProvider(r.PathValue("provider"))
		if !ok {
			renderLinkPage(w, http.StatusNotFound, linkPageData{Title: "Unknown provider", Message: "This address is not a Calsync sign-in callback."})
			return
		}
		var nonce string
		if c, err := r.Cookie(consent.NonceCookie); err == nil {
			nonce = c.Value
		}
		out, err := svc.Callback(r.Context(), p, r.URL.Query(), nonce)
		if err != nil {
			log.ErrorContext(r.Context(), "oauth callback failed", slog.String("provider", string(p)), slog.Any("error", err))
			renderLinkPage(w, http.StatusInternalServerError, linkPageData{Title: "Something went wrong", Message: "Calsync could not finish linking. Try again in a minute."})
			return
		}
		status := http.StatusOK
		if !out.OK {
			status = http.StatusBadRequest
		}
		renderLinkPage(w, status, linkPageData{Title: out.Title, Message: out.Message, OK: out.OK})
	}
}

// followInvitation turns an authorization link into the provider's
// consent, or explains why it cannot.
func followInvitation(svc *invitations.Service, log *slog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		out, err := svc.FollowInvitation(r.Context(), r.PathValue("token"))
		if err != nil {
			log.ErrorContext(r.Context(), "follow invitation failed", slog.Any("error", err))
			renderLinkPage(w, http.StatusInternalServerError, linkPageData{Title: "Something went wrong", Message: "Try the link again in a minute."})
			return
		}
		if out.RedirectURL == "" {
			renderLinkPage(w, http.StatusGone, linkPageData{Title: out.Title, Message: out.Message})
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Referrer-Policy", "no-referrer")
		http.Redirect(w, r, out.RedirectURL, http.StatusFound)
	}
}

// startLink shows whose calendar the consent is for (GET) and, on
// confirmation (POST), binds the consent to this browser with a nonce
// cookie and sends it to the provider.
func startLink(svc *consent.Service, secure bool, log *slog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token := r.PathValue("token")
		if r.Method == http.MethodGet {
			info, err := svc.DescribeStart(r.Context(), token)
			if err != nil {
				log.ErrorContext(r.Context(), "describe consent start failed", slog.Any("error", err))
				renderLinkPage(w, http.StatusInternalServerError, linkPageData{Title: "Something went wrong", Message: "Try again in a minute."})
				return
			}
			if !info.OK {
				renderLinkPage(w, http.StatusGone, linkPageData{Title: info.Title, Message: info.Message})
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			w.Header().Set("Referrer-Policy", "no-referrer")
			_ = startPage.Execute(w, struct {
				ProviderName                      string
				UserName, UserEmail, Organization string
			}{info.Provider.DisplayName(), info.UserName, info.UserEmail, info.Organization})
			return
		}
		consentURL, nonce, info, err := svc.Begin(r.Context(), token)
		if err != nil {
			log.ErrorContext(r.Context(), "begin consent failed", slog.Any("error", err))
			renderLinkPage(w, http.StatusInternalServerError, linkPageData{Title: "Something went wrong", Message: "Try again in a minute."})
			return
		}
		if consentURL == "" {
			renderLinkPage(w, http.StatusGone, linkPageData{Title: info.Title, Message: info.Message})
			return
		}
		http.SetCookie(w, &http.Cookie{
			Name: consent.NonceCookie, Value: nonce, Path: "/oauth/", MaxAge: int(consent.AttemptTTL.Seconds()),
			HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode,
		})
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Referrer-Policy", "no-referrer")
		http.Redirect(w, r, consentURL, http.StatusSeeOther)
	}
}
