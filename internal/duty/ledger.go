package duty

import (
	"context"
	"net/url"
	"time"

	"yingji/internal/auth"
	"yingji/internal/ledger"
	"yingji/internal/xlsx"
)

// The duty desk's Excel registers (export only): the person-shifts
// (排班表, one row per person-shift with a 日期 column), the incident
// reports and the duty log.

// ShiftsSchema is the person-shift export.
func ShiftsSchema() xlsx.Schema {
	return xlsx.Schema{Name: "排班表", Columns: []xlsx.Column{
		{Key: "day", Header: "日期", HeaderEN: "Date"},
		{Key: "weekday", Header: "星期", HeaderEN: "Weekday"},
		{Key: "holiday", Header: "节假日", HeaderEN: "Holiday"},
		{Key: "starts_at", Header: "开始时间", HeaderEN: "Starts", Width: 18},
		{Key: "ends_at", Header: "结束时间", HeaderEN: "Ends", Width: 18},
		{Key: "position", Header: "岗位", HeaderEN: "Position"},
		{Key: "name", Header: "姓名", HeaderEN: "Name"},
	}}
}

// IncidentsSchema is the incident reports export.
func IncidentsSchema() xlsx.Schema {
	return xlsx.Schema{Name: "突发事件信息报告", Columns: []xlsx.Column{
		{Key: "received_at", Header: "接报时间", HeaderEN: "Received", Width: 18},
		{Key: "title", Header: "事件名称", HeaderEN: "Title", Width: 30},
		{Key: "source", Header: "信息来源", HeaderEN: "Source"},
		{Key: "category", Header: "事件类别", HeaderEN: "Category", Width: 14},
		{Key: "subtype", Header: "事件类型", HeaderEN: "Type", Width: 16},
		{Key: "level", Header: "事件级别", HeaderEN: "Level"},
		{Key: "place", Header: "发生地点", HeaderEN: "Place", Width: 24},
		{Key: "deaths", Header: "死亡", HeaderEN: "Deaths"},
		{Key: "injuries", Header: "受伤", HeaderEN: "Injured"},
		{Key: "missing", Header: "失踪", HeaderEN: "Missing"},
		{Key: "reports", Header: "报告次数", HeaderEN: "Reports"},
		{Key: "state", Header: "状态", HeaderEN: "State"},
		{Key: "on_time", Header: "是否按时报告", HeaderEN: "Reported on time"},
	}}
}

// LogSchema is the duty log export.
func LogSchema() xlsx.Schema {
	return xlsx.Schema{Name: "值班日志", Columns: []xlsx.Column{
		{Key: "at", Header: "时间", HeaderEN: "Time", Width: 18},
		{Key: "kind", Header: "类别", HeaderEN: "Kind"},
		{Key: "caller", Header: "来电人", HeaderEN: "Caller"},
		{Key: "unit", Header: "来电单位", HeaderEN: "Unit"},
		{Key: "place", Header: "地点", HeaderEN: "Place"},
		{Key: "nature", Header: "事由", HeaderEN: "Nature", Width: 20},
		{Key: "action", Header: "处理情况", HeaderEN: "Action", Width: 24},
		{Key: "content", Header: "内容", HeaderEN: "Content", Width: 30},
		{Key: "corrects", Header: "更正记录", HeaderEN: "Corrects"},
		{Key: "frozen", Header: "已交班锁定", HeaderEN: "Frozen"},
		{Key: "recorded_by", Header: "记录人", HeaderEN: "Recorded by"},
	}}
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
			return s.EachPersonShift(ctx, p, q.Get("from"), q.Get("to"), func(x PersonShift) error {
				d, _ := time.Parse("2006-01-02", x.Day)
				return w.Write(x.Day, "星期"+weekdayZH[d.Weekday()], yesNo(x.Holiday), local(x.StartsAt), local(x.EndsAt), PositionLabel(x.Position), x.Name)
			})
		}},
		{Kind: "incidents", Title: "duty.nav_incidents", Schema: IncidentsSchema(), Export: func(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
			return s.EachIncident(ctx, p, IncidentFilterOf(q), func(in Incident) error {
				state := "处置中"
				if in.Closed {
					state = "已终报"
				} else if in.Overdue {
					state = "逾期未报"
				}
				return w.Write(local(in.ReceivedAt), in.Title, in.Source, CategoryLabel(in.Category), SubtypeLabel(in.Subtype), LevelLabel(in.Level),
					in.Place, in.Deaths, in.Injuries, in.Missing, in.Reports, state, yesNo(in.OnTime))
			})
		}},
		{Kind: "dutylog", Title: "duty.nav_log", Schema: LogSchema(), Export: func(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
			return s.EachLog(ctx, p, LogFilterOf(q), func(e LogEntry) error {
				return w.Write(local(e.At), LogKindLabel(e.Kind), e.Caller, e.Unit, e.Place, e.Nature, e.Action, e.Content, e.Corrects, yesNo(e.Frozen), e.RecordedName)
			})
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
