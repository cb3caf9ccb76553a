package certificate

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/org"
	"yingji/internal/kit/web"
	"yingji/internal/kit/xlsx"
)

// missingPageSize bounds one page of the survey list.
const missingPageSize = 50

func (h *Handlers) missing(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := MissingFilterOf(r.URL.Query())
	res, err := h.Svc.Missing(r.Context(), p, f)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data, err := h.lookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	pg := web.PagingOf(r)
	if r.URL.Query().Get("size") == "" {
		pg.Size = missingPageSize
	}
	from := min(pg.Offset(), len(res.Findings))
	to := min(from+pg.Size, len(res.Findings))
	canWarn := map[string]bool{}
	for _, fd := range res.Findings[from:to] {
		canWarn[fd.Enterprise.ID] = CanCheck(p, fd.Enterprise) && fd.Warning == nil
	}
	data["Result"], data["Findings"], data["Pager"], data["CanWarn"] = res, res.Findings[from:to], web.PagerOf(pg, len(res.Findings)), canWarn
	data["Past"] = res.AsOf.Before(h.Svc.Today())
	data["HighRisk"], data["Industry"] = HighRiskSectors, IndustrySectors
	h.UI.Show(w, r, http.StatusOK, "certificates_missing", "certificate.missing_title", "certificates", data, nil)
}

func (h *Handlers) warn(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := web.NewForm(r)
	var on Date
	fe := dateFields(f, map[string]*Date{"warned_on": &on})
	back := f.Get("back")
	if !strings.HasPrefix(back, "/") || strings.HasPrefix(back, "//") {
		back = "/certificates/missing"
	}
	err := fe.Err()
	var wn Warning
	if err == nil {
		wn, err = h.Svc.IssueWarning(r.Context(), p, f.Get("enterprise_id"), on, f.Get("note"))
	}
	if err != nil {
		if h.denied(w, r, f.Get("enterprise_id"), err) {
			return
		}
		if k := errs.KindOf(err); k == errs.Invalid || k == errs.Conflict {
			web.SetFlash(w, h.UI.Message(web.Lang(r.Context()), err))
			http.Redirect(w, r, back, http.StatusSeeOther)
			return
		}
		h.UI.Error(w, r, err)
		return
	}
	h.UI.Redirect(w, r, back, "certificate.warned", "Deadline", wn.Deadline.String())
}

func (h *Handlers) survey(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := web.NewForm(r)
	mf := MissingFilter{Sector: f.Get("sector"), Town: f.Get("town"), Scale: f.Get("scale")}
	err := dateFields(f, map[string]*Date{"as_of": &mf.AsOf}).Err()
	n := 0
	if err == nil {
		n, err = h.Svc.RecordSurvey(r.Context(), p, mf)
	}
	back := "/certificates/missing?" + url.Values{"as_of": {f.Get("as_of")}, "sector": {mf.Sector}, "town": {mf.Town}, "scale": {mf.Scale}}.Encode()
	if err != nil {
		if errs.KindOf(err) == errs.Invalid {
			web.SetFlash(w, h.UI.Message(web.Lang(r.Context()), err))
			http.Redirect(w, r, back, http.StatusSeeOther)
			return
		}
		h.UI.Error(w, r, err)
		return
	}
	h.UI.Redirect(w, r, back, "certificate.surveyed", "Count", n)
}

// WarningRow is a warning as the register shows it.
type WarningRow struct {
	Warning
	State          string
	EnterpriseName string
}

func (h *Handlers) warningRows(r *http.Request, list []Warning) ([]WarningRow, error) {
	p := web.PrincipalFrom(r.Context())
	var idList []string
	for _, x := range list {
		idList = append(idList, x.EnterpriseID)
	}
	names, err := h.Ent.Names(r.Context(), p, idList)
	if err != nil {
		return nil, err
	}
	today := h.Svc.Today()
	out := make([]WarningRow, len(list))
	for i, x := range list {
		out[i] = WarningRow{Warning: x, State: x.StateOn(today), EnterpriseName: names[x.EnterpriseID]}
	}
	return out, nil
}

func (h *Handlers) warnings(w http.ResponseWriter, r *http.Request) {
	pg := web.PagingOf(r)
	list, total, err := h.warningsOf(r, pg)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data, err := h.lookups(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	rows, err := h.warningRows(r, list)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data["Rows"], data["Pager"] = rows, web.PagerOf(pg, total)
	h.UI.Show(w, r, http.StatusOK, "certificate_warnings", "certificate.warnings_title", "certificates", data, nil)
}

func (h *Handlers) missingExport(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	res, err := h.Svc.Missing(r.Context(), p, MissingFilterOf(r.URL.Query()))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.UI.SendXLSX(w, r, fmt.Sprintf("缺证企业-%s.xlsx", res.AsOf.String()), newMissingWriter, func(xw *xlsx.Writer) error {
		return writeMissing(xw, res, h.names(r))
	})
}

// names returns town names by code.
func (h *Handlers) names(r *http.Request) map[string]string {
	p := web.PrincipalFrom(r.Context())
	all, err := h.Org.ListRegions(r.Context(), &auth.Principal{Role: auth.RoleLeader, CountyCode: p.CountyCode}, org.RegionFilter{Level: org.LevelTown})
	out := map[string]string{}
	if err != nil {
		return out
	}
	for _, x := range all {
		out[x.Code] = x.Name
	}
	return out
}

func (h *Handlers) warningsExport(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := WarningFilterOf(r.URL.Query())
	f.Limit = 5000
	list, _, err := h.Svc.Warnings(r.Context(), p, f)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	rows, err := h.warningRows(r, list)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	name := fmt.Sprintf("证书警告记录-%s.xlsx", time.Now().In(web.Shanghai).Format("20060102"))
	h.UI.SendXLSX(w, r, name, newWarningsWriter, func(xw *xlsx.Writer) error { return writeWarnings(xw, rows) })
}

func (h *Handlers) warningPDF(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	id := r.PathValue("id")
	wn, e, err := h.Svc.Warning(r.Context(), p, id)
	if err != nil {
		h.fail(w, r, id, err)
		return
	}
	county, err := h.Org.RegionName(r.Context(), p.CountyCode)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.UI.SendPDF(w, r, "警告通知书-"+e.Name+".pdf", func(out io.Writer) error { return renderWarning(out, county, e, wn) })
}
