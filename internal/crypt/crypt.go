// Package crypt seals sensitive fields at rest (ID numbers, relief
// recipients' phone numbers): AES-256-GCM with a per-installation key,
// plus a keyed blind index (HMAC-SHA256) so that sealed values can still
// be looked up by equality.
package crypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// prefix marks a sealed value; values without it are legacy plain text.
const prefix = "enc1:"

// Sealer seals and opens field values with one key.
type Sealer struct {
	aead cipher.AEAD
	mac  []byte
}

// New returns a Sealer for a 32-byte key.
func New(key []byte) (*Sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("field key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("yingji blind index"))
	return &Sealer{aead: aead, mac: m.Sum(nil)}, nil
}

// Load returns the installation's Sealer: the key in env (base64, from
// YINGJI_FIELD_KEY) when given, else DIR/field.key, created on first use
// with mode 0600. Several instances on one PostgreSQL must share the key:
// set YINGJI_FIELD_KEY on all of them.
func Load(envKey, dir string) (*Sealer, error) {
	if envKey != "" {
		key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(envKey))
		if err != nil {
			return nil, fmt.Errorf("YINGJI_FIELD_KEY is not base64: %w", err)
		}
		return New(key)
	}
	path := filepath.Join(dir, "field.key")
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, err
		}
		enc := base64.StdEncoding.EncodeToString(key)
		if err := os.WriteFile(path, []byte(enc+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("write field key: %w", err)
		}
		return New(key)
	}
	if err != nil {
		return nil, fmt.Errorf("read field key: %w", err)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("field key %s is not base64: %w", path, err)
	}
	return New(key)
}

// Seal encrypts a value ("" stays "").
func (s *Sealer) Seal(plain string) string {
	if plain == "" {
		return ""
	}
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	ct := s.aead.Seal(nonce, nonce, []byte(plain), nil)
	return prefix + base64.RawStdEncoding.EncodeToString(ct)
}

// Open decrypts a sealed value; a value that was never sealed is returned
// as it is (rows written before sealing was introduced).
func (s *Sealer) Open(stored string) (string, error) {
	if !strings.HasPrefix(stored, prefix) {
		return stored, nil
	}
	ct, err := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(stored, prefix))
	if err != nil || len(ct) < s.aead.NonceSize() {
		return "", errors.New("sealed field is damaged")
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, ct[:n], ct[n:], nil)
	if err != nil {
		return "", errors.New("sealed field cannot be opened with this key (YINGJI_FIELD_KEY or DATA/field.key changed?)")
	}
	return string(plain), nil
}

// Index returns the blind index of a value for equality lookups.
func (s *Sealer) Index(plain string) string {
	if plain == "" {
		return ""
	}
	m := hmac.New(sha256.New, s.mac)
	m.Write([]byte(plain))
	return hex.EncodeToString(m.Sum(nil))[:32]
}
