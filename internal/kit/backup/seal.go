// Package backup writes and reads Yingji's backup archives: one tar.gz
// holding the database (a SQLite copy or a pg_dump), the field key and the
// attachments, optionally encrypted with a passphrase.
//
// An encrypted archive is the tar.gz sealed in chunks of 64 KiB with
// AES-256-GCM under a key derived from the passphrase with scrypt
// (N=2^15, r=8, p=1, 16-byte random salt). Each chunk's nonce is a random
// 4-byte prefix and the chunk's 8-byte counter; the header and a "last
// chunk" flag are authenticated with every chunk, so a reordered, changed
// or cut-off archive does not open.
package backup

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/scrypt"
)

// magic starts an encrypted archive.
var magic = []byte("YJBKENC1")

const (
	chunkSize = 64 << 10
	saltSize  = 16
	prefixLen = 4
	headerLen = 8 + 1 + 1 + 1 + saltSize + prefixLen
	scryptLog = 15
	scryptR   = 8
	scryptP   = 1
)

// ErrPassphrase is returned when an encrypted archive does not open with
// the passphrase given (or was changed).
var ErrPassphrase = errors.New("备份文件无法用此口令解密（口令错误或文件已损坏）/ the backup does not open with this passphrase (wrong passphrase or damaged file)")

// ErrNeedPassphrase is returned when an encrypted archive is read without
// a passphrase.
var ErrNeedPassphrase = errors.New("备份文件已加密，请提供口令 / the backup is encrypted: give its passphrase with --passphrase-file FILE or YINGJI_BACKUP_PASSPHRASE")

// IsEncrypted reports whether head (the file's first bytes) starts an
// encrypted archive.
func IsEncrypted(head []byte) bool { return bytes.HasPrefix(head, magic) }

func deriveAEAD(pass []byte, logN, r, p byte, salt []byte) (cipher.AEAD, error) {
	if logN < 10 || logN > 22 || r == 0 || r > 32 || p == 0 || p > 16 {
		return nil, ErrPassphrase
	}
	key, err := scrypt.Key(pass, salt, 1<<logN, int(r), int(p), 32)
	if err != nil {
		return nil, fmt.Errorf("derive backup key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// sealWriter encrypts what is written to it in chunks.
type sealWriter struct {
	w       io.Writer
	aead    cipher.AEAD
	header  []byte
	prefix  []byte
	counter uint64
	buf     []byte
	closed  bool
}

// NewSealWriter returns a writer that encrypts to w with passphrase pass.
// Close writes the last chunk (it does not close w).
func NewSealWriter(w io.Writer, pass []byte) (io.WriteCloser, error) {
	if len(pass) == 0 {
		return nil, errors.New("empty backup passphrase")
	}
	salt := make([]byte, saltSize)
	prefix := make([]byte, prefixLen)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	if _, err := rand.Read(prefix); err != nil {
		return nil, err
	}
	aead, err := deriveAEAD(pass, scryptLog, scryptR, scryptP, salt)
	if err != nil {
		return nil, err
	}
	header := append(append(append(append([]byte{}, magic...), scryptLog, scryptR, scryptP), salt...), prefix...)
	if _, err := w.Write(header); err != nil {
		return nil, err
	}
	return &sealWriter{w: w, aead: aead, header: header, prefix: prefix, buf: make([]byte, 0, chunkSize)}, nil
}

func (s *sealWriter) Write(p []byte) (int, error) {
	if s.closed {
		return 0, errors.New("write to closed backup writer")
	}
	n := 0
	for len(p) > 0 {
		k := min(chunkSize-len(s.buf), len(p))
		s.buf = append(s.buf, p[:k]...)
		p, n = p[k:], n+k
		if len(s.buf) == chunkSize {
			if err := s.flush(false); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

func (s *sealWriter) nonce() []byte {
	n := make([]byte, 12)
	copy(n, s.prefix)
	binary.BigEndian.PutUint64(n[4:], s.counter)
	return n
}

func aad(header []byte, last bool) []byte {
	flag := byte(0)
	if last {
		flag = 1
	}
	return append(append([]byte{}, header...), flag)
}

func (s *sealWriter) flush(last bool) error {
	ct := s.aead.Seal(nil, s.nonce(), s.buf, aad(s.header, last))
	s.counter++
	var l [4]byte
	binary.BigEndian.PutUint32(l[:], uint32(len(ct)))
	if _, err := s.w.Write(l[:]); err != nil {
		return err
	}
	if _, err := s.w.Write(ct); err != nil {
		return err
	}
	s.buf = s.buf[:0]
	return nil
}

func (s *sealWriter) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	return s.flush(true)
}

// openReader decrypts an encrypted archive.
type openReader struct {
	r       *bufio.Reader
	aead    cipher.AEAD
	header  []byte
	prefix  []byte
	counter uint64
	buf     []byte
	last    bool
}

// NewOpenReader returns a reader of the plain archive inside an encrypted
// one. A wrong passphrase, a changed or a cut-off file is ErrPassphrase.
func NewOpenReader(r io.Reader, pass []byte) (io.Reader, error) {
	header := make([]byte, headerLen)
	if _, err := io.ReadFull(r, header); err != nil || !IsEncrypted(header) {
		return nil, fmt.Errorf("not an encrypted Yingji backup")
	}
	if len(pass) == 0 {
		return nil, ErrNeedPassphrase
	}
	salt := header[11 : 11+saltSize]
	aead, err := deriveAEAD(pass, header[8], header[9], header[10], salt)
	if err != nil {
		return nil, err
	}
	o := &openReader{r: bufio.NewReader(r), aead: aead, header: header, prefix: header[11+saltSize:]}
	// Open the first chunk now, so a wrong passphrase is reported at once.
	if err := o.next(); err != nil {
		return nil, err
	}
	return o, nil
}

func (o *openReader) next() error {
	var l [4]byte
	if _, err := io.ReadFull(o.r, l[:]); err != nil {
		return ErrPassphrase // cut off before the last chunk
	}
	n := binary.BigEndian.Uint32(l[:])
	if n > chunkSize+uint32(o.aead.Overhead()) {
		return ErrPassphrase
	}
	ct := make([]byte, n)
	if _, err := io.ReadFull(o.r, ct); err != nil {
		return ErrPassphrase
	}
	nonce := make([]byte, 12)
	copy(nonce, o.prefix)
	binary.BigEndian.PutUint64(nonce[4:], o.counter)
	for _, last := range []bool{false, true} {
		if plain, err := o.aead.Open(nil, nonce, ct, aad(o.header, last)); err == nil {
			o.counter++
			o.buf, o.last = plain, last
			if last {
				if _, err := o.r.ReadByte(); err != io.EOF {
					return ErrPassphrase // bytes after the last chunk
				}
			}
			return nil
		}
	}
	return ErrPassphrase
}

func (o *openReader) Read(p []byte) (int, error) {
	for len(o.buf) == 0 {
		if o.last {
			return 0, io.EOF
		}
		if err := o.next(); err != nil {
			return 0, err
		}
	}
	n := copy(p, o.buf)
	o.buf = o.buf[n:]
	return n, nil
}
