package google

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/pkcs12"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
	"golang.org/x/oauth2/jwt"

	"calsync/internal/linking"
)

// serviceAccountKey is the JSON key file of a Google service account.
type serviceAccountKey struct {
	Type           string `json:"type"`
	ProjectID      string `json:"project_id,omitempty"`
	PrivateKeyID   string `json:"private_key_id,omitempty"`
	PrivateKey     string `json:"private_key"`
	ClientEmail    string `json:"client_email"`
	ClientID       string `json:"client_id,omitempty"`
	AuthURI        string `json:"auth_uri,omitempty"`
	TokenURI       string `json:"token_uri,omitempty"`
	UniverseDomain string `json:"universe_domain,omitempty"`
}

// ParseServiceAccountKey checks a service account JSON key file (type
// service_account, a client email and an RSA private key in PEM, PKCS#8
// or PKCS#1) and returns its client email. Malformed keys give errors
// wrapping linking.ErrInvalidCredentials.
func ParseServiceAccountKey(data []byte) (clientEmail string, err error) {
	k, err := parseServiceAccountKey(data)
	if err != nil {
		return "", err
	}
	return k.ClientEmail, nil
}

func parseServiceAccountKey(data []byte) (*serviceAccountKey, error) {
	invalid := func(format string, args ...any) error {
		return fmt.Errorf("google: service account key: %w: %s", linking.ErrInvalidCredentials, fmt.Sprintf(format, args...))
	}
	if len(data) == 0 {
		return nil, invalid("empty key")
	}
	var k serviceAccountKey
	if err := json.Unmarshal(data, &k); err != nil {
		return nil, invalid("not a JSON key file: %v", err)
	}
	if k.Type != "service_account" {
		return nil, invalid("type is %q, want \"service_account\"", k.Type)
	}
	if at := strings.LastIndexByte(k.ClientEmail, '@'); at <= 0 || at == len(k.ClientEmail)-1 {
		return nil, invalid("client_email %q is not an email address", k.ClientEmail)
	}
	if _, err := parseRSAKey([]byte(k.PrivateKey)); err != nil {
		return nil, invalid("private_key: %v", err)
	}
	return &k, nil
}

// parseRSAKey accepts what golang.org/x/oauth2 signs with: PEM or DER,
// PKCS#8 or PKCS#1, RSA only.
func parseRSAKey(data []byte) (*rsa.PrivateKey, error) {
	if block, _ := pem.Decode(data); block != nil {
		data = block.Bytes
	}
	if len(data) == 0 {
		return nil, errors.New("missing")
	}
	if k, err := x509.ParsePKCS8PrivateKey(data); err == nil {
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("a %T, not an RSA key", k)
		}
		return rk, nil
	}
	rk, err := x509.ParsePKCS1PrivateKey(data)
	if err != nil {
		return nil, errors.New("not a PKCS#8 or PKCS#1 RSA private key")
	}
	return rk, nil
}

// jwtConfig parses the key in creds into a JWT-bearer configuration for
// the calendar scope. Assertions always go to the configured token
// endpoint, never to the key file's token_uri: the file is uploaded by an
// organization's admin, and posting to a URL it names would let it point
// Calsync's server anywhere. (Keys the emulator issues name the emulator's
// token endpoint, which EmulatorEndpoints configures as well.)
func (c *Client) jwtConfig(creds linking.ServiceCredentials) (*jwt.Config, error) {
	if _, err := parseServiceAccountKey(creds.GoogleKeyJSON); err != nil {
		return nil, err
	}
	cfg, err := google.JWTConfigFromJSON(creds.GoogleKeyJSON, CalendarScope)
	if err != nil {
		return nil, fmt.Errorf("google: service account key: %w: %w", linking.ErrInvalidCredentials, err)
	}
	cfg.TokenURL = c.endpoints.TokenURL
	return cfg, nil
}

// ServiceTokenSource returns a source of access tokens that impersonate
// userEmail through the service account's domain-wide delegation. A key
// that does not parse fails here with linking.ErrInvalidCredentials; the
// token endpoint's refusals come from Token (and API calls made with the
// source): an unknown user is a *linking.UnknownUserError (also
// linking.ErrInvalidGrant), delegation that does not cover the user or the
// calendar scope a *linking.NotDelegatedError (also
// linking.ErrInvalidCredentials), and a key Google does not accept wraps
// linking.ErrInvalidCredentials. ctx is kept by the
// source for its token requests.
func (c *Client) ServiceTokenSource(ctx context.Context, creds linking.ServiceCredentials, userEmail string) (oauth2.TokenSource, error) {
	userEmail = strings.TrimSpace(userEmail)
	if userEmail == "" {
		return nil, errors.New("google: service token: no user email to impersonate")
	}
	cfg, err := c.jwtConfig(creds)
	if err != nil {
		return nil, err
	}
	cfg.Subject = userEmail
	op := "service token for " + userEmail
	return mappedTokenSource{
		src:      cfg.TokenSource(c.oauthContext(ctx)),
		classify: func(err error) error { return impersonationError(op, userEmail, err) },
	}, nil
}

// CheckServiceCredentials parses the key and obtains a token for the
// service account itself (no user is impersonated). Keys that do not
// parse or that Google refuses wrap linking.ErrInvalidCredentials.
// Domain-wide delegation is not checked here: Google only tells per
// impersonated user.
func (c *Client) CheckServiceCredentials(ctx context.Context, creds linking.ServiceCredentials) error {
	cfg, err := c.jwtConfig(creds)
	if err != nil {
		return err
	}
	tok, err := cfg.TokenSource(c.oauthContext(ctx)).Token()
	if err != nil {
		return assertionError("check service account", err, false)
	}
	if tok.AccessToken == "" {
		return errors.New("google: check service account: the token endpoint returned no access token")
	}
	return nil
}

// ServiceAccountKeyFromP12 converts a service account's P12 key (Google's
// legacy format, password usually "notasecret") into the JSON key file
// form the rest of the package takes. P12 files carry no account
// identity, so clientEmail is required; tokenURI defaults to Google's
// token endpoint. A P12 that does not decode with password, or holds no
// RSA key, gives an error wrapping linking.ErrInvalidCredentials.
func ServiceAccountKeyFromP12(p12 []byte, password, clientEmail, tokenURI string) ([]byte, error) {
	invalid := func(format string, args ...any) error {
		return fmt.Errorf("google: p12 key: %w: %s", linking.ErrInvalidCredentials, fmt.Sprintf(format, args...))
	}
	clientEmail = strings.TrimSpace(clientEmail)
	at := strings.LastIndexByte(clientEmail, '@')
	if at <= 0 || at == len(clientEmail)-1 {
		return nil, invalid("client email %q is not an email address", clientEmail)
	}
	if len(p12) == 0 {
		return nil, invalid("empty file")
	}
	// ToPEM, unlike Decode, also takes files holding a certificate chain.
	blocks, err := pkcs12.ToPEM(p12, password)
	if err != nil {
		return nil, fmt.Errorf("google: p12 key: %w: %w", linking.ErrInvalidCredentials, err)
	}
	var key *rsa.PrivateKey
	for _, b := range blocks {
		if b.Type != "PRIVATE KEY" {
			continue
		}
		if key != nil {
			return nil, invalid("more than one private key")
		}
		// ToPEM encodes RSA keys as PKCS#1 under the PKCS#8 block name.
		if key, err = parseRSAKey(b.Bytes); err != nil {
			return nil, invalid("private key: %v", err)
		}
	}
	if key == nil {
		return nil, invalid("no RSA private key in the file")
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("google: p12 key: encode private key: %w", err)
	}
	if tokenURI == "" {
		tokenURI = DefaultEndpoints().TokenURL
	}
	k := serviceAccountKey{
		Type:        "service_account",
		PrivateKey:  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		ClientEmail: clientEmail,
		TokenURI:    tokenURI,
	}
	// name@project.iam.gserviceaccount.com names the project.
	if project, ok := strings.CutSuffix(clientEmail[at+1:], ".iam.gserviceaccount.com"); ok {
		k.ProjectID = project
	}
	out, err := json.MarshalIndent(k, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("google: p12 key: encode key file: %w", err)
	}
	return out, nil
}
