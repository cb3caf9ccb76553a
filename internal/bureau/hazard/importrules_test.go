package hazard_test

import (
	"bytes"
	"context"
	"testing"

	"yingji/internal/bureau/hazard"
	"yingji/internal/kit/attach"
	"yingji/internal/kit/demo"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
)

// TestImportAndFormShareRules feeds the same refused step through the
// service the form and the API call and through the Excel import: both
// answer the same rule code, the import at the row and the column that
// carries what the step missed, and nothing of the file is committed.
func TestImportAndFormShareRules(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		jg1, zhifa := f.p(t, "jg1"), f.p(t, "zhifa")
		const mine = "示例县兆丰矿业有限公司"
		// withNumbers is a ledger row with its order and review numbers.
		withNumbers := func(grade, clause, desc, deadline, status, done, order, review string) []any {
			return []any{mine, "", "", "", "", grade, clause, "", desc, "", "", "", "2022-03-01", deadline, status, done, "", "", order, review}
		}
		cases := []struct {
			name, rule, col string
			steps           []hazard.StepInput // through the service, the last one refused
			files           int                // photos with the submit step
			row             []any
		}{
			{
				name: "order without a written order", rule: "hazard.rule.order_needs_document", col: "S",
				steps: []hazard.StepInput{{Action: hazard.ActGrade, On: "2022-03-01", Grade: hazard.General},
					{Action: hazard.ActOrder, On: "2022-03-01", Deadline: "2022-03-31"}},
				row: withNumbers("一般", "", "无指令书", "2022-03-31", "未整改", "", "", ""),
			},
			{
				name: "review without a review document", rule: "hazard.rule.verify_needs_document", col: "T",
				steps: []hazard.StepInput{{Action: hazard.ActGrade, On: "2022-03-01", Grade: hazard.General},
					{Action: hazard.ActOrder, On: "2022-03-01", Deadline: "2022-03-31", DocNumber: "示应急责改〔2022〕7号"},
					{Action: hazard.ActSubmit, On: "2022-03-10"},
					{Action: hazard.ActVerify, On: "2022-03-10"}},
				files: 1,
				row:   withNumbers("一般", "", "无复查意见书", "2022-03-31", "已整改", "2022-03-10", "示应急责改〔2022〕7号", ""),
			},
			{
				name: "major hazard ordered without its plan", rule: "hazard.rule.major_needs_plan", col: "F",
				steps: []hazard.StepInput{{Action: hazard.ActGrade, On: "2022-03-01", Grade: hazard.Major, Clause: "ks98-d-1"},
					{Action: hazard.ActOrder, On: "2022-03-01", Deadline: "2022-05-01", DocNumber: "示应急责改〔2022〕8号"}},
				row: withNumbers("重大", "ks98-d-1", "无治理方案", "2022-05-01", "未整改", "", "示应急责改〔2022〕8号", ""),
			},
		}
		for _, c := range cases {
			r, err := f.svc.Report(ctx, jg1, hazard.NewHazard{EnterpriseID: demo.EnterpriseID, Source: hazard.SourceInspection, Description: c.name, FoundOn: "2022-03-01"})
			if err != nil {
				t.Fatal(err)
			}
			var formRule string
			for i, st := range c.steps {
				var files []attach.Upload
				if st.Action == hazard.ActSubmit {
					for range c.files {
						files = append(files, photo(t))
					}
				}
				who := jg1
				if st.Action == hazard.ActVerify {
					who = zhifa // not the one who reported the rectification
				}
				_, err := f.svc.Do(ctx, who, r.ID, st, files)
				if i < len(c.steps)-1 {
					if err != nil {
						t.Fatalf("%s: step %s: %v", c.name, st.Action, err)
					}
					continue
				}
				e, ok := errs.As(err)
				if !ok {
					t.Fatalf("%s: the form's step was not refused by a rule: %v", c.name, err)
				}
				formRule = e.Message
			}
			if formRule != c.rule {
				t.Errorf("%s: the form answers %q, want %q", c.name, formRule, c.rule)
			}
			before := countRows(t, db, "hazard")
			res, err := ledger.Run(ctx, f.svc.Ledger(), jg1, bytes.NewReader(ledgerFile(t, [][]any{c.row})), ledger.Options{}, nil)
			if !errs.Is(err, errs.Invalid) || res == nil || len(res.Errors) != 1 {
				t.Fatalf("%s: import: %v %+v", c.name, err, res)
			}
			if e := res.Errors[0]; e.Rule != formRule || e.Row != 2 || e.Col != c.col || e.Reason == "" || e.Reason == e.Rule {
				t.Errorf("%s: the import answers %+v, want rule %q at row 2 column %s with its Chinese text", c.name, e, formRule, c.col)
			}
			if n := countRows(t, db, "hazard"); n != before {
				t.Errorf("%s: a refused file committed %d hazards", c.name, n-before)
			}
		}

		// A row that says 现场整改 is recorded as rectified on the spot
		// (no written order); the import never assumes it.
		res, err := ledger.Run(ctx, f.svc.Ledger(), jg1, bytes.NewReader(ledgerFile(t, [][]any{
			withNumbers("一般", "", "现场整改的隐患", "2022-03-02", "已整改", "2022-03-02", "现场整改", "示应急复查〔2022〕3号"),
			withNumbers("一般", "", "书面指令的隐患", "2022-03-31", "未整改", "", "示应急责改〔2022〕9号", ""),
		})), ledger.Options{}, nil)
		if err != nil || res.Imported != 2 {
			t.Fatalf("import: %v %+v", err, res)
		}
		list, _, err := f.svc.Page(ctx, jg1, hazard.Filter{Q: "的隐患"})
		if err != nil || len(list) != 2 {
			t.Fatalf("imported: %v %d", err, len(list))
		}
		for _, r := range list {
			switch r.Description {
			case "现场整改的隐患":
				if !r.OnSite || r.OrderNumber != "" || r.State != hazard.Closed || r.ReviewNumber != "示应急复查〔2022〕3号" || r.RectifiedBy == jg1.UserID {
					t.Errorf("on-site row: %+v", r)
				}
			case "书面指令的隐患":
				if r.OnSite || r.OrderNumber != "示应急责改〔2022〕9号" || r.State != hazard.Ordered || r.Deadline != "2022-03-31" {
					t.Errorf("ordered row: %+v", r)
				}
			}
		}
	})
}
