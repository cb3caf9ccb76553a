package attach_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"yingji/internal/kit/attach"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
)

func pngBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 9))
	for x := range 16 {
		for y := range 9 {
			img.Set(x, y, color.RGBA{uint8(x * 16), uint8(y * 28), 200, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zipBytes(t *testing.T, names ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><x/>`); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type env struct {
	db    *store.DB
	blobs *attach.DiskBlobs
	svc   *attach.Service
}

func newEnv(t *testing.T, db *store.DB, cfg attach.Config) env {
	t.Helper()
	blobs, err := attach.NewDiskBlobs(filepath.Join(t.TempDir(), "attachments"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TempDir == "" {
		cfg.TempDir = t.TempDir()
	}
	return env{db: db, blobs: blobs, svc: attach.NewService(db, blobs, cfg)}
}

func upload(name string, data []byte) attach.Upload {
	return attach.Upload{CountyCode: "340000", OwnerEntity: "inspection", OwnerID: "INS1", Filename: name,
		Reader: bytes.NewReader(data), UploadedBy: "U1"}
}

func (e env) save(t *testing.T, in attach.Upload) (attach.Attachment, error) {
	t.Helper()
	var a attach.Attachment
	err := e.db.InTx(context.Background(), func(tx *store.Tx) error {
		var err error
		a, err = e.svc.Save(context.Background(), tx, in)
		return err
	})
	return a, err
}

// blobFiles lists the files (not directories) under the blob root.
func (e env) blobFiles(t *testing.T) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(e.blobs.Root(), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func wantInvalid(t *testing.T, err error, contains ...string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Kind != errs.Invalid {
		t.Fatalf("want an errs.Invalid error, got %v", err)
	}
	for _, c := range contains {
		if !strings.Contains(e.Message, c) {
			t.Errorf("message %q lacks %q", e.Message, c)
		}
	}
}

func TestSaveAndReadBackPNG(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, attach.Config{})
		data := pngBytes(t)
		a, err := e.save(t, upload(`C:\Users\张三\现场照片 1.png`, data))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if a.ContentType != "image/png" || a.Size != int64(len(data)) || a.SHA256 != hex.EncodeToString(sum[:]) ||
			a.Filename != "现场照片 1.png" || a.ID == "" || a.BlobKey == "" || a.UploadedAt.IsZero() {
			t.Fatalf("saved %+v", a)
		}

		list, err := e.svc.List(ctx, "inspection", "INS1")
		if err != nil || len(list) != 1 {
			t.Fatalf("list: %v %+v", err, list)
		}
		got := list[0]
		if got.ID != a.ID || got.Filename != a.Filename || got.ContentType != a.ContentType || got.Size != a.Size ||
			got.SHA256 != a.SHA256 || got.UploadedBy != "U1" || got.CountyCode != "340000" || !got.UploadedAt.Equal(a.UploadedAt) {
			t.Fatalf("listed %+v, saved %+v", got, a)
		}
		if other, err := e.svc.List(ctx, "inspection", "INS2"); err != nil || len(other) != 0 {
			t.Fatalf("other owner: %v %+v", err, other)
		}

		meta, rc, err := e.svc.Open(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		back, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(back, data) || meta.ID != a.ID {
			t.Fatal("read back different bytes")
		}
		if _, err := png.Decode(bytes.NewReader(back)); err != nil {
			t.Fatalf("read back an invalid PNG: %v", err)
		}
		if _, err := e.svc.Get(ctx, "NOPE"); !errs.Is(err, errs.NotFound) {
			t.Fatalf("get missing: %v", err)
		}
	})
}

func TestRefusesHTMLNamedJPG(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, attach.Config{})
		html := []byte("<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>")
		_, err := e.save(t, upload("photo.jpg", html))
		wantInvalid(t, err, "HTML", "text/html")
		if fe := errs.Fields(err); len(fe) != 1 || fe[0].Field != "file" {
			t.Errorf("field errors: %v", fe)
		}
		// Executables and scripts are refused too, whatever their names.
		_, err = e.save(t, upload("photo.jpg", append([]byte("MZ\x90\x00\x03\x00\x00\x00"), make([]byte, 100)...)))
		wantInvalid(t, err, "可执行程序")
		_, err = e.save(t, upload("notes.txt", []byte("#!/bin/sh\nrm -rf /\n")))
		wantInvalid(t, err, "脚本")
		_, err = e.save(t, upload("empty.png", nil))
		wantInvalid(t, err, "文件为空")

		list, err := e.svc.List(context.Background(), "inspection", "INS1")
		if err != nil || len(list) != 0 {
			t.Fatalf("refused files were listed: %v %+v", err, list)
		}
		if files := e.blobFiles(t); len(files) != 0 {
			t.Fatalf("refused files left blobs: %v", files)
		}
	})
}

func TestRefusesOversizedFile(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, attach.Config{MaxSize: 100})
		_, err := e.save(t, upload("big.txt", bytes.Repeat([]byte("a"), 101)))
		wantInvalid(t, err, "文件超过 100 字节 上限")
		// Exactly at the limit is fine.
		if _, err := e.save(t, upload("ok.txt", bytes.Repeat([]byte("a"), 100))); err != nil {
			t.Fatal(err)
		}
		if files := e.blobFiles(t); len(files) != 1 {
			t.Fatalf("blobs: %v", files)
		}
	})
}

func TestDefaultLimitMessage(t *testing.T) {
	db := storetest.SQLite(t)
	e := newEnv(t, db, attach.Config{})
	if e.svc.MaxSize() != 20*attach.MB {
		t.Fatalf("default limit %d", e.svc.MaxSize())
	}
	in := upload("scan.pdf", nil)
	in.Reader = io.MultiReader(strings.NewReader("%PDF-1.4\n"), io.LimitReader(zeros{}, 20*attach.MB))
	_, err := e.save(t, in)
	e2, ok := errs.As(err)
	if !ok || e2.Kind != errs.Invalid || e2.Message != "文件超过 20 MB 上限" {
		t.Fatalf("got %v", err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestOfficeDetection(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, attach.Config{})
		a, err := e.save(t, upload("台账.xlsx", zipBytes(t, "[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml")))
		if err != nil {
			t.Fatal(err)
		}
		if a.ContentType != attach.TypeXLSX || a.Filename != "台账.xlsx" {
			t.Fatalf("xlsx saved as %q %q", a.ContentType, a.Filename)
		}
		// Only xl/workbook.xml, and a misleading name: still xlsx.
		a, err = e.save(t, upload("report.zip", zipBytes(t, "xl/workbook.xml")))
		if err != nil {
			t.Fatal(err)
		}
		if a.ContentType != attach.TypeXLSX || a.Filename != "report.zip.xlsx" {
			t.Fatalf("bare xlsx saved as %q %q", a.ContentType, a.Filename)
		}
		a, err = e.save(t, upload("通知.docx", zipBytes(t, "[Content_Types].xml", "word/document.xml")))
		if err != nil || a.ContentType != attach.TypeDOCX {
			t.Fatalf("docx: %v %q", err, a.ContentType)
		}
		_, err = e.save(t, upload("photos.xlsx", zipBytes(t, "a.jpg", "b.jpg")))
		wantInvalid(t, err, "ZIP 压缩包")
		_, err = e.save(t, upload("宏.xlsx", zipBytes(t, "xl/workbook.xml", "xl/vbaProject.bin")))
		wantInvalid(t, err, "含宏")
	})
}

func TestSoftDelete(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, attach.Config{})
		a1, err := e.save(t, upload("一.png", pngBytes(t)))
		if err != nil {
			t.Fatal(err)
		}
		a2, err := e.save(t, upload("二.txt", []byte("整改情况说明")))
		if err != nil {
			t.Fatal(err)
		}
		if a2.ContentType != "text/plain; charset=utf-8" {
			t.Errorf("text type %q", a2.ContentType)
		}
		del := func(id string) error {
			return db.InTx(ctx, func(tx *store.Tx) error { return e.svc.Delete(ctx, tx, id, "U2") })
		}
		if err := del(a1.ID); err != nil {
			t.Fatal(err)
		}
		list, err := e.svc.List(ctx, "inspection", "INS1")
		if err != nil || len(list) != 1 || list[0].ID != a2.ID {
			t.Fatalf("after delete: %v %+v", err, list)
		}
		if _, err := e.svc.Get(ctx, a1.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("get deleted: %v", err)
		}
		if _, _, err := e.svc.Open(ctx, a1.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("open deleted: %v", err)
		}
		if err := del(a1.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("delete twice: %v", err)
		}
		var by string
		if err := db.R().QueryRowContext(ctx, `SELECT deleted_by FROM attachment WHERE id = $1 AND deleted_at IS NOT NULL`, a1.ID).Scan(&by); err != nil || by != "U2" {
			t.Fatalf("deleted_by: %v %q", err, by)
		}
		// The blob is kept for audit.
		if files := e.blobFiles(t); len(files) != 2 {
			t.Fatalf("blobs after soft delete: %v", files)
		}
	})
}

func TestRollbackAndRetry(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, attach.Config{})
		boom := errors.New("boom")
		in := upload("a.png", pngBytes(t))
		err := db.InTx(ctx, func(tx *store.Tx) error {
			if _, err := e.svc.Save(ctx, tx, in); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if list, _ := e.svc.List(ctx, "inspection", "INS1"); len(list) != 0 {
			t.Fatalf("rolled back row listed: %+v", list)
		}
		// The same (seekable) upload saved again, as a retried transaction
		// would, reads the file from the start.
		a, err := e.save(t, in)
		if err != nil || a.ContentType != "image/png" {
			t.Fatalf("second save: %v %+v", err, a)
		}
	})
}

func TestRequiredFields(t *testing.T) {
	db := storetest.SQLite(t)
	e := newEnv(t, db, attach.Config{})
	_, err := e.save(t, attach.Upload{Filename: "x.png"})
	fe := errs.Fields(err)
	if len(fe) != 5 {
		t.Fatalf("field errors: %v", err)
	}
}

func TestDiskBlobsKeys(t *testing.T) {
	ctx := context.Background()
	root := filepath.Join(t.TempDir(), "attachments")
	b, err := attach.NewDiskBlobs(root)
	if err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(filepath.Dir(root), "evil")
	for _, key := range []string{"", "..", "../evil", "../../etc/passwd", "a/b", `a\b`, "/etc/passwd", "a.b", "%2e%2e", "键", "a b",
		strings.Repeat("a", 129), "a\x00b"} {
		if _, err := b.Put(ctx, key, strings.NewReader("x")); !errs.Is(err, errs.Invalid) {
			t.Errorf("Put(%q) = %v, want refused", key, err)
		}
		if _, err := b.Open(ctx, key); !errs.Is(err, errs.Invalid) {
			t.Errorf("Open(%q) = %v, want refused", key, err)
		}
		if err := b.Delete(ctx, key); !errs.Is(err, errs.Invalid) {
			t.Errorf("Delete(%q) = %v, want refused", key, err)
		}
	}
	if _, err := os.Stat(outside); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("a blob escaped the root")
	}

	// Valid keys land in shard directories under the root.
	keys := []string{"01J0AAAAAAAAAAAAAAAAAAAAA1", "01J0AAAAAAAAAAAAAAAAAAAAA2", "01J0AAAAAAAAAAAAAAAAAAAAA3", "x_y-z"}
	for _, k := range keys {
		n, err := b.Put(ctx, k, strings.NewReader("内容"+k))
		if err != nil || n != int64(len("内容"+k)) {
			t.Fatalf("put %s: %d %v", k, n, err)
		}
	}
	dirs := map[string]bool{}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		parts := strings.Split(rel, string(filepath.Separator))
		if len(parts) != 3 || len(parts[0]) != 2 || len(parts[1]) != 2 || strings.HasPrefix(parts[2], ".tmp") {
			t.Errorf("unexpected file %s", rel)
		}
		dirs[parts[0]+"/"+parts[1]] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 2 {
		t.Errorf("keys with a common prefix all went to %v", dirs)
	}
	rc, err := b.Open(ctx, keys[1])
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if string(got) != "内容"+keys[1] {
		t.Fatalf("read %q", got)
	}
	// Overwrite, delete, and a missing blob.
	if _, err := b.Put(ctx, keys[1], strings.NewReader("new")); err != nil {
		t.Fatal(err)
	}
	if err := b.Delete(ctx, keys[1]); err != nil {
		t.Fatal(err)
	}
	if err := b.Delete(ctx, keys[1]); err != nil {
		t.Fatalf("delete missing: %v", err)
	}
	_, err = b.Open(ctx, keys[1])
	if !errs.Is(err, errs.NotFound) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("open missing: %v", err)
	}

	// A failed write leaves nothing behind.
	if _, err := b.Put(ctx, "broken", io.MultiReader(strings.NewReader("part"), errReader{})); err == nil {
		t.Fatal("failed write succeeded")
	}
	if _, err := b.Open(ctx, "broken"); !errs.Is(err, errs.NotFound) {
		t.Fatalf("partial blob visible: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := b.Put(cctx, "cancelled", strings.NewReader("x")); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled put: %v", err)
	}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), ".tmp") {
			t.Errorf("temp file left: %s", p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestCleanFilename(t *testing.T) {
	cases := []struct{ name, ct, want string }{
		{"photo.jpg", attach.TypeJPEG, "photo.jpg"},
		{"PHOTO.JPEG", attach.TypeJPEG, "PHOTO.JPEG"},
		{"photo.jpg", attach.TypePNG, "photo.jpg.png"},
		{"../../etc/passwd", "text/plain; charset=utf-8", "passwd.txt"},
		{`C:\fakepath\整改报告.pdf`, attach.TypePDF, "整改报告.pdf"},
		{"evil.html", attach.TypeText, "evil.html.txt"},
		{"a<b>:c\"d|e?f*.txt", attach.TypeText, "a_b__c_d_e_f_.txt"},
		{"报告\u202egpj.exe", attach.TypePDF, "报告gpj.exe.pdf"},
		{"  ..hidden. ", attach.TypeText, "hidden.txt"},
		{"", attach.TypePNG, "附件.png"},
		{"...", attach.TypePNG, "附件.png"},
		{"line\nbreak.txt", attach.TypeText, "linebreak.txt"},
		{strings.Repeat("长", 150) + ".docx", attach.TypeDOCX, strings.Repeat("长", 95) + ".docx"},
	}
	for _, c := range cases {
		if got := attach.CleanFilename(c.name, c.ct); got != c.want {
			t.Errorf("CleanFilename(%q, %q) = %q, want %q", c.name, c.ct, got, c.want)
		}
	}
}

func TestSniff(t *testing.T) {
	gbk := []byte{0xd5, 0xfb, 0xb8, 0xc4, 0xc7, 0xe9, 0xbf, 0xf6} // 整改情况 in GBK
	cases := []struct {
		name string
		head []byte
		want string
	}{
		{"gbk text", gbk, "text/plain"},
		{"utf-8 text cut mid-rune", append(bytes.Repeat([]byte("a"), 510), 0xe6, 0x95), "text/plain; charset=utf-8"},
		{"pdf", []byte("%PDF-1.7\n"), attach.TypePDF},
		{"elf", []byte("\x7fELF\x02\x01\x01"), "application/x-executable"},
		{"svg", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>`), "text/xml; charset=utf-8"},
	}
	for _, c := range cases {
		if got := attach.Sniff(c.head, nil, int64(len(c.head))); got != c.want {
			t.Errorf("%s: Sniff = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestPhotoOrPDF(t *testing.T) {
	for ct, want := range map[string]bool{attach.TypePNG: true, attach.TypeJPEG: true, attach.TypePDF: true, attach.TypeText: false, attach.TypeXLSX: false, "": false} {
		if attach.PhotoOrPDF(ct) != want {
			t.Errorf("PhotoOrPDF(%q) = %v", ct, !want)
		}
	}
}

// A file refused after another one was stored (the whole form is refused,
// 422) leaves no blob behind: the transaction's rollback deletes it.
func TestRefusedUploadLeavesNoFile(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, attach.Config{MaxSize: 1 << 10})
		big := bytes.Repeat([]byte("x"), 2<<10)
		err := db.InTx(ctx, func(tx *store.Tx) error {
			if _, err := e.svc.Save(ctx, tx, upload("ok.png", pngBytes(t))); err != nil {
				return err
			}
			_, err := e.svc.Save(ctx, tx, upload("big.txt", big))
			return err
		})
		wantInvalid(t, err, "上限")
		if files := e.blobFiles(t); len(files) != 0 {
			t.Fatalf("refused upload left %v", files)
		}
		// A committed save keeps its blob.
		if _, err := e.save(t, upload("ok.png", pngBytes(t))); err != nil {
			t.Fatal(err)
		}
		if files := e.blobFiles(t); len(files) != 1 {
			t.Fatalf("saved blob: %v", files)
		}
	})
}

// The sweep removes blobs without rows and partial files older than the
// age given, and keeps young ones and every blob with a row (deleted
// attachments included).
func TestSweepOrphans(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, attach.Config{})
		kept, err := e.save(t, upload("kept.png", pngBytes(t)))
		if err != nil {
			t.Fatal(err)
		}
		gone, err := e.save(t, upload("deleted.png", pngBytes(t)))
		if err != nil {
			t.Fatal(err)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return e.svc.Delete(ctx, tx, gone.ID, "U1") }); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"ORPHANOLD", "ORPHANYOUNG"} {
			if _, err := e.blobs.Put(ctx, k, bytes.NewReader([]byte("x"))); err != nil {
				t.Fatal(err)
			}
		}
		partial := filepath.Join(e.blobs.Root(), ".tmp-X-123")
		if err := os.WriteFile(partial, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-2 * time.Hour)
		for _, p := range e.blobFiles(t) {
			if !strings.HasSuffix(p, "ORPHANYOUNG") {
				if err := os.Chtimes(p, old, old); err != nil {
					t.Fatal(err)
				}
			}
		}
		n, err := e.svc.SweepOrphans(ctx, time.Hour)
		if err != nil || n != 2 {
			t.Fatalf("sweep removed %d: %v", n, err)
		}
		var left []string
		for _, p := range e.blobFiles(t) {
			left = append(left, filepath.Base(p))
		}
		sort.Strings(left)
		want := []string{gone.BlobKey, kept.BlobKey, "ORPHANYOUNG"}
		sort.Strings(want)
		if strings.Join(left, ",") != strings.Join(want, ",") {
			t.Fatalf("left %v, want %v", left, want)
		}
	})
}
