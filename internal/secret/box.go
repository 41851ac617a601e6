// Package secret encrypts what Calsync must keep but never show: OAuth
// tokens, client secrets and service-account keys (AES-256-GCM).
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the AES-256 key length in bytes.
const KeySize = 32

// version prefixes every ciphertext so keys can be rotated later.
const version byte = 1

// Box seals and opens secrets with one key.
type Box struct{ aead cipher.AEAD }

// NewBox returns a Box for a 32-byte key.
func NewBox(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secret: key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plaintext; associated binds the ciphertext to its place
// (e.g. "calendar_account:42:token") so it cannot be moved to another row.
func (b *Box) Seal(plaintext []byte, associated string) ([]byte, error) {
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("secret: nonce: %w", err)
	}
	out := append([]byte{version}, nonce...)
	return b.aead.Seal(out, nonce, plaintext, []byte(associated)), nil
}

// ErrCorrupt is returned for ciphertexts that do not open with this key.
var ErrCorrupt = errors.New("secret: ciphertext does not open with this key")

// Open decrypts what Seal produced with the same associated data.
func (b *Box) Open(ciphertext []byte, associated string) ([]byte, error) {
	ns := b.aead.NonceSize()
	if len(ciphertext) < 1+ns || ciphertext[0] != version {
		return nil, ErrCorrupt
	}
	pt, err := b.aead.Open(nil, ciphertext[1:1+ns], ciphertext[1+ns:], []byte(associated))
	if err != nil {
		return nil, ErrCorrupt
	}
	return pt, nil
}

// ParseKey decodes a base64 (standard or URL) 32-byte key.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil {
			if len(k) != KeySize {
				return nil, fmt.Errorf("secret: key must decode to %d bytes, got %d", KeySize, len(k))
			}
			return k, nil
		}
	}
	return nil, errors.New("secret: key is not valid base64")
}

// LoadOrCreateKeyFile reads the key stored in path, or creates one with
// 0600 permissions when the file does not exist yet (first run).
func LoadOrCreateKeyFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err == nil {
		if st, serr := os.Stat(path); serr == nil && st.Mode().Perm()&0o077 != 0 {
			return nil, fmt.Errorf("secret: %s is readable by others (mode %v); chmod 600 it", path, st.Mode().Perm())
		}
		return ParseKey(string(data))
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("secret: read key: %w", err)
	}
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("secret: generate key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) { // another process created it first
			return LoadOrCreateKeyFile(path)
		}
		return nil, fmt.Errorf("secret: create key file: %w", err)
	}
	defer f.Close()
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
		return nil, fmt.Errorf("secret: write key file: %w", err)
	}
	return key, nil
}
