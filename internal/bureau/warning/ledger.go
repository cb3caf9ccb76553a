package warning

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/figure"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/xlsx"
)

// Schema is the warnings register's Excel layout (预警信息发布台账).
func Schema() xlsx.Schema {
	return xlsx.Schema{Name: "预警信息发布台账", Columns: []xlsx.Column{
		{Key: "identifier", Header: "消息标识", HeaderEN: "Identifier", Width: 30},
		{Key: "msg_type", Header: "消息类型", HeaderEN: "Message type", Width: 8},
		{Key: "headline", Header: "标题", HeaderEN: "Headline", Width: 36},
		{Key: "source", Header: "发布单位", HeaderEN: "Source", Width: 14},
		{Key: "type", Header: "预警类型", HeaderEN: "Type", Width: 10},
		{Key: "level", Header: "预警级别", HeaderEN: "Level", Width: 8},
		{Key: "area", Header: "影响区域", HeaderEN: "Area", Width: 30},
		{Key: "effective_at", Header: "生效时间", HeaderEN: "Effective", Width: 17},
		{Key: "expires_at", Header: "失效时间", HeaderEN: "Expires", Width: 17},
		{Key: "published_at", Header: "发布时间", HeaderEN: "Published", Width: 17},
		{Key: "author", Header: "起草人", HeaderEN: "Drafted by", Width: 10},
		{Key: "approver", Header: "审批人", HeaderEN: "Approved by", Width: 10},
		{Key: "state", Header: "状态", HeaderEN: "State", Width: 10},
		{Key: "units", Header: "接收单位数", HeaderEN: "Units", Width: 10},
		{Key: "acked", Header: "已签收单位数", HeaderEN: "Acknowledged", Width: 12},
		{Key: "unacked", Header: "未签收单位", HeaderEN: "Not acknowledged", Width: 30},
		{Key: "references", Header: "引用消息", HeaderEN: "References", Width: 30},
	}}
}

// Ledger is the warnings register for the Excel kit: export only (a CAP
// message is imported with `yingji import warnings FILE.xml` or on the
// import page).
func (s *Service) Ledger() *ledger.Ledger {
	return &ledger.Ledger{Kind: "warnings", Title: "nav.warnings_list", Schema: Schema(), Export: s.export}
}

func (s *Service) export(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
	towns, err := s.towns(ctx, p.CountyCode)
	if err != nil {
		return err
	}
	return s.Each(ctx, p, FilterOf(q), func(x Warning) error {
		var names []string
		for _, t := range x.Towns {
			if n, ok := towns[t]; ok {
				names = append(names, n)
			} else {
				names = append(names, t)
			}
		}
		area := strings.Join(names, "、")
		if x.AreaDesc != "" {
			area += "（" + x.AreaDesc + "）"
		}
		recs, err := s.Recipients(ctx, p, x.ID)
		if err != nil {
			return err
		}
		acked := 0
		var open []string
		for _, r := range recs {
			if r.Acked() {
				acked++
			} else {
				open = append(open, r.Name)
			}
		}
		return w.Write(x.Identifier, MsgTypeLabel(x.MsgType, "zh"), x.Headline, x.Source, TypeLabel(x.Type, "zh"), LevelLabel(x.Level, "zh"), area,
			stamp(x.EffectiveAt), stamp(x.ExpiresAt), stamp(x.PublishedAt), x.AuthorName, x.ApproverName, StateLabel(x.State, "zh"),
			len(recs), acked, strings.Join(open, "、"), x.References)
	})
}

// stamp writes a moment as Beijing time ("" for none).
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(cst).Format("2006-01-02 15:04")
}

// Figure is the warnings part of F-DUTY-1: the warnings published in the
// period (original messages; updates and cancels of them are not new
// warnings), key "warnings"; the duty module gives the roster's and the
// incident reports' parts of the same figure.
func (s *Service) Figure() figure.Figure {
	return figure.Figure{ID: "F-DUTY-1", Section: "duty", Order: 30, Label: "warning.published_figure",
		Count: func(ctx context.Context, q figure.Query) (figure.Value, error) {
			f := Filter{MsgType: MsgAlert, From: q.Period.Start(), To: q.Period.End()}
			n, ids, err := s.Count(ctx, q.P, f, q.Records)
			if err != nil {
				return figure.Value{}, err
			}
			return figure.Value{Numbers: []figure.Number{{Key: "warnings", Value: int64(n), Kind: "warning", Records: ids,
				Link: fmt.Sprintf("/warnings?msg_type=Alert&from=%s&to=%s", q.Period.FromDay(), q.Period.ToDay())}}}, nil
		}}
}
