package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"yingji/internal/app"
	"yingji/internal/bureau/warning"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/figure"
)

type warnJSON struct {
	ID         string `json:"id"`
	State      string `json:"state"`
	Identifier string `json:"identifier"`
	Headline   string `json:"headline"`
	Recipients []struct {
		Kind     string `json:"kind"`
		Name     string `json:"name"`
		AckedVia string `json:"acked_via"`
	} `json:"recipients"`
}

func postWarningJSON(t *testing.T, a *app.App, path, token, body string, want int) []byte {
	t.Helper()
	rec := do(a, "POST", path, token, strings.NewReader(body))
	if rec.Code != want {
		t.Fatalf("POST %s: %d (want %d) %s", path, rec.Code, want, rec.Body.String())
	}
	return rec.Body.Bytes()
}

func TestWarningDeskThroughTheAPI(t *testing.T) {
	a := start(t, false)
	ctx := context.Background()
	toks := tokens(t, a)
	duty, leader, admin, town := toks[auth.RoleDuty], toks[auth.RoleLeader], toks[auth.RoleAdmin], toks[auth.RoleTown]
	now := a.Now().In(time.FixedZone("CST", 8*3600))
	at := func(d time.Duration) string { return now.Add(d).Format("2006-01-02 15:04") }
	county := a.Cfg.County
	cun, err := a.Auth.CreateUser(ctx, a.System(), auth.UserInput{Username: "cun1", DisplayName: "新林村安全员", Role: auth.RoleTown,
		RegionCode: county + "100203", Password: "Passw0rd9"})
	if err != nil {
		t.Fatal(err)
	}
	body := `{"source":"县气象局","type":"暴雨","level":"黄","towns":["` + county + `100","` + county + `101"],"departments":true,
		"effective_at":"` + at(time.Hour) + `","expires_at":"` + at(13*time.Hour) + `","instruction":"防汛责任人上岗到位"}`

	// Bad times are refused naming the field.
	bad := strings.Replace(body, at(13*time.Hour), at(30*time.Minute), 1)
	rec := do(a, "POST", "/api/v1/warnings", duty, strings.NewReader(bad))
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), `"expires_at"`) {
		t.Fatalf("expiry before effect: %d %s", rec.Code, rec.Body.String())
	}
	expired := strings.Replace(strings.Replace(body, at(13*time.Hour), at(-time.Hour), 1), at(time.Hour), at(-5*time.Hour), 1)
	if rec := do(a, "POST", "/api/v1/warnings", duty, strings.NewReader(expired)); rec.Code != 422 || !strings.Contains(rec.Body.String(), "失效") {
		t.Fatalf("already expired: %d %s", rec.Code, rec.Body.String())
	}

	// Four eyes: the author (admin here) cannot approve; 409 names the rule.
	var own warnJSON
	_ = json.Unmarshal(postWarningJSON(t, a, "/api/v1/warnings", admin, body, 201), &own)
	rec = do(a, "POST", "/api/v1/warnings/"+own.ID+"/approve", admin, nil)
	if rec.Code != 409 || !strings.Contains(rec.Body.String(), "四眼") {
		t.Fatalf("self-approval: %d %s", rec.Code, rec.Body.String())
	}

	// Withdraw (撤回): only by the author (or an administrator), only before
	// publication; a withdrawn warning is not approved.
	var taken warnJSON
	_ = json.Unmarshal(postWarningJSON(t, a, "/api/v1/warnings", duty, body, 201), &taken)
	if rec := do(a, "POST", "/api/v1/warnings/"+taken.ID+"/withdraw", toks[auth.RoleSection], nil); rec.Code != 409 || !strings.Contains(rec.Body.String(), "起草人") {
		t.Fatalf("withdraw by another drafter: %d %s", rec.Code, rec.Body.String())
	}
	_ = json.Unmarshal(postWarningJSON(t, a, "/api/v1/warnings/"+taken.ID+"/withdraw", duty, "", 200), &taken)
	if taken.State != "withdrawn" {
		t.Fatalf("withdrawn: %+v", taken)
	}
	postWarningJSON(t, a, "/api/v1/warnings/"+taken.ID+"/approve", leader, "", 409)

	var w warnJSON
	_ = json.Unmarshal(postWarningJSON(t, a, "/api/v1/warnings", duty, body, 201), &w)
	if w.State != "draft" || w.Headline != "县气象局发布暴雨黄色预警信号" {
		t.Fatalf("draft: %+v", w)
	}
	// The draft's CAP file is not public.
	if rec := do(a, "GET", "/warnings/"+w.ID+"/cap.xml", "", nil); rec.Code != 404 {
		t.Fatalf("anonymous draft CAP: %d", rec.Code)
	}
	postWarningJSON(t, a, "/api/v1/warnings/"+w.ID+"/publish", duty, "", 409)
	postWarningJSON(t, a, "/api/v1/warnings/"+w.ID+"/approve", leader, "", 200)
	_ = json.Unmarshal(postWarningJSON(t, a, "/api/v1/warnings/"+w.ID+"/publish", duty, "", 200), &w)
	if w.State != "published" || !strings.HasPrefix(w.Identifier, county+warning.UnitCode+"_") {
		t.Fatalf("published: %+v", w)
	}
	if rec := do(a, "POST", "/api/v1/warnings/"+w.ID+"/withdraw", duty, nil); rec.Code != 409 || !strings.Contains(rec.Body.String(), "解除") {
		t.Fatalf("withdraw a published warning: %d %s", rec.Code, rec.Body.String())
	}

	// A village's staff (an account under the town) is told too and reads it.
	if inbox, err := a.Notify.Inbox(ctx, cun.ID, true, 10); err != nil || len(inbox) == 0 {
		t.Fatalf("village staff not told: %+v %v", inbox, err)
	}
	if rec := do(a, "GET", "/api/v1/warnings/"+w.ID, userToken(t, a, "cun1"), nil); rec.Code != 200 {
		t.Fatalf("village staff reads the town's warning: %d %s", rec.Code, rec.Body.String())
	}

	// The town acknowledges in the app; the department by its signed link.
	postWarningJSON(t, a, "/api/v1/warnings/"+w.ID+"/ack", town, "", 200)
	postWarningJSON(t, a, "/api/v1/warnings/"+w.ID+"/ack", town, "", 409)
	du, err := a.Auth.FindByUsername(ctx, "dept")
	if err != nil {
		t.Fatal(err)
	}
	inbox, err := a.Notify.Inbox(ctx, du.ID, true, 10)
	if err != nil || len(inbox) == 0 || !strings.HasPrefix(inbox[0].Link, "/ack/") {
		t.Fatalf("department inbox: %+v %v", inbox, err)
	}
	if rec := do(a, "GET", inbox[0].Link, "", nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), "暴雨") {
		t.Fatalf("signed link page: %d %s", rec.Code, rec.Body.String())
	}
	if rec := do(a, "POST", inbox[0].Link, "", strings.NewReader(url.Values{"by": {"住建局值班员"}}.Encode())); rec.Code != 303 {
		t.Fatalf("signed link ack: %d %s", rec.Code, rec.Body.String())
	}
	if rec := do(a, "GET", "/ack/forged-token", "", nil); rec.Code != 404 {
		t.Fatalf("forged link: %d", rec.Code)
	}
	var got warnJSON
	getJSON(t, a, "/api/v1/warnings/"+w.ID, duty, &got)
	acked, open := 0, []string{}
	for _, r := range got.Recipients {
		if r.AckedVia != "" {
			acked++
		} else {
			open = append(open, r.Name)
		}
	}
	if acked != 2 || len(open) < 2 {
		t.Fatalf("acks: %d acked, open %v", acked, open)
	}
	// The officer sees who has not acknowledged.
	rec = do(a, "GET", "/warnings/"+w.ID, duty, nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `id="unacked"`) || !strings.Contains(rec.Body.String(), open[0]) {
		t.Fatalf("detail page: %d", rec.Code)
	}
	// A town outside the area does not see it; the enterprise account neither.
	var list struct {
		Total int `json:"total"`
	}
	getJSON(t, a, "/api/v1/warnings", toks[auth.RoleEnterprise], &list)
	if list.Total != 0 {
		t.Fatalf("enterprise sees %d warnings", list.Total)
	}
	if rec := do(a, "GET", "/api/v1/warnings/"+own.ID, town, nil); rec.Code != 404 {
		t.Fatalf("town reads a draft: %d", rec.Code)
	}

	// Public: the feed and the published CAP file.
	rec = do(a, "GET", "/warnings/feed.atom", "", nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), w.Identifier) || !strings.Contains(rec.Header().Get("Content-Type"), "atom") {
		t.Fatalf("feed: %d %s", rec.Code, rec.Body.String())
	}
	rec = do(a, "GET", "/warnings/"+w.ID+"/cap.xml", "", nil)
	if rec.Code != 200 {
		t.Fatalf("CAP: %d", rec.Code)
	}
	if _, err := warning.ParseCAP(strings.NewReader(rec.Body.String())); err != nil {
		t.Fatalf("published CAP: %v", err)
	}

	// Update and cancel refer to the original.
	var up warnJSON
	_ = json.Unmarshal(postWarningJSON(t, a, "/api/v1/warnings/"+w.ID+"/update", duty, strings.Replace(body, `"黄"`, `"橙"`, 1), 201), &up)
	postWarningJSON(t, a, "/api/v1/warnings/"+up.ID+"/approve", leader, "", 200)
	postWarningJSON(t, a, "/api/v1/warnings/"+up.ID+"/publish", duty, "", 200)
	getJSON(t, a, "/api/v1/warnings/"+w.ID, duty, &got)
	if got.State != "superseded" {
		t.Fatalf("original after update: %s", got.State)
	}
	var c warnJSON
	_ = json.Unmarshal(postWarningJSON(t, a, "/api/v1/warnings/"+up.ID+"/cancel", duty, `{"description":"降雨已减弱"}`, 201), &c)
	rec = do(a, "GET", "/warnings/"+c.ID+"/cap.xml", duty, nil)
	if !strings.Contains(rec.Body.String(), "<msgType>Cancel</msgType>") || !strings.Contains(rec.Body.String(), w.Identifier) {
		t.Fatalf("cancel CAP: %s", rec.Body.String())
	}

	// Import of a CAP message: a draft; anything else refused naming the element.
	rec = do(a, "POST", "/api/v1/warnings/import", duty, strings.NewReader(`<rss version="2.0"/>`))
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), "rss") {
		t.Fatalf("non-CAP import: %d %s", rec.Code, rec.Body.String())
	}
	var doc strings.Builder
	doc.WriteString(do(a, "GET", "/warnings/"+w.ID+"/cap.xml", "", nil).Body.String())
	// The same message again is a duplicate of nothing imported yet: a new draft.
	rec = do(a, "POST", "/api/v1/warnings/import", duty, strings.NewReader(doc.String()))
	if rec.Code != 201 || !strings.Contains(rec.Body.String(), `"state":"draft"`) {
		t.Fatalf("CAP import: %d %s", rec.Code, rec.Body.String())
	}

	// The figure counts the warnings published (alerts, not their updates).
	f, ok := a.Figures.Get("F-DUTY-1")
	if !ok {
		t.Fatal("figure warning.published not registered")
	}
	day := now.Format("2006-01-02")
	per, _ := figure.NewPeriod(day, day)
	sys := a.System()
	v, err := f.Count(ctx, figure.Query{Period: per, P: sys, Records: true})
	if err != nil || v.Get("warnings").Value != 1 || len(v.Get("warnings").Records) != 1 {
		t.Fatalf("figure: %+v %v", v, err)
	}

	// Pages answer.
	for _, path := range []string{"/warnings", "/warnings?open=1", "/warnings/new", "/warnings/import", "/warnings/" + up.ID + "/update", "/warnings/export"} {
		if rec := do(a, "GET", path, duty, nil); rec.Code != 200 {
			t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body.String())
		}
	}
}

func TestWarningDemoFigure(t *testing.T) {
	a := demoApp(t, false, time.Date(2022, 6, 30, 2, 0, 0, 0, time.UTC))
	f, _ := a.Figures.Get("F-DUTY-1")
	per, _ := figure.NewPeriod("2022-01-01", "2022-06-30")
	v, err := f.Count(context.Background(), figure.Query{Period: per, P: a.System(), Records: true})
	if err != nil {
		t.Fatal(err)
	}
	n := v.Get("warnings")
	if n.Value != 17 || len(n.Records) != 17 || n.Link == "" {
		t.Fatalf("F-DUTY-1 warnings: %+v", n)
	}
	// The link's filter shows exactly those records.
	toks := tokens(t, a)
	var list struct {
		Total int `json:"total"`
	}
	getJSON(t, a, "/api/v1"+n.Link, toks[auth.RoleLeader], &list)
	if list.Total != 17 {
		t.Fatalf("figure link lists %d", list.Total)
	}
	// The last one is in force on the demo date with units yet to acknowledge.
	getJSON(t, a, "/api/v1/warnings?active=1&open=1", toks[auth.RoleDuty], &list)
	if list.Total != 1 {
		t.Fatalf("active with open acks: %d", list.Total)
	}
	// Its page filters the recipient units by 签收, and exports them.
	var open struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	getJSON(t, a, "/api/v1/warnings?active=1&open=1", toks[auth.RoleDuty], &open)
	if len(open.Items) != 1 {
		t.Fatalf("active with open acks: %+v", open)
	}
	id := open.Items[0].ID
	var one warnJSON
	getJSON(t, a, "/api/v1/warnings/"+id, toks[auth.RoleDuty], &one)
	acked := 0
	for _, r := range one.Recipients {
		if r.AckedVia != "" {
			acked++
		}
	}
	if acked == 0 || acked == len(one.Recipients) {
		t.Fatalf("the demo's active warning should have both: %d of %d acknowledged", acked, len(one.Recipients))
	}
	for _, c := range []struct {
		ack, show, hide string
		rows            int
	}{{"open", "未签收", `class="tag green"`, len(one.Recipients) - acked}, {"acked", "已签收", `class="tag red"`, acked}, {"", "未签收", "", len(one.Recipients)}} {
		body := page(t, a, toks[auth.RoleDuty], "/warnings/"+id+"?ack="+c.ack)
		if table := body[strings.Index(body, `id="recipients-table"`):]; !strings.Contains(table, c.show) || (c.hide != "" && strings.Contains(table[:strings.Index(table, "</table>")], c.hide)) {
			t.Errorf("ack=%s: the table shows the wrong units", c.ack)
		}
		rec := do(a, "GET", "/warnings/"+id+"/recipients/export?ack="+c.ack, toks[auth.RoleDuty], nil)
		xf, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
		if rec.Code != 200 || err != nil {
			t.Fatalf("recipients export: %d %v", rec.Code, err)
		}
		rows, _ := xf.GetRows(xf.GetSheetName(0))
		if len(rows)-1 != c.rows || rows[0][0] != "接收单位" {
			t.Errorf("ack=%s export: %d rows, want %d", c.ack, len(rows)-1, c.rows)
		}
	}
	if rec := do(a, "GET", "/warnings/"+id+"/recipients/export", toks[auth.RoleTown], nil); rec.Code != 403 {
		t.Errorf("a town user exports the recipients: %d", rec.Code)
	}
	// The town sees the 17 warnings sent to it, all published.
	getJSON(t, a, "/api/v1/warnings?msg_type=Alert", toks[auth.RoleTown], &list)
	if list.Total != 17 {
		t.Fatalf("town sees %d", list.Total)
	}
}
