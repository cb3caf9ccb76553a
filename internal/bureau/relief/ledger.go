package relief

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/org"
	"yingji/internal/kit/person"
	"yingji/internal/kit/store"
	"yingji/internal/kit/xlsx"
)

// Ledger kinds (URL segment and CLI name).
const (
	PaymentsKind   = "relief-payments"
	HouseholdsKind = "relief-households"
)

// PaymentSchema is the bank's payment list (救助资金发放名册): one row per
// person paid in a programme. The headers 救助类型, 金额（元） and 发放日期
// are a contract (acceptance checks read them).
func PaymentSchema() xlsx.Schema {
	return xlsx.Schema{Name: "救助发放名册", Columns: []xlsx.Column{
		{Key: "programme", Header: "救助项目", HeaderEN: "Programme", Width: 26},
		{Key: "kind", Header: "救助类型", HeaderEN: "Relief type", Width: 16},
		{Key: "town", Header: "乡镇", HeaderEN: "Town", Width: 12},
		{Key: "village", Header: "村（社区）", HeaderEN: "Village", Width: 14},
		{Key: "head", Header: "户主", HeaderEN: "Head of household", Width: 10},
		{Key: "name", Header: "姓名", HeaderEN: "Name", Width: 10},
		{Key: "id_number", Header: "身份证号", HeaderEN: "ID number", Width: 20},
		{Key: "categories", Header: "救助类别", HeaderEN: "Categories", Width: 14},
		{Key: "goods", Header: "发放物资", HeaderEN: "Goods", Width: 18},
		{Key: "amount", Header: "金额（元）", HeaderEN: "Amount (yuan)", Width: 12},
		{Key: "paid_on", Header: "发放日期", HeaderEN: "Paid on", Width: 12},
		{Key: "account_holder", Header: "开户人", HeaderEN: "Account holder", Width: 10},
		{Key: "account_no", Header: "银行账号", HeaderEN: "Bank account", Width: 22},
	}}
}

// PaymentFilterOf reads the payments filter from query parameters.
func PaymentFilterOf(q url.Values) PaymentFilter {
	return PaymentFilter{ProgrammeID: q.Get("programme"), Kind: q.Get("kind"), Town: q.Get("town"), Category: q.Get("category"),
		Mode: q.Get("mode"), From: q.Get("from"), To: q.Get("to"), HouseholdID: q.Get("household"), Q: q.Get("q")}
}

// Places returns the names of the county's towns and villages by code.
func (s *Service) Places(ctx context.Context, p *auth.Principal) map[string]string {
	out := map[string]string{}
	if s.org == nil {
		return out
	}
	all, err := s.org.ListRegions(ctx, &auth.Principal{Role: auth.RoleLeader, CountyCode: p.CountyCode}, org.RegionFilter{})
	if err != nil {
		return out
	}
	for _, r := range all {
		out[r.Code] = r.Name
	}
	return out
}

// PersonPaid is one row of the bank list: what one person received in
// one programme.
type PersonPaid struct {
	Payment
	Categories []string
	Goods      []string
	Total      int64  // 分
	LastPaidOn string // the latest payment day
}

// EachPersonPaid streams the payments matching f grouped by programme
// and person (one PersonPaid per person paid in a programme).
func (s *Service) EachPersonPaid(ctx context.Context, p *auth.Principal, f PaymentFilter, fn func(PersonPaid) error) error {
	var cur *PersonPaid
	flush := func() error {
		if cur == nil {
			return nil
		}
		err := fn(*cur)
		cur = nil
		return err
	}
	err := s.EachPayment(ctx, p, f, func(x Payment) error {
		if cur != nil && (cur.ProgrammeID != x.ProgrammeID || cur.MemberID != x.MemberID) {
			if err := flush(); err != nil {
				return err
			}
		}
		if cur == nil {
			cur = &PersonPaid{Payment: x}
		}
		cur.Categories = append(cur.Categories, CategoryLabel(x.Category, "zh"))
		if x.Mode == ModeGoods {
			cur.Goods = append(cur.Goods, fmt.Sprintf("%s×%d", x.Item, x.Quantity))
		}
		cur.Total += x.Amount
		if x.PaidOn > cur.LastPaidOn {
			cur.LastPaidOn = x.PaidOn
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

func (s *Service) exportPayments(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
	names := s.Places(ctx, p)
	return s.EachPersonPaid(ctx, p, PaymentFilterOf(q), func(x PersonPaid) error {
		paid, _ := time.Parse("2006-01-02", x.LastPaidOn)
		return w.Write(x.ProgrammeName, KindLabel(x.ProgrammeKind, "zh"), names[x.TownCode], names[x.VillageCode], x.HeadName, x.MemberName,
			x.IDNumber, strings.Join(x.Categories, "、"), strings.Join(x.Goods, "、"), float64(x.Total)/100, paid, x.AccountHolder, x.AccountNo)
	})
}

// HouseholdSchema is the household list (需救助人口台账): one row per
// person; rows with the same 户序号 make one household.
func HouseholdSchema() xlsx.Schema {
	yesNo := []string{"是", "否"}
	return xlsx.Schema{Name: "需救助人口台账", Columns: []xlsx.Column{
		{Key: "no", Header: "户序号", HeaderEN: "Household no.", Required: true, Example: "1", Help: "同一户的成员填写相同的户序号"},
		{Key: "town", Header: "乡镇", HeaderEN: "Town", Required: true, Example: "籍山镇"},
		{Key: "village", Header: "村（社区）", HeaderEN: "Village", Required: true, Example: "新林村"},
		{Key: "head", Header: "户主姓名", HeaderEN: "Head of household", Required: true, Example: "王长江"},
		{Key: "name", Header: "姓名", HeaderEN: "Name", Required: true, Example: "王长江"},
		{Key: "id_number", Header: "身份证号", HeaderEN: "ID number", Required: true, Width: 20, Help: "18 位居民身份证号码，按 GB 11643 校验"},
		{Key: "relation", Header: "与户主关系", HeaderEN: "Relation", Example: "户主"},
		{Key: "extreme_poor", Header: "特困供养", HeaderEN: "Extremely poor", Options: yesNo},
		{Key: "min_living", Header: "低保", HeaderEN: "Minimum living", Options: yesNo},
		{Key: "out_of_poverty", Header: "脱贫户", HeaderEN: "Out of poverty", Options: yesNo},
		{Key: "disaster_hit", Header: "受灾户", HeaderEN: "Disaster-hit", Options: yesNo},
		{Key: "account_holder", Header: "开户人", HeaderEN: "Account holder"},
		{Key: "account_no", Header: "银行账号", HeaderEN: "Bank account", Width: 22},
		{Key: "address", Header: "家庭住址", HeaderEN: "Address", Width: 24},
		{Key: "note", Header: "备注", HeaderEN: "Note"},
	}}
}

// HouseholdFilterOf reads the household filter from query parameters.
func HouseholdFilterOf(q url.Values) HouseholdFilter {
	return HouseholdFilter{ProgrammeID: q.Get("programme"), Town: q.Get("town"), Village: q.Get("village"), Step: q.Get("step"), Q: q.Get("q"), Flag: q.Get("flag")}
}

func yes(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

func (s *Service) exportHouseholds(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
	names := s.Places(ctx, p)
	f := HouseholdFilterOf(q)
	f.Limit = 500
	no := 0
	for {
		list, _, err := s.Households(ctx, p, f)
		if err != nil {
			return err
		}
		for _, h := range list {
			no++
			for _, m := range h.Members {
				if err := w.Write(no, names[h.TownCode], names[h.VillageCode], h.HeadName, m.Name, m.IDNumber, m.Relation, yes(h.ExtremePoor),
					yes(h.MinLiving), yes(h.OutOfPoverty), yes(h.DisasterHit), h.AccountHolder, h.AccountNo, h.Address, h.Note, StepLabel(h.Step, "zh")); err != nil {
					return err
				}
			}
		}
		if len(list) < f.Limit {
			return nil
		}
		f.Offset += f.Limit
	}
}

// Ledgers are the module's Excel registers.
func (s *Service) Ledgers() []*ledger.Ledger {
	return []*ledger.Ledger{
		{Kind: PaymentsKind, Title: "relief.payments_title", Schema: PaymentSchema(), Export: s.exportPayments},
		{Kind: HouseholdsKind, Title: "relief.households_title", Schema: HouseholdSchema(), Export: s.exportHouseholds,
			ExportColumns: []xlsx.Column{{Key: "step", Header: "审批环节", HeaderEN: "Step"}},
			Target:        &ledger.Target{Param: "programme", Label: "relief.programme", Choices: s.programmeChoices},
			NewImport: func(ctx context.Context, p *auth.Principal, target string) (ledger.Import, error) {
				if !CanEnter(p) {
					return nil, errs.New(errs.Forbidden, "forbidden")
				}
				return s.newImport(ctx, p, target)
			}},
	}
}

func (s *Service) programmeChoices(ctx context.Context, p *auth.Principal) ([]ledger.Choice, error) {
	list, err := s.Programmes(ctx, p)
	if err != nil {
		return nil, err
	}
	out := make([]ledger.Choice, len(list))
	for i, g := range list {
		out[i] = ledger.Choice{Value: g.ID, Label: g.Name}
	}
	return out, nil
}

type hhImport struct {
	s        *Service
	p        *auth.Principal
	prog     Programme
	today    time.Time
	towns    map[string]string            // town name → code (in p's scope)
	villages map[string]map[string]string // town code → village name → code
	existing map[string]bool              // ID indexes already in the programme
	seen     map[string]int               // ID number → row in this file
	byNo     map[string]int               // 户序号 → index in hs
	hs       []Household
}

func (s *Service) newImport(ctx context.Context, p *auth.Principal, programmeID string) (*hhImport, error) {
	if programmeID == "" {
		// No silent default: the households of a file belong to the
		// programme the user names (the web form's select, the CLI's
		// --programme).
		return nil, errs.Field("programme", "relief.programme_unknown", nil)
	}
	prog, err := s.Programme(ctx, p, programmeID)
	if err != nil {
		return nil, errs.Field("programme", "relief.programme_unknown", nil)
	}
	im := &hhImport{s: s, p: p, prog: prog, today: s.now(), towns: map[string]string{}, villages: map[string]map[string]string{},
		existing: map[string]bool{}, seen: map[string]int{}, byNo: map[string]int{}}
	if s.org != nil {
		regions, err := s.org.ListRegions(ctx, p, org.RegionFilter{})
		if err != nil {
			return nil, err
		}
		for _, r := range regions {
			switch r.Level {
			case org.LevelTown:
				im.towns[r.Name] = r.Code
			case org.LevelVillage:
				if im.villages[r.ParentCode] == nil {
					im.villages[r.ParentCode] = map[string]string{}
				}
				im.villages[r.ParentCode][r.Name] = r.Code
			}
		}
	}
	rows, err := s.db.R().QueryContext(ctx, `SELECT id_index FROM relief_member WHERE programme_id = $1`, prog.ID)
	if err != nil {
		return nil, fmt.Errorf("existing members: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var x string
		if err := rows.Scan(&x); err != nil {
			return nil, err
		}
		im.existing[x] = true
	}
	return im, rows.Err()
}

// importKeys maps a model field to its Excel column.
var importKeys = map[string]string{"town_code": "town", "village_code": "village", "head_name": "head", "members.0.name": "name", "members.0.id_number": "id_number"}

func (im *hhImport) Check(ctx context.Context, row xlsx.Row) []xlsx.CellError {
	v := row.Values
	var out []xlsx.CellError
	bad := func(key, reason string) { out = append(out, xlsx.CellError{Key: key, Reason: reason}) }
	h := Household{ProgrammeID: im.prog.ID, HeadName: v["head"], Address: v["address"], Note: v["note"], AccountHolder: v["account_holder"], AccountNo: v["account_no"],
		ExtremePoor: v["extreme_poor"] == "是", MinLiving: v["min_living"] == "是", OutOfPoverty: v["out_of_poverty"] == "是", DisasterHit: v["disaster_hit"] == "是",
		Members: []Member{{Name: v["name"], IDNumber: v["id_number"], Relation: v["relation"]}}}
	if t := v["town"]; t != "" {
		code, ok := im.towns[t]
		if !ok && im.s.org != nil {
			bad("town", "未知乡镇，或不在您的管辖范围内")
		}
		h.TownCode = code
	}
	if vv := v["village"]; vv != "" && h.TownCode != "" {
		code, ok := im.villages[h.TownCode][vv]
		if !ok && im.s.org != nil {
			bad("village", "该乡镇下没有这个村（社区）")
		}
		h.VillageCode = code
	}
	if len(out) > 0 || len(row.Errors) > 0 {
		return out
	}
	// The form's rules (names, ID number check, town and village).
	if err := ValidateHousehold(&h, im.today); err != nil {
		for _, fe := range errs.Fields(err) {
			key := fe.Field
			if k, ok := importKeys[key]; ok {
				key = k
			}
			bad(key, cellReason(fe))
		}
		return out
	}
	m := h.Members[0]
	if first, dup := im.seen[m.IDNumber]; dup {
		bad("id_number", fmt.Sprintf("与第 %d 行是同一人：一人只能在一户中", first))
		return out
	}
	if im.existing[im.s.IndexOf(m.IDNumber)] {
		bad("id_number", "此人已在本救助项目的其他户中")
		return out
	}
	no := strings.TrimSpace(v["no"])
	if i, ok := im.byNo[no]; ok {
		x := &im.hs[i]
		if x.TownCode != h.TownCode || x.VillageCode != h.VillageCode || x.HeadName != h.HeadName {
			bad("no", "同一户序号的乡镇、村（社区）和户主须一致")
			return out
		}
		im.seen[m.IDNumber] = row.Num
		x.Members = append(x.Members, m)
		return out
	}
	im.seen[m.IDNumber] = row.Num
	im.byNo[no] = len(im.hs)
	im.hs = append(im.hs, h)
	return out
}

// cellReason renders a model field error in Chinese for the error report.
func cellReason(fe *errs.Error) string {
	switch fe.Message {
	case "relief.id_invalid":
		return "身份证号无效：" + fmt.Sprint(fe.Args["Reason"])
	case "relief.village_not_in_town":
		return "该村（社区）不属于所填乡镇"
	case "field.required":
		return "必填项为空"
	}
	return "取值无效"
}

func (im *hhImport) Commit(ctx context.Context, progress func(done, total int64)) (int, error) {
	total := int64(len(im.hs))
	n := 0
	err := im.s.db.InTx(ctx, func(tx *store.Tx) error {
		now := im.s.now().UTC()
		entries := make([]audit.Entry, len(im.hs))
		n = 0
		for i := range im.hs {
			h := &im.hs[i]
			h.ID, h.CountyCode, h.Step, h.EnteredBy, h.EnteredByName, h.CreatedAt, h.UpdatedAt = ids.New(), im.p.CountyCode, StepReported, im.p.UserID, displayName(im.p), now, now
			for j := range h.Members {
				h.Members[j].ID = ids.New()
				n++
			}
			entries[i] = audit.Entry{Entity: "relief_household", EntityID: h.ID, Action: "import", After: maskHousehold(*h)}
		}
		if err := im.s.insertHouseholds(ctx, tx, im.hs); err != nil {
			if store.IsUniqueViolation(err) || errs.Is(err, errs.Invalid) {
				return errs.New(errs.Conflict, "relief.import_conflict")
			}
			return err
		}
		progress(total, total)
		return audit.RecordMany(ctx, tx, now, im.p.Actor(), entries)
	})
	return n, err
}

// MaskedID is how an ID number reads for a reader without the
// permission (for tests and templates).
func MaskedID(id string) string { return person.MaskID(id) }
