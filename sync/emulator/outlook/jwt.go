package outlook

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"sync"
)

// signer holds the RSA key that signs id tokens and access tokens (RS256,
// as the identity platform does). The key is made on first use because
// generating it costs tens of milliseconds.
type signer struct {
	mu  sync.Mutex
	key *rsa.PrivateKey
	kid string
}

// ensure returns the key, loading it from st or creating and recording it.
// Callers hold Emulator.mu.
func (s *signer) ensure(st *state) (*rsa.PrivateKey, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key != nil {
		return s.key, s.kid, nil
	}
	if len(st.SigningKey) > 0 {
		k, err := x509.ParsePKCS8PrivateKey(st.SigningKey)
		if err == nil {
			if rk, ok := k.(*rsa.PrivateKey); ok {
				s.key, s.kid = rk, st.KeyID
				return s.key, s.kid, nil
			}
		}
	}
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, "", fmt.Errorf("outlook: generate signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, "", fmt.Errorf("outlook: encode signing key: %w", err)
	}
	s.key, s.kid = k, randomToken(12)
	st.SigningKey, st.KeyID = der, s.kid
	return s.key, s.kid, nil
}

// reset forgets the cached key (after Restore or reset).
func (s *signer) reset() {
	s.mu.Lock()
	s.key, s.kid = nil, ""
	s.mu.Unlock()
}

// sign returns a compact RS256 JWT of claims.
func (s *signer) sign(st *state, claims map[string]any) (string, error) {
	key, kid, err := s.ensure(st)
	if err != nil {
		return "", err
	}
	header := map[string]string{"typ": "JWT", "alg": "RS256", "kid": kid}
	h, err := json.Marshal(header)
	if err != nil {
		return "", fmt.Errorf("outlook: jwt header: %w", err)
	}
	c, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("outlook: jwt claims: %w", err)
	}
	enc := base64.RawURLEncoding
	input := enc.EncodeToString(h) + "." + enc.EncodeToString(c)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("outlook: jwt sign: %w", err)
	}
	return input + "." + enc.EncodeToString(sig), nil
}

// jwks is the public key set clients can verify id tokens with.
func (s *signer) jwks(st *state) (map[string]any, error) {
	key, kid, err := s.ensure(st)
	if err != nil {
		return nil, err
	}
	enc := base64.RawURLEncoding
	return map[string]any{"keys": []map[string]any{{
		"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
		"n": enc.EncodeToString(key.N.Bytes()),
		"e": enc.EncodeToString(big.NewInt(int64(key.E)).Bytes()),
	}}}, nil
}
