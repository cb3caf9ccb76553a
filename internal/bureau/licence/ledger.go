package licence

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/store"
	"yingji/internal/kit/xlsx"
)

func typeNames() []string {
	out := make([]string, len(Types))
	for i, t := range Types {
		out[i] = t.Name
	}
	return out
}

// zh labels for the Excel files (the ledgers are Chinese documents).
var (
	kindZH  = map[string]string{KindNew: "新办", KindExtension: "延期", KindChange: "变更"}
	stateZH = map[string]string{StateSubmitted: "已申请", StateAccepted: "已受理", StateNotAccepted: "不予受理", StateUnderReview: "审查中",
		StateGranted: "准予许可（待发证）", StateRefused: "不予许可", StateIssued: "已发证", StatePrelim: "已初审", StateForwarded: "已转报市局",
		StateCityGranted: "市局准予", StateCityRefused: "市局不予"}
	showZH     = map[string]string{ShowValid: "有效", ShowExpiring: "即将到期", ShowExpired: "已过期", ShowCancelled: "已注销", ShowReplaced: "已换发"}
	decisionZH = map[string]string{DecisionGranted: "准予", DecisionRefused: "不予"}
)

// LicenceSchema is the licence register's Excel layout (许可证台账).
func LicenceSchema() xlsx.Schema {
	return xlsx.Schema{Name: "许可证台账", Columns: []xlsx.Column{
		{Key: "enterprise", Header: "单位名称", HeaderEN: "Enterprise", Width: 28, Example: "示例县籍山镇001号烟花爆竹零售点", Help: "仅供阅读；以统一社会信用代码为准"},
		{Key: "credit_code", Header: "统一社会信用代码", HeaderEN: "Credit code", Required: true, Width: 22, Example: "91349901100000001X", Help: "须为本县已登记的企业"},
		{Key: "type", Header: "许可类型", HeaderEN: "Licence type", Required: true, Options: typeNames(), Width: 26},
		{Key: "number", Header: "许可证编号", HeaderEN: "Number", Required: true, Width: 22, Example: "（示）LS〔2021〕12号"},
		{Key: "scope", Header: "许可范围", HeaderEN: "Scope", Width: 24, Example: "烟花爆竹零售（个人燃放类）"},
		{Key: "issuer", Header: "发证机关", HeaderEN: "Issuer", Width: 18, Example: "示例县应急管理局", Help: "空白为本局；加油站填市局名称"},
		{Key: "issued_on", Header: "发证日期", HeaderEN: "Issued on", Required: true, Width: 12, Example: "2021-05-06", Help: "日期，如 2021-05-06"},
		{Key: "valid_from", Header: "有效期起", HeaderEN: "Valid from", Required: true, Width: 12, Example: "2021-05-06"},
		{Key: "valid_to", Header: "有效期至", HeaderEN: "Valid to", Required: true, Width: 12, Example: "2023-05-05"},
		{Key: "town", Header: "所在乡镇", HeaderEN: "Town", Width: 12, Help: "导出时填写，导入时忽略"},
		{Key: "status", Header: "状态", HeaderEN: "Status", Width: 10, Options: []string{"有效", "已注销"}, Example: "有效", Help: "空白为有效；即将到期、已过期按日期自动计算"},
		{Key: "days_left", Header: "剩余天数", HeaderEN: "Days left", Width: 10, Help: "导出时填写，导入时忽略"},
		{Key: "replaces", Header: "换发原证编号", HeaderEN: "Replaces number", Width: 22,
			Help: "延期或变更换发的证：填原许可证编号，原证导入时记为已换发；同一企业同类许可的有效期不得重叠"},
	}}
}

// ApplicationSchema is the application list's Excel layout (许可申请台账,
// export only).
func ApplicationSchema() xlsx.Schema {
	return xlsx.Schema{Name: "许可申请台账", Columns: []xlsx.Column{
		{Key: "enterprise", Header: "单位名称", HeaderEN: "Enterprise", Width: 28},
		{Key: "type", Header: "许可类型", HeaderEN: "Licence type", Width: 26},
		{Key: "kind", Header: "申请类型", HeaderEN: "Kind", Width: 8},
		{Key: "state", Header: "办理状态", HeaderEN: "State", Width: 14},
		{Key: "submitted_on", Header: "申请日期", HeaderEN: "Submitted", Width: 12},
		{Key: "accepted_on", Header: "受理日期", HeaderEN: "Accepted", Width: 12},
		{Key: "limit", Header: "法定时限（工作日）", HeaderEN: "Limit (working days)", Width: 10},
		{Key: "used", Header: "已用工作日", HeaderEN: "Working days used", Width: 10},
		{Key: "deadline", Header: "期限届满日", HeaderEN: "Deadline", Width: 12},
		{Key: "decided_on", Header: "决定日期", HeaderEN: "Decided", Width: 12},
		{Key: "decision", Header: "决定", HeaderEN: "Decision", Width: 8},
		{Key: "decision_number", Header: "决定书文号", HeaderEN: "Decision number", Width: 22},
		{Key: "overdue_reason", Header: "超期说明", HeaderEN: "Overdue reason", Width: 20},
		{Key: "prelim_on", Header: "初审日期", HeaderEN: "Preliminary review", Width: 12},
		{Key: "forwarded_on", Header: "转报市局日期", HeaderEN: "Forwarded", Width: 12},
		{Key: "city", Header: "市局决定", HeaderEN: "City decision", Width: 10},
		{Key: "reason", Header: "不予理由", HeaderEN: "Reason", Width: 20},
	}}
}

// LicenceLedger is the licence register for the Excel kit (kind
// "licences": export of the filtered register, import of existing
// licences).
func (s *Service) LicenceLedger(regionName func(ctx context.Context, p *auth.Principal) (map[string]string, error)) *ledger.Ledger {
	return &ledger.Ledger{
		Kind:   "licences",
		Title:  "nav.licences",
		Schema: LicenceSchema(),
		Export: func(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
			names := map[string]string{}
			if regionName != nil {
				var err error
				if names, err = regionName(ctx, p); err != nil {
					return err
				}
			}
			f := LicFilterOf(q)
			replaced, err := s.numbers(ctx, p.CountyCode)
			if err != nil {
				return err
			}
			return s.EachLicence(ctx, p, f, func(r LicRow) error {
				t, _ := TypeOf(r.Type)
				left := any(r.DaysLeft)
				if r.Status != LicenceActive {
					left = nil
				}
				return w.Write(r.EnterpriseName, r.CreditCode, t.Name, r.Number, r.Scope, r.IssuerName, r.IssuedOn, r.ValidFrom, r.ValidTo,
					names[r.TownCode], showZH[r.Show], left, replaced[r.ReplacesID])
			})
		},
		NewImport: func(ctx context.Context, p *auth.Principal, _ string) (ledger.Import, error) {
			if !p.Is(auth.RoleAdmin, auth.RoleSection) {
				return nil, errs.New(errs.Forbidden, "forbidden")
			}
			return s.newImport(ctx, p)
		},
	}
}

// ApplicationLedger is the application list for the Excel kit (kind
// "licence-applications", export only).
func (s *Service) ApplicationLedger() *ledger.Ledger {
	return &ledger.Ledger{
		Kind:   "licence-applications",
		Title:  "licence.applications",
		Schema: ApplicationSchema(),
		Export: func(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
			return s.EachApplication(ctx, p, AppFilterOf(q), func(r AppRow) error {
				t, _ := TypeOf(r.Type)
				var limit, used any
				deadline := ""
				if r.Timer != nil {
					limit, used, deadline = r.Timer.Limit, r.Timer.Used, r.Timer.Deadline
				}
				reason := joinNote(r.CloseReason, r.DecisionReason, r.CityReason)
				return w.Write(r.EnterpriseName, t.Name, kindZH[r.Kind], stateZH[r.State], r.SubmittedOn, r.AcceptedOn, limit, used, deadline,
					r.DecidedOn, decisionZH[r.Decision], r.DecisionNumber, r.OverdueReason, r.PrelimOn, r.ForwardedOn, decisionZH[r.CityDecision], reason)
			})
		},
	}
}

// LicFilterOf reads the register filter from query parameters.
func LicFilterOf(q url.Values) LicFilter {
	within, _ := strconv.Atoi(q.Get("within"))
	if within < 0 || within > 3650 {
		within = 0
	}
	return LicFilter{Type: q.Get("type"), Show: q.Get("status"), Town: q.Get("town"), EnterpriseID: q.Get("enterprise"), Q: q.Get("q"),
		IssuedFrom: q.Get("from"), IssuedTo: q.Get("to"), Within: within}
}

// AppFilterOf reads the application list filter from query parameters.
func AppFilterOf(q url.Values) AppFilter {
	return AppFilter{Type: q.Get("type"), Kind: q.Get("kind"), State: q.Get("state"), Open: q.Get("open") == "1", Town: q.Get("town"),
		EnterpriseID: q.Get("enterprise"), Q: q.Get("q"), From: q.Get("from"), To: q.Get("to")}
}

type licImport struct {
	s        *Service
	p        *auth.Principal
	set      Settings
	byCredit map[string]enterprise.Enterprise // enterprises in scope
	existing map[string]bool                  // type + "/" + number in the county
	serials  map[string]bool                  // type/year/serial in the county
	seen     map[string]int                   // type + "/" + number → row in this file
	rows     []Licence
	inFile   map[string][]fileLic // enterprise + "/" + type → licences in force in this file
}

// fileLic is a licence in force read from an earlier row of the file.
type fileLic struct {
	row              int
	number, from, to string
}

// numbers maps the ids of a county's licences to their numbers.
func (s *Service) numbers(ctx context.Context, county string) (map[string]string, error) {
	rows, err := s.db.R().QueryContext(ctx, `SELECT id, number FROM licence WHERE county_code = $1`, county)
	if err != nil {
		return nil, fmt.Errorf("licence numbers: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, n string
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}

func (s *Service) newImport(ctx context.Context, p *auth.Principal) (*licImport, error) {
	set, err := s.Settings(ctx, p.CountyCode)
	if err != nil {
		return nil, err
	}
	im := &licImport{s: s, p: p, set: set, byCredit: map[string]enterprise.Enterprise{}, existing: map[string]bool{},
		serials: map[string]bool{}, seen: map[string]int{}, inFile: map[string][]fileLic{}}
	if err := s.ent.Each(ctx, p, enterprise.Filter{}, func(e enterprise.Enterprise) error {
		im.byCredit[e.CreditCode] = e
		return nil
	}); err != nil {
		return nil, err
	}
	rows, err := s.db.R().QueryContext(ctx, `SELECT type, number, COALESCE(number_year, 0), COALESCE(number_serial, 0) FROM licence WHERE county_code = $1`, p.CountyCode)
	if err != nil {
		return nil, fmt.Errorf("existing licence numbers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var typ, number string
		var y, n int64
		if err := rows.Scan(&typ, &number, &y, &n); err != nil {
			return nil, err
		}
		im.existing[typ+"/"+number] = true
		if n > 0 {
			im.serials[fmt.Sprintf("%s/%d/%d", typ, y, n)] = true
		}
	}
	return im, rows.Err()
}

func (im *licImport) Check(ctx context.Context, row xlsx.Row) []xlsx.CellError {
	v := row.Values
	var out []xlsx.CellError
	bad := func(key, reason string) { out = append(out, xlsx.CellError{Key: key, Reason: reason}) }
	l := Licence{CountyCode: im.p.CountyCode, Number: strings.TrimSpace(v["number"]), Scope: v["scope"], IssuedOn: v["issued_on"],
		ValidFrom: v["valid_from"], ValidTo: v["valid_to"], Source: SourceImport, Issuer: IssuerCounty, IssuerName: im.set.IssuerName}
	var e enterprise.Enterprise
	if c := enterprise.NormalizeCreditCode(v["credit_code"]); c != "" {
		var ok bool
		if e, ok = im.byCredit[c]; !ok {
			bad("credit_code", "本县企业台账中没有此统一社会信用代码（或不在您的监管范围内）："+c)
		}
		l.EnterpriseID = e.ID
	}
	if x := v["type"]; x != "" {
		c, ok := TypeByLabel(x)
		if !ok {
			bad("type", "未知许可类型："+x)
		}
		l.Type = c
	}
	if l.Type != "" && e.ID != "" && !TypeFits(l.Type, e.Sector) {
		bad("type", "该企业的监管行业不办理此类许可")
	}
	t, _ := TypeOf(l.Type)
	if t.CityIssues {
		l.Issuer, l.IssuerName = IssuerCity, im.set.CityName
	}
	if x := strings.TrimSpace(v["issuer"]); x != "" {
		l.IssuerName = x
		if x == im.set.CityName {
			l.Issuer = IssuerCity
		}
	}
	switch strings.TrimSpace(v["status"]) {
	case "", "有效", "即将到期", "已过期":
		l.Status = LicenceActive
	case "已注销":
		l.Status = LicenceCancelled
	default:
		bad("status", "状态应为：有效、已注销")
	}
	if l.Number != "" && l.Type != "" {
		key := l.Type + "/" + l.Number
		if first, dup := im.seen[key]; dup {
			bad("number", fmt.Sprintf("与第 %d 行重复", first))
		} else if im.existing[key] {
			bad("number", "该许可证编号已在台账中")
		} else {
			im.seen[key] = row.Num
		}
		if y, n, ok := ParseNumber(t.Prefix, l.Number); ok && t.Prefix != "" {
			sk := fmt.Sprintf("%s/%d/%d", l.Type, y, n)
			if im.serials[sk] {
				bad("number", fmt.Sprintf("%d 年第 %d 号已被另一证号使用", y, n))
			}
			im.serials[sk] = true
			l.NumberYear, l.NumberSerial = y, n
		}
	}
	if len(out) == 0 && len(row.Errors) == 0 {
		if err := ValidateLicence(&l); err != nil {
			for _, fe := range errs.Fields(err) {
				bad(fe.Field, cellReason(fe))
			}
		}
	}
	if len(out) == 0 && len(row.Errors) == 0 {
		out = append(out, im.checkOverlap(ctx, &l, row.Num, strings.TrimSpace(v["replaces"]))...)
	}
	if len(out) == 0 && len(row.Errors) == 0 {
		im.rows = append(im.rows, l)
	}
	return out
}

// checkOverlap applies the one-licence-in-force rule to an imported
// licence: it may not overlap a licence in force of the same enterprise
// and type, in the register or earlier in the file, unless it names the
// register's licence it replaces (换发原证编号), which the import then ends.
func (im *licImport) checkOverlap(ctx context.Context, l *Licence, rowNum int, replaces string) []xlsx.CellError {
	var out []xlsx.CellError
	if replaces != "" {
		prev, err := im.s.findPrev(ctx, im.s.db.R(), Application{CountyCode: l.CountyCode, EnterpriseID: l.EnterpriseID, Type: l.Type}, replaces)
		switch {
		case errs.Fields(err) != nil && errs.Fields(err)[0].Message == "licence.prev_ended":
			return append(out, xlsx.CellError{Key: "replaces", Reason: "原证 " + replaces + " 已注销或已换发"})
		case err != nil && errs.Fields(err) != nil:
			return append(out, xlsx.CellError{Key: "replaces", Reason: "该企业台账中没有编号为 " + replaces + " 的此类许可证"})
		case err != nil:
			return append(out, xlsx.CellError{Key: "replaces", Reason: err.Error()})
		}
		l.ReplacesID = prev.ID
	}
	if l.Status != LicenceActive {
		return nil
	}
	other, found, err := overlapping(ctx, im.s.db.R(), *l, l.ReplacesID)
	if err != nil {
		return append(out, xlsx.CellError{Key: "valid_from", Reason: err.Error()})
	}
	if found {
		return append(out, xlsx.CellError{Key: "valid_from", Reason: fmt.Sprintf("与台账中有效的许可证 %s（%s 至 %s）有效期重叠；换发的证请填写换发原证编号",
			other.Number, other.ValidFrom, other.ValidTo)})
	}
	key := l.EnterpriseID + "/" + l.Type
	for _, x := range im.inFile[key] {
		if Overlaps(l.ValidFrom, l.ValidTo, x.from, x.to) {
			return append(out, xlsx.CellError{Key: "valid_from", Reason: fmt.Sprintf("与第 %d 行的许可证 %s（%s 至 %s）有效期重叠", x.row, x.number, x.from, x.to)})
		}
	}
	im.inFile[key] = append(im.inFile[key], fileLic{row: rowNum, number: l.Number, from: l.ValidFrom, to: l.ValidTo})
	return nil
}

// cellReason renders a model field error in Chinese for the error report.
func cellReason(fe *errs.Error) string {
	switch fe.Message {
	case "licence.date_invalid":
		return "日期格式不正确，应如 2021-05-06"
	case "licence.valid_to_before_from":
		return "有效期至应晚于有效期起"
	case "licence.issued_after_expiry":
		return "发证日期晚于有效期至"
	case "licence.number_required", "field.required":
		return "必填项为空"
	case "licence.type_invalid":
		return "未知许可类型"
	}
	return "取值无效"
}

func (im *licImport) Commit(ctx context.Context, progress func(done, total int64)) (int, error) {
	total := int64(len(im.rows))
	err := im.s.db.InTx(ctx, func(tx *store.Tx) error {
		now := im.s.now().UTC()
		var ended []audit.Entry
		for _, l := range im.rows {
			// Checked against the register again inside the transaction.
			if l.Status == LicenceActive {
				if other, found, err := overlapping(ctx, tx, l, l.ReplacesID); err != nil {
					return err
				} else if found {
					return overlapError(other)
				}
			}
			if l.ReplacesID == "" {
				continue
			}
			res, err := tx.ExecContext(ctx, `UPDATE licence SET status = $1, ended_on = $2, updated_at = $3 WHERE id = $4 AND status = $5`,
				LicenceReplaced, l.IssuedOn, now, l.ReplacesID, LicenceActive)
			if err != nil {
				return fmt.Errorf("replace licence: %w", err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return errs.New(errs.Conflict, "licence.changed_meanwhile")
			}
			ended = append(ended, audit.Entry{Entity: "licence", EntityID: l.ReplacesID, Action: auditAction("replace"),
				Before: map[string]any{"status": LicenceActive}, After: map[string]any{"status": LicenceReplaced, "ended_on": l.IssuedOn, "replaced_by": l.Number}})
		}
		if err := audit.RecordMany(ctx, tx, now, im.p.Actor(), ended); err != nil {
			return err
		}
		entries := make([]audit.Entry, len(im.rows))
		err := store.InsertRows(ctx, tx, "licence", licCols, len(im.rows), func(i int) []any {
			l := &im.rows[i]
			l.ID, l.CreatedAt, l.UpdatedAt = ids.New(), now, now
			entries[i] = audit.Entry{Entity: "licence", EntityID: l.ID, Action: ActImport, After: l}
			return licArgs(*l)
		}, func(done int) { progress(int64(done), total) })
		if store.IsUniqueViolation(err) {
			return errs.New(errs.Conflict, "licence.import_conflict")
		}
		if err != nil {
			return err
		}
		return audit.RecordMany(ctx, tx, now, im.p.Actor(), entries)
	})
	return len(im.rows), err
}
