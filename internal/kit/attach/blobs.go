package attach

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"yingji/internal/kit/errs"
)

// Blobs stores attachment bytes under opaque keys. DiskBlobs keeps them on
// the local disk; an S3-compatible store can implement the same interface.
type Blobs interface {
	// Put stores r under key, replacing any earlier blob, and returns the
	// number of bytes written. A failed Put leaves no partial blob.
	Put(ctx context.Context, key string, r io.Reader) (size int64, err error)
	// Open returns the blob's bytes. A missing blob is an errs.NotFound
	// error that also matches fs.ErrNotExist.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes the blob; deleting a missing blob is not an error.
	Delete(ctx context.Context, key string) error
}

// ValidKey reports whether key can name a blob: 1 to 128 ASCII letters,
// digits, '-' and '_'. Keys can thus never hold a path separator or "..".
func ValidKey(key string) bool {
	if len(key) == 0 || len(key) > 128 {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// DiskBlobs stores blobs as files under a root directory, normally
// DATA/attachments/. A key's file lives in two levels of shard directories
// named by the first hex digits of the SHA-256 of the key (so that keys
// sharing a prefix, like time-ordered ULIDs, still spread evenly):
// root/ab/cd/KEY. Writes go to a temporary file in the same directory that
// is synced and renamed into place, so readers never see a partial blob.
type DiskBlobs struct {
	root string
}

// NewDiskBlobs returns a store rooted at dir, creating it if needed.
func NewDiskBlobs(dir string) (*DiskBlobs, error) {
	if dir == "" {
		return nil, errors.New("attach: blob directory not set")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("attach: blob directory %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o750); err != nil {
		return nil, fmt.Errorf("attach: create blob directory %s: %w", abs, err)
	}
	return &DiskBlobs{root: abs}, nil
}

// Root returns the store's directory.
func (b *DiskBlobs) Root() string { return b.root }

// path returns the file for key, refusing keys that are not ValidKey.
func (b *DiskBlobs) path(key string) (string, error) {
	if !ValidKey(key) {
		return "", &errs.Error{Kind: errs.Invalid, Message: "附件存储键无效", Err: fmt.Errorf("attach: invalid blob key %q", key)}
	}
	h := sha256.Sum256([]byte(key))
	x := hex.EncodeToString(h[:2])
	p := filepath.Join(b.root, x[:2], x[2:4], key)
	// Belt and braces: the key's alphabet already rules out escaping.
	if rel, err := filepath.Rel(b.root, p); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("attach: blob key %q escapes the store", key)
	}
	return p, nil
}

// Put implements Blobs.
func (b *DiskBlobs) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	p, err := b.path(key)
	if err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return 0, fmt.Errorf("attach: create %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, ".tmp-"+key+"-*")
	if err != nil {
		return 0, fmt.Errorf("attach: create temp file: %w", err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	n, err := io.Copy(f, ctxReader{ctx, r})
	if err != nil {
		return 0, fmt.Errorf("attach: write blob %s: %w", key, err)
	}
	if err := f.Sync(); err != nil {
		return 0, fmt.Errorf("attach: sync blob %s: %w", key, err)
	}
	if err := f.Close(); err != nil {
		return 0, fmt.Errorf("attach: close blob %s: %w", key, err)
	}
	if err := os.Rename(tmp, p); err != nil {
		return 0, fmt.Errorf("attach: rename blob %s: %w", key, err)
	}
	ok = true
	syncDir(dir)
	return n, nil
}

// syncDir makes a rename durable; failures are ignored (not all systems
// can sync a directory).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// Open implements Blobs.
func (b *DiskBlobs) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	p, err := b.path(key)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &errs.Error{Kind: errs.NotFound, Message: "附件文件不存在", Err: err}
	}
	if err != nil {
		return nil, fmt.Errorf("attach: open blob %s: %w", key, err)
	}
	return f, nil
}

// Delete implements Blobs.
func (b *DiskBlobs) Delete(ctx context.Context, key string) error {
	p, err := b.path(key)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("attach: delete blob %s: %w", key, err)
	}
	return nil
}

// ctxReader stops a copy when the context is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
