package hazard

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/web"
)

func (h *Handlers) selfReports(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	if p.Role == auth.RoleEnterprise {
		h.selfForm(w, r, http.StatusOK, nil)
		return
	}
	q := r.URL.Query()
	now := h.Svc.now()
	per, err := ParsePeriod(q.Get("period"))
	if err != nil {
		per = h.Svc.LatestReportedPeriod(r.Context(), p, now)
	}
	list, counts, err := h.Svc.SelfReportStatuses(r.Context(), p, per, SelfFilter{Town: q.Get("town"), Sector: q.Get("sector"), State: q.Get("state"), Q: q.Get("q")}, now)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data, err := h.lookups(r.Context(), p)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	pg := web.PagingOf(r)
	from, to := min(pg.Offset(), len(list)), min(pg.Offset()+pg.Size, len(list))
	data["Period"], data["Due"], data["Statuses"], data["SelfCounts"] = per.String(), Date(per.Due()), list[from:to], counts
	data["Periods"], data["Pager"] = PeriodsEnded(day(now).Year()-5, now), web.PagerOf(pg, len(list))
	data["SelfStates"] = []string{SelfMissing, SelfLate, SelfOnTime, "submitted", SelfPending}
	data["PeriodLabel"] = per.Label(web.Lang(r.Context()))
	h.render(w, r, http.StatusOK, "self_reports", "hazard.self_title", "self_reports", data, nil)
}

// periodRow is one period on an enterprise's self-report page.
type periodRow struct {
	Period string
	Label  string
	Due    string
	State  string
	Report *SelfReport
}

// selfForm is the enterprise's page: its periods and the submit form of
// one (?period=, by default the latest one not reported yet, else the
// latest).
func (h *Handlers) selfForm(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	p := web.PrincipalFrom(r.Context())
	now := h.Svc.now()
	today := Date(now)
	reports, err := h.Svc.SelfReportsOf(r.Context(), p, p.EnterpriseID)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	var rows []periodRow
	chosen := r.URL.Query().Get("period")
	if f != nil {
		chosen = f.Get("period")
	}
	// Periods of the last four years, and back to the enterprise's first
	// report; the form opens on the latest period not yet reported.
	from := day(now).Year() - 4
	for k := range reports {
		if per, err := ParsePeriod(k); err == nil && per.Year < from {
			from = per.Year
		}
	}
	ent, err := h.Ent.Get(r.Context(), p, p.EnterpriseID)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	latestMissing := ""
	for _, per := range PeriodsEnded(from, now) {
		if _, ok := reports[per.String()]; !ok && !Obliged(ent, per) {
			continue // before the enterprise was registered
		}
		row := periodRow{Period: per.String(), Label: per.Label(web.Lang(r.Context())), Due: Date(per.Due())}
		if rep, ok := reports[row.Period]; ok {
			row.Report = &rep
			row.State = SelfOnTime
			if rep.SubmittedOn > row.Due {
				row.State = SelfLate
			}
		} else {
			row.State = SelfPending
			if today > row.Due {
				row.State = SelfMissing
			}
			if latestMissing == "" {
				latestMissing = row.Period
			}
		}
		rows = append(rows, row)
	}
	if chosen == "" {
		chosen = latestMissing
		if chosen == "" && len(rows) > 0 {
			chosen = rows[0].Period
		}
	}
	if f == nil {
		v := map[string]string{"period": chosen}
		if per, err := ParsePeriod(chosen); err == nil {
			in, err := h.Svc.SelfFigures(r.Context(), p, p.EnterpriseID, per)
			if err != nil {
				h.UI.Error(w, r, err)
				return
			}
			if rep, ok := reports[chosen]; ok {
				in = SelfReportInput{Found: rep.Found, Rectified: rep.Rectified, Major: rep.Major, MajorRectified: rep.MajorRectified,
					SignedBy: rep.SignedBy, Note: rep.Note}
			} else {
				in.SignedBy = ent.PrincipalName
			}
			v["found"], v["rectified"], v["major"], v["major_rectified"] = strconv.Itoa(in.Found), strconv.Itoa(in.Rectified),
				strconv.Itoa(in.Major), strconv.Itoa(in.MajorRectified)
			v["signed_by"], v["note"] = in.SignedBy, in.Note
			v["due"] = Date(per.Due())
		}
		f = web.EmptyForm(v)
	}
	_, resubmit := reports[chosen]
	data := map[string]any{"Rows": rows, "Chosen": chosen, "Resubmit": resubmit, "ChosenLabel": chosen}
	if reg := Registered(ent); !reg.IsZero() {
		// The first period the enterprise owes: the quarter of its registration.
		first := Period{Year: reg.Year(), Quarter: (int(reg.Month())-1)/3 + 1}
		data["Registered"], data["FirstPeriod"], data["FirstDue"] = Date(reg), first.Label(web.Lang(r.Context())), Date(first.Due())
	}
	if per, err := ParsePeriod(chosen); err == nil {
		data["ChosenLabel"] = per.Label(web.Lang(r.Context()))
	}
	h.render(w, r, status, "self_report_form", "hazard.self_title", "self_reports", data, f)
}

func atoiField(f *web.Form, name string, fe *errs.FieldErrors) int {
	v := strings.TrimSpace(f.Get(name))
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		*fe = append(*fe, errs.Field(name, "hazard.self_number", nil))
	}
	return n
}

func (h *Handlers) submitSelf(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := web.NewForm(r)
	var fe errs.FieldErrors
	in := SelfReportInput{Period: f.Get("period"), Found: atoiField(f, "found", &fe), Rectified: atoiField(f, "rectified", &fe),
		Major: atoiField(f, "major", &fe), MajorRectified: atoiField(f, "major_rectified", &fe), SignedBy: f.Get("signed_by"), Note: f.Get("note")}
	err := fe.Err()
	if err == nil {
		_, err = h.Svc.SubmitSelfReport(r.Context(), p, in)
	}
	if err != nil {
		onForm := func(err error) bool { return errs.Fields(err) != nil || errs.KindOf(err) == errs.Invalid }
		h.UI.FormFailed(w, r, f, err, onForm, func(status int) {
			f.Error = h.UI.I18n.T(web.Lang(r.Context()), "form.invalid", nil)
			h.selfForm(w, r, status, f)
		})
		return
	}
	h.UI.Redirect(w, r, "/self-reports?period="+url.QueryEscape(in.Period), "hazard.self_submitted", "Period", in.Period)
}

// API
