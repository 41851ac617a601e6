package outlook

import (
	"slices"
	"strings"
)

// graphResource is the resource prefix of fully qualified Graph scopes.
const graphResource = "https://graph.microsoft.com/"

// oidcScopes are the identity platform's own scopes: they shape the token
// response (id_token, refresh_token) and are not Graph permissions.
var oidcScopes = []string{"openid", "profile", "email", "offline_access"}

// permissionText is what the consent page says for each permission.
var permissionText = map[string]string{
	"openid":                     "Sign you in",
	"profile":                    "View your basic profile",
	"email":                      "View your email address",
	"offline_access":             "Maintain access to data you have given it access to",
	"user.read":                  "Sign you in and read your profile",
	"calendars.read":             "Read your calendars",
	"calendars.readwrite":        "Have full access to your calendars",
	"calendars.read.shared":      "Read calendars you can access",
	"calendars.readwrite.shared": "Read and write calendars you can access",
}

// normaliseScope strips Graph's resource prefix: both
// "https://graph.microsoft.com/Calendars.ReadWrite" and "Calendars.ReadWrite"
// name the same permission.
func normaliseScope(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= len(graphResource) && strings.EqualFold(s[:len(graphResource)], graphResource) {
		s = s[len(graphResource):]
	}
	if strings.HasPrefix(strings.ToLower(s), "00000003-0000-0000-c000-000000000000/") {
		s = s[len("00000003-0000-0000-c000-000000000000/"):]
	}
	for _, o := range oidcScopes {
		if strings.EqualFold(s, o) {
			return o
		}
	}
	return s
}

// parseScopes splits a space-separated scope parameter, normalising and
// de-duplicating. ".default" on a delegated request stands for the
// permissions the emulator's apps are configured with: User.Read and
// Calendars.ReadWrite.
func parseScopes(raw string) []string {
	var out []string
	for _, f := range strings.Fields(raw) {
		s := normaliseScope(f)
		if s == ".default" {
			out = appendScope(out, "User.Read")
			out = appendScope(out, "Calendars.ReadWrite")
			continue
		}
		out = appendScope(out, s)
	}
	return out
}

func appendScope(list []string, s string) []string {
	if hasScope(list, s) {
		return list
	}
	return append(list, s)
}

func hasScope(list []string, s string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, s) })
}

// resourceScopes are the Graph permissions among scopes.
func resourceScopes(scopes []string) []string {
	var out []string
	for _, s := range scopes {
		if !slices.Contains(oidcScopes, s) {
			out = append(out, s)
		}
	}
	return out
}

// scopeString renders granted scopes as the token response does: Graph
// permissions fully qualified, OIDC scopes bare.
func scopeString(scopes []string) string {
	parts := make([]string, 0, len(scopes))
	for _, s := range scopes {
		if slices.Contains(oidcScopes, s) {
			parts = append(parts, s)
		} else {
			parts = append(parts, graphResource+s)
		}
	}
	return strings.Join(parts, " ")
}

// canRead reports whether permissions allow reading calendars.
func canReadCalendars(perms []string) bool {
	return hasScope(perms, "Calendars.Read") || hasScope(perms, "Calendars.ReadWrite") ||
		hasScope(perms, "Calendars.Read.Shared") || hasScope(perms, "Calendars.ReadWrite.Shared") ||
		hasScope(perms, "Calendars.ReadBasic")
}

// canWrite reports whether permissions allow changing calendars.
func canWriteCalendars(perms []string) bool {
	return hasScope(perms, "Calendars.ReadWrite") || hasScope(perms, "Calendars.ReadWrite.Shared")
}

// canReadProfile reports whether delegated permissions allow GET /me.
func canReadProfile(perms []string) bool {
	for _, p := range []string{"User.Read", "User.ReadWrite", "User.ReadBasic.All", "User.Read.All", "User.ReadWrite.All", "Directory.Read.All"} {
		if hasScope(perms, p) {
			return true
		}
	}
	return false
}
