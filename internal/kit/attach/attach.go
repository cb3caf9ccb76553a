// Package attach stores photo and scan attachments of any record (an
// inspection, a hazard, a licence…): the bytes in a Blobs store, the
// metadata in the attachment table.
//
// The content type is sniffed from the bytes, never taken from the file
// name or the client, and only an allow-list of types is accepted. Scope
// and audit checks are the callers' (domain services') job; this package
// knows nothing of HTTP or users' rights.
package attach

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"yingji/internal/kit/errs"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/store"
)

// MB is a megabyte, for Config.MaxSize.
const MB = 1 << 20

// DefaultMaxSize is the default per-file size limit.
const DefaultMaxSize = 20 * MB

// Config sets the service's limits.
type Config struct {
	// MaxSize is the largest accepted file in bytes; zero means 20 MB.
	MaxSize int64
	// Types are the accepted content types (without parameters, e.g.
	// "text/plain"); nil means DefaultTypes().
	Types []string
	// TempDir is where uploads are spooled while they are checked; empty
	// means os.TempDir().
	TempDir string
}

// Service saves, lists and opens attachments.
type Service struct {
	db      *store.DB
	blobs   Blobs
	maxSize int64
	types   []string
	tempDir string
	now     func() time.Time
}

// NewService returns a service storing rows in db and bytes in blobs.
func NewService(db *store.DB, blobs Blobs, cfg Config) *Service {
	s := &Service{db: db, blobs: blobs, maxSize: cfg.MaxSize, tempDir: cfg.TempDir, now: time.Now}
	if s.maxSize <= 0 {
		s.maxSize = DefaultMaxSize
	}
	for _, t := range cfg.Types {
		s.types = append(s.types, mediaType(t))
	}
	if cfg.Types == nil {
		s.types = DefaultTypes()
	}
	return s
}

// MaxSize returns the per-file size limit in bytes.
func (s *Service) MaxSize() int64 { return s.maxSize }

// Upload is a file to attach.
type Upload struct {
	CountyCode  string
	OwnerEntity string // e.g. "inspection"
	OwnerID     string
	Filename    string // as sent by the client; sanitised before storing
	// Reader gives the bytes. If it is also an io.Seeker (a
	// multipart.File, a bytes.Reader, an *os.File) Save seeks it to the
	// start first, so that a Save inside store.DB.InTx survives the
	// transaction being retried; a plain reader can be read only once.
	Reader     io.Reader
	UploadedBy string // app_user id
}

// Attachment is a stored file's metadata.
type Attachment struct {
	ID          string    `json:"id"`
	CountyCode  string    `json:"county_code"`
	OwnerEntity string    `json:"owner_entity"`
	OwnerID     string    `json:"owner_id"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	BlobKey     string    `json:"-"`
	UploadedBy  string    `json:"uploaded_by"`
	UploadedAt  time.Time `json:"uploaded_at"`
}

// Save checks the upload, stores its bytes and inserts its row in tx.
//
// The file is spooled to a temporary file while its size is counted and its
// SHA-256 computed; a file over the limit is refused ("文件超过 20 MB 上限")
// and so is an empty one. The content type is sniffed from the first 512
// bytes (and, for ZIP files, the archive's entries): a type not in the
// allow-list is refused with a message naming what was detected, whatever
// the file is called. The stored name is the client's name, sanitised, with
// the detected type's extension appended when it does not already fit
// (an HTML page named photo.jpg is refused; a PNG named photo.jpg becomes
// photo.jpg.png).
//
// The blob is written before the row. If the insert fails the blob is
// deleted again, and so it is when the caller's transaction does not
// commit (a later file or rule refused, or the attempt is retried). A blob
// left behind by a crash between the two is removed by SweepOrphans.
//
// Errors: errs.Invalid for a refused file, wrapped store or blob errors
// otherwise.
func (s *Service) Save(ctx context.Context, tx *store.Tx, in Upload) (Attachment, error) {
	var fe errs.FieldErrors
	for _, f := range []struct{ name, v string }{
		{"county_code", in.CountyCode}, {"owner_entity", in.OwnerEntity}, {"owner_id", in.OwnerID}, {"uploaded_by", in.UploadedBy},
	} {
		if strings.TrimSpace(f.v) == "" {
			fe = append(fe, errs.Field(f.name, "必填", nil))
		}
	}
	if in.Reader == nil {
		fe = append(fe, errs.Field("file", "请选择文件", nil))
	}
	if err := fe.Err(); err != nil {
		return Attachment{}, err
	}
	if sk, ok := in.Reader.(io.Seeker); ok {
		if _, err := sk.Seek(0, io.SeekStart); err != nil {
			return Attachment{}, fmt.Errorf("attach: rewind upload: %w", err)
		}
	}

	// Spool, counting and hashing, reading at most one byte over the limit.
	f, err := os.CreateTemp(s.tempDir, "yingji-upload-*")
	if err != nil {
		return Attachment{}, fmt.Errorf("attach: spool upload: %w", err)
	}
	defer func() {
		f.Close()
		os.Remove(f.Name())
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(ctxReader{ctx, in.Reader}, s.maxSize+1))
	if err != nil {
		return Attachment{}, fmt.Errorf("attach: read upload: %w", err)
	}
	if n > s.maxSize {
		return Attachment{}, errs.Field("file", "文件超过 "+humanSize(s.maxSize)+" 上限", map[string]any{"limit": s.maxSize})
	}
	if n == 0 {
		return Attachment{}, errs.Field("file", "文件为空", nil)
	}

	head := make([]byte, 512)
	k, err := f.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return Attachment{}, fmt.Errorf("attach: read spooled upload: %w", err)
	}
	ct := Sniff(head[:k], f, n)
	if !s.allowed(ct) {
		msg := fmt.Sprintf("不支持的文件类型：%s（%s）。仅允许上传：%s", typeName(ct), mediaType(ct), s.allowedNames())
		return Attachment{}, errs.Field("file", msg, map[string]any{"detected": mediaType(ct)})
	}

	a := Attachment{
		ID:          ids.New(),
		CountyCode:  in.CountyCode,
		OwnerEntity: in.OwnerEntity,
		OwnerID:     in.OwnerID,
		Filename:    CleanFilename(in.Filename, ct),
		ContentType: ct,
		Size:        n,
		SHA256:      hex.EncodeToString(h.Sum(nil)),
		BlobKey:     ids.New(),
		UploadedBy:  in.UploadedBy,
		UploadedAt:  s.now().UTC().Truncate(time.Microsecond), // what both engines store
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return Attachment{}, fmt.Errorf("attach: rewind spooled upload: %w", err)
	}
	put, err := s.blobs.Put(ctx, a.BlobKey, f)
	if err != nil {
		return Attachment{}, fmt.Errorf("attach: store %s: %w", a.Filename, err)
	}
	// Refused or rolled back: the blob must not outlive its row.
	key := a.BlobKey
	tx.OnRollback(func() { s.dropBlob(ctx, key) })
	if put != n {
		s.dropBlob(ctx, a.BlobKey)
		return Attachment{}, fmt.Errorf("attach: store %s: wrote %d of %d bytes", a.Filename, put, n)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO attachment (id, county_code, owner_entity, owner_id, filename, content_type,
		size, sha256, blob_key, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		a.ID, a.CountyCode, a.OwnerEntity, a.OwnerID, a.Filename, a.ContentType, a.Size, a.SHA256, a.BlobKey, a.UploadedBy, a.UploadedAt)
	if err != nil {
		s.dropBlob(ctx, a.BlobKey)
		return Attachment{}, fmt.Errorf("attach: insert %s: %w", a.Filename, err)
	}
	return a, nil
}

// dropBlob removes a blob whose row was not written; failure only leaves
// an orphan.
func (s *Service) dropBlob(ctx context.Context, key string) {
	_ = s.blobs.Delete(context.WithoutCancel(ctx), key)
}

func (s *Service) allowed(ct string) bool {
	mt := mediaType(ct)
	for _, t := range s.types {
		if strings.EqualFold(t, mt) {
			return true
		}
	}
	return false
}

func (s *Service) allowedNames() string {
	names := make([]string, 0, len(s.types))
	for _, t := range s.types {
		names = append(names, typeName(t))
	}
	return strings.Join(names, "、")
}

const cols = `id, county_code, owner_entity, owner_id, filename, content_type, size, sha256, blob_key, uploaded_by, uploaded_at`

func scan(row interface{ Scan(...any) error }) (Attachment, error) {
	var a Attachment
	err := row.Scan(&a.ID, &a.CountyCode, &a.OwnerEntity, &a.OwnerID, &a.Filename, &a.ContentType, &a.Size, &a.SHA256,
		&a.BlobKey, &a.UploadedBy, &a.UploadedAt)
	a.UploadedAt = a.UploadedAt.UTC()
	return a, err
}

// List returns the live (not deleted) attachments of a record, oldest
// first.
func (s *Service) List(ctx context.Context, ownerEntity, ownerID string) ([]Attachment, error) {
	rows, err := s.db.R().QueryContext(ctx, `SELECT `+cols+` FROM attachment
		WHERE owner_entity = $1 AND owner_id = $2 AND deleted_at IS NULL ORDER BY uploaded_at, id`, ownerEntity, ownerID)
	if err != nil {
		return nil, fmt.Errorf("attach: list %s %s: %w", ownerEntity, ownerID, err)
	}
	defer rows.Close()
	var out []Attachment
	for rows.Next() {
		a, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("attach: list %s %s: %w", ownerEntity, ownerID, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("attach: list %s %s: %w", ownerEntity, ownerID, err)
	}
	return out, nil
}

// Get returns a live attachment; a missing or deleted one is errs.NotFound.
func (s *Service) Get(ctx context.Context, id string) (Attachment, error) {
	a, err := scan(s.db.R().QueryRowContext(ctx, `SELECT `+cols+` FROM attachment WHERE id = $1 AND deleted_at IS NULL`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Attachment{}, &errs.Error{Kind: errs.NotFound, Message: "附件不存在", Err: err}
	}
	if err != nil {
		return Attachment{}, fmt.Errorf("attach: get %s: %w", id, err)
	}
	return a, nil
}

// Open returns a live attachment and its bytes; the caller closes the
// reader. Serve it with the stored ContentType, "X-Content-Type-Options:
// nosniff" and, for anything but images and PDF, as a download.
func (s *Service) Open(ctx context.Context, id string) (Attachment, io.ReadCloser, error) {
	a, err := s.Get(ctx, id)
	if err != nil {
		return Attachment{}, nil, err
	}
	rc, err := s.blobs.Open(ctx, a.BlobKey)
	if err != nil {
		return Attachment{}, nil, fmt.Errorf("attach: open %s: %w", id, err)
	}
	return a, rc, nil
}

// Delete marks an attachment deleted by user by; it disappears from List,
// Get and Open. The blob is kept (for audit and restore). Deleting a
// missing or already deleted attachment is errs.NotFound.
func (s *Service) Delete(ctx context.Context, tx *store.Tx, id, by string) error {
	res, err := tx.ExecContext(ctx, `UPDATE attachment SET deleted_at = $1, deleted_by = $2 WHERE id = $3 AND deleted_at IS NULL`,
		s.now().UTC(), by, id)
	if err != nil {
		return fmt.Errorf("attach: delete %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("attach: delete %s: %w", id, err)
	}
	if n == 0 {
		return errs.New(errs.NotFound, "附件不存在")
	}
	return nil
}

// humanSize writes a size limit for messages: "20 MB", "1.5 MB", "100 KB",
// "100 字节".
func humanSize(n int64) string {
	const kb = 1 << 10
	switch {
	case n >= MB && n%MB == 0:
		return fmt.Sprintf("%d MB", n/MB)
	case n >= MB:
		return fmt.Sprintf("%.1f MB", float64(n)/MB)
	case n >= kb && n%kb == 0:
		return fmt.Sprintf("%d KB", n/kb)
	default:
		return fmt.Sprintf("%d 字节", n)
	}
}

// CleanFilename makes a client's file name safe to store and to offer as a
// download name: it keeps the last path element (of / or \ paths), drops
// control characters and characters Windows forbids, trims dots and spaces
// at the ends, shortens it to 100 characters keeping the extension, and
// appends the extension of the sniffed content type ct when the name's
// extension does not fit it. An empty result becomes "附件".
func CleanFilename(name, ct string) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r), r == utf8.RuneError, unicode.Is(unicode.Cf, r):
			return -1 // includes bidi overrides that disguise extensions
		case strings.ContainsRune(`<>:"|?*`, r):
			return '_'
		}
		return r
	}, name)
	name = strings.Trim(name, " .\u3000")
	if name == "" {
		name = "附件"
	}
	ext := path.Ext(name)
	if utf8.RuneCountInString(ext) > 10 {
		ext = ""
	}
	base := []rune(strings.TrimSuffix(name, ext))
	if len(base)+utf8.RuneCountInString(ext) > 100 {
		base = base[:max(1, 100-utf8.RuneCountInString(ext))]
		name = string(base) + ext
	}
	if exts := extensions(ct); len(exts) > 0 {
		ok := false
		for _, e := range exts {
			if strings.EqualFold(ext, e) {
				ok = true
			}
		}
		if !ok {
			name += exts[0]
		}
	}
	return name
}
