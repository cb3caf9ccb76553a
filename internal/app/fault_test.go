package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"yingji/internal/app"
	"yingji/internal/kit/store"
)

// TestDiskFullAnswers503AndServerStaysUp fills the SQLite database (its
// max_page_count set to the pages it has, as a full disk would) and posts
// writes: they answer 503 with a message that says nothing was saved and
// whom to ask, not 500 "internal error"; reads go on; once there is room
// again the same write is accepted. scripts/fault does the same on a real
// full file system.
func TestDiskFullAnswers503AndServerStaysUp(t *testing.T) {
	a := openApp(t, false, app.Options{})
	admin := userToken(t, a, "admin")
	ctx := context.Background()
	setMax := func(pages string) {
		t.Helper()
		err := a.DB.InTx(ctx, func(tx *store.Tx) error {
			if pages == "" {
				return tx.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.DB.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `PRAGMA max_page_count = `+pages)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	setMax("")
	var full *json.RawMessage
	code := 0
	for i := range 500 {
		body := fmt.Sprintf(`{"code":"349901%03d","name":"满盘测试镇%03d%s","kind":"镇"}`, 100+i, i, strings.Repeat("长", 60))
		rec := do(a, "POST", "/api/v1/regions", admin, strings.NewReader(body))
		if rec.Code < 300 {
			continue
		}
		code = rec.Code
		raw := json.RawMessage(rec.Body.Bytes())
		full = &raw
		break
	}
	if full == nil {
		t.Fatal("500 regions fitted in a database without room to grow")
	}
	var e struct{ Error, Code string }
	_ = json.Unmarshal(*full, &e)
	if code != http.StatusServiceUnavailable || e.Code != "unavailable" || !strings.Contains(e.Error, "磁盘已满") || !strings.Contains(e.Error, "未保存") {
		t.Fatalf("write on a full disk: %d %s; want 503 saying the disk is full and nothing was saved", code, *full)
	}
	// Reads go on.
	if rec := do(a, "GET", "/api/v1/regions", admin, nil); rec.Code != http.StatusOK {
		t.Fatalf("read on a full disk: %d", rec.Code)
	}
	// Room again: the same server takes the write.
	setMax("1073741823")
	rec := do(a, "POST", "/api/v1/regions", admin, strings.NewReader(`{"code":"349901999","name":"腾出空间后","kind":"镇"}`))
	if rec.Code >= 300 {
		t.Fatalf("write after space was freed: %d %s", rec.Code, rec.Body)
	}
}
