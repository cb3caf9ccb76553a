package ledger

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"yingji/internal/kit/attach"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/jobs"
	"yingji/internal/kit/store"
	"yingji/internal/kit/web"
	"yingji/internal/kit/xlsx"
)

// JobKind is the background job that runs web imports.
const JobKind = "import"

// MaxUpload bounds an uploaded Excel file.
const MaxUpload = 100 << 20

// Handlers serve template download, export and import for ledgers.
type Handlers struct {
	UI       *web.UI
	DB       *store.DB
	Jobs     *jobs.Runner
	Attach   *attach.Service
	Registry *Registry
	// Principal returns the principal of a user id (for jobs).
	Principal func(ctx context.Context, userID string) (*auth.Principal, error)
	// Examples, when set, rewrites a schema's examples for the running
	// county (its own towns and codes) in templates and on import pages.
	Examples func(ctx context.Context, s xlsx.Schema) xlsx.Schema
}

// schema is l's schema with the county's examples.
func (h *Handlers) schema(ctx context.Context, l *Ledger) xlsx.Schema {
	if h.Examples == nil {
		return l.Schema
	}
	return h.Examples(ctx, l.Schema)
}

// Payload is an import job's payload.
type Payload struct {
	Kind         string `json:"kind"`
	AttachmentID string `json:"attachment_id"`
	Filename     string `json:"filename"`
	OnlyValid    bool   `json:"only_valid"`
	Target       string `json:"target,omitempty"` // the ledger's Target value
	UserID       string `json:"user_id"`
	Back         string `json:"back"` // the list page to return to
}

// Register adds GET base/export for an exportable ledger, and GET
// base/template, GET base/import and POST base/import for an importable
// one; the routes must be in the policy table.
func (h *Handlers) Register(rt *web.Router, base string, l *Ledger) {
	if l.Export != nil {
		rt.Handle("GET "+base+"/export", h.export(l))
	}
	if l.NewImport != nil {
		rt.Handle("GET "+base+"/template", h.template(l))
		rt.Handle("GET "+base+"/import", h.importPage(l, base))
		rt.Handle("POST "+base+"/import", h.upload(l, base))
	}
}

// SharedRoutes declares the routes shared by all imports (any logged-in
// user; the handlers decide whose import it is).
func (h *Handlers) SharedRoutes() web.Routes {
	return web.Routes{
		{Pattern: "GET /imports/{id}/errors.xlsx", Roles: web.AnyUser, Handler: h.errorReport},
		{Pattern: "POST /imports/{id}/only-valid", Roles: web.AnyUser, Handler: h.onlyValid},
	}
}

func attachmentHeader(w http.ResponseWriter, name string) {
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
}

func (h *Handlers) template(l *Ledger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		attachmentHeader(w, l.Schema.Name+"-导入模板.xlsx")
		if err := xlsx.WriteTemplate(w, h.schema(r.Context(), l)); err != nil {
			h.UI.Log.Error("template", "kind", l.Kind, "err", err)
		}
	}
}

func (h *Handlers) export(l *Ledger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := web.PrincipalFrom(r.Context())
		name := fmt.Sprintf("%s-%s.xlsx", l.Schema.Name, time.Now().In(web.Shanghai).Format("20060102"))
		xw, err := xlsx.NewWriter(w, l.ExportSchema())
		if err != nil {
			h.UI.Error(w, r, err)
			return
		}
		// Rows are streamed: the header is sent once the first bytes are
		// written by Close, so an error before that still gets a page.
		if err := l.Export(r.Context(), p, r.URL.Query(), xw); err != nil {
			xw.Discard()
			h.UI.Error(w, r, err)
			return
		}
		attachmentHeader(w, name)
		if err := xw.Close(); err != nil {
			h.UI.Log.Error("export", "kind", l.Kind, "err", err)
		}
	}
}

func (h *Handlers) importPage(l *Ledger, base string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		page, err := h.importForm(r, l, base, "")
		if err != nil {
			h.UI.Error(w, r, err)
			return
		}
		h.UI.Render(w, r, http.StatusOK, "import", page)
	}
}

// importForm is the import page with its form: the ledger's Target as a
// drop-down (preselected from the query or the posted form), msg as the
// form's error.
func (h *Handlers) importForm(r *http.Request, l *Ledger, base, msg string) (*web.Page, error) {
	data := map[string]any{"Ledger": l, "Base": base, "Columns": h.schema(r.Context(), l).Columns}
	if t := l.Target; t != nil {
		choices, err := t.Choices(r.Context(), web.PrincipalFrom(r.Context()))
		if err != nil {
			return nil, err
		}
		data["Target"], data["Choices"], data["Chosen"] = t, choices, r.FormValue(t.Param)
	}
	page := h.UI.NewPage(r, "", data)
	page.Title = page.T("import.title", "Name", page.T(l.Title))
	page.Active = l.Kind
	page.Form = web.EmptyForm(nil)
	page.Form.Error = msg
	return page, nil
}

func (h *Handlers) upload(l *Ledger, base string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := web.PrincipalFrom(r.Context())
		r.Body = http.MaxBytesReader(w, r.Body, MaxUpload)
		fail := func(status int, msg string) {
			page, err := h.importForm(r, l, base, msg)
			if err != nil {
				h.UI.Error(w, r, err)
				return
			}
			h.UI.Render(w, r, status, "import", page)
		}
		file, hdr, err := r.FormFile("file")
		if err != nil {
			fail(http.StatusUnprocessableEntity, h.UI.I18n.T(web.Lang(r.Context()), "import.no_file", nil))
			return
		}
		defer file.Close()
		target := ""
		if l.Target != nil {
			target = r.FormValue(l.Target.Param)
		}
		jobID := ""
		err = h.DB.InTx(r.Context(), func(tx *store.Tx) error {
			owner := ids.New()
			att, err := h.Attach.Save(r.Context(), tx, attach.Upload{CountyCode: p.CountyCode, OwnerEntity: "import", OwnerID: owner,
				Filename: hdr.Filename, Reader: file, UploadedBy: p.UserID})
			if err != nil {
				return err
			}
			if att.ContentType != attach.TypeXLSX {
				return errs.New(errs.Invalid, "import.not_xlsx")
			}
			jobID, err = h.Jobs.Enqueue(r.Context(), tx, jobs.NewJob{CountyCode: p.CountyCode, Kind: JobKind, CreatedBy: p.UserID, MaxAttempts: 1,
				Payload: Payload{Kind: l.Kind, AttachmentID: att.ID, Filename: hdr.Filename, OnlyValid: r.FormValue("only_valid") == "on", Target: target, UserID: p.UserID, Back: base}})
			return err
		})
		if err != nil {
			fail(web.StatusOf(err), h.UI.Message(web.Lang(r.Context()), err))
			return
		}
		h.Jobs.Wake()
		h.UI.Redirect(w, r, "/jobs/"+jobID, "")
	}
}

// JobHandler runs an import job: the whole file is checked, then committed
// in one transaction, or nothing is committed when a row is bad.
func (h *Handlers) JobHandler() jobs.Handler {
	return func(ctx context.Context, j *jobs.Job, prog jobs.Progress) error {
		var pl Payload
		if err := j.Decode(&pl); err != nil {
			return jobs.Permanent(err)
		}
		l, ok := h.Registry.Get(pl.Kind)
		if !ok {
			return jobs.Permanent(fmt.Errorf("unknown ledger %q", pl.Kind))
		}
		p, err := h.Principal(ctx, pl.UserID)
		if err != nil {
			return jobs.Permanent(err)
		}
		_, rc, err := h.Attach.Open(ctx, pl.AttachmentID)
		if err != nil {
			return jobs.Permanent(err)
		}
		defer rc.Close()
		prog.Set(0, 0, "正在检查文件…")
		res, err := Run(ctx, l, p, rc, Options{OnlyValid: pl.OnlyValid, Target: pl.Target}, func(done, total int64) {
			msg := fmt.Sprintf("已检查 %d 行", done)
			if total > 0 {
				msg = fmt.Sprintf("正在写入 %d / %d 行", done, total)
			}
			prog.Set(done, total, msg)
		})
		if res != nil {
			if e := j.SetResult(res); e != nil {
				return e
			}
		}
		switch {
		case err == nil:
			prog.Set(int64(res.Rows), int64(res.Rows), fmt.Sprintf("导入完成：%d 行", res.Imported))
			return nil
		case errs.Is(err, errs.Invalid) && res != nil:
			// Bad rows or a bad file: the job did its work (the report);
			// nothing was committed.
			if res.FileError != "" {
				prog.Set(0, 0, "文件无法导入："+res.FileError)
			} else {
				prog.Set(int64(res.Rows), int64(res.Rows), fmt.Sprintf("发现 %d 处错误，未导入任何数据", res.ErrorCount))
			}
			return nil
		}
		return jobs.Permanent(err)
	}
}

// ResultOf decodes an import job's result and payload (job page).
func ResultOf(j *jobs.Job) (*Result, *Payload) {
	if j.Kind != JobKind {
		return nil, nil
	}
	var pl Payload
	_ = j.Decode(&pl)
	if len(j.Result) == 0 {
		return nil, &pl
	}
	var res Result
	if err := json.Unmarshal(j.Result, &res); err != nil {
		return nil, &pl
	}
	return &res, &pl
}

func (h *Handlers) importJob(r *http.Request) (*jobs.Job, *Result, *Payload, error) {
	p := web.PrincipalFrom(r.Context())
	j, err := h.Jobs.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, nil, nil, err
	}
	if j.Kind != JobKind {
		return nil, nil, nil, errs.New(errs.NotFound, "not_found")
	}
	if j.CountyCode != p.CountyCode || (j.CreatedBy != p.UserID && !p.Is(auth.RoleAdmin)) {
		return nil, nil, nil, errs.OutOfScope("job", j.ID)
	}
	res, pl := ResultOf(j)
	if res == nil {
		return nil, nil, nil, errs.New(errs.Conflict, "import.not_finished")
	}
	return j, res, pl, nil
}

func (h *Handlers) errorReport(w http.ResponseWriter, r *http.Request) {
	_, res, _, err := h.importJob(r)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	attachmentHeader(w, "导入错误报告.xlsx")
	if err := xlsx.WriteErrorReport(w, res.Errors); err != nil {
		h.UI.Log.Error("error report", "err", err)
	}
}

func (h *Handlers) onlyValid(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	j, res, pl, err := h.importJob(r)
	if err == nil && (res.Committed || res.FileError != "") {
		err = errs.New(errs.Conflict, "import.nothing_to_redo")
	}
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	pl.OnlyValid = true
	pl.UserID = p.UserID
	var id string
	id, err = h.Jobs.EnqueueNow(r.Context(), jobs.NewJob{CountyCode: p.CountyCode, Kind: JobKind, CreatedBy: p.UserID, MaxAttempts: 1, Payload: pl})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	_ = j
	h.Jobs.Wake()
	h.UI.Redirect(w, r, "/jobs/"+id, "")
}

// Templates are the ledger pages (the upload page).
//
//go:embed templates/*.html
var Templates embed.FS
