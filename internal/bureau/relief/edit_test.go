package relief_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"yingji/internal/bureau/relief"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/pdfdoc"
	"yingji/internal/kit/person"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
	"yingji/internal/kit/xlsx"
)

// TestEditReturnAndPublicity: a household is changed at 户报 and 村评 with
// the entry's checks; the editor is bound by four eyes; after the 公示 has
// started a change is refused naming the rule until the household is sent
// back; the 公示 list shows ID numbers masked even to the administrator.
func TestEditReturnAndPublicity(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		a, b, c, d := relief.DemoID(700001), relief.DemoID(700002), relief.DemoID(700003), relief.DemoID(700004)
		h1, err := f.svc.CreateHousehold(ctx, f.town, relief.Household{ProgrammeID: f.prog.ID, VillageCode: county + "100201", HeadName: "甲",
			Members: []relief.Member{{Name: "甲", IDNumber: a, Relation: "户主"}, {Name: "乙", IDNumber: b}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.CreateHousehold(ctx, f.town2, relief.Household{ProgrammeID: f.prog.ID, VillageCode: county + "100201", HeadName: "丙",
			Members: []relief.Member{{Name: "丙", IDNumber: c}}}); err != nil {
			t.Fatal(err)
		}
		edit := func(p *relief.Household, ms ...relief.Member) relief.Household {
			return relief.Household{VillageCode: county + "100201", HeadName: "甲", DisasterHit: true, Members: ms}
		}
		badCheck := d[:17] + map[bool]string{true: "1", false: "0"}[d[17] == '0']
		_, err = f.svc.UpdateHousehold(ctx, f.town, h1.ID, edit(nil, relief.Member{Name: "甲", IDNumber: a}, relief.Member{Name: "丁", IDNumber: badCheck}))
		if fe, ok := errs.As(err); !ok || fe.Kind != errs.Invalid || !strings.Contains(err.Error(), "members.1.id_number") {
			t.Fatalf("wrong check digit: %v", err)
		}
		_, err = f.svc.UpdateHousehold(ctx, f.town, h1.ID, edit(nil, relief.Member{Name: "甲", IDNumber: a}, relief.Member{Name: "丙", IDNumber: c}))
		if !strings.Contains(kindMsg(err), "relief.member_elsewhere") {
			t.Fatalf("member of another household: %v", err)
		}
		if _, err := f.svc.UpdateHousehold(ctx, f.read, h1.ID, edit(nil, relief.Member{Name: "甲", IDNumber: a})); errs.KindOf(err) != errs.Forbidden {
			t.Fatalf("read-only edits: %v", err)
		}
		got, err := f.svc.UpdateHousehold(ctx, f.town, h1.ID, edit(nil, relief.Member{Name: "甲", IDNumber: a, Relation: "户主"}, relief.Member{Name: "丁", IDNumber: d}))
		if err != nil {
			t.Fatal(err)
		}
		if got.Step != relief.StepReported || !got.DisasterHit || len(got.Members) != 2 || got.Members[1].IDNumber != d || got.Members[0].ID != h1.Members[0].ID {
			t.Fatalf("after edit: %+v", got)
		}
		// The person dropped (乙) may now join another household.
		if _, err := f.svc.CreateHousehold(ctx, f.town2, relief.Household{ProgrammeID: f.prog.ID, VillageCode: county + "100201", HeadName: "乙",
			Members: []relief.Member{{Name: "乙", IDNumber: b}}}); err != nil {
			t.Fatal("freed member:", err)
		}
		// 村评 by a second user, then a change at 村评 by that user: back
		// to 户报, and the editor may not assess it.
		if _, err := f.svc.TakeStep(ctx, f.town2, h1.ID, relief.StepInput{Step: "village", Approved: true}); err != nil {
			t.Fatal(err)
		}
		got, err = f.svc.UpdateHousehold(ctx, f.town2, h1.ID, edit(nil, relief.Member{Name: "甲", IDNumber: a, Relation: "户主"}, relief.Member{Name: "丁", IDNumber: d}))
		if err != nil || got.Step != relief.StepReported || got.EditedBy != f.town2.UserID {
			t.Fatalf("edit at 村评: %+v %v", got, err)
		}
		if _, err := f.svc.TakeStep(ctx, f.town2, h1.ID, relief.StepInput{Step: "village", Approved: true}); !strings.Contains(kindMsg(err), "relief.rule.four_eyes") {
			t.Fatalf("editor assesses: %v", err)
		}
		if _, err := f.svc.TakeStep(ctx, f.town, h1.ID, relief.StepInput{Step: "village", Approved: true}); !strings.Contains(kindMsg(err), "relief.rule.four_eyes") {
			t.Fatalf("entrant assesses: %v", err)
		}
		// The editor's to-do does not count it; the entrant's neither.
		n2, _, err := f.svc.Waiting(ctx, f.town2)
		if err != nil {
			t.Fatal(err)
		}
		hs, _, _ := f.svc.Households(ctx, f.town2, relief.HouseholdFilter{Step: relief.StepReported})
		others := 0
		for _, h := range hs {
			if h.EnteredBy != f.town2.UserID && h.EditedBy != f.town2.UserID {
				others++
			}
		}
		if n2 != others {
			t.Fatalf("town2 waits for %d, want %d", n2, others)
		}
		if _, err := f.svc.TakeStep(ctx, f.admin, h1.ID, relief.StepInput{Step: "village", Approved: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.TakeStep(ctx, f.town, h1.ID, relief.StepInput{Step: "publicity", Approved: true, PublicityFrom: "2022-06-20", PublicityTo: "2022-06-26"}); err != nil {
			t.Fatal(err)
		}
		// After the 公示 has started: refused naming the rule.
		_, err = f.svc.UpdateHousehold(ctx, f.town, h1.ID, edit(nil, relief.Member{Name: "甲", IDNumber: a}))
		if errs.KindOf(err) != errs.Conflict || !strings.Contains(kindMsg(err), "relief.rule.edit_after_publicity") {
			t.Fatalf("edit in 公示: %v", err)
		}

		// The 公示 list: masked for everyone, even the administrator.
		l, err := f.svc.Publicity(ctx, f.admin, f.prog.ID, county+"100", "", "籍山镇民政办 0553-1234567")
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Rows) != 2 || l.People != 2 || l.Total != 2*45000 || l.Period != "2022年6月20日至2022年6月26日" || !strings.Contains(l.Object, "0553-1234567") {
			t.Fatalf("list: %+v", l)
		}
		if l.Rows[1].IDNumber != person.MaskID(d) || l.Rows[0].Flags != "受灾户" || l.Rows[0].People != 2 {
			t.Fatalf("rows: %+v", l.Rows)
		}
		var buf bytes.Buffer
		if err := pdfdoc.Render(&buf, l.Doc()); err != nil {
			t.Fatal(err)
		}
		if text := pdfText(t, buf.Bytes()); !strings.Contains(text, person.MaskID(d)) || strings.Contains(text, d) || strings.Contains(text, a) ||
			!strings.Contains(text, "0553-1234567") || !strings.Contains(text, "2022年6月20日至2022年6月26日") {
			t.Fatalf("pdf text: %s", text)
		}
		var xb bytes.Buffer
		xw, err := xlsx.NewWriter(&xb, relief.PublicitySchema())
		if err != nil {
			t.Fatal(err)
		}
		if err := l.WriteXLSX(xw); err != nil {
			t.Fatal(err)
		}
		if err := xw.Close(); err != nil {
			t.Fatal(err)
		}
		if raw := xlsxText(t, xb.Bytes()); strings.Contains(raw, d) || !strings.Contains(raw, person.MaskID(d)) || !strings.Contains(raw, "900.00") {
			t.Fatalf("xlsx: %s", raw)
		}
		// 丙 and 乙 are still at 户报: not on the list.
		for _, r := range l.Rows {
			if r.Name == "丙" || r.Name == "乙" {
				t.Fatalf("not in notice yet but listed: %+v", r)
			}
		}

		// Sending back: the leader may not while it is in 公示; a reason
		// is required; then it is editable again and the period cleared.
		if _, err := f.svc.ReturnHousehold(ctx, f.leader, h1.ID, relief.ReturnInput{Note: "x"}); errs.KindOf(err) != errs.Forbidden {
			t.Fatalf("leader returns in 公示: %v", err)
		}
		if _, err := f.svc.ReturnHousehold(ctx, f.town, h1.ID, relief.ReturnInput{}); errs.KindOf(err) != errs.Invalid {
			t.Fatalf("no reason: %v", err)
		}
		got, err = f.svc.ReturnHousehold(ctx, f.town, h1.ID, relief.ReturnInput{Note: "身份证号录错 " + d})
		if err != nil || got.Step != relief.StepReported || got.PublicityFrom != "" {
			t.Fatalf("return: %+v %v", got, err)
		}
		if _, err := f.svc.UpdateHousehold(ctx, f.town, h1.ID, edit(nil, relief.Member{Name: "甲", IDNumber: a})); err != nil {
			t.Fatal("edit after return:", err)
		}
		steps, _, err := f.svc.History(ctx, f.read, h1.ID)
		if err != nil {
			t.Fatal(err)
		}
		last := steps[len(steps)-1]
		if last.Step != relief.StepReturn || strings.Contains(last.Note, d) {
			t.Fatalf("history: %+v", last)
		}
		// No clear ID number in the audit entries.
		var n int
		if err := db.R().QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE entity = 'relief_household' AND (summary LIKE $1 OR summary LIKE $2)`,
			"%"+d+"%", "%"+a+"%").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("%d audit entries hold a clear ID number", n)
		}
	})
}

func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	tool, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext not found but CI is set")
		}
		t.Skip("pdftotext not found (apt-get install poppler-utils)")
	}
	cmd := exec.Command(tool, "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(strings.Fields(string(out)), "")
}

func xlsxText(t *testing.T, b []byte) string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	for _, r := range rows {
		sb.WriteString(strings.Join(r, "|") + "\n")
	}
	return sb.String()
}
