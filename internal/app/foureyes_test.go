package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"yingji/internal/app"
	"yingji/internal/bureau/hazard"
	"yingji/internal/bureau/hazard/supervise"
	"yingji/internal/kit/attach"
	"yingji/internal/kit/attach/attachtest"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/demo"
)

// testClock is a settable clock for an app.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// set moves the clock to 09:00 in Shanghai of a day.
func (c *testClock) set(day string) {
	t, err := time.ParseInLocation("2006-01-02", day, time.FixedZone("CST", 8*3600))
	if err != nil {
		panic(err)
	}
	c.mu.Lock()
	c.t = t.Add(9 * time.Hour)
	c.mu.Unlock()
}

// clockApp opens an app with a settable clock, the demo county, its users
// and the demo enterprise.
func clockApp(t *testing.T, day string) (*app.App, *testClock) {
	t.Helper()
	c := &testClock{}
	c.set(day)
	a := openApp(t, false, app.Options{Now: c.now})
	ctx := context.Background()
	if err := demo.Load(ctx, demo.Services{DB: a.DB, Org: a.Org, Auth: a.Auth}, a.Cfg.County, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := a.Enterprise.Demo(ctx, io.Discard, a.Cfg.County, demo.EnterpriseID, nil); err != nil {
		t.Fatal(err)
	}
	return a, c
}

// apiJSON sends a JSON body and decodes the answer into v (when given).
func apiJSON(t *testing.T, a *app.App, method, path, tok string, body any, want int, v any) []byte {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	rec := do(a, method, path, tok, r)
	if rec.Code != want {
		t.Fatalf("%s %s: %d, want %d: %s", method, path, rec.Code, want, rec.Body.String())
	}
	if v != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return rec.Body.Bytes()
}

// TestCardRulesAgree: the county's card rules are the one source of the
// card the hazard page, the ledger, the API, the export and the sweep
// show. Share 0.5, found 06-01, due 06-17, on 06-09: yellow everywhere;
// back to 0.9: no card anywhere.
func TestCardRulesAgree(t *testing.T) {
	a, clock := clockApp(t, "2022-06-01")
	ctx := context.Background()
	admin := userToken(t, a, "admin")
	var h hazard.Record
	apiJSON(t, a, "POST", "/api/v1/hazards", admin, map[string]any{"place_name": "城东安置房二期建筑工地", "town_code": "349901100",
		"source": "inspection", "description": "脚手架未设剪刀撑", "found_on": "2022-06-01"}, 201, &h)
	apiJSON(t, a, "POST", "/api/v1/hazards/"+h.ID+"/steps", admin, map[string]any{"action": "grade", "grade": "general"}, 200, nil)
	apiJSON(t, a, "POST", "/api/v1/hazards/"+h.ID+"/steps", admin, map[string]any{"action": "order", "deadline": "2022-06-17",
		"doc_number": "（示）应急责改〔2022〕7号"}, 200, nil)
	clock.set("2022-06-09")
	for _, c := range []struct {
		share string
		card  hazard.Card
	}{{"50", hazard.Yellow}, {"90", hazard.NoCard}} {
		form := url.Values{"yellow_share": {c.share}, "letter_after": {"7"}, "remind_before": {"3"}, "issuer": {"示例县人民政府安全生产委员会办公室"},
			"letter_prefix": {"示安委办督"}, "listing_prefix": {"示安委办挂"}, "self_report": {"1"}, "listed_approver": {"leader"}}
		if rec := do(a, "POST", "/settings/cards", admin, strings.NewReader(form.Encode())); rec.Code != 303 {
			t.Fatalf("save settings: %d %s", rec.Code, rec.Body.String())
		}
		// The sweep (the database).
		if _, err := a.Supervise.SweepCounty(ctx, a.Cfg.County, clock.now()); err != nil {
			t.Fatal(err)
		}
		stored, err := a.Hazard.Get(ctx, a.System(), h.ID)
		if err != nil || stored.Card != c.card {
			t.Fatalf("share %s: the sweep stored %q, want %q (%v)", c.share, stored.Card, c.card, err)
		}
		// The API.
		var got struct {
			Card hazard.Card `json:"card"`
		}
		apiJSON(t, a, "GET", "/api/v1/hazards/"+h.ID, admin, nil, 200, &got)
		if got.Card != c.card {
			t.Fatalf("share %s: the API says %q, want %q", c.share, got.Card, c.card)
		}
		// The pages: the hazard and the ledger.
		tag := `class="tag yellow"`
		for _, path := range []string{"/hazards/" + h.ID, "/hazards?q=" + url.QueryEscape("脚手架")} {
			rec := do(a, "GET", path, admin, nil)
			if rec.Code != 200 || strings.Contains(rec.Body.String(), tag) != (c.card == hazard.Yellow) {
				t.Fatalf("share %s: %s shows a yellow card: %v, want %q (%d)", c.share, path, strings.Contains(rec.Body.String(), tag), c.card, rec.Code)
			}
		}
		// The export.
		rec := do(a, "GET", "/hazards/export", admin, nil)
		x, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
		if err != nil {
			t.Fatalf("export: %d %v", rec.Code, err)
		}
		rows, _ := x.GetRows(x.GetSheetName(0))
		x.Close()
		want := map[hazard.Card]string{hazard.Yellow: "黄牌", hazard.NoCard: ""}[c.card]
		cardCol := slices.Index(rows[0], "红黄牌")
		if cardCol < len(hazard.Schema().Columns) {
			t.Fatalf("share %s: the export has no card column after the template's: %v", c.share, rows[0])
		}
		found := false
		for _, r := range rows {
			if len(r) > 8 && r[8] == "脚手架未设剪刀撑" {
				found = true
				got := ""
				if cardCol < len(r) {
					got = r[cardCol]
				}
				if got != want {
					t.Fatalf("share %s: the export says %q, want %q (%v)", c.share, got, want, r)
				}
			}
		}
		if !found {
			t.Fatalf("share %s: the export has no row for the hazard: %v", c.share, rows)
		}
	}
}

// TestExtensionFourEyesAndListingAPI: the listing steps through the API;
// the hazard's own extend step is gone (page and API); the requester
// cannot approve (409 with the rule, on the page and the API); the leader
// finds the request on the home page and approves it; the hazard's and
// the listing's deadlines and the extension count move together.
func TestExtensionFourEyesAndListingAPI(t *testing.T) {
	a, _ := clockApp(t, "2022-09-01")
	ctx := context.Background()
	toks := tokens(t, a)
	jg1, leader, qiye := userToken(t, a, "jg1"), toks[auth.RoleLeader], toks[auth.RoleEnterprise]

	var h hazard.Record
	apiJSON(t, a, "POST", "/api/v1/hazards", jg1, map[string]any{"enterprise_id": demo.EnterpriseID, "source": "inspection",
		"description": "第二安全出口与设计不一致", "found_on": "2022-08-01"}, 201, &h)
	apiJSON(t, a, "POST", "/api/v1/hazards/"+h.ID+"/steps", jg1, map[string]any{"action": "grade", "grade": "major", "clause": "ks98-d-1", "on": "2022-08-01"}, 200, nil)
	apiJSON(t, a, "POST", "/api/v1/hazards/"+h.ID+"/steps", jg1, map[string]any{"action": "order", "deadline": "2022-08-31", "on": "2022-08-02",
		"doc_number": "（示）应急责改〔2022〕8号", "plan_measures": "重新施工第二安全出口", "plan_funds": "80万元", "plan_deadline": "2022-08-31",
		"plan_person": "张矿长", "plan_emergency": "已编制专项应急预案"}, 200, nil)

	// Listing through the API: list, publish.
	var l supervise.Listing
	apiJSON(t, a, "POST", "/api/v1/supervision/listings", leader, map[string]any{"hazard_id": h.ID, "level": "county", "listed_on": "2022-08-05"}, 201, &l)
	if l.Number == "" || l.Deadline != "2022-08-31" {
		t.Fatalf("listing: %+v", l)
	}
	apiJSON(t, a, "POST", "/api/v1/supervision/listings/"+l.ID+"/publish", qiye, map[string]any{"on": "2022-08-06"}, 403, nil)
	apiJSON(t, a, "POST", "/api/v1/supervision/listings/"+l.ID+"/publish", leader, map[string]any{"on": "2022-08-06"}, 200, &l)
	if l.PublishedOn != "2022-08-06" {
		t.Fatalf("published: %+v", l)
	}

	// No extend step: not offered, refused on the API and the page.
	var got struct {
		Allowed []string `json:"allowed"`
	}
	apiJSON(t, a, "GET", "/api/v1/hazards/"+h.ID, jg1, nil, 200, &got)
	for _, x := range got.Allowed {
		if x == "extend" {
			t.Fatalf("extend offered: %v", got.Allowed)
		}
	}
	body := apiJSON(t, a, "POST", "/api/v1/hazards/"+h.ID+"/steps", jg1, map[string]any{"action": "extend", "deadline": "2032-12-31", "reason": "x"}, 409, nil)
	if !strings.Contains(string(body), "延期不是可直接执行的步骤") {
		t.Fatalf("direct extension on the API: %s", body)
	}
	form := url.Values{"action": {"extend"}, "deadline": {"2032-12-31"}, "reason": {"x"}}
	if rec := do(a, "POST", "/hazards/"+h.ID+"/steps", jg1, strings.NewReader(form.Encode())); rec.Code != 409 {
		t.Fatalf("direct extension on the page: %d", rec.Code)
	}
	rec := do(a, "GET", "/hazards/"+h.ID, jg1, nil)
	if body := rec.Body.String(); strings.Contains(body, `id="form-extend"`) || !strings.Contains(body, `id="extension-link"`) {
		t.Fatalf("the hazard page offers the extend step or no request link")
	}
	if r, _ := a.Hazard.Get(ctx, a.System(), h.ID); r.Deadline != "2022-08-31" || r.Extensions != 0 {
		t.Fatalf("the refused step moved the deadline: %+v", r)
	}

	// jg1 asks; jg1 may not approve it (API and page), the leader may.
	var x supervise.Extension
	apiJSON(t, a, "POST", "/api/v1/supervision/extensions", jg1, map[string]any{"hazard_id": h.ID, "requested_deadline": "2022-10-31",
		"reason": "设备供货周期长"}, 201, &x)
	body = apiJSON(t, a, "POST", "/api/v1/supervision/extensions/"+x.ID+"/decide", jg1, map[string]any{"approve": true}, 409, nil)
	if !strings.Contains(string(body), `"code":"conflict"`) || !strings.Contains(string(body), "四眼原则") {
		t.Fatalf("self-approval on the API: %s", body)
	}
	rec = do(a, "POST", "/supervision/extensions/"+x.ID+"/decide", jg1, strings.NewReader("approve=1&on=2022-09-01"))
	if rec.Code != 409 || !strings.Contains(rec.Body.String(), "四眼原则") {
		t.Fatalf("self-approval on the page: %d", rec.Code)
	}
	if rec := do(a, "GET", "/supervision/extensions/"+x.ID, jg1, nil); strings.Contains(rec.Body.String(), `id="form-decide"`) ||
		!strings.Contains(rec.Body.String(), `id="decide-note"`) {
		t.Fatal("the requester is offered the decision")
	}
	rec = do(a, "GET", "/", leader, nil)
	if !strings.Contains(rec.Body.String(), "待审批延期") || !strings.Contains(rec.Body.String(), `href="/supervision?tab=extensions&amp;todo=1"`) {
		t.Fatalf("the leader's home page does not show the pending extension")
	}
	rec = do(a, "GET", "/supervision?tab=extensions&todo=1", leader, nil)
	if !strings.Contains(rec.Body.String(), "/supervision/extensions/"+x.ID) {
		t.Fatal("the leader's to-do tab does not list the request")
	}
	if rec := do(a, "GET", "/supervision?tab=extensions&todo=1", jg1, nil); strings.Contains(rec.Body.String(), "/supervision/extensions/"+x.ID) {
		t.Fatal("the requester's to-do lists their own request")
	}
	apiJSON(t, a, "POST", "/api/v1/supervision/extensions/"+x.ID+"/decide", leader, map[string]any{"approve": true, "reason": "同意"}, 200, nil)
	r, _ := a.Hazard.Get(ctx, a.System(), h.ID)
	apiJSON(t, a, "GET", "/api/v1/supervision/listings/"+l.ID, leader, nil, 200, &l)
	if r.Deadline != "2022-10-31" || l.Deadline != "2022-10-31" || r.Extensions != 1 {
		t.Fatalf("after approval: hazard %s ×%d, listing %s", r.Deadline, r.Extensions, l.Deadline)
	}

	// The rest of the listing through the API: acceptance asked for by
	// the enterprise once the rectification is reported, passed, delisted.
	qp, err := a.Auth.PrincipalFor(ctx, "qiye")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Hazard.Do(ctx, qp, h.ID, hazard.StepInput{Action: hazard.ActSubmit}, []attach.Upload{{Filename: "整改后.png",
		Reader: bytes.NewReader(attachtest.PNG(t, 4, 4))}}); err != nil {
		t.Fatal(err)
	}
	apiJSON(t, a, "POST", "/api/v1/supervision/listings/"+l.ID+"/request-acceptance", qiye, map[string]any{"on": "2022-09-01"}, 200, nil)
	apiJSON(t, a, "POST", "/api/v1/supervision/listings/"+l.ID+"/delist", leader, map[string]any{}, 422, nil)
	apiJSON(t, a, "POST", "/api/v1/supervision/listings/"+l.ID+"/accept", leader, map[string]any{"pass": true, "doc_number": "（示）应急复查〔2022〕9号"}, 200, &l)
	apiJSON(t, a, "POST", "/api/v1/supervision/listings/"+l.ID+"/delist", leader, map[string]any{"note": "验收合格"}, 200, &l)
	r, _ = a.Hazard.Get(ctx, a.System(), h.ID)
	if l.State != supervise.ListingDelisted || r.State != hazard.Closed {
		t.Fatalf("delisted: %s, hazard %s", l.State, r.State)
	}
}
