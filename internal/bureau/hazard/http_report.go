package hazard

import (
	"errors"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"strings"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/attach"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/web"
)

// newValues are the report form's initial values.
func (h *Handlers) newValues(r *http.Request) map[string]string {
	p := web.PrincipalFrom(r.Context())
	v := map[string]string{"found_on": h.Svc.Today(), "source": string(SourceInspection), "enterprise_id": r.URL.Query().Get("enterprise"),
		"campaign": r.URL.Query().Get("campaign")}
	switch p.Role {
	case auth.RoleDepartment:
		v["source"], v["where"] = string(SourceDepartment), "place"
	case auth.RoleTown:
		v["town_code"] = p.RegionCode
	case auth.RoleEnterprise:
		v["source"], v["enterprise_id"] = string(SourceSelfCheck), p.EnterpriseID
	}
	if v["enterprise_id"] != "" {
		v["where"] = "enterprise"
	}
	return v
}

func (h *Handlers) newForm(w http.ResponseWriter, r *http.Request) {
	h.reportForm(w, r, http.StatusOK, web.EmptyForm(h.newValues(r)))
}

func (h *Handlers) reportForm(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	p := web.PrincipalFrom(r.Context())
	data, err := h.lookups(r.Context(), p)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	if id := f.Get("enterprise_id"); id != "" {
		if e, err := h.Ent.Get(r.Context(), p, id); err == nil {
			data["Enterprise"] = e
		}
	}
	// The form offers only the sources the user may record (a department
	// is not offered 企业自查).
	data["Sources"] = SourcesFor(p.Role)
	h.render(w, r, status, "hazard_form", "hazard.new", "hazards", data, f)
}

// maxUpload bounds a form with photos.
const maxUpload = 64 << 20

// parseForm reads a urlencoded or multipart form; the files of field
// "photos" become uploads (closed by the returned function).
func parseForm(w http.ResponseWriter, r *http.Request) (*web.Form, []attach.Upload, func(), error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	done := func() {}
	if err := r.ParseMultipartForm(8 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return web.NewForm(r), nil, done, errs.Field("photos", "hazard.upload_failed", nil)
	}
	f := web.NewForm(r)
	var ups []attach.Upload
	var opened []multipart.File
	done = func() {
		for _, o := range opened {
			o.Close()
		}
		if r.MultipartForm != nil {
			_ = r.MultipartForm.RemoveAll()
		}
	}
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["photos"] {
			if fh.Size == 0 && fh.Filename == "" {
				continue
			}
			file, err := fh.Open()
			if err != nil {
				done()
				return f, nil, func() {}, errs.Field("photos", "hazard.upload_failed", nil)
			}
			opened = append(opened, file)
			ups = append(ups, attach.Upload{Filename: fh.Filename, Reader: file})
		}
	}
	return f, ups, done, nil
}

func newHazardOf(f *web.Form) NewHazard {
	return NewHazard{EnterpriseID: f.Get("enterprise_id"), PlaceName: f.Get("place_name"), TownCode: f.Get("town_code"),
		Source: Source(f.Get("source")), SourceRef: f.Get("source_ref"), Campaign: f.Get("campaign"), Category: Category(f.Get("category")),
		Description: f.Get("description"), Place: f.Get("place"), Responsible: f.Get("responsible"), Measures: f.Get("measures"),
		FoundOn: f.Get("found_on")}
}

func (h *Handlers) create(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f, files, done, err := parseForm(w, r)
	defer done()
	var rec Record
	if err == nil {
		in := newHazardOf(f)
		if f.Get("where") == "place" {
			in.EnterpriseID = ""
		} else if in.EnterpriseID != "" {
			in.PlaceName = ""
		}
		rec, err = h.Svc.ReportFiles(r.Context(), p, in, files)
	}
	if err != nil {
		notInternal := func(err error) bool { return errs.KindOf(err) != errs.Internal }
		h.UI.FormFailed(w, r, f, err, notInternal, func(status int) {
			if len(errs.Fields(err)) > 0 {
				f.Error = h.UI.I18n.T(web.Lang(r.Context()), "form.invalid", nil)
			}
			h.reportForm(w, r, status, f)
		})
		return
	}
	h.UI.Redirect(w, r, "/hazards/"+rec.ID, "hazard.reported")
}

// Detail

// enterprises answers the report form's enterprise search: the
// enterprises in scope whose name contains q (or with that credit code),
// as JSON, or as <option> elements for htmx.
func (h *Handlers) enterprises(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	list, _, err := h.Ent.List(r.Context(), p, enterprise.Filter{Q: q, Limit: 20})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	items := []EnterpriseChoice{}
	for _, e := range list {
		items = append(items, EnterpriseChoice{e.ID, e.Name, e.CreditCode, e.TownCode, e.Sector})
	}
	if r.Header.Get("HX-Request") == "" {
		web.JSON(w, http.StatusOK, web.ItemList[EnterpriseChoice]{Items: items})
		return
	}
	var b strings.Builder
	lang := web.Lang(r.Context())
	if len(items) == 0 {
		b.WriteString(`<option value="">` + html.EscapeString(h.UI.I18n.T(lang, "hazard.no_enterprise_found", nil)) + `</option>`)
	}
	for _, it := range items {
		fmt.Fprintf(&b, `<option value="%s">%s（%s）</option>`, html.EscapeString(it.ID), html.EscapeString(it.Name), html.EscapeString(it.CreditCode))
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = io.WriteString(w, b.String())
}

// Overdue board
