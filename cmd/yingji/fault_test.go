package main

// Crash drills 故障演练: a real yingji process (this test binary re-run as
// the command) is killed with SIGKILL in the middle of an Excel import and
// of a burst of hazard writes; after a restart every acknowledged record is
// there, an import is all or nothing, and the audit chain verifies.
// scripts/fault runs these tests too.

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store/storetest"
	"yingji/internal/kit/xlsx/xlsxtest"
)

// faultChildArgs, when set, makes the test binary run the yingji command
// with these arguments (separated by \x1f) instead of the tests.
const faultChildArgs = "YINGJI_FAULT_CHILD_ARGS"

func TestMain(m *testing.M) {
	if a := os.Getenv(faultChildArgs); a != "" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, strings.Split(a, "\x1f"), os.Stdout, os.Stderr, os.Getenv)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// faultSite is one installation under test: a data directory and, on
// PostgreSQL, a schema of its own.
type faultSite struct {
	data string
	db   string // PostgreSQL URL, "" for SQLite
}

func (s faultSite) env() []string {
	// The child sees only this site's settings, not a YINGJI_DB or
	// YINGJI_DATA of the shell that runs the tests.
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "YINGJI_") {
			env = append(env, kv)
		}
	}
	env = append(env, "YINGJI_DATA="+s.data, "YINGJI_LOG_LEVEL=error")
	if s.db != "" {
		env = append(env, "YINGJI_DB="+s.db)
	}
	return env
}

// child starts the yingji command in a process of its own.
func (s faultSite) child(t *testing.T, args ...string) (*exec.Cmd, io.Reader, io.Reader) {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(s.env(), faultChildArgs+"="+strings.Join(args, "\x1f"))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	errOut, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd, out, errOut
}

// cli runs the command to its end in a child process.
func (s faultSite) cli(t *testing.T, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(s.env(), faultChildArgs+"="+strings.Join(args, "\x1f"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out)
		}
		t.Fatal(err)
	}
	return 0, string(out)
}

func (s faultSite) count(t *testing.T, q string) int {
	t.Helper()
	driver, dsn := "sqlite", filepath.Join(s.data, "yingji.db")
	if s.db != "" {
		driver, dsn = "pgx", s.db
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func (s faultSite) auditIntact(t *testing.T) {
	t.Helper()
	if code, out := s.cli(t, "audit", "verify"); code != 0 || !strings.Contains(out, "audit log intact") {
		t.Fatalf("audit verify after the crash: exit %d: %s", code, out)
	}
}

// faultEngines runs fn on SQLite and, when YINGJI_TEST_POSTGRES is set, on
// a schema of its own on PostgreSQL. Each site is migrated and has one town
// (故障镇) to import enterprises into.
func faultEngines(t *testing.T, fn func(t *testing.T, s faultSite)) {
	setup := func(t *testing.T, s faultSite) {
		if code, out := s.cli(t, "migrate"); code != 0 {
			t.Fatalf("migrate: %s", out)
		}
		file := filepath.Join(t.TempDir(), "regions.xlsx")
		b := xlsxtest.Fill(t, (&org.Service{}).RegionLedger().Schema, [][]any{{"349901100", "故障镇", "镇", "1"}})
		if err := os.WriteFile(file, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if code, out := s.cli(t, "import", "regions", file); code != 0 {
			t.Fatalf("import regions: %s", out)
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		s := faultSite{data: t.TempDir()}
		setup(t, s)
		fn(t, s)
	})
	t.Run("postgres", func(t *testing.T) {
		_, u := storetest.PostgresSchema(t, storetest.PostgresURL(t))
		s := faultSite{data: t.TempDir(), db: u}
		setup(t, s)
		fn(t, s)
	})
}

// enterpriseFile writes an enterprise ledger of n valid rows; first numbers
// the credit codes so that two files do not collide.
func enterpriseFile(t *testing.T, n, first int) string {
	t.Helper()
	rows := make([][]any, n)
	sector := org.Sectors[0].ZH
	for i := range rows {
		base := fmt.Sprintf("91349901%09d", first+i)
		c, _ := enterprise.CreditCheckChar(base)
		rows[i] = []any{fmt.Sprintf("故障演练企业%06d有限公司", first+i), base + string(c), "故障镇", "", "", "", "", sector}
	}
	file := filepath.Join(t.TempDir(), fmt.Sprintf("enterprises-%d.xlsx", first))
	if err := os.WriteFile(file, xlsxtest.Fill(t, enterprise.Schema(), rows), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

const faultImportRows = 6000

var writingRe = regexp.MustCompile(`writing (\d+)/(\d+) rows`)

// TestFaultKillDuringImport kills `yingji import` with SIGKILL while it
// writes its rows (inside the import's transaction): nothing of the file is
// left, the audit chain verifies, and the same file then imports whole.
func TestFaultKillDuringImport(t *testing.T) {
	faultEngines(t, func(t *testing.T, s faultSite) {
		file := enterpriseFile(t, faultImportRows, 1)
		auditBefore := s.count(t, `SELECT count(*) FROM audit_log`)
		cmd, _, errOut := s.child(t, "import", "enterprises", file)
		// Kill at the first progress report of the write phase.
		seen := make(chan string, 1)
		go func() {
			r := bufio.NewReader(errOut)
			var buf []byte
			for {
				b, err := r.ReadByte()
				if err != nil {
					close(seen)
					return
				}
				buf = append(buf, b)
				if m := writingRe.FindSubmatch(buf); m != nil && string(m[1]) != "0" {
					seen <- string(m[0])
					_, _ = io.Copy(io.Discard, r)
					return
				}
			}
		}()
		var at string
		select {
		case at = <-seen:
		case <-time.After(60 * time.Second):
			t.Fatal("import did not reach its write phase in 60 s")
		}
		if at == "" {
			t.Fatal("import ended before its write phase could be interrupted")
		}
		_ = cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("import was not killed mid-write (it ended: %v); make the file larger", err)
		}
		if n := s.count(t, `SELECT count(*) FROM enterprise`); n != 0 {
			t.Fatalf("killed at %q: %d of %d rows committed; an import is all or nothing", at, n, faultImportRows)
		}
		if n := s.count(t, `SELECT count(*) FROM audit_log`); n != auditBefore {
			t.Fatalf("killed import left %d audit rows (before %d)", n, auditBefore)
		}
		s.auditIntact(t)
		// The database is usable and the same file now imports whole.
		if code, out := s.cli(t, "import", "enterprises", file); code != 0 {
			t.Fatalf("import after the crash: %s", out)
		}
		if n := s.count(t, `SELECT count(*) FROM enterprise`); n != faultImportRows {
			t.Fatalf("after re-import %d enterprises, want %d", n, faultImportRows)
		}
		s.auditIntact(t)
		t.Logf("evidence %s: SIGKILL at %q, no row and no audit row of the file left, audit intact; same file re-imported whole (%d rows)", t.Name(), at, faultImportRows)
	})
}

var servingRe = regexp.MustCompile(`serving .* on (http://\S+)`)

// serve starts `yingji serve` on a free loopback port and returns its base URL.
func (s faultSite) serve(t *testing.T) (*exec.Cmd, string) {
	t.Helper()
	cmd, out, errOut := s.child(t, "serve", "--addr", "127.0.0.1:0")
	go func() { _, _ = io.Copy(io.Discard, errOut) }()
	base := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := servingRe.FindStringSubmatch(sc.Text()); m != nil {
				base <- strings.TrimSuffix(m[1], "/") + "/"
			}
		}
		close(base)
	}()
	select {
	case b, ok := <-base:
		if !ok {
			t.Fatal("serve ended before it answered")
		}
		return cmd, b
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not start in 60 s")
	}
	return nil, ""
}

func apiDo(c *http.Client, method, url, token string, body any) (int, []byte, error) {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, r)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b, nil
}

type jobState struct {
	State         string
	Message       string
	ProgressDone  int64
	ProgressTotal int64
	Interrupts    int
}

func getJob(t *testing.T, c *http.Client, base, token, id string) jobState {
	t.Helper()
	code, b, err := apiDo(c, "GET", base+"api/v1/jobs/"+id, token, nil)
	if err != nil || code != 200 {
		t.Fatalf("job %s: %d %v %s", id, code, err, b)
	}
	var j jobState
	_ = json.Unmarshal(b, &j)
	return j
}

// TestFaultKillServeDuringUploadAndBurst kills `yingji serve` with SIGKILL
// while an uploaded enterprise file is being imported by its job and
// clients are reporting and grading hazards. After a restart: every
// hazard and every step the server acknowledged is there, no hazard beyond
// those sent, the import is all or nothing and its job runs again to the
// end, and the audit chain verifies.
func TestFaultKillServeDuringUploadAndBurst(t *testing.T) {
	faultEngines(t, func(t *testing.T, s faultSite) {
		code, out := s.cli(t, "token", "create", "--user", "admin")
		if code != 0 {
			t.Fatalf("token: %s", out)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		token := strings.TrimSpace(lines[len(lines)-1])
		file := enterpriseFile(t, faultImportRows, 1)
		cmd, base := s.serve(t)
		c := &http.Client{Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

		// The burst: report a hazard, then grade it.
		var mu sync.Mutex
		created := map[string]bool{} // acknowledged hazards → grade acknowledged
		var sent atomic.Int64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					sent.Add(1)
					code, b, err := apiDo(c, "POST", base+"api/v1/hazards", token, map[string]any{"place_name": fmt.Sprintf("演练场所%d-%d", w, i),
						"town_code": "349901100", "source": "inspection", "description": "消防通道堵塞", "found_on": "2022-06-20"})
					if err != nil || code != http.StatusCreated {
						if err == nil && code != http.StatusCreated {
							t.Errorf("hazard before the kill: %d %s", code, b)
						}
						return
					}
					var h struct{ ID string }
					_ = json.Unmarshal(b, &h)
					mu.Lock()
					created[h.ID] = false
					mu.Unlock()
					code, _, err = apiDo(c, "POST", base+"api/v1/hazards/"+h.ID+"/steps", token, map[string]any{"action": "grade", "grade": "general"})
					if err != nil {
						return
					}
					if code == http.StatusOK {
						mu.Lock()
						created[h.ID] = true
						mu.Unlock()
					}
				}
			}()
		}

		// The upload: an import job.
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, _ := mw.CreateFormFile("file", "企业.xlsx")
		b, _ := os.ReadFile(file)
		_, _ = fw.Write(b)
		mw.Close()
		req, _ := http.NewRequest("POST", base+"enterprises/import", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		loc := res.Header.Get("Location")
		if res.StatusCode != http.StatusSeeOther && res.StatusCode != http.StatusFound || !strings.HasPrefix(loc, "/jobs/") {
			t.Fatalf("upload: %d %q", res.StatusCode, loc)
		}
		jobID := strings.TrimPrefix(loc, "/jobs/")
		// Kill when the job is writing rows (or at the latest after 60 s).
		deadline := time.Now().Add(60 * time.Second)
		var j jobState
		for time.Now().Before(deadline) {
			j = getJob(t, c, base, token, jobID)
			if j.State == "running" && j.ProgressTotal > 0 || j.State == "done" || j.State == "failed" {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		close(stop)
		wg.Wait()
		jobAtKill := j
		if j.State != "running" {
			t.Logf("job was %s (%d/%d) at the kill, not mid-write", j.State, j.ProgressDone, j.ProgressTotal)
		}

		acked, graded := len(created), 0
		for _, g := range created {
			if g {
				graded++
			}
		}
		// Every acknowledged write is there, nothing beyond what was sent.
		n := s.count(t, `SELECT count(*) FROM hazard`)
		if n < acked || int64(n) > sent.Load() {
			t.Fatalf("after the kill %d hazards; acknowledged %d, sent %d", n, acked, sent.Load())
		}
		for id, g := range created {
			if s.count(t, fmt.Sprintf(`SELECT count(*) FROM hazard WHERE id = '%s'`, id)) != 1 {
				t.Fatalf("acknowledged hazard %s lost", id)
			}
			if g && s.count(t, fmt.Sprintf(`SELECT count(*) FROM hazard WHERE id = '%s' AND grade = 'general'`, id)) != 1 {
				t.Fatalf("acknowledged grade of hazard %s lost", id)
			}
		}
		if e := s.count(t, `SELECT count(*) FROM enterprise`); e != 0 && e != faultImportRows {
			t.Fatalf("after the kill %d of %d imported rows: half an import", e, faultImportRows)
		}
		s.auditIntact(t)

		// Restart: the interrupted job runs again and imports the whole file.
		cmd, base = s.serve(t)
		deadline = time.Now().Add(90 * time.Second)
		for time.Now().Before(deadline) {
			j = getJob(t, c, base, token, jobID)
			if j.State == "done" || j.State == "failed" || j.State == "cancelled" {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if j.State != "done" {
			t.Fatalf("import job after the restart: %s %q", j.State, j.Message)
		}
		if e := s.count(t, `SELECT count(*) FROM enterprise`); e != faultImportRows {
			t.Fatalf("after the restarted job %d enterprises, want %d", e, faultImportRows)
		}
		// The server takes writes again.
		if code, b, err := apiDo(c, "POST", base+"api/v1/hazards", token, map[string]any{"place_name": "重启后场所",
			"town_code": "349901100", "source": "inspection", "description": "重启后上报", "found_on": "2022-06-21"}); err != nil || code != http.StatusCreated {
			t.Fatalf("hazard after the restart: %d %v %s", code, err, b)
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		s.auditIntact(t)
		t.Logf("evidence %s: SIGKILL with the import job at %d/%d; hazards %d acknowledged (%d graded) <= %d in the database <= %d sent, all acknowledged grades kept; job requeued (%d interruption), %d rows after restart; audit intact",
			t.Name(), jobAtKill.ProgressDone, jobAtKill.ProgressTotal, acked, graded, n, sent.Load(), j.Interrupts, faultImportRows)
	})
}
