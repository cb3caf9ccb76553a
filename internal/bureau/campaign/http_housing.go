package campaign

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"yingji/internal/bureau/campaign/day"
	"yingji/internal/bureau/campaign/housing"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/web"
	"yingji/internal/kit/xlsx"
)

// maxReport bounds an uploaded appraisal report.
const maxReport = 20 << 20

// campaignRow is a campaign in the list with its building count.
type campaignRow struct {
	housing.Campaign
	Buildings int64
}

func (h *Handlers) housingList(w http.ResponseWriter, r *http.Request) {
	h.housingListPage(w, r, http.StatusOK, nil)
}

func (h *Handlers) housingListPage(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	p := web.PrincipalFrom(r.Context())
	list, err := h.Svc.Housing.Campaigns(r.Context(), p)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	rows := make([]campaignRow, 0, len(list))
	for _, c := range list {
		tot, err := h.Svc.Housing.Totals(r.Context(), p, c.ID)
		if err != nil {
			h.UI.Error(w, r, err)
			return
		}
		var n int64
		for _, v := range tot {
			n += v
		}
		rows = append(rows, campaignRow{Campaign: c, Buildings: n})
	}
	if f == nil {
		f = web.EmptyForm(map[string]string{"starts_on": h.Svc.Housing.Today()})
	}
	h.render(w, r, status, "housing_list", h.t(r, "housing.title"), map[string]any{"Campaigns": rows, "CanManage": housing.MayManage(p)}, f)
}

func (h *Handlers) housingCreate(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	c, err := h.Svc.Housing.CreateCampaign(r.Context(), web.PrincipalFrom(r.Context()), housing.Campaign{Name: f.Get("name"),
		StartsOn: f.Get("starts_on"), EndsOn: f.Get("ends_on"), Note: f.Get("note")})
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.AnyError, func(status int) { h.housingListPage(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/housing/"+c.ID, "housing.campaign_created", "Name", c.Name)
}

// metricLabels are the progress columns' message IDs.
func metricLabel(m housing.Metric) string { return "housing.metric." + string(m) }

// chartOf is the progress chart's ECharts option: the work after the
// survey, by town.
func (h *Handlers) chartOf(r *http.Request, pr housing.Progress) string {
	var names []string
	for _, t := range pr.Towns {
		names = append(names, t.Name)
	}
	var series []map[string]any
	for _, m := range pr.Metrics[1:] {
		var data []int64
		for _, t := range pr.Towns {
			data = append(data, t.By[m].Total())
		}
		series = append(series, map[string]any{"name": h.t(r, metricLabel(m)), "type": "bar", "data": data})
	}
	opt := map[string]any{
		"tooltip": map[string]any{"trigger": "axis"},
		"legend":  map[string]any{"top": 0},
		"grid":    map[string]any{"left": 48, "right": 12, "top": 36, "bottom": 56},
		"xAxis":   map[string]any{"type": "category", "data": names, "axisLabel": map[string]any{"rotate": 30, "interval": 0}},
		"yAxis":   map[string]any{"type": "value"},
		"series":  series,
	}
	b, _ := json.Marshal(opt)
	return string(b)
}

// reportedValues turns reported figures into form values.
func reportedValues(rep *housing.Reported) map[string]string {
	v := map[string]string{}
	if rep == nil {
		return v
	}
	v["as_of"], v["note"] = rep.AsOf, rep.Note
	for m, f := range rep.Figures {
		for part, x := range map[string]*int64{"total": f.Total, "urban": f.Urban, "rural": f.Rural} {
			if x != nil {
				v[string(m)+"_"+part] = strconv.FormatInt(*x, 10)
			}
		}
	}
	return v
}

func (h *Handlers) housingCampaign(w http.ResponseWriter, r *http.Request) {
	h.housingCampaignPage(w, r, http.StatusOK, nil)
}

func (h *Handlers) housingCampaignPage(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	p := web.PrincipalFrom(r.Context())
	ctx := r.Context()
	c, err := h.Svc.Housing.Campaign(ctx, p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	on := r.URL.Query().Get("on")
	badOn := false
	if on != "" {
		if d, err := day.Parse(on); err == nil {
			on = d
		} else {
			on, badOn = "", true
		}
	}
	pr, err := h.Svc.Housing.Progress(ctx, p, c.ID, on)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	warns, err := h.Svc.Housing.Warnings(ctx, p, c)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if f == nil {
		f = web.EmptyForm(reportedValues(c.Reported))
		if f.Values["as_of"] == "" {
			f.Values["as_of"] = pr.On
		}
	}
	data := map[string]any{"C": c, "P": pr, "Warnings": warns, "Chart": h.chartOf(r, pr), "CanManage": housing.MayManage(p),
		"BadOn": badOn, "Metrics": housing.ProgressMetrics, "Today": h.Svc.Housing.Today()}
	h.render(w, r, status, "housing_campaign", c.Name, data, f)
}

// parseReported reads the reported figures form.
func parseReported(f *web.Form) (housing.Reported, error) {
	rep := housing.Reported{AsOf: f.Get("as_of"), Note: f.Get("note"), Figures: map[housing.Metric]housing.ReportedFigure{}}
	var fe errs.FieldErrors
	for _, m := range housing.ProgressMetrics {
		var fig housing.ReportedFigure
		for _, part := range []string{"total", "urban", "rural"} {
			key := string(m) + "_" + part
			s := strings.TrimSpace(f.Get(key))
			if s == "" {
				continue
			}
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 {
				fe = append(fe, errs.Field(key, "housing.count_invalid", nil))
				continue
			}
			switch part {
			case "total":
				fig.Total = &n
			case "urban":
				fig.Urban = &n
			case "rural":
				fig.Rural = &n
			}
		}
		if fig.Total != nil || fig.Urban != nil || fig.Rural != nil {
			rep.Figures[m] = fig
		}
	}
	return rep, fe.Err()
}

func (h *Handlers) housingReported(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	rep, err := parseReported(f)
	if err == nil {
		_, err = h.Svc.Housing.SetReported(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), rep)
	}
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.IsInvalid, func(status int) { h.housingCampaignPage(w, r, status, f) })
		return
	}
	h.UI.Redirect(w, r, "/housing/"+r.PathValue("id")+"?on="+url.QueryEscape(rep.AsOf), "action.saved")
}

// progressSchema is the progress table's Excel layout.
func (h *Handlers) progressSchema(r *http.Request) xlsx.Schema {
	cols := []xlsx.Column{{Key: "town", Header: h.t(r, "housing.town"), Width: 14}}
	for _, m := range housing.ProgressMetrics {
		label := h.t(r, metricLabel(m))
		cols = append(cols,
			xlsx.Column{Key: string(m) + "_urban", Header: label + "-" + h.t(r, "housing.urban"), Width: 12},
			xlsx.Column{Key: string(m) + "_rural", Header: label + "-" + h.t(r, "housing.rural"), Width: 12},
			xlsx.Column{Key: string(m) + "_total", Header: label + "-" + h.t(r, "housing.total"), Width: 12})
	}
	return xlsx.Schema{Name: "分乡镇进度", Columns: cols}
}

func (h *Handlers) housingProgressXLSX(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	c, err := h.Svc.Housing.Campaign(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	on, _ := day.Parse(r.URL.Query().Get("on"))
	pr, err := h.Svc.Housing.Progress(r.Context(), p, c.ID, on)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.UI.SendXLSX(w, r, fmt.Sprintf("%s-进度-截至%s.xlsx", c.Name, pr.On), h.xlsxWriter(h.progressSchema(r)), func(xw *xlsx.Writer) error {
		row := func(name string, cells []housing.Split) error {
			vals := []any{name}
			for _, s := range cells {
				vals = append(vals, s.Urban, s.Rural, s.Total())
			}
			return xw.Write(vals...)
		}
		for _, t := range pr.Towns {
			if err := row(t.Name, t.Cells); err != nil {
				return err
			}
		}
		return row(h.t(r, "housing.total"), pr.Total)
	})
}

// xlsxWriter opens a spreadsheet of schema s (for UI.SendXLSX).
func (h *Handlers) xlsxWriter(s xlsx.Schema) func(io.Writer) (*xlsx.Writer, error) {
	return func(w io.Writer) (*xlsx.Writer, error) { return xlsx.NewWriter(w, s) }
}
