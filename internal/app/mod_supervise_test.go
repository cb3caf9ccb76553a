package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"time"

	"yingji/internal/app"
	"yingji/internal/bureau/hazard"
	"yingji/internal/bureau/hazard/supervise"
	"yingji/internal/kit/auth"
)

// supTokens adds tokens of jg1 (监管一股: mines, chemicals) and the town
// user of 籍山镇 to the per-role tokens (whose section user is jg2).
func supTokens(t *testing.T, a *app.App) (map[auth.Role]string, string) {
	t.Helper()
	return tokens(t, a), userToken(t, a, "jg1")
}

func supCount(t *testing.T, a *app.App, q string, args ...any) int {
	t.Helper()
	var n int
	if err := a.DB.R().QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// supStart opens an app whose clock stands on 2022-09-01 (every demo's
// records are in the past then) and loads the whole demo.
func supStart(t *testing.T, pg bool) *app.App {
	t.Helper()
	return demoApp(t, pg, time.Date(2022, 9, 1, 2, 0, 0, 0, time.UTC))
}

func TestSupervision(t *testing.T)           { testSupervision(t, false) }
func TestSupervisionOnPostgres(t *testing.T) { testSupervision(t, true) }

func testSupervision(t *testing.T, pg bool) {
	a := supStart(t, pg)
	ctx := context.Background()
	toks, jg1 := supTokens(t, a)
	leader, admin, qiye, town := toks[auth.RoleLeader], toks[auth.RoleAdmin], toks[auth.RoleEnterprise], toks[auth.RoleTown]
	p := a.System()

	// The report's figures from the demo records.
	ls, err := a.Supervise.LetterStats(ctx, p, "2022-01-01", "2022-06-30")
	if err != nil || ls.Issued != 4 || ls.Rectified != 3 {
		t.Errorf("F-SUP-1 (4 letters, 3 rectified): %v %+v", err, ls)
	}
	big, err := a.Supervise.ListingStats(ctx, p, "2022-01-01", "2022-05-31", hazard.CampaignBig)
	if err != nil || big.Major != 3 || big.Listed != 3 || big.Rectified != 1 || big.Extended != 2 {
		t.Errorf("F-BIG-2 (3 major, 3 listed, 1 rectified, 2 extended): %v %+v", err, big)
	}
	mines, err := a.Supervise.ListingStatsBy(ctx, p, supervise.ListingStatFilter{From: "2022-01-01", To: "2022-06-30", Source: hazard.SourceThirdParty, Sector: "mine"})
	if err != nil || mines.Major != 5 || mines.Listed != 5 {
		t.Errorf("F-MINE-3 (5 majors, all listed): %v %+v", err, mines)
	}
	// Loading the demo again changes nothing.
	counts := func() [5]int {
		return [5]int{supCount(t, a, `SELECT count(*) FROM supervision_letter`), supCount(t, a, `SELECT count(*) FROM listing`),
			supCount(t, a, `SELECT count(*) FROM extension_request`), supCount(t, a, `SELECT count(*) FROM hazard_card_event`),
			supCount(t, a, `SELECT count(*) FROM notification`)}
	}
	before := counts()
	if before[0] != 4 || before[1] != 8 || before[2] != 2 || before[3] == 0 {
		t.Fatalf("demo rows: %v", before)
	}
	if err := a.LoadDemo(ctx, io.Discard); err != nil {
		t.Fatal(err)
	}
	if after := counts(); after != before {
		t.Fatalf("second demo load: %v → %v", before, after)
	}

	// Cards: the town user sees its town's only; the enterprise its own.
	var cards struct {
		Items []supervise.CardRow `json:"items"`
		Total int                 `json:"total"`
	}
	get := func(path, tok string, v any) {
		t.Helper()
		rec := do(a, "GET", path, tok, nil)
		if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), v) != nil {
			t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body.String())
		}
	}
	get("/api/v1/cards?size=500", town, &cards)
	if cards.Total == 0 {
		t.Fatal("籍山镇 has no cards")
	}
	for _, c := range cards.Items {
		if !strings.HasPrefix(c.TownCode, "349901100") {
			t.Fatalf("town user sees a card of %s", c.TownCode)
		}
	}
	get("/api/v1/cards?size=500", qiye, &cards)
	for _, c := range cards.Items {
		if c.EnterpriseID != "01J0DEMOENTERPRISE00000001" {
			t.Fatalf("enterprise sees another's card: %+v", c)
		}
	}
	rec := do(a, "GET", "/cards?card=red", town, nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `id="cards-table"`) || !strings.Contains(rec.Body.String(), "红牌") {
		t.Fatalf("/cards as town: %d", rec.Code)
	}
	rec = do(a, "GET", "/cards/export?card=red", leader, nil)
	if rec.Code != 200 || !bytes.HasPrefix(rec.Body.Bytes(), []byte("PK")) {
		t.Fatalf("cards export: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	// Monthly counts of 2022: table, chart and export.
	rec = do(a, "GET", "/cards/monthly?year=2022", leader, nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "data-chart=") || !strings.Contains(rec.Body.String(), `id="monthly-towns"`) {
		t.Fatalf("monthly: %d", rec.Code)
	}
	var m supervise.Monthly
	get("/api/v1/cards/monthly?year=2022", leader, &m)
	if m.Total.TotalRed() == 0 || m.Total.TotalYellow() == 0 || len(m.Towns) < 9 || len(m.Sections) < 2 {
		t.Fatalf("monthly 2022: %+v", m.Total)
	}
	rec = do(a, "GET", "/cards/monthly/export?year=2022", leader, nil)
	if rec.Code != 200 || !bytes.HasPrefix(rec.Body.Bytes(), []byte("PK")) {
		t.Fatalf("monthly export: %d", rec.Code)
	}
	if rec := do(a, "GET", "/cards/monthly", qiye, nil); rec.Code != 403 {
		t.Fatalf("enterprise opened the monthly counts: %d", rec.Code)
	}

	// Supervision tabs, details and PDFs.
	for _, tab := range []string{"letters", "listings", "extensions", "proposals"} {
		rec := do(a, "GET", "/supervision?tab="+tab, leader, nil)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `id="tab-`+tab+`"`) {
			t.Fatalf("tab %s: %d", tab, rec.Code)
		}
	}
	var letters struct {
		Items []supervise.Letter `json:"items"`
	}
	get("/api/v1/supervision/letters", leader, &letters)
	if len(letters.Items) != 4 || letters.Items[3].Number != "示安委办督〔2022〕1号" {
		t.Fatalf("letters: %+v", letters.Items)
	}
	l := letters.Items[0]
	if rec := do(a, "GET", "/supervision/letters/"+l.ID, leader, nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), l.Number) {
		t.Fatalf("letter page: %d", rec.Code)
	}
	rec = do(a, "GET", "/supervision/letters/"+l.ID+".pdf", leader, nil)
	if rec.Code != 200 || !bytes.HasPrefix(rec.Body.Bytes(), []byte("%PDF")) {
		t.Fatalf("letter PDF: %d", rec.Code)
	}
	// Someone else's letter is not found for the enterprise.
	if rec := do(a, "GET", "/supervision/letters/"+l.ID+".pdf", qiye, nil); rec.Code != 404 {
		t.Fatalf("enterprise got another's letter: %d", rec.Code)
	}
	var listings struct {
		Items []supervise.Listing `json:"items"`
	}
	get("/api/v1/supervision/listings?state=delisted", leader, &listings)
	if len(listings.Items) != 1 || listings.Items[0].HazardID != hazard.DemoBigMajorIDs[0] {
		t.Fatalf("delisted: %+v", listings.Items)
	}
	rec = do(a, "GET", "/supervision/listings/"+listings.Items[0].ID+".pdf", leader, nil)
	if rec.Code != 200 || !bytes.HasPrefix(rec.Body.Bytes(), []byte("%PDF")) {
		t.Fatalf("listing PDF: %d", rec.Code)
	}
	if rec := do(a, "GET", "/supervision/listings/"+listings.Items[0].ID, leader, nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), "摘牌销号") {
		t.Fatalf("listing page: %d", rec.Code)
	}
	for _, kind := range []string{"letters", "listings", "extensions"} {
		if rec := do(a, "GET", "/supervision/"+kind+"/export", leader, nil); rec.Code != 200 || !bytes.HasPrefix(rec.Body.Bytes(), []byte("PK")) {
			t.Fatalf("%s export: %d", kind, rec.Code)
		}
	}
	// The letter proposals: the API's total, the page's filter and the
	// export (re-read) agree.
	var props struct {
		Items []supervise.Proposal `json:"items"`
		Total int                  `json:"total"`
	}
	get("/api/v1/supervision/proposals?size=5", leader, &props)
	if props.Total == 0 || len(props.Items) > 5 {
		t.Fatalf("proposals API: %d items of %d", len(props.Items), props.Total)
	}
	propTown := props.Items[0].Hazard.TownCode
	var inTown struct {
		Total int `json:"total"`
	}
	get("/api/v1/supervision/proposals?town="+propTown, leader, &inTown)
	if inTown.Total == 0 || inTown.Total > props.Total {
		t.Fatalf("proposals of %s: %d of %d", propTown, inTown.Total, props.Total)
	}
	if rec := do(a, "GET", "/supervision?tab=proposals&town="+propTown, leader, nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), `id="proposals-export"`) {
		t.Fatalf("proposals tab filtered: %d", rec.Code)
	}
	rec = do(a, "GET", "/supervision/proposals/export?town="+propTown, leader, nil)
	x, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatalf("proposals export: %d %v", rec.Code, err)
	}
	rows, _ := x.GetRows(x.GetSheetName(0))
	x.Close()
	if len(rows) != inTown.Total+1 {
		t.Fatalf("proposals export: %d rows, want %d and the header", len(rows)-1, inTown.Total)
	}

	// An extension asked for by the enterprise on its own open hazard
	// through the form; a second one is refused naming the rule, keeping
	// the input; jg1 approves.
	var own string
	// (Not a listed one: jg1, section staff, decides it; a listed
	// hazard's request goes to the leaders, see TestExtensionFourEyes.)
	if err := a.DB.R().QueryRowContext(ctx, `SELECT id FROM hazard WHERE enterprise_id = $1 AND state IN ('ordered', 'rectifying')
		AND deadline < '2022-12-31' AND listed = $2 ORDER BY deadline DESC, id LIMIT 1`, "01J0DEMOENTERPRISE00000001", false).Scan(&own); err != nil {
		t.Fatalf("an open hazard of the demo enterprise: %v", err)
	}
	form := url.Values{"hazard_id": {own}, "requested_on": {"2022-09-01"}, "requested_deadline": {"2022-12-31"}, "reason": {"设备订货周期长"}}
	rec = do(a, "POST", "/supervision/extensions", qiye, strings.NewReader(form.Encode()))
	if rec.Code != 303 {
		t.Fatalf("request extension: %d %s", rec.Code, rec.Body.String())
	}
	xpath := rec.Header().Get("Location")
	form.Set("reason", "再次申请")
	rec = do(a, "POST", "/supervision/extensions", qiye, strings.NewReader(form.Encode()))
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), "已有待审批的延期申请") || !strings.Contains(rec.Body.String(), "再次申请") {
		t.Fatalf("second request: %d", rec.Code)
	}
	if rec := do(a, "POST", xpath+"/decide", qiye, strings.NewReader("approve=1")); rec.Code != 403 {
		t.Fatalf("the enterprise decided: %d", rec.Code)
	}
	rec = do(a, "POST", xpath+"/decide", jg1, strings.NewReader("approve=0&on=2022-09-01"))
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), "请填写理由") {
		t.Fatalf("refusal without a reason: %d", rec.Code)
	}
	if rec := do(a, "POST", xpath+"/decide", jg1, strings.NewReader("approve=1&on=2022-09-01")); rec.Code != 303 {
		t.Fatalf("approve: %d %s", rec.Code, rec.Body.String())
	}
	if h, _ := a.Hazard.Get(ctx, p, own); h.Deadline != "2022-12-31" {
		t.Fatalf("deadline after approval: %s", h.Deadline)
	}

	// Settings: validated, kept in the form, admin only.
	bad := url.Values{"yellow_share": {"40"}, "letter_after": {"0"}, "remind_before": {"3"}, "issuer": {"示例县人民政府安全生产委员会办公室"},
		"letter_prefix": {"示安委办督"}, "listing_prefix": {"示安委办挂"}, "self_report": {"1"}}
	rec = do(a, "POST", "/settings/cards", admin, strings.NewReader(bad.Encode()))
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), "50% 至 99%") || !strings.Contains(rec.Body.String(), `value="40"`) {
		t.Fatalf("bad settings: %d", rec.Code)
	}
	good := bad
	good.Set("yellow_share", "80")
	good.Set("letter_after", "10")
	if rec := do(a, "POST", "/settings/cards", jg1, strings.NewReader(good.Encode())); rec.Code != 403 {
		t.Fatalf("section changed the rules: %d", rec.Code)
	}
	if rec := do(a, "POST", "/settings/cards", admin, strings.NewReader(good.Encode())); rec.Code != 303 {
		t.Fatalf("save settings: %d %s", rec.Code, rec.Body.String())
	}
	if r, _ := a.Supervise.Rules(ctx, "349901"); r.YellowShare != 0.8 || r.LetterAfter != 10 {
		t.Fatalf("rules after saving: %+v", r)
	}

	// The periodic sweep is a registered job.
	if _, ok := a.JobHandlers["hazard_card_sweep"]; !ok {
		t.Fatal("the sweep job is not registered")
	}
}
