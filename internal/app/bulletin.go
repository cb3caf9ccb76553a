package app

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"yingji/internal/bureau/hazard/supervise"
	"yingji/internal/bureau/report"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/jobs"
	"yingji/internal/kit/notify"
	"yingji/internal/kit/store"
	"yingji/internal/kit/web"
)

// bulletinKind is the job that issues last month's bulletin.
const bulletinKind = "report.bulletin"

// bulletins builds the monthly bulletins' service: the modules' tables,
// sent to the leaders, the sections' staff and the towns' staff.
func (a *App) bulletins() *report.Bulletins {
	b := &report.Bulletins{DB: a.DB, Now: a.Now,
		Title: func(month string) string {
			y, m := month[:4], month[5:]
			mi, _ := strconv.Atoi(m)
			return fmt.Sprintf("%s应急管理局%s年%d月工作通报", a.Cfg.CountyName, y, mi)
		}}
	b.Send = func(ctx context.Context, tx *store.Tx, bl report.Bulletin) (int, error) {
		sys := a.System()
		enabled := false
		n := 0
		for _, role := range []auth.Role{auth.RoleLeader, auth.RoleSection, auth.RoleTown} {
			users, _, err := a.Auth.ListUsers(ctx, sys, auth.UserFilter{Role: role, Disabled: &enabled, Limit: 10000})
			if err != nil {
				return 0, err
			}
			for _, u := range users {
				created, err := a.Notify.Enqueue(ctx, tx, notify.Message{CountyCode: a.Cfg.County, UserID: u.ID, Topic: "report.bulletin",
					Title: bl.Title, Body: "请查阅本月通报（红黄牌、应急资源等排名），可下载PDF和Excel。", Link: "/bulletins/" + bl.ID,
					Entity: "report_bulletin", EntityID: bl.ID, DedupeKey: "bulletin:" + bl.Month + ":" + u.ID})
				if err != nil {
					return 0, err
				}
				if created {
					n++
				}
			}
		}
		return n, nil
	}
	return b
}

// lastMonth is the month before the business date (YYYY-MM).
func (a *App) lastMonth() string {
	t := a.Now().In(web.Shanghai)
	return time.Date(t.Year(), t.Month()-1, 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
}

// bulletinJob issues last month's bulletin once (it runs every few hours;
// a month already issued is left alone).
func (a *App) bulletinJob(svc *report.Bulletins) jobs.Handler {
	return func(ctx context.Context, j *jobs.Job, prog jobs.Progress) error {
		month := a.lastMonth()
		done, err := svc.Has(ctx, a.Cfg.County, month)
		if err != nil || done {
			return err
		}
		b, err := svc.Issue(ctx, a.System(), month)
		if err != nil {
			return err
		}
		prog.Set(1, 1, fmt.Sprintf("已发出%s月通报，通知%d人", month, b.Recipients))
		return j.SetResult(map[string]any{"month": month, "recipients": b.Recipients})
	}
}

// cardBulletin ranks towns and sections by the month's red then yellow
// cards (红黄牌通报).
func (a *App) cardBulletin(ctx context.Context, p *auth.Principal, month string) ([]report.Table, error) {
	y, _ := strconv.Atoi(month[:4])
	m, _ := strconv.Atoi(month[5:])
	mc, err := a.Supervise.MonthlyCounts(ctx, p, y)
	if err != nil {
		return nil, err
	}
	rank := func(title, who string, rows []supMonthRow) report.Table {
		t := report.Table{Title: title, Header: []string{"名次", who, "红牌", "黄牌", "销牌"}}
		slices.SortStableFunc(rows, func(x, y supMonthRow) int {
			if x.red != y.red {
				return y.red - x.red
			}
			return y.yellow - x.yellow
		})
		for i, r := range rows {
			if r.red+r.yellow+r.cleared == 0 {
				continue
			}
			t.Rows = append(t.Rows, []string{strconv.Itoa(i + 1), r.name, strconv.Itoa(r.red), strconv.Itoa(r.yellow), strconv.Itoa(r.cleared)})
		}
		t.Note = "按本月新发红牌、黄牌数排序；销牌为本月销牌数。"
		return t
	}
	pick := func(rs []supervise.MonthRow) []supMonthRow {
		var out []supMonthRow
		for _, r := range rs {
			out = append(out, supMonthRow{name: r.Name, red: r.Red[m-1], yellow: r.Yellow[m-1], cleared: r.Cleared[m-1]})
		}
		return out
	}
	return []report.Table{
		rank(fmt.Sprintf("%d月红黄牌情况（按乡镇）", m), "乡镇", pick(mc.Towns)),
		rank(fmt.Sprintf("%d月红黄牌情况（按股室）", m), "股室", pick(mc.Sections)),
	}, nil
}

type supMonthRow struct {
	name                 string
	red, yellow, cleared int
}
