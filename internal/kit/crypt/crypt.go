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
	root []byte
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
	return &Sealer{aead: aead, mac: m.Sum(nil), root: append([]byte(nil), key...)}, nil
}

// ErrNoKey is returned by Load when the installation has no key and may
// not create one.
var ErrNoKey = errors.New("field key missing")

// KeyFile is the key's file name in the data directory.
const KeyFile = "field.key"

// KeyPath returns DIR/field.key.
func KeyPath(dir string) string { return filepath.Join(dir, KeyFile) }

// Load is Open that creates a missing key file (tests and tools that set
// up a new installation).
func Load(envKey, dir string) (*Sealer, error) { return Open(envKey, dir, true) }

// Open returns the installation's Sealer: the key in env (base64, from
// YINGJI_FIELD_KEY) when given, else DIR/field.key. A missing key file is
// created (mode 0600) only when create is true — on the first start of a
// new installation; otherwise Open fails with an error matching ErrNoKey.
// Several instances on one PostgreSQL must share the key: set
// YINGJI_FIELD_KEY on all of them.
func Open(envKey, dir string, create bool) (*Sealer, error) {
	key, err := LoadKey(envKey, dir, create)
	if err != nil {
		return nil, err
	}
	return New(key)
}

// LoadKey is Open returning the raw key.
func LoadKey(envKey, dir string, create bool) ([]byte, error) {
	if envKey != "" {
		key, err := ParseKey([]byte(envKey))
		if err != nil {
			return nil, fmt.Errorf("YINGJI_FIELD_KEY: %w", err)
		}
		return key, nil
	}
	path := KeyPath(dir)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if !create {
			return nil, fmt.Errorf("%w: %s does not exist", ErrNoKey, path)
		}
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, err
		}
		if err := WriteKeyFile(path, key); err != nil {
			return nil, err
		}
		return key, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read field key: %w", err)
	}
	key, err := ParseKey(b)
	if err != nil {
		return nil, fmt.Errorf("field key %s: %w", path, err)
	}
	return key, nil
}

// ParseKey decodes a base64 32-byte key (surrounding space ignored).
func ParseKey(b []byte) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("key is not base64: %w", err)
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("key must be 32 bytes, got %d", len(key))
	}
	return key, nil
}

// EncodeKey is the key file's content for key.
func EncodeKey(key []byte) []byte {
	return []byte(base64.StdEncoding.EncodeToString(key) + "\n")
}

// WriteKeyFile writes a key file with mode 0600, refusing to replace one.
func WriteKeyFile(path string, key []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("write field key: %w", err)
	}
	if _, err := f.Write(EncodeKey(key)); err != nil {
		f.Close()
		return fmt.Errorf("write field key: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write field key: %w", err)
	}
	return f.Close()
}

// Derive returns a sub-key for another purpose (e.g. the audit chain's
// MAC), so that one key file is all an installation must keep.
func (s *Sealer) Derive(purpose string) []byte {
	m := hmac.New(sha256.New, s.root)
	m.Write([]byte("yingji derive\x00" + purpose))
	return m.Sum(nil)
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
