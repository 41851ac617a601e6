package gcal

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"time"
)

// serviceAccount is a Google service account, optionally with domain-wide
// delegation for a Workspace domain.
type serviceAccount struct {
	ClientEmail string   `json:"clientEmail"`
	ClientID    string   `json:"clientId"`
	ProjectID   string   `json:"projectId"`
	Domain      string   `json:"domain,omitempty"`
	Scopes      []string `json:"scopes,omitempty"` // delegated scopes
	// PublicKeys maps private_key_id to the PKIX public key PEM; the
	// emulator keeps no private key of a service account.
	PublicKeys map[string]string `json:"publicKeys"`
}

// ServiceAccountSpec asks for a service account.
type ServiceAccountSpec struct {
	Name      string `json:"name"`      // account id, the part of client_email before "@"
	ProjectID string `json:"projectId"` // default "calsync-emulator"
	// Domain and Scopes configure domain-wide delegation: the service
	// account may impersonate users of Domain for these scopes (full URLs
	// or short names like "calendar").
	Domain string   `json:"domain,omitempty"`
	Scopes []string `json:"scopes,omitempty"`
}

// ServiceAccountInfo describes a service account (without keys).
type ServiceAccountInfo struct {
	ClientEmail string   `json:"clientEmail"`
	ClientID    string   `json:"clientId"`
	ProjectID   string   `json:"projectId"`
	Domain      string   `json:"domain,omitempty"`
	Scopes      []string `json:"scopes,omitempty"`
}

// serviceAccountKeyFile is the JSON key file Google hands out.
type serviceAccountKeyFile struct {
	Type                    string `json:"type"`
	ProjectID               string `json:"project_id"`
	PrivateKeyID            string `json:"private_key_id"`
	PrivateKey              string `json:"private_key"`
	ClientEmail             string `json:"client_email"`
	ClientID                string `json:"client_id"`
	AuthURI                 string `json:"auth_uri"`
	TokenURI                string `json:"token_uri"`
	AuthProviderX509CertURL string `json:"auth_provider_x509_cert_url"`
	ClientX509CertURL       string `json:"client_x509_cert_url"`
	UniverseDomain          string `json:"universe_domain"`
}

// CreateServiceAccount creates a service account with a fresh RSA key and
// returns its JSON key file, which golang.org/x/oauth2/google accepts.
// baseURL (scheme://host of the emulator) makes token_uri point here.
func (e *Emulator) CreateServiceAccount(spec ServiceAccountSpec, baseURL string) ([]byte, error) {
	name := strings.ToLower(strings.TrimSpace(spec.Name))
	if name == "" || strings.ContainsAny(name, "@/ ") {
		return nil, errInvalid("service account name is required and must not contain @, / or spaces")
	}
	project := spec.ProjectID
	if project == "" {
		project = "calsync-emulator"
	}
	var scopes []string
	for _, s := range spec.Scopes {
		n, ok := normalizeScope(s)
		if !ok {
			return nil, errInvalid("invalid scope " + s)
		}
		scopes = append(scopes, n)
	}
	if spec.Domain != "" && len(scopes) == 0 {
		return nil, errInvalid("domain-wide delegation needs at least one scope")
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("gcal: generate service account key: %w", err)
	}
	privDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("gcal: encode service account key: %w", err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("gcal: encode service account public key: %w", err)
	}
	keyID := randomHex(20)
	sa := &serviceAccount{
		ClientEmail: name + "@" + project + ".iam.gserviceaccount.com",
		ClientID:    numericID(21),
		ProjectID:   project,
		Domain:      strings.ToLower(spec.Domain),
		Scopes:      scopes,
		PublicKeys:  map[string]string{keyID: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}))},
	}
	e.mu.Lock()
	if e.st.ServiceAccounts[sa.ClientEmail] != nil {
		e.mu.Unlock()
		return nil, newError(409, "global", "duplicate", "service account "+sa.ClientEmail+" exists")
	}
	e.st.ServiceAccounts[sa.ClientEmail] = sa
	e.mu.Unlock()
	file := serviceAccountKeyFile{
		Type:                    "service_account",
		ProjectID:               project,
		PrivateKeyID:            keyID,
		PrivateKey:              string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER})),
		ClientEmail:             sa.ClientEmail,
		ClientID:                sa.ClientID,
		AuthURI:                 baseURL + authPath,
		TokenURI:                baseURL + tokenPath,
		AuthProviderX509CertURL: baseURL + certsPath,
		ClientX509CertURL:       baseURL + "/google/robot/v1/metadata/x509/" + sa.ClientEmail,
		UniverseDomain:          "googleapis.com",
	}
	b, err := json.MarshalIndent(file, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("gcal: encode key file: %w", err)
	}
	return b, nil
}

// ServiceAccounts lists the service accounts.
func (e *Emulator) ServiceAccounts() []ServiceAccountInfo {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []ServiceAccountInfo
	for _, sa := range e.st.ServiceAccounts {
		out = append(out, ServiceAccountInfo{ClientEmail: sa.ClientEmail, ClientID: sa.ClientID, ProjectID: sa.ProjectID,
			Domain: sa.Domain, Scopes: slices.Clone(sa.Scopes)})
	}
	slices.SortFunc(out, func(a, b ServiceAccountInfo) int { return strings.Compare(a.ClientEmail, b.ClientEmail) })
	return out
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

var b64 = base64.RawURLEncoding

// jwtClaims are the claims of a service-account assertion.
type jwtClaims struct {
	Iss   string `json:"iss"`
	Scope string `json:"scope"`
	Aud   string `json:"aud"`
	Exp   int64  `json:"exp"`
	Iat   int64  `json:"iat"`
	Sub   string `json:"sub"`
}

// oauthError is an error of the OAuth endpoints: {"error","error_description"}.
type oauthError struct {
	status int
	code   string
	desc   string
}

func (e *oauthError) Error() string { return "gcal: oauth " + e.code + ": " + e.desc }

func writeOAuthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache, no-store, max-age=0, must-revalidate")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

func invalidGrant(desc string) *oauthError { return &oauthError{400, "invalid_grant", desc} }

const unauthorizedClientDesc = "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested."

// acceptedAudience reports whether aud names a token endpoint: this
// emulator's at any address, or Google's own.
func acceptedAudience(aud string) bool {
	switch aud {
	case "https://oauth2.googleapis.com/token", "https://accounts.google.com/o/oauth2/token", "https://www.googleapis.com/oauth2/v4/token":
		return true
	}
	return strings.HasSuffix(aud, tokenPath)
}

// jwtBearerGrant verifies a service-account assertion and issues an access
// token, for the service account itself or the user named by sub under
// domain-wide delegation; mu held.
func (e *Emulator) jwtBearerGrant(assertion string) (TokenResponse, *oauthError) {
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return TokenResponse{}, invalidGrant("Invalid JWT: malformed assertion.")
	}
	var header struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	var claims jwtClaims
	hb, err1 := b64.DecodeString(parts[0])
	cb, err2 := b64.DecodeString(parts[1])
	sig, err3 := b64.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || json.Unmarshal(hb, &header) != nil || json.Unmarshal(cb, &claims) != nil {
		return TokenResponse{}, invalidGrant("Invalid JWT: malformed assertion.")
	}
	if header.Alg != "RS256" {
		return TokenResponse{}, invalidGrant("Invalid JWT: unsupported algorithm " + header.Alg + ".")
	}
	sa := e.st.ServiceAccounts[normEmail(claims.Iss)]
	if sa == nil {
		return TokenResponse{}, invalidGrant("Invalid grant: account not found")
	}
	if !verifyRS256(sa, header.Kid, parts[0]+"."+parts[1], sig) {
		return TokenResponse{}, invalidGrant("Invalid JWT Signature.")
	}
	if !acceptedAudience(claims.Aud) {
		return TokenResponse{}, invalidGrant("Invalid JWT: Failed audience check. The right audience is " + "https://oauth2.googleapis.com/token")
	}
	now := e.clock.Now().Unix()
	const skew = 300
	if claims.Exp-claims.Iat > 3600 || claims.Exp <= claims.Iat || now < claims.Iat-skew || now > claims.Exp+skew {
		return TokenResponse{}, invalidGrant("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.")
	}
	scopes := strings.Fields(claims.Scope)
	if len(scopes) == 0 {
		return TokenResponse{}, &oauthError{400, "invalid_scope", "Invalid OAuth scope or ID token audience provided."}
	}
	email := sa.ClientEmail
	if claims.Sub != "" {
		if sa.Domain == "" {
			return TokenResponse{}, &oauthError{401, "unauthorized_client", unauthorizedClientDesc}
		}
		user := e.st.Accounts[normEmail(claims.Sub)]
		if user == nil {
			return TokenResponse{}, invalidGrant("Invalid email or User ID")
		}
		if user.Domain != sa.Domain {
			return TokenResponse{}, &oauthError{401, "unauthorized_client", unauthorizedClientDesc}
		}
		for _, s := range scopes {
			if !slices.Contains(sa.Scopes, s) {
				return TokenResponse{}, &oauthError{401, "unauthorized_client", unauthorizedClientDesc}
			}
		}
		email = user.Email
	}
	tok := e.newAccessToken(sa.ClientID, email, strings.Join(scopes, " "), "", true)
	return TokenResponse{AccessToken: tok, ExpiresIn: int(accessTokenLifetime / time.Second), TokenType: "Bearer"}, nil
}

func verifyRS256(sa *serviceAccount, kid, signed string, sig []byte) bool {
	sum := sha256.Sum256([]byte(signed))
	for id, p := range sa.PublicKeys {
		if kid != "" && id != kid {
			continue
		}
		block, _ := pem.Decode([]byte(p))
		if block == nil {
			continue
		}
		pub, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			continue
		}
		if rk, ok := pub.(*rsa.PublicKey); ok && rsa.VerifyPKCS1v15(rk, crypto.SHA256, sum[:], sig) == nil {
			return true
		}
	}
	return false
}

// signingKey returns the emulator's id_token key, creating it on first
// use; mu held.
func (e *Emulator) signingKey() (*rsa.PrivateKey, string, error) {
	if e.signer != nil && e.signerPEM == e.st.SigningKeyPEM {
		return e.signer, e.st.SigningKeyID, nil
	}
	if e.st.SigningKeyPEM != "" {
		block, _ := pem.Decode([]byte(e.st.SigningKeyPEM))
		if block != nil {
			if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
				if rk, ok := k.(*rsa.PrivateKey); ok {
					e.signer, e.signerPEM = rk, e.st.SigningKeyPEM
					return rk, e.st.SigningKeyID, nil
				}
			}
		}
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, "", fmt.Errorf("gcal: generate signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, "", fmt.Errorf("gcal: encode signing key: %w", err)
	}
	e.st.SigningKeyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	e.st.SigningKeyID = randomHex(20)
	e.signer, e.signerPEM = key, e.st.SigningKeyPEM
	return key, e.st.SigningKeyID, nil
}

// idToken returns an RS256 id_token for the user carrying their email, or
// "" when signing fails; mu held.
func (e *Emulator) idToken(clientID, email string) string {
	acc := e.st.Accounts[normEmail(email)]
	if acc == nil {
		return ""
	}
	key, kid, err := e.signingKey()
	if err != nil {
		e.log.Error("gcal: id token signing key", slog.String("error", err.Error()))
		return ""
	}
	now := e.clock.Now()
	claims := map[string]any{
		"iss": "https://accounts.google.com", "azp": clientID, "aud": clientID, "sub": acc.Subject,
		"email": acc.Email, "email_verified": true, "name": acc.Name,
		"iat": now.Unix(), "exp": now.Add(accessTokenLifetime).Unix(),
	}
	if acc.Domain != "" {
		claims["hd"] = acc.Domain
	}
	hb, _ := json.Marshal(map[string]string{"alg": "RS256", "kid": kid, "typ": "JWT"})
	cb, _ := json.Marshal(claims)
	signed := b64.EncodeToString(hb) + "." + b64.EncodeToString(cb)
	sum := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		e.log.Error("gcal: id token sign", slog.String("error", err.Error()))
		return ""
	}
	return signed + "." + b64.EncodeToString(sig)
}

// handleCerts serves the JWKS of the id_token key.
func (e *Emulator) handleCerts(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	key, kid, err := e.signingKey()
	e.mu.Unlock()
	if err != nil {
		writeAPIError(w, r, errBackend())
		return
	}
	jwk := map[string]any{
		"kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid,
		"n": b64.EncodeToString(key.N.Bytes()),
		"e": b64.EncodeToString(big.NewInt(int64(key.E)).Bytes()),
	}
	writeJSONStatus(w, r, http.StatusOK, map[string]any{"keys": []any{jwk}})
}
