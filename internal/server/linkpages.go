package server

import (
	"html/template"
	"log/slog"
	"net/http"

	"calsync/internal/linking"
)

var linkPage = template.Must(template.New("link").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{.Title}} — Calsync</title></head>
<body style="font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em">
<h1 id="title">{{.Title}}</h1>
<p id="message">{{.Message}}</p>
{{if .OK}}<p>You can close this page.</p>{{end}}
<p><a href="/">Go to Calsync</a></p>
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
func oauthCallback(svc *linking.Service, log *slog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, ok := linking.ParseProvider(r.PathValue("provider"))
		if !ok {
			renderLinkPage(w, http.StatusNotFound, linkPageData{Title: "Unknown provider", Message: "This address is not a Calsync sign-in callback."})
			return
		}
		out, err := svc.Callback(r.Context(), p, r.URL.Query())
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
func followInvitation(svc *linking.Service, log *slog.Logger) http.HandlerFunc {
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
