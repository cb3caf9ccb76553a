package attach

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Lister is a Blobs store that can list its blobs (for the orphan sweep).
type Lister interface {
	// Walk calls fn for every blob with its last modification time; partial
	// files of unfinished writes are reported with partial set (and a key
	// to pass to RemovePartial).
	Walk(ctx context.Context, fn func(key string, mod time.Time, partial bool) error) error
	// RemovePartial removes a partial file reported by Walk.
	RemovePartial(ctx context.Context, key string) error
}

// Walk implements Lister.
func (b *DiskBlobs) Walk(ctx context.Context, fn func(key string, mod time.Time, partial bool) error) error {
	return filepath.WalkDir(b.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		name := d.Name()
		if strings.HasPrefix(name, ".tmp-") {
			rel, err := filepath.Rel(b.root, p)
			if err != nil {
				return err
			}
			return fn(filepath.ToSlash(rel), info.ModTime(), true)
		}
		if !ValidKey(name) {
			return nil
		}
		return fn(name, info.ModTime(), false)
	})
}

// RemovePartial implements Lister.
func (b *DiskBlobs) RemovePartial(ctx context.Context, rel string) error {
	p := filepath.Join(b.root, filepath.FromSlash(rel))
	if r, err := filepath.Rel(b.root, p); err != nil || strings.HasPrefix(r, "..") || !strings.HasPrefix(filepath.Base(p), ".tmp-") {
		return fmt.Errorf("attach: %q is not a partial blob", rel)
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("attach: remove partial blob: %w", err)
	}
	return nil
}

// SweepOrphans removes blobs that no attachment row refers to (deleted
// attachments keep theirs) and partial files of unfinished writes, when
// they are older than minAge — a younger blob may belong to a transaction
// still running. It returns how many files it removed. Stores that cannot
// list their blobs are left alone.
func (s *Service) SweepOrphans(ctx context.Context, minAge time.Duration) (int, error) {
	l, ok := s.blobs.(Lister)
	if !ok {
		return 0, nil
	}
	cutoff := s.now().Add(-minAge)
	removed := 0
	var batch []string
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		known, err := s.knownKeys(ctx, batch)
		if err != nil {
			return err
		}
		for _, k := range batch {
			if known[k] {
				continue
			}
			if err := s.blobs.Delete(ctx, k); err != nil {
				return err
			}
			removed++
		}
		batch = batch[:0]
		return nil
	}
	err := l.Walk(ctx, func(key string, mod time.Time, partial bool) error {
		if !mod.Before(cutoff) {
			return nil
		}
		if partial {
			if err := l.RemovePartial(ctx, key); err != nil {
				return err
			}
			removed++
			return nil
		}
		batch = append(batch, key)
		if len(batch) == 200 {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return removed, fmt.Errorf("attach: sweep orphans: %w", err)
	}
	return removed, nil
}

// knownKeys returns which of keys have an attachment row.
func (s *Service) knownKeys(ctx context.Context, keys []string) (map[string]bool, error) {
	ph := make([]string, len(keys))
	args := make([]any, len(keys))
	for i, k := range keys {
		ph[i] = "$" + strconv.Itoa(i+1)
		args[i] = k
	}
	rows, err := s.db.R().QueryContext(ctx, `SELECT blob_key FROM attachment WHERE blob_key IN (`+strings.Join(ph, ", ")+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	known := make(map[string]bool, len(keys))
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		known[k] = true
	}
	return known, rows.Err()
}
