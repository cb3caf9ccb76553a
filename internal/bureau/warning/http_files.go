package warning

import (
	"io"
	"net/http"
	"time"

	"yingji/internal/kit/web"
	"yingji/internal/kit/xlsx"
)

// RecipientsSchema is the layout of a warning's 签收情况 export.
func RecipientsSchema() xlsx.Schema {
	return xlsx.Schema{Name: "签收情况", Columns: []xlsx.Column{
		{Key: "name", Header: "接收单位", HeaderEN: "Recipient", Width: 24},
		{Key: "kind", Header: "单位类别", HeaderEN: "Kind"},
		{Key: "users", Header: "通知账号数", HeaderEN: "Accounts notified"},
		{Key: "notified_at", Header: "通知时间", HeaderEN: "Notified", Width: 17},
		{Key: "state", Header: "签收情况", HeaderEN: "Acknowledged"},
		{Key: "acked_at", Header: "签收时间", HeaderEN: "Acknowledged at", Width: 17},
		{Key: "acked_by", Header: "签收人", HeaderEN: "Acknowledged by"},
		{Key: "acked_via", Header: "签收方式", HeaderEN: "Via"},
		{Key: "reminders", Header: "提醒次数", HeaderEN: "Reminders"},
		{Key: "escalated", Header: "已上报领导", HeaderEN: "Escalated"},
	}}
}

var recipientKindZH = map[string]string{"town": "乡镇", "department": "部门", "enterprise": "企业"}
var ackViaZH = map[string]string{"app": "系统内签收", "link": "链接签收"}

// recipientsExport writes a warning's recipient units and their 签收
// (the page's ?ack filter applies) as an Excel file.
func (h *Handlers) recipientsExport(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	x, err := h.Svc.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	list, err := h.Svc.Recipients(r.Context(), p, x.ID)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	ack := r.URL.Query().Get("ack")
	at := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(cst).Format("2006-01-02 15:04")
	}
	h.UI.SendXLSX(w, r, "签收情况-"+x.Identifier+".xlsx", func(out io.Writer) (*xlsx.Writer, error) { return xlsx.NewWriter(out, RecipientsSchema()) },
		func(xw *xlsx.Writer) error {
			for _, rc := range list {
				if ack != "" && (ack == "open") == rc.Acked() {
					continue
				}
				state, escalated := "未签收", "否"
				if rc.Acked() {
					state = "已签收"
				}
				if !rc.EscalatedAt.IsZero() {
					escalated = "是"
				}
				if err := xw.Write(rc.Name, recipientKindZH[rc.Kind], rc.Users, at(rc.NotifiedAt), state, at(rc.AckedAt), rc.AckedBy, ackViaZH[rc.AckedVia],
					rc.Reminders, escalated); err != nil {
					return err
				}
			}
			return nil
		})
}

func (h *Handlers) capFile(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	var doc []byte
	var x Warning
	var err error
	county := h.County
	if p != nil {
		county = p.CountyCode
	}
	// Published warnings are public; drafts only for those who may read them.
	doc, x, err = h.Svc.PublicCAP(r.Context(), county, r.PathValue("id"))
	if err != nil && p != nil {
		doc, x, err = h.Svc.CAP(r.Context(), p, r.PathValue("id"))
	}
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	name := x.Identifier
	if name == "" {
		name = "draft-" + x.ID
	}
	w.Header().Set("Content-Type", "application/cap+xml; charset=utf-8")
	w.Header().Set("Content-Disposition", "inline; filename=\""+name+".xml\"")
	_, _ = w.Write(doc)
}

func (h *Handlers) importForm(w http.ResponseWriter, r *http.Request) {
	h.UI.Show(w, r, http.StatusOK, "warning_import", "warning.import_title", "warnings", nil, web.EmptyForm(nil))
}

func (h *Handlers) importPost(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := web.EmptyForm(nil)
	file, _, err := r.FormFile("file")
	if err != nil {
		f.Errors["file"] = h.UI.I18n.T(web.Lang(r.Context()), "warning.file_required", nil)
		h.UI.Show(w, r, http.StatusUnprocessableEntity, "warning_import", "warning.import_title", "warnings", nil, f)
		return
	}
	defer file.Close()
	x, err := h.Svc.Import(r.Context(), p, file)
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.AnyError, func(status int) {
			h.UI.Show(w, r, status, "warning_import", "warning.import_title", "warnings", nil, f)
		})
		return
	}
	h.UI.Redirect(w, r, "/warnings/"+x.ID, "warning.imported")
}
