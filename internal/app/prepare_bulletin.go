package app

import (
	"context"
	"fmt"
	"strconv"

	"yingji/internal/bureau/prepare"
	"yingji/internal/bureau/report"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/org"
)

// prepareBulletin is the preparedness module's part of the monthly
// bulletin (月通报): the month's assessment of the enterprises' emergency
// resources (预案、队伍、物资 completeness), towns and sections ranked,
// computed by the prepare service as its own bulletin page does.
func (a *App) prepareBulletin(svc *prepare.Service) []report.BulletinPart {
	return []report.BulletinPart{func(ctx context.Context, p *auth.Principal, month string) ([]report.Table, error) {
		names := map[string]string{}
		regions, err := a.Org.ListRegions(ctx, p, org.RegionFilter{})
		if err != nil {
			return nil, err
		}
		for _, r := range regions {
			names[r.Code] = r.Name
		}
		units, err := a.Org.ListUnits(ctx, p, org.UnitFilter{})
		if err != nil {
			return nil, err
		}
		for _, u := range units {
			names[u.ID] = u.Name
		}
		as, err := svc.Assess(ctx, p, month, names)
		if err != nil {
			return nil, fmt.Errorf("resource completeness for the bulletin: %w", err)
		}
		m, _ := strconv.Atoi(month[5:])
		note := fmt.Sprintf("截至%s，共考核企业%d家，其中填报不完整%d家；本月督促企业%d家次。按平均完整度排序，相同时按平均更新间隔（天）由短到长。",
			as.AsOf, len(as.Enterprises), as.Incomplete, as.Reminders)
		table := func(title, who string, ranks []prepare.Rank) report.Table {
			t := report.Table{Title: title, Header: []string{"名次", who, "企业数", "填报完整企业数", "平均完整度", "平均更新间隔（天）"}, Note: note, Rows: [][]string{}}
			for _, r := range ranks {
				fresh := "—"
				if r.Freshness >= 0 {
					fresh = strconv.FormatFloat(r.Freshness, 'f', 1, 64)
				}
				t.Rows = append(t.Rows, []string{strconv.Itoa(r.Rank), r.Name, strconv.Itoa(r.Enterprises), strconv.Itoa(r.Complete),
					strconv.FormatFloat(r.Score, 'f', 1, 64), fresh})
			}
			return t
		}
		return []report.Table{
			table(fmt.Sprintf("%d月应急资源建设和填报情况（按乡镇）", m), "乡镇", as.Towns),
			table(fmt.Sprintf("%d月应急资源建设和填报情况（按股室）", m), "股室", as.Sections),
		}, nil
	}}
}
