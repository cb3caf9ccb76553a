package backup

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// Names inside an archive.
const (
	ManifestName    = "manifest.json"
	KeyName         = "field.key"
	SQLiteName      = "yingji.db"
	PGDumpName      = "yingji.pgdump"
	AttachmentsName = "attachments"
)

// Format is the archive format written by this version.
const Format = 1

// Manifest describes an archive.
type Manifest struct {
	Format      int       `json:"format"`
	Version     string    `json:"version"`
	Engine      string    `json:"engine"`   // sqlite | postgres
	Database    string    `json:"database"` // SQLiteName or PGDumpName
	County      string    `json:"county"`
	CreatedAt   time.Time `json:"created_at"`
	Key         bool      `json:"key"`
	Attachments int       `json:"attachments"`
}

// Writer writes an archive to a temporary file beside its final name and
// renames it into place on Commit; the file has mode 0600 throughout.
type Writer struct {
	final, tmp string
	f          *os.File
	seal       io.WriteCloser
	gz         *gzip.Writer
	tw         *tar.Writer
}

// Create starts an archive at path (which must not exist), encrypted when
// pass is not empty.
func Create(path string, pass []byte) (*Writer, error) {
	if _, err := os.Lstat(path); err == nil {
		return nil, fmt.Errorf("%s exists already; choose a new file name", path)
	}
	f, err := os.OpenFile(path+".partial", os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create backup: %w", err)
	}
	w := &Writer{final: path, tmp: f.Name(), f: f}
	var out io.Writer = f
	if len(pass) > 0 {
		if w.seal, err = NewSealWriter(f, pass); err != nil {
			w.Abort()
			return nil, err
		}
		out = w.seal
	}
	w.gz = gzip.NewWriter(out)
	w.tw = tar.NewWriter(w.gz)
	return w, nil
}

// AddBytes adds a file with content b.
func (w *Writer) AddBytes(name string, b []byte) error {
	if err := w.tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(b)), ModTime: time.Now(), Typeflag: tar.TypeReg}); err != nil {
		return fmt.Errorf("backup %s: %w", name, err)
	}
	if _, err := w.tw.Write(b); err != nil {
		return fmt.Errorf("backup %s: %w", name, err)
	}
	return nil
}

// AddFile adds the file at src under name.
func (w *Writer) AddFile(name, src string) error {
	f, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("backup %s: %w", name, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("backup %s: %w", name, err)
	}
	if err := w.tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: st.Size(), ModTime: st.ModTime(), Typeflag: tar.TypeReg}); err != nil {
		return fmt.Errorf("backup %s: %w", name, err)
	}
	if n, err := io.Copy(w.tw, f); err != nil || n != st.Size() {
		return fmt.Errorf("backup %s: copied %d of %d bytes: %v", name, n, st.Size(), err)
	}
	return nil
}

// AddDir adds the regular files under dir as prefix/REL, leaving out
// those skip refuses; it returns how many it added. A missing dir adds
// nothing.
func (w *Writer) AddDir(prefix, dir string, skip func(rel string) bool) (int, error) {
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == dir {
			return filepath.SkipDir
		}
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if skip != nil && skip(rel) {
			return nil
		}
		n++
		return w.AddFile(prefix+"/"+rel, p)
	})
	return n, err
}

// Commit finishes the archive, syncs it and renames it into place.
func (w *Writer) Commit() error {
	err := w.tw.Close()
	if e := w.gz.Close(); err == nil {
		err = e
	}
	if w.seal != nil {
		if e := w.seal.Close(); err == nil {
			err = e
		}
	}
	if e := w.f.Sync(); err == nil {
		err = e
	}
	if e := w.f.Close(); err == nil {
		err = e
	}
	if err == nil {
		err = os.Rename(w.tmp, w.final)
	}
	if err != nil {
		os.Remove(w.tmp)
		return fmt.Errorf("write backup: %w", err)
	}
	return nil
}

// Abort removes the unfinished archive.
func (w *Writer) Abort() {
	w.f.Close()
	os.Remove(w.tmp)
}

// allowed reports whether an archive member may be extracted, and where.
func allowed(name string) (string, bool) {
	clean := path.Clean(name)
	if clean != name || path.IsAbs(clean) || strings.HasPrefix(clean, "../") || clean == ".." || strings.Contains(clean, "\\") {
		return "", false
	}
	switch clean {
	case ManifestName, KeyName, SQLiteName, PGDumpName:
		return clean, true
	}
	if strings.HasPrefix(clean, AttachmentsName+"/") {
		return clean, true
	}
	return "", false
}

// Open returns a reader of the plain tar.gz of the archive at path,
// decrypting with pass when it is encrypted.
func Open(path string, pass []byte) (io.Reader, func() error, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("open backup: %w", err)
	}
	br := bufio.NewReader(f)
	head, _ := br.Peek(len(magic))
	var r io.Reader = br
	if IsEncrypted(head) {
		if r, err = NewOpenReader(br, pass); err != nil {
			f.Close()
			return nil, nil, err
		}
	}
	return r, f.Close, nil
}

// Extract unpacks the archive at path into dest (which must exist, and
// should be private) and returns its manifest. Only the archive's known
// members are accepted; every file is written with mode 0600.
func Extract(path string, pass []byte, dest string) (Manifest, error) {
	var m Manifest
	r, closeFn, err := Open(path, pass)
	if err != nil {
		return m, err
	}
	defer closeFn()
	gz, err := gzip.NewReader(r)
	if err != nil {
		return m, fmt.Errorf("%s is not a Yingji backup archive (written by yingji backup): %w", path, err)
	}
	tr := tar.NewReader(gz)
	seen := false
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return m, fmt.Errorf("read backup: %w", err)
		}
		if h.Typeflag == tar.TypeDir {
			continue
		}
		rel, ok := allowed(h.Name)
		if !ok || h.Typeflag != tar.TypeReg {
			return m, fmt.Errorf("backup holds an unexpected entry %q: refused", h.Name)
		}
		if rel == ManifestName {
			b, err := io.ReadAll(io.LimitReader(tr, 1<<20))
			if err != nil {
				return m, fmt.Errorf("read backup manifest: %w", err)
			}
			if err := json.Unmarshal(b, &m); err != nil {
				return m, fmt.Errorf("backup manifest: %w", err)
			}
			seen = true
			continue
		}
		out := filepath.Join(dest, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(out), 0o750); err != nil {
			return m, err
		}
		f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return m, fmt.Errorf("restore %s: %w", rel, err)
		}
		if _, err := io.Copy(f, tr); err != nil {
			f.Close()
			return m, fmt.Errorf("restore %s: %w", rel, err)
		}
		if err := f.Close(); err != nil {
			return m, fmt.Errorf("restore %s: %w", rel, err)
		}
	}
	if !seen {
		return m, fmt.Errorf("%s has no manifest: not a Yingji backup archive", path)
	}
	if m.Format != Format {
		return m, fmt.Errorf("backup format %d is not supported by this version (format %d)", m.Format, Format)
	}
	return m, nil
}
