package supervise

import (
	"context"
	"fmt"
	"net/url"
	"strconv"

	"yingji/internal/bureau/hazard"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/org"
	"yingji/internal/kit/xlsx"
)

// zh labels for the Excel files (the ledgers are Chinese documents).
var (
	cardZH   = map[hazard.Card]string{hazard.Red: "红牌", hazard.Yellow: "黄牌"}
	reasonZH = map[string]string{ReasonOverdue: "逾期未整改", ReasonShare: "整改期限将至", ReasonSelfReport: "统计分析表应报未报"}
	stateZH  = map[string]string{LetterIssued: "已发函", LetterOverdue: "逾期未整改", LetterRectified: "已整改", ListingListed: "挂牌督办中",
		ListingAccepted: "已验收", ListingDelisted: "已摘牌销号", ExtPending: "待审批", ExtApproved: "已批准", ExtRefused: "不予批准"}
)

func sectorZH(code string) string { return org.Sectors.ZH(code) }

// townNames maps the county's town codes to names.
func (s *Service) townNames(ctx context.Context, county string) (map[string]string, error) {
	towns, err := s.cfg.Org.ListRegions(ctx, &auth.Principal{Role: auth.RoleLeader, CountyCode: county}, org.RegionFilter{Level: org.LevelTown})
	names := map[string]string{}
	for _, t := range towns {
		names[t.Code] = t.Name
	}
	return names, err
}

// Ledgers are the Excel exports of the cards and supervision lists
// (kinds cards, cards/monthly, supervision/letters, supervision/listings,
// supervision/extensions: GET /KIND/export).
func (s *Service) Ledgers() []*ledger.Ledger {
	return []*ledger.Ledger{s.cardsLedger(), s.monthlyLedger(), s.lettersLedger(), s.listingsLedger(), s.extensionsLedger(), s.proposalsLedger()}
}

// proposalsLedger is the list of red cards calling for a 督办函.
func (s *Service) proposalsLedger() *ledger.Ledger {
	return &ledger.Ledger{Kind: "supervision/proposals", Title: "supervise.ledger.proposals",
		Schema: xlsx.Schema{Name: "建议发督办函", Columns: []xlsx.Column{
			{Key: "enterprise", Header: "单位", HeaderEN: "Enterprise", Width: 28},
			{Key: "town", Header: "乡镇", HeaderEN: "Town", Width: 10},
			{Key: "hazard", Header: "隐患", HeaderEN: "Hazard", Width: 40},
			{Key: "found_on", Header: "发现日期", HeaderEN: "Found on", Width: 12},
			{Key: "deadline", Header: "整改期限", HeaderEN: "Deadline", Width: 12},
			{Key: "red_since", Header: "红牌日期", HeaderEN: "Red since", Width: 12},
			{Key: "days", Header: "红牌天数", HeaderEN: "Days red", Width: 10},
		}},
		Export: func(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
			names, err := s.townNames(ctx, p.CountyCode)
			if err != nil {
				return err
			}
			list, _, err := s.ProposalPage(ctx, p, ProposalFilterOf(q))
			if err != nil {
				return err
			}
			for _, x := range list {
				if err := w.Write(x.Hazard.PlaceName, names[x.Hazard.TownCode], x.Hazard.Description, x.Hazard.FoundOn, x.Hazard.Deadline, x.RedSince, x.Days); err != nil {
					return err
				}
			}
			return nil
		}}
}

func (s *Service) cardsLedger() *ledger.Ledger {
	return &ledger.Ledger{Kind: "cards", Title: "supervise.ledger.cards",
		Schema: xlsx.Schema{Name: "红黄牌", Columns: []xlsx.Column{
			{Key: "card", Header: "牌", HeaderEN: "Card", Width: 6},
			{Key: "enterprise", Header: "单位/场所", HeaderEN: "Enterprise or place", Width: 28},
			{Key: "town", Header: "乡镇", HeaderEN: "Town", Width: 10},
			{Key: "sector", Header: "行业", HeaderEN: "Sector", Width: 14},
			{Key: "reason", Header: "原因", HeaderEN: "Reason", Width: 14},
			{Key: "hazard", Header: "隐患/报表", HeaderEN: "Hazard or report", Width: 40},
			{Key: "deadline", Header: "整改期限", HeaderEN: "Deadline", Width: 12},
			{Key: "issued_on", Header: "亮牌日期", HeaderEN: "Issued on", Width: 12},
			{Key: "days", Header: "天数", HeaderEN: "Days", Width: 6},
			{Key: "letter", Header: "建议发督办函", HeaderEN: "Letter proposed", Width: 10},
		}},
		Export: func(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
			names, err := s.townNames(ctx, p.CountyCode)
			if err != nil {
				return err
			}
			var sectors []string
			if sec := q.Get("section"); sec != "" {
				if sectors, err = s.SectionSectors(ctx, p.CountyCode, sec); err != nil {
					return err
				}
			}
			return s.EachCard(ctx, p, CardFilterOf(q, sectors), func(c CardRow) error {
				what := c.Description
				if c.HazardID == "" {
					what = c.Period + " 隐患排查治理统计分析表"
				}
				letter := ""
				if c.LetterDue {
					letter = "是"
				}
				return w.Write(cardZH[c.Card], c.PlaceName, names[c.TownCode], sectorZH(c.Sector), reasonZH[c.Reason], what, c.Deadline, c.IssuedOn, c.Days, letter)
			})
		}}
}

func (s *Service) monthlyLedger() *ledger.Ledger {
	cols := []xlsx.Column{{Key: "by", Header: "统计口径", HeaderEN: "By", Width: 8}, {Key: "name", Header: "名称", HeaderEN: "Name", Width: 18},
		{Key: "card", Header: "项目", HeaderEN: "Item", Width: 8}}
	for m := 1; m <= 12; m++ {
		cols = append(cols, xlsx.Column{Key: "m" + strconv.Itoa(m), Header: strconv.Itoa(m) + "月", HeaderEN: "M" + strconv.Itoa(m), Width: 6})
	}
	cols = append(cols, xlsx.Column{Key: "total", Header: "合计", HeaderEN: "Total", Width: 8})
	return &ledger.Ledger{Kind: "cards/monthly", Title: "supervise.ledger.monthly", Schema: xlsx.Schema{Name: "红黄牌月度统计", Columns: cols},
		Export: func(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
			year, err := strconv.Atoi(q.Get("year"))
			if err != nil || year < 2000 || year > 2100 {
				year = day(s.today()).Year()
			}
			m, err := s.MonthlyCounts(ctx, p, year)
			if err != nil {
				return err
			}
			write := func(by string, r MonthRow) error {
				for _, item := range []struct {
					name string
					v    [12]int
				}{{"黄牌", r.Yellow}, {"红牌", r.Red}, {"销牌", r.Cleared}} {
					vals := []any{by, r.Name, item.name}
					for _, n := range item.v {
						vals = append(vals, n)
					}
					vals = append(vals, sum12(item.v))
					if err := w.Write(vals...); err != nil {
						return err
					}
				}
				return nil
			}
			if err := write(fmt.Sprintf("%d年", year), m.Total); err != nil {
				return err
			}
			for _, r := range m.Towns {
				if err := write("乡镇", r); err != nil {
					return err
				}
			}
			for _, r := range m.Sections {
				if err := write("股室", r); err != nil {
					return err
				}
			}
			return nil
		}}
}

func (s *Service) lettersLedger() *ledger.Ledger {
	return &ledger.Ledger{Kind: "supervision/letters", Title: "supervise.ledger.letters",
		Schema: xlsx.Schema{Name: "督办函台账", Columns: []xlsx.Column{
			{Key: "number", Header: "文号", HeaderEN: "Number", Width: 22},
			{Key: "enterprise", Header: "被督办单位", HeaderEN: "Enterprise", Width: 28},
			{Key: "town", Header: "乡镇", HeaderEN: "Town", Width: 10},
			{Key: "issuer", Header: "发文机关", HeaderEN: "Issuer", Width: 30},
			{Key: "issued_on", Header: "发函日期", HeaderEN: "Issued on", Width: 12},
			{Key: "deadline", Header: "督办整改期限", HeaderEN: "Deadline", Width: 12},
			{Key: "measures", Header: "整改措施要求", HeaderEN: "Measures", Width: 40},
			{Key: "state", Header: "状态", HeaderEN: "State", Width: 10},
			{Key: "rectified_on", Header: "整改完成日期", HeaderEN: "Rectified on", Width: 12},
		}},
		Export: func(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
			names, err := s.townNames(ctx, p.CountyCode)
			if err != nil {
				return err
			}
			return s.EachLetter(ctx, p, LetterFilterOf(q), func(l Letter) error {
				return w.Write(l.Number, l.PlaceName, names[l.TownCode], l.Issuer, l.IssuedOn, l.Deadline, l.Measures, stateZH[l.State], l.RectifiedOn)
			})
		}}
}

func (s *Service) listingsLedger() *ledger.Ledger {
	return &ledger.Ledger{Kind: "supervision/listings", Title: "supervise.ledger.listings",
		Schema: xlsx.Schema{Name: "挂牌督办台账", Columns: []xlsx.Column{
			{Key: "number", Header: "通知书文号", HeaderEN: "Number", Width: 22},
			{Key: "enterprise", Header: "隐患单位", HeaderEN: "Enterprise", Width: 28},
			{Key: "town", Header: "乡镇", HeaderEN: "Town", Width: 10},
			{Key: "level", Header: "督办级别", HeaderEN: "Level", Width: 8},
			{Key: "issuer", Header: "督办单位", HeaderEN: "Issuer", Width: 30},
			{Key: "responsible", Header: "责任单位", HeaderEN: "Responsible", Width: 24},
			{Key: "listed_on", Header: "挂牌日期", HeaderEN: "Listed on", Width: 12},
			{Key: "published_on", Header: "公开日期", HeaderEN: "Published on", Width: 12},
			{Key: "deadline", Header: "整改期限", HeaderEN: "Deadline", Width: 12},
			{Key: "requested", Header: "申请验收日期", HeaderEN: "Acceptance requested", Width: 12},
			{Key: "accepted_on", Header: "验收日期", HeaderEN: "Accepted on", Width: 12},
			{Key: "accepted_by", Header: "验收人", HeaderEN: "Accepted by", Width: 10},
			{Key: "delisted_on", Header: "摘牌销号日期", HeaderEN: "Delisted on", Width: 12},
			{Key: "state", Header: "状态", HeaderEN: "State", Width: 10},
		}},
		Export: func(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
			names, err := s.townNames(ctx, p.CountyCode)
			if err != nil {
				return err
			}
			return s.EachListing(ctx, p, ListingFilterOf(q), func(l Listing) error {
				return w.Write(l.Number, l.PlaceName, names[l.TownCode], levelZH[l.Level], l.Issuer, l.Responsible, l.ListedOn, l.PublishedOn, l.Deadline,
					l.AcceptanceRequestedOn, l.AcceptedOn, l.AcceptedBy, l.DelistedOn, stateZH[l.State])
			})
		}}
}

func (s *Service) extensionsLedger() *ledger.Ledger {
	return &ledger.Ledger{Kind: "supervision/extensions", Title: "supervise.ledger.extensions",
		Schema: xlsx.Schema{Name: "延期申请台账", Columns: []xlsx.Column{
			{Key: "enterprise", Header: "隐患单位", HeaderEN: "Enterprise", Width: 28},
			{Key: "town", Header: "乡镇", HeaderEN: "Town", Width: 10},
			{Key: "requested_on", Header: "申请日期", HeaderEN: "Requested on", Width: 12},
			{Key: "requested_by", Header: "申请人", HeaderEN: "Requested by", Width: 10},
			{Key: "current", Header: "原整改期限", HeaderEN: "Current deadline", Width: 12},
			{Key: "requested", Header: "申请延期至", HeaderEN: "Requested deadline", Width: 12},
			{Key: "reason", Header: "延期理由", HeaderEN: "Reason", Width: 30},
			{Key: "state", Header: "审批结果", HeaderEN: "Decision", Width: 10},
			{Key: "decided_on", Header: "审批日期", HeaderEN: "Decided on", Width: 12},
			{Key: "decided_by", Header: "审批人", HeaderEN: "Decided by", Width: 10},
			{Key: "decision_reason", Header: "审批说明", HeaderEN: "Decision reason", Width: 24},
		}},
		Export: func(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
			names, err := s.townNames(ctx, p.CountyCode)
			if err != nil {
				return err
			}
			return s.EachExtension(ctx, p, ExtensionFilterOf(q), func(e Extension) error {
				return w.Write(e.PlaceName, names[e.TownCode], e.RequestedOn, e.RequestedByName, e.CurrentDeadline, e.RequestedDeadline, e.Reason,
					stateZH[e.State], e.DecidedOn, e.DecidedByName, e.DecisionReason)
			})
		}}
}
