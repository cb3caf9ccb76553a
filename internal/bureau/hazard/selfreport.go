package hazard

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/store"
)

// MaxSelfReportCount bounds each figure of one enterprise's self-report for
// one period: far above any real enterprise's count, it refuses a slip of
// the keyboard (1,099,511,627,776 hazards) before it reaches the totals.
const MaxSelfReportCount = 100000

// SelfReport is an enterprise's periodic hazard statistics (隐患排查治理
// 统计分析表), signed by its principal.
type SelfReport struct {
	ID             string    `json:"id"`
	CountyCode     string    `json:"county_code"`
	EnterpriseID   string    `json:"enterprise_id"`
	Period         string    `json:"period"`
	Found          int       `json:"found"`
	Rectified      int       `json:"rectified"`
	Major          int       `json:"major"`
	MajorRectified int       `json:"major_rectified"`
	Note           string    `json:"note,omitempty"`
	SubmittedOn    string    `json:"submitted_on"`
	SignedBy       string    `json:"signed_by"`
	SubmittedBy    string    `json:"submitted_by"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

const selfCols = `id, county_code, enterprise_id, period, found, rectified, major, major_rectified, note, submitted_on, signed_by,
	submitted_by, created_at, updated_at`

func scanSelf(row interface{ Scan(...any) error }) (SelfReport, error) {
	var r SelfReport
	err := row.Scan(&r.ID, &r.CountyCode, &r.EnterpriseID, &r.Period, &r.Found, &r.Rectified, &r.Major, &r.MajorRectified, &r.Note,
		&r.SubmittedOn, &r.SignedBy, &r.SubmittedBy, &r.CreatedAt, &r.UpdatedAt)
	return r, err
}

var periodRE = regexp.MustCompile(`^(\d{4})(?:Q([1-4]))?$`)

// ParsePeriod reads "2022Q1" (a quarter) or "2022" (a year).
func ParsePeriod(s string) (Period, error) {
	m := periodRE.FindStringSubmatch(strings.ToUpper(strings.TrimSpace(s)))
	if m == nil {
		return Period{}, fmt.Errorf("period %q: want 2022Q1 or 2022", s)
	}
	y, _ := strconv.Atoi(m[1])
	q := 0
	if m[2] != "" {
		q, _ = strconv.Atoi(m[2])
	}
	return Period{Year: y, Quarter: q}, nil
}

// Label names the period: 2022年第1季度 / 2022年度, or 2022 Q1 / 2022.
func (p Period) Label(lang string) string {
	if strings.HasPrefix(lang, "en") {
		if p.Quarter == 0 {
			return fmt.Sprintf("Year %d", p.Year)
		}
		return fmt.Sprintf("%d Q%d", p.Year, p.Quarter)
	}
	if p.Quarter == 0 {
		return fmt.Sprintf("%d年度", p.Year)
	}
	return fmt.Sprintf("%d年第%d季度", p.Year, p.Quarter)
}

// Last is the period's last day.
func (p Period) Last() time.Time { return p.End().AddDate(0, 0, -1) }

// PeriodsEnded lists the periods (quarters and years) that have ended on
// or before a day, from a starting year, newest first: those an
// enterprise can report.
func PeriodsEnded(fromYear int, on time.Time) []Period {
	today := day(on)
	var out []Period
	for y := fromYear; y <= today.Year(); y++ {
		for q := 1; q <= 4; q++ {
			if p := (Period{y, q}); !p.End().After(today) {
				out = append(out, p)
			}
		}
		if p := (Period{y, 0}); !p.End().After(today) {
			out = append(out, p)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].End().Equal(out[j].End()) {
			return out[i].End().After(out[j].End())
		}
		return out[i].Quarter == 0 // the year before its fourth quarter
	})
	return out
}

// Self-report states of an enterprise for a period.
const (
	SelfOnTime  = "on_time" // submitted by the due day
	SelfLate    = "late"    // submitted after the due day
	SelfMissing = "missing" // not submitted and past due: 应报未报
	SelfPending = "pending" // not submitted, not due yet
)

// SelfReportInput is what an enterprise submits.
type SelfReportInput struct {
	Period         string `json:"period"`
	Found          int    `json:"found"`
	Rectified      int    `json:"rectified"`
	Major          int    `json:"major"`
	MajorRectified int    `json:"major_rectified"`
	SignedBy       string `json:"signed_by"`
	Note           string `json:"note"`
}

// SelfFigures are the figures of an enterprise's own hazard records for
// a period (the submit form is filled in with them): hazards found in the
// period and, of them, those closed by its end.
func (s *Service) SelfFigures(ctx context.Context, p *auth.Principal, enterpriseID string, per Period) (SelfReportInput, error) {
	in := SelfReportInput{Period: per.String()}
	rows, err := s.StatsBy(ctx, p, Filter{Enterprise: enterpriseID, From: Date(per.Start()), To: Date(per.Last())}, "")
	if err != nil {
		return in, err
	}
	for _, r := range rows {
		in.Found, in.Rectified, in.Major, in.MajorRectified = r.Found, r.Rectified, r.Major, r.MajorDone
	}
	return in, nil
}

// SubmitSelfReport records an enterprise account's report for an ended
// period. A second submission for the same period corrects the figures
// and keeps the first submission day (lateness is judged on it).
func (s *Service) SubmitSelfReport(ctx context.Context, p *auth.Principal, in SelfReportInput) (SelfReport, error) {
	var out SelfReport
	if p.Role != auth.RoleEnterprise || p.EnterpriseID == "" {
		return out, errs.New(errs.Forbidden, "hazard.self_enterprise_only")
	}
	var fe errs.FieldErrors
	per, err := ParsePeriod(in.Period)
	today := day(s.now())
	switch {
	case err != nil:
		fe = append(fe, errs.Field("period", "hazard.self_period_invalid", nil))
	case per.End().After(today):
		fe = append(fe, errs.Field("period", "hazard.self_period_open", map[string]any{"End": Date(per.Last())}))
	}
	for _, x := range []struct {
		name string
		v    int
	}{{"found", in.Found}, {"rectified", in.Rectified}, {"major", in.Major}, {"major_rectified", in.MajorRectified}} {
		if x.v < 0 {
			fe = append(fe, errs.Field(x.name, "hazard.self_negative", nil))
		} else if x.v > MaxSelfReportCount {
			fe = append(fe, errs.Field(x.name, "hazard.self_too_many", map[string]any{"Max": MaxSelfReportCount}))
		}
	}
	if in.Rectified > in.Found {
		fe = append(fe, errs.Field("rectified", "hazard.self_more_than_found", nil))
	}
	if in.Major > in.Found {
		fe = append(fe, errs.Field("major", "hazard.self_more_than_found", nil))
	}
	if in.MajorRectified > in.Major {
		fe = append(fe, errs.Field("major_rectified", "hazard.self_more_than_major", nil))
	}
	in.SignedBy, in.Note = strings.TrimSpace(in.SignedBy), strings.TrimSpace(in.Note)
	if in.SignedBy == "" {
		fe = append(fe, errs.Field("signed_by", "field.required", nil))
	}
	if err := fe.Err(); err != nil {
		return out, err
	}
	now := s.now().UTC()
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		before, err := scanSelf(tx.QueryRowContext(ctx, `SELECT `+selfCols+` FROM hazard_self_report WHERE enterprise_id = $1 AND period = $2`,
			p.EnterpriseID, per.String()))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			out = SelfReport{ID: ids.New(), CountyCode: p.CountyCode, EnterpriseID: p.EnterpriseID, Period: per.String(), Found: in.Found,
				Rectified: in.Rectified, Major: in.Major, MajorRectified: in.MajorRectified, Note: in.Note, SubmittedOn: Date(today),
				SignedBy: in.SignedBy, SubmittedBy: p.UserID, CreatedAt: now, UpdatedAt: now}
			if err := insertSelf(ctx, tx, []SelfReport{out}); err != nil {
				return err
			}
			return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "hazard_self_report", EntityID: out.ID, Action: "create", After: out})
		case err != nil:
			return fmt.Errorf("self report: %w", err)
		}
		out = before
		out.Found, out.Rectified, out.Major, out.MajorRectified, out.Note, out.SignedBy, out.SubmittedBy, out.UpdatedAt =
			in.Found, in.Rectified, in.Major, in.MajorRectified, in.Note, in.SignedBy, p.UserID, now
		if _, err := tx.ExecContext(ctx, `UPDATE hazard_self_report SET found=$1, rectified=$2, major=$3, major_rectified=$4, note=$5,
			signed_by=$6, submitted_by=$7, updated_at=$8 WHERE id=$9`, out.Found, out.Rectified, out.Major, out.MajorRectified, out.Note,
			out.SignedBy, out.SubmittedBy, now, out.ID); err != nil {
			return fmt.Errorf("self report: %w", err)
		}
		return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "hazard_self_report", EntityID: out.ID, Action: "update",
			Before: before, After: out})
	})
	return out, err
}

// insertSelf writes reports in batches (one row for a submission, many
// for demo data).
func insertSelf(ctx context.Context, tx *store.Tx, list []SelfReport) error {
	err := store.Bulk{Head: `INSERT INTO hazard_self_report (` + selfCols + `)`, Width: 14}.Write(ctx, tx, len(list), func(i int, args []any) []any {
		r := &list[i]
		return append(args, r.ID, r.CountyCode, r.EnterpriseID, r.Period, r.Found, r.Rectified, r.Major, r.MajorRectified, r.Note,
			r.SubmittedOn, r.SignedBy, r.SubmittedBy, r.CreatedAt.UTC(), r.UpdatedAt.UTC())
	}, nil)
	if err != nil {
		return fmt.Errorf("insert self reports: %w", err)
	}
	return nil
}

// SelfReportsOf returns an enterprise's reports by period (the enterprise
// in the principal's scope).
func (s *Service) SelfReportsOf(ctx context.Context, p *auth.Principal, enterpriseID string) (map[string]SelfReport, error) {
	if _, err := s.ent.Get(ctx, p, enterpriseID); err != nil {
		return nil, err
	}
	rows, err := s.db.R().QueryContext(ctx, `SELECT `+selfCols+` FROM hazard_self_report WHERE enterprise_id = $1`, enterpriseID)
	if err != nil {
		return nil, fmt.Errorf("self reports: %w", err)
	}
	defer rows.Close()
	out := map[string]SelfReport{}
	for rows.Next() {
		r, err := scanSelf(rows)
		if err != nil {
			return nil, fmt.Errorf("self reports: %w", err)
		}
		out[r.Period] = r
	}
	return out, rows.Err()
}

// SelfReportStatus is an enterprise's standing for one period.
type SelfReportStatus struct {
	EnterpriseID   string      `json:"enterprise_id"`
	EnterpriseName string      `json:"enterprise_name"`
	TownCode       string      `json:"town_code"`
	Sector         string      `json:"sector"`
	Period         string      `json:"period"`
	Due            string      `json:"due"`
	State          string      `json:"state"` // on_time | late | missing | pending
	Report         *SelfReport `json:"report,omitempty"`
}

// SelfFilter narrows the enterprises of the self-report list.
type SelfFilter struct {
	Town   string
	Sector string
	State  string // on_time | late | missing | pending | submitted (on time or late)
	Q      string
}

// SelfCounts are the figures of a period's list.
type SelfCounts struct {
	Enterprises int `json:"enterprises"`
	OnTime      int `json:"on_time"`
	Late        int `json:"late"`
	Missing     int `json:"missing"`
	Pending     int `json:"pending"`
}

// SelfReportStatuses lists, for a period, every operating enterprise in
// the principal's scope (matching f) with its report and state as of a
// day: submitted on time, late, missing (应报未报: due and not submitted
// by asOf) or pending (not due yet); missing first, then late, pending
// and on time, each by name. The counts cover the enterprises before
// f.State is applied.
func (s *Service) SelfReportStatuses(ctx context.Context, p *auth.Principal, per Period, f SelfFilter, asOf time.Time) ([]SelfReportStatus, SelfCounts, error) {
	var c SelfCounts
	reports := map[string]SelfReport{}
	rows, err := s.db.R().QueryContext(ctx, `SELECT `+selfCols+` FROM hazard_self_report WHERE county_code = $1 AND period = $2`,
		p.CountyCode, per.String())
	if err != nil {
		return nil, c, fmt.Errorf("self reports: %w", err)
	}
	for rows.Next() {
		r, err := scanSelf(rows)
		if err != nil {
			rows.Close()
			return nil, c, fmt.Errorf("self reports: %w", err)
		}
		reports[r.EnterpriseID] = r
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, c, err
	}
	due, today := Date(per.Due()), Date(asOf)
	var out []SelfReportStatus
	err = s.ent.Each(ctx, p, enterprise.Filter{Town: f.Town, Sector: f.Sector, Q: f.Q, Status: enterprise.StatusOperating}, func(e enterprise.Enterprise) error {
		if _, ok := reports[e.ID]; !ok && !Obliged(e, per) {
			return nil // not registered yet in that period: nothing was due
		}
		st := SelfReportStatus{EnterpriseID: e.ID, EnterpriseName: e.Name, TownCode: e.TownCode, Sector: e.Sector, Period: per.String(), Due: due}
		r, ok := reports[e.ID]
		switch {
		case ok && r.SubmittedOn <= today:
			st.Report = &r
			st.State = SelfOnTime
			if r.SubmittedOn > due {
				st.State = SelfLate
			}
		case today > due:
			st.State = SelfMissing
		default:
			st.State = SelfPending
		}
		c.Enterprises++
		switch st.State {
		case SelfOnTime:
			c.OnTime++
		case SelfLate:
			c.Late++
		case SelfMissing:
			c.Missing++
		default:
			c.Pending++
		}
		if f.State == "" || f.State == st.State || (f.State == "submitted" && st.Report != nil) {
			out = append(out, st)
		}
		return nil
	})
	// 应报尽报: the enterprises that have not reported come first.
	rank := map[string]int{SelfMissing: 0, SelfLate: 1, SelfPending: 2, SelfOnTime: 3}
	sort.SliceStable(out, func(i, j int) bool { return rank[out[i].State] < rank[out[j].State] })
	return out, c, err
}

// Registered is the day an enterprise was registered (登记): the day its
// record was created in the county's register, the only date of its
// existence the enterprise record has.
func Registered(e enterprise.Enterprise) time.Time { return day(e.CreatedAt) }

// Obliged reports whether an enterprise owes the self-report of a period:
// its obligation starts with the period in which it was registered, so
// no report is due (and no card given) for a period that ended before.
func Obliged(e enterprise.Enterprise, per Period) bool {
	reg := Registered(e)
	return reg.IsZero() || reg.Before(per.End())
}

// MissingSelfReports lists the operating enterprises in the principal's
// scope that had not submitted the period's report by asOf although it
// was due (应报未报; the red/yellow card sweep gives them a yellow card).
// For a period not yet due on asOf the list is empty.
func (s *Service) MissingSelfReports(ctx context.Context, p *auth.Principal, period Period, asOf time.Time) ([]SelfReportStatus, error) {
	list, _, err := s.SelfReportStatuses(ctx, p, period, SelfFilter{State: SelfMissing}, asOf)
	return list, err
}

// LatestReportedPeriod is the most recent due period with any report in
// the principal's county, or the most recent due period when there is
// none (the staff page opens on it).
func (s *Service) LatestReportedPeriod(ctx context.Context, p *auth.Principal, on time.Time) Period {
	due := PeriodsDue(day(on).Year()-5, on)
	if len(due) == 0 {
		return Period{Year: day(on).Year() - 1}
	}
	sort.SliceStable(due, func(i, j int) bool { return due[i].Due().After(due[j].Due()) })
	have := map[string]bool{}
	rows, err := s.db.R().QueryContext(ctx, `SELECT DISTINCT period FROM hazard_self_report WHERE county_code = $1`, p.CountyCode)
	if err == nil {
		for rows.Next() {
			var x string
			if rows.Scan(&x) == nil {
				have[x] = true
			}
		}
		rows.Close()
	}
	for _, d := range due {
		if have[d.String()] {
			return d
		}
	}
	return due[0]
}
