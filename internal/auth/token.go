package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
)

// Token prefixes make leaked tokens recognisable (secret scanners).
const (
	sessionPrefix = "css_"
	bearerPrefix  = "csb_"
)

// NewToken returns a random token with prefix.
func NewToken(prefix string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("auth: token: %w", err)
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// HashToken is how tokens are stored and looked up.
func HashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// csrfFor derives the CSRF token bound to a session token.
func csrfFor(key []byte, sessionToken string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("csrf:"))
	m.Write([]byte(sessionToken))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func csrfValid(key []byte, sessionToken, got string) bool {
	return got != "" && hmac.Equal([]byte(csrfFor(key, sessionToken)), []byte(got))
}
