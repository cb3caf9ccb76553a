package duty

import (
	"context"
	"net/url"
	"time"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/xlsx"
)

// The duty desk's Excel registers: the person-shifts (排班表, one row per
// person-shift with a 日期 column), the incident reports with their 首报
// and the duty log. All three export the list page's rows and import the
// same layout (imports.go); columns computed by the program (星期, 节假日
// on import; the state columns of the others) are not read back.

// ShiftsSchema is the person-shift layout of the export, the template and
// the import.
func ShiftsSchema() xlsx.Schema {
	return xlsx.Schema{Name: "排班表", Columns: []xlsx.Column{
		{Key: "day", Header: "日期", HeaderEN: "Date", Width: 12, Example: "2022-06-01", Help: "班次开始的日期，写作 2022-06-01"},
		{Key: "weekday", Header: "星期", HeaderEN: "Weekday", Help: "导出时填写；导入时不读取"},
		{Key: "holiday", Header: "节假日", HeaderEN: "Holiday", Help: "导出时填写；导入时按节假日日历计算"},
		{Key: "starts_at", Header: "开始时间", HeaderEN: "Starts", Width: 18, Example: "2022-06-01 08:30", Help: "不填时按值班设置的交班时间和班次时长"},
		{Key: "ends_at", Header: "结束时间", HeaderEN: "Ends", Width: 18, Example: "2022-06-02 08:30"},
		{Key: "position", Header: "岗位", HeaderEN: "Position", Options: []string{"带班领导", "值班员"}, Example: "带班领导",
			Help: "每个班次 1 名带班领导、1–2 名值班员，同一班次各占一行"},
		{Key: "name", Header: "姓名", HeaderEN: "Name", Example: "王局长", Help: "本县系统用户的姓名或用户名"},
		{Key: "username", Header: "用户名", HeaderEN: "Username", Example: "leader", Help: "同名时填写，用以区分；可不填"},
	}}
}

// IncidentsSchema is the incident reports' layout (one row per incident,
// with its 首报); IncidentsExportColumns follow it in the export.
func IncidentsSchema() xlsx.Schema {
	return xlsx.Schema{Name: "突发事件信息报告", Columns: []xlsx.Column{
		{Key: "received_at", Header: "接报时间", HeaderEN: "Received", Width: 18, Example: "2022-06-01 09:15"},
		{Key: "title", Header: "事件名称", HeaderEN: "Title", Width: 30, Example: "弋江镇某厂房火灾"},
		{Key: "source", Header: "信息来源", HeaderEN: "Source", Example: "乡镇上报"},
		{Key: "category", Header: "事件类别", HeaderEN: "Category", Width: 14, Options: categoryZH.ZHLabels(), Example: "事故灾难"},
		{Key: "subtype", Header: "事件类型", HeaderEN: "Type", Width: 16, Example: "火灾事故", Help: "须属于事件类别"},
		{Key: "level", Header: "事件级别", HeaderEN: "Level", Options: levelZH.ZHLabels(), Example: "一般"},
		{Key: "town", Header: "乡镇", HeaderEN: "Town", Example: "弋江镇"},
		{Key: "place", Header: "发生地点", HeaderEN: "Place", Width: 24},
		{Key: "deaths", Header: "死亡", HeaderEN: "Deaths", Example: "0"},
		{Key: "injuries", Header: "受伤", HeaderEN: "Injured", Example: "0"},
		{Key: "missing", Header: "失踪", HeaderEN: "Missing", Example: "0"},
		{Key: "summary", Header: "事件概况", HeaderEN: "Summary", Width: 30},
		{Key: "first_at", Header: "首报时间", HeaderEN: "First report", Width: 18, Example: "2022-06-01 09:40", Help: "已首报时填写；是否按时由接报时间和报送时限计算"},
		{Key: "first_to", Header: "首报报送对象", HeaderEN: "First report to", Width: 18, Example: "市应急管理局总值班室"},
		{Key: "first_via", Header: "首报报送方式", HeaderEN: "First report via", Options: viaZH.ZHLabels(), Example: "电话"},
		{Key: "first_content", Header: "首报内容", HeaderEN: "First report content", Width: 30},
	}}
}

// IncidentsExportColumns are the computed columns of the incidents export.
var IncidentsExportColumns = []xlsx.Column{
	{Key: "reports", Header: "报告次数", HeaderEN: "Reports"},
	{Key: "state", Header: "状态", HeaderEN: "State"},
	{Key: "on_time", Header: "是否按时报告", HeaderEN: "Reported on time"},
}

// LogSchema is the duty log's layout; LogExportColumns follow it in the
// export.
func LogSchema() xlsx.Schema {
	return xlsx.Schema{Name: "值班日志", Columns: []xlsx.Column{
		{Key: "at", Header: "时间", HeaderEN: "Time", Width: 18, Example: "2022-06-01 09:15"},
		{Key: "kind", Header: "类别", HeaderEN: "Kind", Options: logKindZH.ZHLabels(), Example: "来电",
			Help: "交接班记录须在班次页交班时填写，不能导入"},
		{Key: "caller", Header: "来电人", HeaderEN: "Caller", Help: "来电必填"},
		{Key: "unit", Header: "来电单位", HeaderEN: "Unit"},
		{Key: "place", Header: "地点", HeaderEN: "Place"},
		{Key: "nature", Header: "事由", HeaderEN: "Nature", Width: 20, Help: "来电必填"},
		{Key: "action", Header: "处理情况", HeaderEN: "Action", Width: 24},
		{Key: "content", Header: "内容", HeaderEN: "Content", Width: 30, Help: "事件必填"},
	}}
}

// SwapsSchema is the layout of the swap requests export (换班记录).
func SwapsSchema() xlsx.Schema {
	return xlsx.Schema{Name: "换班记录", Columns: []xlsx.Column{
		{Key: "requested_at", Header: "申请时间", HeaderEN: "Requested", Width: 18},
		{Key: "day", Header: "原班次日期", HeaderEN: "Shift day", Width: 12},
		{Key: "name", Header: "原值班人", HeaderEN: "Person"},
		{Key: "with_day", Header: "对调班次日期", HeaderEN: "Exchanged with day", Width: 12},
		{Key: "with_name", Header: "对调人或替班人", HeaderEN: "Exchanged with / substitute", Width: 14},
		{Key: "reason", Header: "换班原因", HeaderEN: "Reason", Width: 24},
		{Key: "state", Header: "状态", HeaderEN: "State"},
		{Key: "requested_by", Header: "申请人", HeaderEN: "Requested by"},
		{Key: "decided_by", Header: "审批人", HeaderEN: "Decided by"},
		{Key: "decided_at", Header: "审批时间", HeaderEN: "Decided", Width: 18},
	}}
}

var swapStateZH = map[string]string{SwapPending: "待审批", SwapApproved: "已批准", SwapRejected: "未批准"}

// LogExportColumns are the computed columns of the duty log export.
var LogExportColumns = []xlsx.Column{
	{Key: "corrects", Header: "更正记录", HeaderEN: "Corrects"},
	{Key: "frozen", Header: "已交班锁定", HeaderEN: "Frozen"},
	{Key: "recorded_by", Header: "记录人", HeaderEN: "Recorded by"},
}

var weekdayZH = []string{"日", "一", "二", "三", "四", "五", "六"}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

func local(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(Shanghai).Format("2006-01-02 15:04")
}

// Ledgers are the duty desk's Excel kinds.
func (s *Service) Ledgers() []*ledger.Ledger {
	return []*ledger.Ledger{
		{Kind: "shifts", Title: "duty.nav_roster", Schema: ShiftsSchema(), Export: func(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
			names := s.usernames(ctx, p.CountyCode)
			return s.EachPersonShift(ctx, p, q.Get("from"), q.Get("to"), func(x PersonShift) error {
				d, _ := time.Parse("2006-01-02", x.Day)
				return w.Write(x.Day, "星期"+weekdayZH[d.Weekday()], yesNo(x.Holiday), local(x.StartsAt), local(x.EndsAt), PositionLabel(x.Position), x.Name, names[x.UserID])
			})
		}, NewImport: func(ctx context.Context, p *auth.Principal, _ string) (ledger.Import, error) {
			return s.newRosterImport(ctx, p)
		}},
		{Kind: "incidents", Title: "duty.nav_incidents", Schema: IncidentsSchema(), ExportColumns: IncidentsExportColumns,
			Export: func(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
				towns := s.townNames(ctx, p.CountyCode)
				firsts, err := s.firstReports(ctx, p.CountyCode)
				if err != nil {
					return err
				}
				return s.EachIncident(ctx, p, IncidentFilterOf(q), func(in Incident) error {
					state := "处置中"
					if in.Closed {
						state = "已终报"
					} else if in.Overdue {
						state = "逾期未报"
					}
					fr, ok := firsts[in.ID]
					via := ""
					if ok {
						via = ViaLabel(fr.Via)
					}
					return w.Write(local(in.ReceivedAt), in.Title, in.Source, CategoryLabel(in.Category), SubtypeLabel(in.Subtype), LevelLabel(in.Level),
						towns[in.TownCode], in.Place, in.Deaths, in.Injuries, in.Missing, in.Summary, local(fr.ReportedAt), fr.To, via, fr.Content,
						in.Reports, state, yesNo(in.OnTime))
				})
			}, NewImport: func(ctx context.Context, p *auth.Principal, _ string) (ledger.Import, error) {
				return s.newIncidentImport(ctx, p)
			}},
		{Kind: "dutylog", Title: "duty.nav_log", Schema: LogSchema(), ExportColumns: LogExportColumns,
			Export: func(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
				return s.EachLog(ctx, p, LogFilterOf(q), func(e LogEntry) error {
					return w.Write(local(e.At), LogKindLabel(e.Kind), e.Caller, e.Unit, e.Place, e.Nature, e.Action, e.Content, e.Corrects, yesNo(e.Frozen), e.RecordedName)
				})
			}, NewImport: func(ctx context.Context, p *auth.Principal, _ string) (ledger.Import, error) {
				if !CanWrite(p) {
					return nil, forbidden()
				}
				return &logImport{s: s, p: p, why: loadReasons(), now: s.now()}, nil
			}},
		{Kind: "duty-swaps", Title: "duty.nav_swaps", Schema: SwapsSchema(), Export: func(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
			list, err := s.Swaps(ctx, p, q.Get("state"), 500)
			if err != nil {
				return err
			}
			for _, x := range list {
				with := x.WithName
				if with == "" {
					with = x.SubstituteFor
				}
				if err := w.Write(local(x.RequestedAt), x.Day, x.Name, x.WithDay, with, x.Reason, or(swapStateZH[x.State], x.State), x.RequestedName,
					x.DecidedName, local(x.DecidedAt)); err != nil {
					return err
				}
			}
			return nil
		}},
	}
}

// IncidentFilterOf reads the incidents filter from a query.
func IncidentFilterOf(q url.Values) IncidentFilter {
	return IncidentFilter{From: q.Get("from"), To: q.Get("to"), Category: q.Get("category"), Level: q.Get("level"), Town: q.Get("town"),
		State: q.Get("state"), OnTime: q.Get("on_time"), Instructions: q.Get("instructions")}
}

// LogFilterOf reads the log filter from a query.
func LogFilterOf(q url.Values) LogFilter {
	return LogFilter{From: q.Get("from"), To: q.Get("to"), Kind: q.Get("kind"), ShiftID: q.Get("shift")}
}
