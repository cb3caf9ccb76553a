package accident

import (
	"context"
	"fmt"
	"net/url"
	"strconv"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/store"
	"yingji/internal/kit/xlsx"
)

// Schema is the accident register's Excel layout (生产安全事故台账). The
// headers 事故日期 and 死亡人数 are a contract (exactly, without the "*"
// of required columns): their presence is checked row by row instead.
func Schema() xlsx.Schema {
	return xlsx.Schema{Name: "生产安全事故台账", Columns: []xlsx.Column{
		{Key: "occurred_on", Header: "事故日期", HeaderEN: "Date", Help: "必填", Example: "2021-03-18"},
		{Key: "occurred_time", Header: "发生时间", HeaderEN: "Time", Example: "09:30"},
		{Key: "place", Header: "事故地点", HeaderEN: "Place", Required: true, Width: 24},
		{Key: "credit_code", Header: "企业统一社会信用代码", HeaderEN: "Enterprise credit code", Width: 22, Help: "可空（非企业事故）"},
		{Key: "enterprise", Header: "企业名称", HeaderEN: "Enterprise", Width: 28, Help: "仅供核对"},
		{Key: "industry", Header: "行业", HeaderEN: "Industry", Required: true, Options: Industries},
		{Key: "kind", Header: "事故类别", HeaderEN: "Type", Required: true, Options: Kinds},
		{Key: "deaths", Header: "死亡人数", HeaderEN: "Deaths", Help: "必填，无死亡填 0", Example: "1"},
		{Key: "serious_injuries", Header: "重伤人数", HeaderEN: "Serious injuries", Example: "0"},
		{Key: "loss", Header: "直接经济损失（元）", HeaderEN: "Direct loss (yuan)", Example: "1500000"},
		{Key: "level", Header: "事故等级", HeaderEN: "Level", Options: Levels.ZHLabels(), Help: "可空：按493号令自动判定；填写时须与伤亡和损失相符"},
		{Key: "summary", Header: "事故简况", HeaderEN: "Summary", Width: 30},
	}}
}

// Ledger is the accident register for the Excel kit.
func (s *Service) Ledger() *ledger.Ledger {
	return &ledger.Ledger{Kind: "accidents", Title: "accident.title", Schema: Schema(),
		Export: func(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
			codes := map[string]string{}
			if err := s.ent.Each(ctx, p, enterprise.Filter{}, func(e enterprise.Enterprise) error { codes[e.ID] = e.CreditCode; return nil }); err != nil {
				return err
			}
			rows, _, err := s.List(ctx, p, FilterOf(q))
			if err != nil {
				return err
			}
			for _, a := range rows {
				if err := w.Write(a.OccurredOn, a.OccurredAt.In(shanghai).Format("15:04"), a.Place, codes[a.EnterpriseID], a.EnterpriseName,
					a.Industry, a.Kind, a.Deaths, a.SeriousInjuries, a.LossYuan(), LevelLabel(a.Level), a.Summary); err != nil {
					return err
				}
			}
			return nil
		},
		NewImport: func(ctx context.Context, p *auth.Principal, _ string) (ledger.Import, error) {
			if !CanWrite(p) {
				return nil, errs.New(errs.Forbidden, "forbidden")
			}
			im := &accImport{s: s, p: p, byCode: map[string]enterprise.Enterprise{}}
			err := s.ent.Each(ctx, p, enterprise.Filter{}, func(e enterprise.Enterprise) error { im.byCode[e.CreditCode] = e; return nil })
			return im, err
		},
	}
}

type accImport struct {
	s      *Service
	p      *auth.Principal
	byCode map[string]enterprise.Enterprise
	rows   []Accident
}

// reasons are the Chinese reasons of the rules for the error report.
var reasons = map[string]string{
	"field.required":                  "必填项为空",
	"accident.date_invalid":           "日期格式不正确，应如 2021-03-18",
	"accident.date_future":            "事故日期晚于今天",
	"accident.time_invalid":           "时间格式不正确，应如 09:30",
	"accident.reported_before":        "接报时间早于事故发生时间",
	"accident.industry_invalid":       "未知行业",
	"accident.kind_invalid":           "未知事故类别（GB 6441）",
	"accident.negative":               "不能为负数",
	"accident.amount_invalid":         "金额格式不正确",
	"accident.level_invalid":          "未知事故等级",
	"accident.rule.level_contradicts": "事故等级与伤亡、损失不符（按493号令应为%v）",
	"accident.enterprise_unknown":     "未知企业",
}

func (im *accImport) Check(ctx context.Context, row xlsx.Row) []xlsx.CellError {
	v := row.Values
	var out []xlsx.CellError
	num := func(k string) int64 {
		if v[k] == "" {
			return 0
		}
		n, err := strconv.ParseInt(v[k], 10, 64)
		if err != nil {
			out = append(out, xlsx.CellError{Key: k, Reason: "应为整数"})
			return 0
		}
		return n
	}
	if v["deaths"] == "" {
		out = append(out, xlsx.CellError{Key: "deaths", Reason: "必填项为空（无死亡填 0）"})
	}
	in := Input{OccurredOn: v["occurred_on"], OccurredTime: v["occurred_time"], Place: v["place"], Industry: v["industry"], Kind: v["kind"],
		Deaths: num("deaths"), SeriousInjuries: num("serious_injuries"), LossYuan: v["loss"], Level: v["level"], Summary: v["summary"]}
	a, ps := Validate(in, im.s.Today())
	keys := map[string]string{"loss_yuan": "loss"}
	for _, p := range ps {
		k := p.Field
		if x, ok := keys[k]; ok {
			k = x
		}
		r := reasons[p.Rule]
		if p.Rule == "accident.rule.level_contradicts" {
			r = fmt.Sprintf(r, p.Args["Computed"])
		}
		out = append(out, xlsx.CellError{Key: k, Reason: r})
	}
	if c := enterprise.NormalizeCreditCode(v["credit_code"]); c != "" {
		e, ok := im.byCode[c]
		if !ok {
			out = append(out, xlsx.CellError{Key: "credit_code", Reason: "未知企业：该统一社会信用代码未在企业台账登记，或不在您的范围内"})
		}
		a.EnterpriseID, a.EnterpriseName, a.TownCode, a.Sector = e.ID, e.Name, e.TownCode, e.Sector
	}
	if len(out) == 0 && len(row.Errors) == 0 {
		a.CountyCode = im.p.CountyCode
		im.rows = append(im.rows, a)
	}
	return out
}

func (im *accImport) Commit(ctx context.Context, progress func(done, total int64)) (int, error) {
	err := im.s.db.InTx(ctx, func(tx *store.Tx) error {
		for i := range im.rows {
			if err := im.s.insert(ctx, tx, im.p, &im.rows[i], "import"); err != nil {
				return err
			}
			progress(int64(i+1), int64(len(im.rows)))
		}
		return nil
	})
	return len(im.rows), err
}
