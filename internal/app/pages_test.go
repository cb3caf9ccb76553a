package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"yingji/internal/app"
	"yingji/internal/bureau/hazard"
	"yingji/internal/bureau/hazard/supervise"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/demo"
	"yingji/internal/kit/org"
)

// principal returns the demo user's principal.
func principal(t *testing.T, a *app.App, username string) *auth.Principal {
	t.Helper()
	p, err := a.Auth.PrincipalFor(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// page GETs path as the user (bearer token) and returns the body.
func page(t *testing.T, a *app.App, token, path string) string {
	t.Helper()
	rec := do(a, http.MethodGet, path, token, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body.String())
	}
	return rec.Body.String()
}

// todoItems returns the home page's to-do list of the user: link → text.
func todoItems(t *testing.T, a *app.App, username string) map[string]string {
	t.Helper()
	body := page(t, a, userToken(t, a, username), "/")
	i := strings.Index(body, `id="todo"`)
	if i < 0 {
		t.Fatalf("%s: home page has no to-do list", username)
	}
	sec := body[i : i+strings.Index(body[i:], "</section>")]
	out := map[string]string{}
	for _, li := range strings.Split(sec, "<li>")[1:] {
		href := li[strings.Index(li, `href="`)+6:]
		href = strings.ReplaceAll(href[:strings.Index(href, `"`)], "&amp;", "&")
		out[href] = li
	}
	if len(out) == 0 && !strings.Contains(sec, "暂无待办") {
		t.Errorf("%s: an empty to-do list says nothing", username)
	}
	return out
}

// auditChanges returns the audit page's readable changes (the raw JSON
// kept for specialists under <details> left out).
func auditChanges(t *testing.T, a *app.App, token, query string) string {
	t.Helper()
	body := page(t, a, token, "/audit?"+query)
	var b strings.Builder
	for {
		i := strings.Index(body, "<details")
		if i < 0 {
			b.WriteString(body)
			break
		}
		b.WriteString(body[:i])
		body = body[i+strings.Index(body[i:], "</details>")+len("</details>"):]
	}
	return b.String()
}

// rawLabel finds a field shown by its JSON key ("hazard.on_site：").
var rawLabel = regexp.MustCompile(`<span class="muted">[a-z_.]+[：:]`)

// rawCode finds a value shown as its code ("pending", "chem_trade") in an
// audit line.
var rawCode = regexp.MustCompile(`<span class="muted">([^<]*)[：:]</span>(?:[^<→\n]* → )?([a-z][a-z0-9]*(?:_[a-z0-9]+)*)\s*(?:→|\n|</div>)`)

// TestPagesSpeakToAClerk checks, on the demo county, what the pages tell
// a clerk: the inbox notice to the section and the town when an
// enterprise reports a hazard, the home page's to-do list per role, and
// an audit log that reads in words (names, not codes).
func TestPagesSpeakToAClerk(t *testing.T) {
	now := time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC)
	a := demoApp(t, false, now)
	ctx := context.Background()
	qiye, jg1, leader := principal(t, a, "qiye"), principal(t, a, "jg1"), principal(t, a, "leader")
	e, err := a.Enterprise.Get(ctx, qiye, demo.EnterpriseID)
	if err != nil {
		t.Fatal(err)
	}
	townName, err := a.Org.RegionName(ctx, e.TownCode)
	if err != nil {
		t.Fatal(err)
	}
	// A town officer of the enterprise's town (the demo's town user is in another town).
	units, err := a.Org.ListUnits(ctx, a.System(), org.UnitFilter{Kind: org.UnitTown})
	if err != nil {
		t.Fatal(err)
	}
	var townUnit string
	for _, u := range units {
		if u.RegionCode == e.TownCode {
			townUnit = u.ID
		}
	}
	officer, err := a.Auth.CreateUser(ctx, a.System(), auth.UserInput{Username: "town104", DisplayName: "镇安监员", Role: auth.RoleTown,
		UnitID: townUnit, RegionCode: e.TownCode, Password: "Town2026pw"})
	if err != nil {
		t.Fatal(err)
	}

	// Figures are coloured by meaning, and say something to whoever reads them.
	home := page(t, a, userToken(t, a, "leader"), "/")
	if !strings.Contains(home, `<a class="stat alert" href="/hazards/overdue">`) {
		t.Error("overdue hazards are not shown as an alert on the leader's home")
	}
	if !strings.Contains(home, `<a class="stat" href="/enterprises">`) {
		t.Error("the number of enterprises is not shown as a neutral count")
	}
	if strings.Count(home, `class="stat alert"`) > 3 {
		t.Errorf("%d figures are red on the leader's home; red is for what is late or grave", strings.Count(home, `class="stat alert"`))
	}
	if h := page(t, a, userToken(t, a, "qiye"), "/"); strings.Contains(h, `href="/my-enterprise"><span class="num">1</span>`) {
		t.Error("an enterprise's home shows \"1 本企业\"")
	}
	if h := page(t, a, userToken(t, a, "town"), "/"); strings.Contains(h, `href="/regions?level=town"`) {
		t.Error("a town's home counts its one town")
	}

	// Placeholders show the clock's year (2026 here), not one written in.
	if h := page(t, a, userToken(t, a, "leader"), "/datacalls/new"); !strings.Contains(h, `placeholder="2026年1-5月"`) {
		t.Error("the data call form's period placeholder does not show the current year")
	}

	lt0 := userToken(t, a, "leader")

	// Before: nothing to grade for the section.
	if _, ok := todoItems(t, a, "jg1")["/hazards?state=reported"]; ok {
		t.Fatal("jg1 has hazards to grade before any was reported")
	}

	// The enterprise reports a hazard: its section and its town hear of it.
	h, err := a.Hazard.Report(ctx, qiye, hazard.NewHazard{Description: "尾矿库排洪设施堵塞", FoundOn: "2026-06-01", Source: hazard.SourceSelfCheck})
	if err != nil {
		t.Fatal(err)
	}
	told := func(userID string) bool {
		ns, err := a.Notify.Inbox(ctx, userID, false, 50)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range ns {
			if n.EntityID == h.ID && n.Topic == "hazard.reported" && n.Link == "/hazards/"+h.ID {
				return true
			}
		}
		return false
	}
	if !told(jg1.UserID) {
		t.Error("the supervising section (jg1) got no inbox notice of the enterprise's hazard")
	}
	if !told(officer.ID) {
		t.Error("the enterprise's town got no inbox notice of its hazard")
	}
	if told(principal(t, a, "town").UserID) || told(principal(t, a, "jg2").UserID) {
		t.Error("staff outside the enterprise's town or section were notified")
	}

	// To-do: the section grades it and verifies rectifications.
	c, err := a.Hazard.Counts(ctx, jg1, hazard.Filter{State: hazard.Reported})
	if err != nil {
		t.Fatal(err)
	}
	items := todoItems(t, a, "jg1")
	if li, ok := items["/hazards?state=reported"]; !ok || !strings.Contains(li, "待定级的隐患") || !strings.Contains(li, ">"+strconv.Itoa(c.Found)+"<") {
		t.Errorf("jg1's to-do has no %d hazards to grade: %v", c.Found, items)
	}
	if _, ok := items["/hazards?state=pending_review"]; !ok {
		t.Errorf("jg1's to-do has no rectifications to verify: %v", items)
	}

	// Grade it major citing a clause, order it with a deadline, and ask for
	// more time: the leader has a request to decide.
	clause := hazard.ClausesFor(e.Sector)[0]
	if _, err := a.Hazard.Do(ctx, jg1, h.ID, hazard.StepInput{Action: hazard.ActGrade, Grade: hazard.Major, Clause: clause.Code,
		PlanMeasures: "清淤", PlanFunds: "5万元", PlanDeadline: "2026-06-30", PlanPerson: "张三", PlanEmergency: "停产"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Hazard.Do(ctx, jg1, h.ID, hazard.StepInput{Action: hazard.ActOrder, Deadline: "2026-06-30", DocNumber: "示应急责改〔2026〕9号"}, nil); err != nil {
		t.Fatal(err)
	}
	ext, err := a.Supervise.RequestExtension(ctx, qiye, supervise.ExtensionInput{HazardID: h.ID, RequestedDeadline: "2026-07-15", Reason: "雨季施工"})
	if err != nil {
		t.Fatal(err)
	}
	extLink := "/supervision?tab=extensions&todo=1"
	if li, ok := todoItems(t, a, "leader")[extLink]; !ok || !strings.Contains(li, "待审批的延期申请") {
		t.Errorf("the leader's to-do has no extension request to decide: %v", todoItems(t, a, "leader"))
	}
	for link := range todoItems(t, a, "leader") {
		if strings.HasPrefix(link, "/hazards") {
			t.Errorf("the leader (who takes no hazard step) is asked to %s", link)
		}
	}
	townItems := todoItems(t, a, "town")
	if _, ok := townItems[extLink]; ok {
		t.Error("town staff, who decide no extension, are asked to")
	}
	tc, err := a.Hazard.Counts(ctx, principal(t, a, "town"), hazard.Filter{State: hazard.PendingReview})
	if err != nil {
		t.Fatal(err)
	}
	if li, ok := townItems["/hazards?state=pending_review"]; (tc.Found > 0) != ok || (ok && !strings.Contains(li, ">"+strconv.Itoa(tc.Found)+"<")) {
		t.Errorf("town's to-do: want %d rectifications to verify, got %v", tc.Found, townItems)
	}
	// A data call addressed to the town waits on its to-do until filled in.
	if _, ok := townItems["/datacalls"]; ok {
		t.Fatal("the town has a data call to fill before any was addressed to it")
	}
	var forms struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if rec := do(a, http.MethodGet, "/api/v1/datacall-forms", lt0, nil); rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &forms) != nil || len(forms.Items) == 0 {
		t.Fatalf("data call forms: %d %s", rec.Code, rec.Body.String())
	}
	call, _ := json.Marshal(map[string]any{"form_id": forms.Items[0].ID, "period": "2026年5月", "deadline": "2026-06-10",
		"units": []string{principal(t, a, "town").UnitID}})
	if rec := do(a, http.MethodPost, "/api/v1/datacalls", lt0, bytes.NewReader(call)); rec.Code != http.StatusCreated {
		t.Fatalf("issue a data call: %d %s", rec.Code, rec.Body.String())
	}
	if li, ok := todoItems(t, a, "town")["/datacalls"]; !ok || !strings.Contains(li, "待填报的数据征集") {
		t.Errorf("the town's to-do has no data call to fill: %v", todoItems(t, a, "town"))
	}
	if _, err := a.Supervise.DecideExtension(ctx, leader, ext.ID, supervise.DecisionInput{Approve: true}); err != nil {
		t.Fatal(err)
	}
	if _, ok := todoItems(t, a, "leader")[extLink]; ok {
		t.Error("a decided request still waits on the leader's to-do")
	}

	// The audit log reads in words.
	lt := userToken(t, a, "leader")
	hz := auditChanges(t, a, lt, "entity=hazard&entity_id="+h.ID)
	for _, want := range []string{townName, e.Name, "整改期限", "已上报", "责令整改"} {
		if !strings.Contains(hz, html.EscapeString(want)) {
			t.Errorf("hazard audit: %q missing in %s", want, hz[strings.Index(hz, "<tbody>"):])
		}
	}
	for _, code := range []string{"hazard.place_name", "hazard.town_code", "town_code", e.TownCode, clause.Code, "取证期限", ">major<", "ordered"} {
		if strings.Contains(hz, code) {
			t.Errorf("hazard audit shows the code %q", code)
		}
	}
	if strings.Contains(hz, ">"+h.ID+"<") {
		t.Error("the audit log shows a record id where it should name the record")
	}
	ex := auditChanges(t, a, lt, "entity=extension_request&entity_id="+ext.ID)
	for _, want := range []string{"待审批", "已批准", "申请延期至", "整改期限", townName} {
		if !strings.Contains(ex, want) {
			t.Errorf("extension audit: %q missing", want)
		}
	}
	for _, code := range []string{"pending", "approved", "requested_deadline", "current_deadline", e.TownCode} {
		if strings.Contains(ex, code) {
			t.Errorf("extension audit shows the code %q", code)
		}
	}
	for _, body := range []string{hz, ex} {
		if m := rawLabel.FindString(body); m != "" {
			t.Errorf("audit shows a field by its key: %s", m)
		}
	}
	// No entry of the whole log shows a field by its key.
	raw := map[string]bool{}
	for pg := 1; ; pg++ {
		body := auditChanges(t, a, userToken(t, a, "admin"), "size=200&page="+strconv.Itoa(pg))
		for _, m := range rawLabel.FindAllString(body, -1) {
			if !raw[m] {
				raw[m] = true
				t.Errorf("the audit log (page %d) shows a field by its key: %s", pg, m)
			}
		}
		for _, m := range rawCode.FindAllStringSubmatch(body, -1) {
			if m[1] == "用户名" || m[1] == "名称" { // text that may look like a code
				continue
			}
			if !raw[m[0]] {
				raw[m[0]] = true
				t.Errorf("the audit log (page %d) shows a code untranslated: %s", pg, m[0])
			}
		}
		if !strings.Contains(body, "pager.next") && !strings.Contains(body, "下一页") {
			break
		}
	}
	// The extension's page names the clause the hazard cites.
	xp := page(t, a, lt, "/supervision/extensions/"+ext.ID)
	if !strings.Contains(xp, html.EscapeString(clause.Label())) || strings.Contains(xp, clause.Code+"<") {
		t.Errorf("the extension page shows the clause code %s, not its text", clause.Code)
	}
}
